// tiendo dashboard: plain ES2017, no libraries, charts in inline SVG. Every figure carries
// data-query (the /api/v1/ query, i.e. the CLI command, whose answer it comes from) and
// data-metric (an expression over that answer's JSON, rooted at the command's name, e.g.
// "summary.overdue / summary.total"); tests/integration/t1800-dashboard.sh checks them all.
'use strict';
(function () {
  // ---------------------------------------------------------------- formatting (vi-VN)
  const NF0 = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
  const NF1 = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const missing = (v) => v === null || v === undefined || (typeof v === 'number' && !isFinite(v));
  const num = (v) => (missing(v) ? '—' : NF0.format(v));
  const pct = (r) => (missing(r) ? '—' : NF1.format(r * 100) + '%');
  const pct0 = (r) => NF0.format(r * 100) + '%'; // axis ticks
  const bil = (v) => (missing(v) ? '—' : NF1.format(v / 1e9)); // tỷ đồng
  const ratio = (a, b) => (b ? a / b : null);
  const vnDate = (iso) => (iso ? iso.slice(8, 10) + '/' + iso.slice(5, 7) + '/' + iso.slice(0, 4) : '—');
  const vnInstant = (iso) => (iso ? vnDate(iso) + ' ' + iso.slice(11, 16) : '—');
  const shortDate = (iso) => iso.slice(8, 10) + '/' + iso.slice(5, 7);
  const addDays = (iso, n) => {
    const d = new Date(iso + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  };
  const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

  // Today in Vietnam (UTC+7), the calendar of the rules.
  function todayVN() {
    try {
      const t = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit',
      }).format(new Date());
      if (DATE_RE.test(t)) return t;
    } catch (e) { /* fall through */ }
    return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  }

  // ---------------------------------------------------------------- labels
  const CLASSES = [
    { key: 'completed_on_time', vi: 'Hoàn thành đúng hạn', en: 'completed on time', color: '#2e7d32' },
    { key: 'completed_late', vi: 'Hoàn thành trễ hạn', en: 'completed late', color: '#8bc34a' },
    { key: 'on_schedule', vi: 'Đang thực hiện, trong hạn', en: 'on schedule', color: '#1e88e5' },
    { key: 'overdue', vi: 'Quá hạn', en: 'overdue', color: '#e53935' },
    { key: 'regular', vi: 'Thường xuyên', en: 'regular, no deadline', color: '#9e9e9e' },
  ];
  const CATEGORY = {
    data: 'Dữ liệu', infrastructure: 'Hạ tầng', online_services: 'Dịch vụ công trực tuyến',
    procedures: 'Thủ tục hành chính', staffing: 'Nhân lực', funding: 'Kinh phí', other: 'Khác',
  };
  const STAGES = [
    { key: 'not_started', vi: 'Chưa triển khai', en: 'not started', color: '#e53935' },
    { key: 'deploying', vi: 'Đang triển khai', en: 'deploying', color: '#fb8c00' },
    { key: 'foundation_centralized', vi: 'Đã tập trung về nền tảng', en: 'centralized', color: '#2e7d32' },
  ];
  const LIVENESS = {
    online: { vi: 'Trực tuyến', en: 'online', color: '#2e7d32' },
    late: { vi: 'Chậm liên lạc', en: 'late', color: '#fb8c00' },
    silent: { vi: 'Mất liên lạc', en: 'silent', color: '#e53935' },
  };
  const STATE = { not_started: 'Chưa bắt đầu', in_progress: 'Đang thực hiện', done: 'Hoàn thành' };

  // ---------------------------------------------------------------- DOM and SVG
  function add(el, kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) add(el, k);
      else el.append(k instanceof Node ? k : String(k));
    }
    return el;
  }
  function setAttrs(el, attrs) {
    for (const k of Object.keys(attrs || {})) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    return el;
  }
  const h = (tag, attrs, ...kids) => add(setAttrs(document.createElement(tag), attrs), kids);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => add(setAttrs(document.createElementNS(SVGNS, tag), attrs), kids);
  const en = (text) => h('small', { lang: 'en' }, text);

  // A figure: its text, the expression it equals and the query that expression reads.
  const mattrs = (metric, query, scale) =>
    ({ 'data-metric': metric, 'data-query': query, 'data-scale': scale || null });
  const fig = (text, metric, query, opts) =>
    h((opts && opts.tag) || 'span', Object.assign({ class: 'fig' }, mattrs(metric, query, opts && opts.scale),
      (opts && opts.attrs) || {}), text);

  // ---------------------------------------------------------------- the API
  // At most six requests at a time (what a browser opens per host anyway).
  let active = 0;
  const waiting = [];
  const acquire = () => new Promise((ok) => { if (active < 6) { active++; ok(); } else waiting.push(ok); });
  const release = () => { const next = waiting.shift(); if (next) next(); else active--; };
  async function api(path) {
    await acquire();
    try {
      const r = await fetch('/api/v1/' + path, { cache: 'no-store' });
      const text = await r.text();
      let body;
      try { body = JSON.parse(text); } catch (e) {
        throw new Error(path + ': HTTP ' + r.status + ' ' + text.slice(0, 160));
      }
      if (!r.ok) throw new Error(path + ': ' + (body.error || 'HTTP ' + r.status));
      return body;
    } finally {
      release();
    }
  }
  const qs = (cmd, params) => cmd + '?' + Object.keys(params)
    .filter((k) => params[k] !== null && params[k] !== undefined)
    .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(params[k])).join('&');

  // The registry (name, kind, parent) does not change with the date: looked up once per code.
  const registryCache = new Map();
  function agencyInfo(code, day) {
    if (!registryCache.has(code)) {
      const p = api(qs('agency', { code, 'as-of': day })).then((d) => d.agency);
      p.catch(() => registryCache.delete(code));
      registryCache.set(code, p);
    }
    return registryCache.get(code);
  }

  // ---------------------------------------------------------------- the context of one date
  function makeContext(day, gen) {
    const memo = new Map();
    const ctx = {
      day, gen, year: day.slice(0, 4),
      get(path) { if (!memo.has(path)) memo.set(path, api(path)); return memo.get(path); },
    };
    ctx.q = {
      summary: qs('summary', { 'as-of': day, 'due-by': ctx.year + '-12-31' }),
      tasks: qs('tasks', { 'as-of': day }),
      overdue: qs('tasks', { 'as-of': day, class: 'overdue' }),
      trend: qs('trend', { from: addDays(day, -84), to: day, every: 'week', metric: 'tasks' }),
      agents: 'agents',
      infra: qs('infra', { 'as-of': day }),
      services: qs('services', { 'as-of': day }),
      databases: qs('databases', { 'as-of': day }),
      funding: qs('funding', { 'as-of': day }),
      obstacles: qs('obstacles', { 'as-of': day }),
    };
    // Codes: the leads of the tasks and the agencies with agents, then the parents of communes.
    ctx.registry = (async () => {
      const [tasks, agents] = await Promise.all([ctx.get(ctx.q.tasks), ctx.get(ctx.q.agents)]);
      const reg = new Map();
      const lookUp = (codes) => Promise.all([...codes].map(async (c) => reg.set(c, await agencyInfo(c, day))));
      await lookUp(new Set(tasks.tasks.map((t) => t.lead).concat(agents.agents.map((a) => a.agency))));
      await lookUp(new Set([...reg.values()].map((a) => a.parent).filter((p) => p && !reg.has(p))));
      return reg;
    })();
    ctx.provinces = ctx.registry.then((reg) => [...reg.values()].filter((a) => a.kind === 'province')
      .sort((a, b) => a.name.localeCompare(b.name, 'vi')));
    return ctx;
  }
  const nameOf = (reg, code) => (reg.get(code) ? reg.get(code).name : code);
  const shortName = (name) => name.replace(/^(Tỉnh|Thành phố) /, '');

  // Counts of tasks as the summary query makes them, from rows of the tasks query.
  function counts() {
    return { total: 0, completed: 0, completed_on_time: 0, completed_late: 0, on_schedule: 0,
      overdue: 0, regular: 0, unreported: 0 };
  }
  function count(c, t) {
    c.total++;
    c[t.class]++;
    if (t.class === 'completed') {
      c[t.deadline && t.completed_on && t.completed_on > t.deadline ? 'completed_late' : 'completed_on_time']++;
    }
    if (t.reported_as_of === null) c.unreported++;
  }
  const doneRate = (c) => ratio(c.completed, c.total - c.regular);
  const DONE_RATE = (root) => `${root}.completed / (${root}.total - ${root}.regular)`;

  // ---------------------------------------------------------------- widgets
  function card(label, enLabel, value, opts) {
    opts = opts || {};
    return h('div', { class: 'card' + (opts.tone ? ' ' + opts.tone : '') },
      opts.color ? h('span', { class: 'swatch', style: 'background:' + opts.color }) : null,
      h('div', { class: 'card-label' }, label, enLabel ? en(enLabel) : null),
      h('div', { class: 'card-value' }, value),
      opts.sub ? h('div', { class: 'card-sub' }, opts.sub) : null);
  }

  // A sortable table. cols: {label, en, num, get(row) -> sort value, cell(row) -> content}.
  function table(cols, rows, opts) {
    opts = opts || {};
    const ths = cols.map((c, i) => h('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': 'none' },
      h('button', { type: 'button', title: 'Sắp xếp / sort', onclick: () => sortBy(i) },
        c.label, c.en ? en(c.en) : null, h('span', { class: 'arrow', 'aria-hidden': 'true' }))));
    const trs = rows.map((r) => {
      const tr = h('tr', opts.rowAttrs ? opts.rowAttrs(r) : {},
        cols.map((c) => h('td', { class: c.num ? 'num' : (c.cls || null) }, c.cell(r))));
      tr._row = r;
      return tr;
    });
    const tbody = h('tbody', opts.tbody || {}, trs);
    let current = -1;
    let desc = false;
    function sortBy(i, wantDesc) {
      desc = wantDesc !== undefined ? wantDesc : (current === i ? !desc : !!cols[i].num);
      current = i;
      const get = cols[i].get;
      const tie = opts.tie || (() => 0);
      trs.sort((a, b) => compare(get(a._row), get(b._row), desc) || tie(a._row, b._row));
      tbody.append(...trs);
      ths.forEach((th, j) => {
        th.setAttribute('aria-sort', j === i ? (desc ? 'descending' : 'ascending') : 'none');
        th.querySelector('.arrow').textContent = j === i ? (desc ? ' ▼' : ' ▲') : '';
      });
    }
    if (opts.sort !== undefined) sortBy(opts.sort, opts.desc);
    return h('div', { class: 'tablewrap' + (opts.scroll ? ' scroll' : '') },
      h('table', { class: 'data' }, h('thead', {}, h('tr', {}, ths)), tbody));
  }
  function compare(a, b, desc) {
    const ma = missing(a);
    const mb = missing(b);
    if (ma || mb) return ma === mb ? 0 : (ma ? 1 : -1); // missing values last either way
    const r = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), 'vi');
    return desc ? -r : r;
  }

  // The smallest round number >= v whose n-th parts are round too (axis ticks).
  function niceMax(v, n) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const steps = n === 5 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] : [1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8, 10];
    for (const m of steps) if (m * p >= v) return m * p;
    return 10 * p;
  }
  const clip = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);

  // Horizontal bars. items: {label, title, value, text, attrs (of the value's text)}.
  function hbars(items, opts) {
    const W = opts.width || 460;
    const L = opts.labelWidth || 150;
    const R = 64;
    const row = 20;
    const top = opts.target !== undefined ? 18 : 6;
    const H = top + items.length * row + 22;
    const max = opts.max || niceMax(Math.max(0, ...items.map((i) => i.value || 0)), 4);
    const x = (v) => L + (W - L - R) * Math.max(0, Math.min(1, v / max));
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart hbars', role: 'img', 'aria-label': opts.title || '' });
    // Ticks: quarters, or whole steps for small counts.
    const n = opts.integer && max <= 5 ? Math.max(1, max) : opts.integer && max % 4 !== 0 && max % 5 === 0 ? 5 : 4;
    for (let k = 0; k <= n; k++) {
      const v = (max * k) / n;
      svg.append(s('line', { x1: x(v), x2: x(v), y1: top - 2, y2: H - 20, class: 'grid' }),
        s('text', { x: x(v), y: H - 6, class: 'tick', 'text-anchor': 'middle' }, (opts.tick || num)(v)));
    }
    items.forEach((it, i) => {
      const y = top + i * row;
      const g = s('g', {}, s('title', {}, it.title || it.label));
      g.append(s('text', { x: L - 6, y: y + 14, class: 'label', 'text-anchor': 'end' }, clip(it.label, opts.clip || 24)));
      g.append(s('rect', { x: L, y: y + 3, width: W - L - R, height: row - 6, class: 'track' }));
      if (!missing(it.value)) {
        g.append(s('rect', { x: L, y: y + 3, width: Math.max(0, x(it.value) - L), height: row - 6,
          fill: it.color || opts.color || '#1e88e5', rx: 2 }));
      }
      g.append(s('text', Object.assign({ x: missing(it.value) ? L + 4 : x(it.value) + 4, y: y + 14, class: 'value' },
        it.attrs || {}), it.text));
      svg.append(g);
    });
    if (opts.target !== undefined) {
      const tx = x(opts.target);
      svg.append(s('line', { x1: tx, x2: tx, y1: 12, y2: H - 20, class: 'target' }),
        s('text', { x: tx, y: 10, class: 'target-label', 'text-anchor': 'middle' }, opts.targetLabel || ''));
    }
    return svg;
  }

  // A 100% stacked bar. parts: {label, value, color}.
  function stack(parts, total, label) {
    const W = 1000;
    const svg = s('svg', { viewBox: `0 0 ${W} 28`, class: 'chart stack', preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    let x0 = 0;
    for (const p of parts) {
      const w = total ? (W * p.value) / total : 0;
      if (w > 0) svg.append(s('rect', { x: x0, y: 0, width: w, height: 28, fill: p.color }, s('title', {}, `${p.label}: ${num(p.value)} (${pct(ratio(p.value, total))})`)));
      x0 += w;
    }
    return svg;
  }

  // Lines over dates. series: {key, label, color, dash}.
  function lines(points, series, title) {
    const W = 900, H = 250, L = 58, R = 18, T = 12, B = 30;
    const max = niceMax(Math.max(1, ...points.reduce((all, p) => all.concat(series.map((sr) => p[sr.key] || 0)), [])), 5);
    const x = (i) => L + (points.length < 2 ? 0 : ((W - L - R) * i) / (points.length - 1));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart lines', role: 'img', 'aria-label': title });
    for (let k = 0; k <= 5; k++) {
      const v = (max * k) / 5;
      svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }),
        s('text', { x: L - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, num(v)));
    }
    points.forEach((p, i) => svg.append(s('text', { x: x(i), y: H - 10, class: 'tick', 'text-anchor': 'middle' }, shortDate(p.date))));
    for (const sr of series) {
      svg.append(s('polyline', { points: points.map((p, i) => `${x(i)},${y(p[sr.key])}`).join(' '),
        fill: 'none', stroke: sr.color, 'stroke-width': 2.5, 'stroke-dasharray': sr.dash || null }));
      points.forEach((p, i) => svg.append(s('circle', { cx: x(i), cy: y(p[sr.key]), r: 3.5, fill: sr.color },
        s('title', {}, `${sr.label} ${vnDate(p.date)}: ${num(p[sr.key])}`))));
    }
    return svg;
  }

  // A rate against a target, as a bar.
  function gauge(rate, target, color) {
    const W = 300;
    const svg = s('svg', { viewBox: `0 0 ${W} 16`, class: 'chart gauge', role: 'img', 'aria-label': pct(rate) });
    svg.append(s('rect', { x: 0, y: 2, width: W, height: 12, class: 'track', rx: 3 }));
    if (!missing(rate)) svg.append(s('rect', { x: 0, y: 2, width: W * Math.min(1, rate), height: 12, rx: 3, fill: color }));
    if (target !== undefined) svg.append(s('line', { x1: W * target, x2: W * target, y1: 0, y2: 16, class: 'target' }));
    return svg;
  }
  const legend = (items) => h('ul', { class: 'legend' }, items.map((i) =>
    h('li', {}, h('span', { class: 'swatch' + (i.dash ? ' dashed' : ''), style: 'background:' + i.color }), i.label, i.en ? en(i.en) : null)));
  const rateColor = (r, target) => (missing(r) ? '#9e9e9e' : r >= target ? '#2e7d32' : r >= target * 0.75 ? '#fb8c00' : '#e53935');

  // ---------------------------------------------------------------- views
  async function viewOverview(ctx) {
    const Q = ctx.q.summary;
    const sm = await ctx.get(Q);
    const of = (k) => h('span', {}, fig(pct(ratio(sm[k], sm.total)), `summary.${k} / summary.total`, Q), ' tổng số');
    const top = h('div', { class: 'cards' },
      card('Tổng số nhiệm vụ', 'tasks assigned', fig(num(sm.total), 'summary.total', Q), { tone: 'strong' }),
      card('Đã hoàn thành', 'completed', fig(num(sm.completed), 'summary.completed', Q), { sub: of('completed'), tone: 'strong' }),
      card(`Còn phải hoàn thành trong năm ${ctx.year}`, `open, due by 31/12/${ctx.year}`,
        fig(num(sm.open_due_by), 'summary.open_due_by', Q),
        { tone: 'strong accent', sub: h('span', {}, 'trong hạn và quá hạn, hạn chót đến 31/12/' + ctx.year) }),
      card('Chưa có báo cáo', 'unreported', fig(num(sm.unreported), 'summary.unreported', Q),
        { sub: of('unreported'), color: '#fb8c00' }));
    const classes = h('div', { class: 'cards classes' }, CLASSES.map((c) =>
      card(c.vi, c.en, fig(num(sm[c.key]), `summary.${c.key}`, Q), { color: c.color, sub: of(c.key) })));
    return [top, stack(CLASSES.map((c) => ({ label: c.vi, value: sm[c.key], color: c.color })), sm.total, 'Cơ cấu nhiệm vụ'),
      classes];
  }

  async function viewTrend(ctx) {
    const Q = ctx.q.trend;
    const t = await ctx.get(Q);
    const series = [
      { key: 'completed', label: 'Đã hoàn thành', en: 'completed', color: '#2e7d32' },
      { key: 'on_schedule', label: 'Trong hạn', en: 'on schedule', color: '#1e88e5' },
      { key: 'overdue', label: 'Quá hạn', en: 'overdue', color: '#e53935' },
      { key: 'unreported', label: 'Chưa báo cáo', en: 'unreported', color: '#fb8c00', dash: '5 4' },
    ];
    const pts = t.points;
    const grid = table(
      [{ label: 'Tuần đến', en: 'week to', get: (r) => r.label, cell: (r) => h('span', { class: 'rowhead' }, r.label) }]
        .concat(pts.map((p, i) => ({ label: shortDate(p.date), num: true, get: (r) => r.values[i], cell: (r) =>
          fig(num(r.values[i]), `trend.points[${i}].${r.key}`, Q) }))),
      series.concat([{ key: 'total', label: 'Tổng số' }]).map((sr) => ({ key: sr.key, label: sr.label, values: pts.map((p) => p[sr.key]) })));
    return [legend(series), lines(pts, series, 'Diễn biến theo tuần'), h('div', { class: 'compact' }, grid)];
  }

  // Rows of tasks counted per key (lead, or province), with the columns of both views.
  function taskColumns(ctx, queryOf, reg) {
    const c = (key, label, enLabel) => ({ label, en: enLabel, num: true, get: (r) => r.c[key],
      cell: (r) => fig(num(r.c[key]), `summary.${key}`, queryOf(r.code)) });
    return [
      { label: 'Cơ quan', en: 'agency', get: (r) => r.name, cell: (r) => h('span', {}, h('span', { class: 'name' }, r.name), ' ', h('code', {}, r.code)) },
      c('total', 'Tổng', 'total'),
      c('completed_on_time', 'Đúng hạn', 'on time'),
      c('completed_late', 'Trễ hạn', 'late'),
      c('on_schedule', 'Trong hạn', 'on sched.'),
      c('overdue', 'Quá hạn', 'overdue'),
      c('regular', 'T.xuyên', 'regular'),
      c('unreported', 'Chưa BC', 'unrep.'),
      { label: '% hoàn thành', en: 'done / with deadline', num: true, get: (r) => doneRate(r.c),
        cell: (r) => fig(pct(doneRate(r.c)), DONE_RATE('summary'), queryOf(r.code)) },
    ];
  }
  function rateChart(rows, queryOf, title) {
    const sorted = rows.slice().sort((a, b) => compare(doneRate(a.c), doneRate(b.c), true) || a.name.localeCompare(b.name, 'vi'));
    return hbars(sorted.map((r) => ({ label: shortName(r.name), title: `${r.name} (${r.code})`, value: doneRate(r.c),
      text: pct(doneRate(r.c)), attrs: mattrs(DONE_RATE('summary'), queryOf(r.code)),
      color: rateColor(doneRate(r.c), 0.8) })), { max: 1, tick: pct0, title, width: 520, labelWidth: 220, clip: 31 });
  }

  async function viewLeads(ctx) {
    const [tasks, reg] = await Promise.all([ctx.get(ctx.q.tasks), ctx.registry]);
    const by = new Map();
    for (const t of tasks.tasks) {
      const a = reg.get(t.lead);
      if (a && (a.kind === 'province' || a.kind === 'commune')) continue;
      if (!by.has(t.lead)) by.set(t.lead, { code: t.lead, name: nameOf(reg, t.lead), c: counts() });
      count(by.get(t.lead).c, t);
    }
    const rows = [...by.values()];
    const queryOf = (code) => qs('summary', { 'as-of': ctx.day, lead: code });
    return h('div', { class: 'split' },
      table(taskColumns(ctx, queryOf, reg), rows, { sort: 8, desc: true, tie: (a, b) => a.name.localeCompare(b.name, 'vi') }),
      h('figure', {}, rateChart(rows, queryOf, 'Tỷ lệ hoàn thành theo bộ, ngành'),
        h('figcaption', {}, 'Tỷ lệ hoàn thành trên số nhiệm vụ có thời hạn ', en('completed / tasks with a deadline'))));
  }

  async function viewProvinces(ctx) {
    const [tasks, reg, provinces] = await Promise.all([ctx.get(ctx.q.tasks), ctx.registry, ctx.provinces]);
    const by = new Map(provinces.map((p) => [p.code, { code: p.code, name: p.name, c: counts() }]));
    for (const t of tasks.tasks) {
      const a = reg.get(t.lead);
      const p = a && (a.kind === 'province' ? a.code : a.kind === 'commune' ? a.parent : null);
      if (p && by.has(p)) count(by.get(p).c, t);
    }
    const rows = [...by.values()];
    const queryOf = (code) => qs('summary', { 'as-of': ctx.day, province: code });
    return h('div', { class: 'split' },
      table(taskColumns(ctx, queryOf, reg), rows, { sort: 8, desc: true, tie: (a, b) => a.name.localeCompare(b.name, 'vi') }),
      h('figure', {}, rateChart(rows, queryOf, 'Tỷ lệ hoàn thành theo tỉnh, thành phố'),
        h('figcaption', {}, 'Nhiệm vụ do tỉnh và các xã của tỉnh chủ trì ', en("the province's and its communes' tasks"))));
  }

  async function viewOverdue(ctx) {
    const [tasks, reg, sm] = await Promise.all([ctx.get(ctx.q.tasks), ctx.registry, ctx.get(ctx.q.summary)]);
    const Q = ctx.q.overdue;
    const rows = tasks.tasks.filter((t) => t.class === 'overdue');
    const find = (t) => `find(tasks.tasks, '${t.id}')`;
    const maxDays = Math.max(1, ...rows.map((t) => t.days_overdue));
    const head = h('p', { class: 'lead' }, fig(num(sm.overdue), 'summary.overdue', ctx.q.summary), ' nhiệm vụ quá hạn, ',
      'lâu nhất ', rows.length ? fig(num(maxDays), 'max(r.days_overdue for r in tasks.tasks)', Q) : '0', ' ngày ',
      en('overdue tasks; the longest, in days'));
    return [head, table([
      { label: 'Mã', en: 'id', get: (t) => t.id, cell: (t) => h('code', {}, t.id) },
      { label: 'Nhiệm vụ', en: 'task', get: (t) => t.title, cls: 'title', cell: (t) => h('span', { title: t.source }, t.title) },
      { label: 'Chủ trì', en: 'lead', get: (t) => nameOf(reg, t.lead), cell: (t) => h('span', {},
        fig(t.lead, find(t) + '.lead', Q, { tag: 'code' }), ' ', h('span', { class: 'name' }, nameOf(reg, t.lead))) },
      { label: 'Hạn', en: 'deadline', get: (t) => t.deadline, cell: (t) => fig(vnDate(t.deadline), find(t) + '.deadline', Q) },
      { label: 'Tiến độ', en: 'progress', num: true, get: (t) => t.progress, cell: (t) =>
        t.progress === null ? fig('—', find(t) + '.progress', Q) : fig(NF0.format(t.progress) + '%', find(t) + '.progress / 100', Q) },
      { label: 'Số ngày quá hạn', en: 'days overdue', num: true, get: (t) => t.days_overdue, cell: (t) =>
        h('span', { class: 'daysbar' }, h('span', { class: 'bar', style: `width:${(100 * t.days_overdue) / maxDays}%` }),
          fig(num(t.days_overdue), find(t) + '.days_overdue', Q)) },
    ], rows, { sort: 5, desc: true, scroll: true, tbody: { 'data-list': 'overdue', 'data-query': Q },
      rowAttrs: (t) => ({ 'data-id': t.id }), tie: (a, b) => a.id.localeCompare(b.id) })];
  }

  async function viewInfra(ctx) {
    const Q = ctx.q.infra;
    const [nat, provinces] = await Promise.all([ctx.get(Q), ctx.provinces]);
    const per = await Promise.all(provinces.map(async (p) => {
      const q = qs('infra', { 'as-of': ctx.day, province: p.code });
      return { code: p.code, name: p.name, q, d: await ctx.get(q) };
    }));
    const cards = h('div', { class: 'cards' },
      card('Xã đã báo cáo', 'communes reporting', h('span', {}, fig(num(nat.communes_reporting), 'infra.communes_reporting', Q),
        ' / ', fig(num(nat.communes_total), 'infra.communes_total', Q))),
      card('Thôn chưa có sóng di động', 'villages without signal', fig(num(nat.villages_signal_gap), 'infra.villages_signal_gap', Q),
        { color: '#e53935', sub: h('span', {}, fig(pct(ratio(nat.villages_signal_gap, nat.villages_total)), 'infra.villages_signal_gap / infra.villages_total', Q),
          ' trên ', fig(num(nat.villages_total), 'infra.villages_total', Q), ' thôn') }),
      card('Thôn chưa có điện', 'villages without power', fig(num(nat.villages_no_power), 'infra.villages_no_power', Q),
        { color: '#fb8c00', sub: h('span', {}, fig(pct(ratio(nat.villages_no_power, nat.villages_total)), 'infra.villages_no_power / infra.villages_total', Q), ' số thôn') }),
      card('Xã thiếu thiết bị đầu cuối', 'communes short of terminals', fig(num(nat.communes_short_of_terminals), 'infra.communes_short_of_terminals', Q),
        { sub: h('span', {}, 'có ', fig(num(nat.terminals_available), 'infra.terminals_available', Q), ' / cần ',
          fig(num(nat.terminals_required), 'infra.terminals_required', Q)) }),
      card('Xã kết nối CSDL dân cư', 'population DB connected', fig(num(nat.population_db_connected), 'infra.population_db_connected', Q),
        { sub: h('span', {}, fig(pct(ratio(nat.population_db_connected, nat.communes_reporting)), 'infra.population_db_connected / infra.communes_reporting', Q), ' số xã báo cáo') }));
    const maxGap = Math.max(1, ...per.map((r) => r.d.villages_signal_gap));
    const c = (key, label, enLabel) => ({ label, en: enLabel, num: true, get: (r) => r.d[key], cell: (r) => fig(num(r.d[key]), `infra.${key}`, r.q) });
    const tbl = table([
      { label: 'Tỉnh, thành phố', en: 'province', get: (r) => r.name, cell: (r) => h('span', {}, h('span', { class: 'name' }, r.name), ' ', h('code', {}, r.code)) },
      { label: 'Xã báo cáo', en: 'reporting / total', num: true, get: (r) => r.d.communes_reporting, cell: (r) =>
        h('span', {}, fig(num(r.d.communes_reporting), 'infra.communes_reporting', r.q), ' / ', fig(num(r.d.communes_total), 'infra.communes_total', r.q)) },
      { label: 'Thôn chưa có sóng', en: 'no signal', num: true, get: (r) => r.d.villages_signal_gap, cell: (r) =>
        h('span', { class: 'daysbar' }, h('span', { class: 'bar', style: `width:${(100 * r.d.villages_signal_gap) / maxGap}%` }),
          fig(num(r.d.villages_signal_gap), 'infra.villages_signal_gap', r.q)) },
      { label: '% thôn', en: 'of villages', num: true, get: (r) => ratio(r.d.villages_signal_gap, r.d.villages_total), cell: (r) =>
        fig(pct(ratio(r.d.villages_signal_gap, r.d.villages_total)), 'infra.villages_signal_gap / infra.villages_total', r.q) },
      c('villages_no_power', 'Thôn chưa có điện', 'no power'),
      c('communes_short_of_terminals', 'Xã thiếu thiết bị', 'short of terminals'),
      { label: 'Thiết bị có / cần', en: 'terminals', num: true, get: (r) => r.d.terminals_available - r.d.terminals_required, cell: (r) =>
        h('span', {}, fig(num(r.d.terminals_available), 'infra.terminals_available', r.q), ' / ', fig(num(r.d.terminals_required), 'infra.terminals_required', r.q)) },
      c('population_db_connected', 'Kết nối CSDL dân cư', 'pop. DB'),
    ], per, { sort: 2, desc: true, scroll: true, tie: (a, b) => a.name.localeCompare(b.name, 'vi') });
    return [cards, tbl];
  }

  async function viewServices(ctx) {
    const Q = ctx.q.services;
    const [nat, provinces] = await Promise.all([ctx.get(Q), ctx.provinces]);
    const per = await Promise.all(provinces.map(async (p) => {
      const q = qs('services', { 'as-of': ctx.day, province: p.code });
      return { code: p.code, name: p.name, q, d: await ctx.get(q) };
    }));
    const target = nat.fully_online_target;
    const T = fig(pct(target), 'services.fully_online_target', Q);
    const rateRow = (label, enLabel, key, withTarget) => h('div', { class: 'rate' },
      h('div', { class: 'rate-label' }, label, en(enLabel)),
      gauge(nat[key], withTarget ? target : undefined, withTarget ? rateColor(nat[key], target) : '#1e88e5'),
      h('div', { class: 'rate-value' }, fig(pct(nat[key]), `services.${key}`, Q)));
    const national = h('div', { class: 'rates' },
      h('p', { class: 'lead' }, fig(num(nat.localities_reporting), 'services.localities_reporting', Q), ' tỉnh, xã báo cáo; mục tiêu hồ sơ trực tuyến toàn trình ', T,
        ' ', en('localities reporting; target for fully online files')),
      rateRow('Thủ tục cung cấp trực tuyến', 'procedures online', 'online_rate', false),
      rateRow('Hồ sơ trực tuyến toàn trình', 'files fully online', 'fully_online_rate', true),
      rateRow('Hồ sơ đã số hóa', 'records digitized', 'digitized_rate', false),
      h('p', { class: 'note' }, fig(num(nat.procedures_online), 'services.procedures_online', Q), ' / ',
        fig(num(nat.procedures_total), 'services.procedures_total', Q), ' thủ tục trực tuyến; ',
        fig(num(nat.files_fully_online), 'services.files_fully_online', Q), ' / ',
        fig(num(nat.files_received), 'services.files_received', Q), ' hồ sơ toàn trình; ',
        fig(num(nat.localities_fully_announced), 'services.localities_fully_announced', Q), ' địa phương đã công bố đủ thủ tục.'));
    const rc = (key, label, enLabel, withTarget) => ({ label, en: enLabel, num: true, get: (r) => r.d[key], cell: (r) =>
      h('span', { class: 'ratecell' }, gauge(r.d[key], withTarget ? target : undefined, withTarget ? rateColor(r.d[key], target) : '#1e88e5'),
        fig(pct(r.d[key]), `services.${key}`, r.q)) });
    const tbl = table([
      { label: 'Tỉnh, thành phố', en: 'province', get: (r) => r.name, cell: (r) => h('span', {}, h('span', { class: 'name' }, r.name), ' ', h('code', {}, r.code)) },
      { label: 'Báo cáo', en: 'localities', num: true, get: (r) => r.d.localities_reporting, cell: (r) => fig(num(r.d.localities_reporting), 'services.localities_reporting', r.q) },
      rc('online_rate', 'TTHC trực tuyến', 'procedures online', false),
      rc('fully_online_rate', 'Toàn trình (mục tiêu 80%)', 'fully online vs target', true),
      rc('digitized_rate', 'Số hóa hồ sơ', 'digitized', false),
    ], per, { sort: 3, desc: true, scroll: true, tie: (a, b) => a.name.localeCompare(b.name, 'vi') });
    return h('div', { class: 'split narrow-left' }, national, tbl);
  }

  async function viewDatabases(ctx) {
    const Q = ctx.q.databases;
    const [db, reg] = await Promise.all([ctx.get(Q), ctx.registry]);
    const cards = h('div', { class: 'cards' },
      card('Tổng số CSDL', 'databases', fig(num(db.total), 'databases.total', Q), { tone: 'strong' }),
      STAGES.map((st) => card(st.vi, st.en, fig(num(db[st.key]), `databases.${st.key}`, Q),
        { color: st.color, sub: h('span', {}, fig(pct(ratio(db[st.key], db.total)), `databases.${st.key} / databases.total`, Q)) })));
    const by = new Map();
    for (const d of db.databases) {
      if (!by.has(d.agency)) by.set(d.agency, { code: d.agency, name: nameOf(reg, d.agency), total: 0, not_started: 0, deploying: 0, foundation_centralized: 0 });
      const r = by.get(d.agency);
      r.total++;
      r[d.stage]++;
    }
    const queryOf = (code) => qs('databases', { 'as-of': ctx.day, agency: code });
    const c = (key, label, enLabel) => ({ label, en: enLabel, num: true, get: (r) => r[key], cell: (r) => fig(num(r[key]), `databases.${key}`, queryOf(r.code)) });
    const tbl = table([
      { label: 'Cơ quan', en: 'agency', get: (r) => r.name, cell: (r) => h('span', {}, h('span', { class: 'name' }, r.name), ' ', h('code', {}, r.code)) },
      c('total', 'Tổng', 'total'), c('not_started', 'Chưa TK', 'not started'), c('deploying', 'Đang TK', 'deploying'),
      c('foundation_centralized', 'Đã tập trung', 'centralized'),
    ], [...by.values()], { sort: 2, desc: true, scroll: true, tie: (a, b) => a.name.localeCompare(b.name, 'vi') });
    return [cards, stack(STAGES.map((st) => ({ label: st.vi, value: db[st.key], color: st.color })), db.total, 'CSDL theo giai đoạn'), tbl];
  }

  async function viewFunding(ctx) {
    const Q = ctx.q.funding;
    const f = await ctx.get(Q);
    const B = '1000000000';
    const items = [
      { key: 'requested_vnd', label: 'Đề xuất', en: 'requested', color: '#78909c' },
      { key: 'allocated_vnd', label: 'Đã phân bổ', en: 'allocated', color: '#1e88e5' },
      { key: 'unallocated_vnd', label: 'Chưa phân bổ', en: 'unallocated', color: '#fb8c00' },
      { key: 'disbursed_vnd', label: 'Đã giải ngân', en: 'disbursed', color: '#2e7d32' },
    ];
    return [
      h('div', { class: 'cards' },
        card('Tỷ lệ giải ngân', 'disbursed / allocated', fig(pct(f.disbursement_rate), 'funding.disbursement_rate', Q), { tone: 'strong' }),
        card('Cơ quan báo cáo', 'agencies reporting', fig(num(f.agencies_reporting), 'funding.agencies_reporting', Q))),
      h('p', { class: 'note' }, 'Đơn vị: tỷ đồng ', en('billion VND')),
      hbars(items.map((i) => ({ label: i.label, value: f[i.key], color: i.color, text: bil(f[i.key]) + ' tỷ',
        attrs: mattrs(`funding.${i.key}`, Q, B) })), { max: niceMax(Math.max(1, f.requested_vnd, f.allocated_vnd), 4), tick: (v) => NF0.format(v / 1e9), width: 460, labelWidth: 110 }),
    ];
  }

  async function viewObstacles(ctx) {
    const Q = ctx.q.obstacles;
    const [ob, reg] = await Promise.all([ctx.get(Q), ctx.registry]);
    const cats = Object.keys(ob.by_category).filter((k) => ob.by_category[k] > 0)
      .sort((a, b) => ob.by_category[b] - ob.by_category[a] || a.localeCompare(b));
    const side = h('div', { class: 'split even' },
      h('div', { class: 'cards column' },
        card('Tổng số', 'total', fig(num(ob.total), 'obstacles.total', Q), { tone: 'strong' }),
        card('Đang vướng', 'open', fig(num(ob.open), 'obstacles.open', Q), { color: '#e53935' }),
        card('Đã giải quyết', 'resolved', fig(num(ob.resolved), 'obstacles.resolved', Q), { color: '#2e7d32' })),
      h('figure', {}, hbars(cats.map((k) => ({ label: CATEGORY[k] || k, value: ob.by_category[k], text: num(ob.by_category[k]), color: '#8e24aa',
        attrs: mattrs(`obstacles.by_category.${k}`, Q) })), { width: 460, labelWidth: 170, integer: true }),
        h('figcaption', {}, 'Theo lĩnh vực, cả đang vướng và đã giải quyết ', en('by category, open and resolved'))));
    const rows = ob.obstacles.slice();
    const find = (o) => `find(obstacles.obstacles, agency='${o.agency}', id='${o.id}')`;
    const tbl = table([
      { label: 'Trạng thái', en: 'state', get: (o) => (o.state === 'open' ? 0 : 1), cell: (o) =>
        h('span', { class: 'pill ' + o.state }, o.state === 'open' ? 'Đang vướng' : 'Đã giải quyết') },
      { label: 'Cơ quan', en: 'agency', get: (o) => nameOf(reg, o.agency), cell: (o) => h('span', {},
        fig(o.agency, find(o) + '.agency', Q, { tag: 'code' }), ' ', h('span', { class: 'name' }, nameOf(reg, o.agency))) },
      { label: 'Lĩnh vực', en: 'category', get: (o) => CATEGORY[o.category] || o.category, cell: (o) => CATEGORY[o.category] || o.category },
      { label: 'Nội dung', en: 'description', get: (o) => o.description, cls: 'title', cell: (o) => o.description },
      { label: 'Ngày nêu', en: 'reported', get: (o) => o.reported_on, cell: (o) => fig(vnDate(o.reported_on), find(o) + '.reported_on', Q) },
      { label: 'Ngày giải quyết', en: 'resolved', get: (o) => o.resolved_on, cell: (o) => fig(vnDate(o.resolved_on), find(o) + '.resolved_on', Q) },
    ], rows, { sort: 0, desc: false, scroll: true, tbody: { 'data-list': 'obstacles', 'data-query': Q },
      rowAttrs: (o) => ({ 'data-id': o.agency + '/' + o.id, 'data-state': o.state }),
      tie: (a, b) => compare(a.reported_on, b.reported_on, false) || a.agency.localeCompare(b.agency) || a.id.localeCompare(b.id) });
    return [side, tbl];
  }

  async function viewAgents(ctx) {
    const Q = ctx.q.agents;
    const [ag, reg] = await Promise.all([ctx.get(Q), ctx.registry]);
    const states = ['online', 'late', 'silent'];
    const qOf = (st) => qs('agents', { state: st });
    const per = await Promise.all(states.map((st) => ctx.get(qOf(st))));
    const cards = h('div', { class: 'cards' },
      card('Tổng số agent', 'agent keys', fig(num(ag.agents.length), 'len(agents.agents)', Q), { tone: 'strong' }),
      states.map((st, i) => card(LIVENESS[st].vi, LIVENESS[st].en, fig(num(per[i].agents.length), 'len(agents.agents)', qOf(st)),
        { color: LIVENESS[st].color })));
    const rows = [].concat(per[1].agents.map((a) => Object.assign({ q: qOf('late') }, a)),
      per[2].agents.map((a) => Object.assign({ q: qOf('silent') }, a)));
    const find = (a) => `find(agents.agents, agency='${a.agency}', key='${a.key}')`;
    const list = rows.length === 0
      ? h('p', { class: 'ok-note' }, 'Tất cả agent đều đang liên lạc bình thường. ', en('every agent is online'))
      : table([
        { label: 'Cơ quan', en: 'agency', get: (a) => nameOf(reg, a.agency), cell: (a) => h('span', {},
          fig(a.agency, find(a) + '.agency', a.q, { tag: 'code' }), ' ', h('span', { class: 'name' }, nameOf(reg, a.agency))) },
        { label: 'Trạng thái', en: 'state', get: (a) => a.state, cell: (a) => h('span', { class: 'pill ' + a.state }, (LIVENESS[a.state] || {}).vi || a.state) },
        { label: 'Liên lạc cuối', en: 'last contact', get: (a) => a.last_contact, cell: (a) =>
          fig(vnInstant(a.last_contact), find(a) + '.last_contact', a.q) },
        { label: 'Báo cáo mới nhất', en: 'last report as of', get: (a) => a.last_report_as_of, cell: (a) =>
          fig(vnInstant(a.last_report_as_of), find(a) + '.last_report_as_of', a.q) },
        { label: 'Chu kỳ (giây)', en: 'interval s', num: true, get: (a) => a.interval_s, cell: (a) => fig(num(a.interval_s), find(a) + '.interval_s', a.q) },
        { label: 'Hàng đợi', en: 'outbox', num: true, get: (a) => a.outbox_depth, cell: (a) => fig(num(a.outbox_depth), find(a) + '.outbox_depth', a.q) },
      ], rows, { sort: 2, desc: false, scroll: true, tbody: { 'data-list': 'agents-not-online' },
        rowAttrs: (a) => ({ 'data-id': a.agency, 'data-state': a.state }) });
    return [cards, h('h3', {}, 'Agent không trực tuyến ', en('late or silent')), list,
      h('p', { class: 'note' }, 'Trạng thái tính tại thời điểm xem, không theo ngày đã chọn. ', en('liveness is as of now, not of the chosen date'))];
  }

  const VIEWS = {
    overview: viewOverview, trend: viewTrend, leads: viewLeads, provinces: viewProvinces, overdue: viewOverdue,
    infra: viewInfra, services: viewServices, databases: viewDatabases, funding: viewFunding,
    obstacles: viewObstacles, agents: viewAgents,
  };

  // ---------------------------------------------------------------- rendering a date
  let generation = 0;
  async function runView(section, fn, ctx) {
    const body = section.querySelector('.body');
    section.setAttribute('data-state', 'loading');
    section.setAttribute('aria-busy', 'true');
    body.replaceChildren(h('p', { class: 'loading' }, 'Đang tải… ', en('loading')));
    try {
      const out = await fn(ctx);
      if (ctx.gen !== generation) return 'stale';
      body.replaceChildren(...[].concat(out));
      section.setAttribute('data-state', 'ok');
      return 'ok';
    } catch (e) {
      if (ctx.gen !== generation) return 'stale';
      console.error(section.id, e);
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Không tải được số liệu: ', String(e.message || e),
        ' ', en('could not load')));
      section.setAttribute('data-state', 'error');
      return 'error';
    } finally {
      if (ctx.gen === generation) section.removeAttribute('aria-busy');
    }
  }

  async function render(day) {
    const gen = ++generation;
    const ctx = makeContext(day, gen);
    ctx.registry.catch(() => {}); // each view reports its own failure
    ctx.provinces.catch(() => {});
    document.body.removeAttribute('data-ready');
    const input = document.getElementById('as-of');
    input.value = day;
    input.setAttribute('value', day);
    document.getElementById('asof-note').textContent = `Số liệu đến hết ngày ${vnDate(day)} (giờ Việt Nam)`;
    document.title = `Tiến độ nhiệm vụ đến ${vnDate(day)} — tiendo`;
    const sections = [...document.querySelectorAll('section[data-view]')];
    const results = await Promise.all(sections.map((sec) => runView(sec, VIEWS[sec.dataset.view], ctx)));
    if (gen !== generation) return;
    document.body.setAttribute('data-ready', day);
    document.body.setAttribute('data-errors', String(results.filter((r) => r === 'error').length));
  }

  function start() {
    const params = new URLSearchParams(location.search);
    const asked = params.get('as_of') || params.get('as-of');
    const day = asked && DATE_RE.test(asked) ? asked : todayVN();
    const input = document.getElementById('as-of');
    input.addEventListener('change', () => {
      if (!DATE_RE.test(input.value)) return;
      const url = new URL(location.href);
      url.searchParams.set('as_of', input.value);
      history.replaceState(null, '', url.pathname + url.search + url.hash);
      render(input.value);
    });
    document.getElementById('asof-form').addEventListener('submit', (e) => e.preventDefault());
    render(day);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
