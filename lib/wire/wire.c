/* tiendo.v1.Envelope <-> td_msg. protobuf-c checks neither UTF-8 nor enum ranges and keeps
 * unknown fields, so every frame is checked here before anything is copied out of the arena. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

#define S_AS_OF_MIN INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define S_AS_OF_MAX INT64_C(4102444800) /* 2100-01-01T00:00:00Z */
#define S_PATH_MAX 96                   /* "report.tasks[99999].evidence[31]" and room */

typedef Tiendo__V1__Envelope s_envelope;
typedef Tiendo__V1__TaskStatus s_item;
typedef Tiendo__V1__ItemRejection s_rejection;
typedef Tiendo__V1__Param s_param;

/* ---- td_msg_fini ---- */

static void s_ack_fini(td_ack *a)
{
    for (size_t i = 0; i < a->n_rejected; i++) {
        free(a->rejected[i].id);
        free(a->rejected[i].reason);
    }
    free(a->rejected);
}

static void s_query_fini(td_query *q)
{
    free(q->command);
    for (size_t i = 0; i < q->n_params; i++) {
        free(q->params[i].name);
        free(q->params[i].value);
    }
    free(q->params);
}

void td_msg_fini(td_msg *self)
{
    if (self == NULL)
        return;
    switch (self->type) {
    case TD_MSG_HELLO:
        free(self->u.hello.software);
        break;
    case TD_MSG_REPORT:
        td_report_fini(&self->u.report.report);
        td_removed_free(self->u.report.removed, self->u.report.n_removed);
        break;
    case TD_MSG_ACK:
        s_ack_fini(&self->u.ack);
        break;
    case TD_MSG_NACK:
        free(self->u.nack.reason);
        break;
    case TD_MSG_QUERY:
        s_query_fini(&self->u.query);
        break;
    case TD_MSG_REPLY:
        free(self->u.reply.error);
        free(self->u.reply.json);
        break;
    }
    memset(self, 0, sizeof *self);
}

/* ---- encoding ---- */

/* The protobuf side of one message being encoded. Strings point into the td_msg. */
struct s_out {
    s_envelope env;
    union {
        Tiendo__V1__Hello hello;
        Tiendo__V1__Report report;
        Tiendo__V1__Ack ack;
        Tiendo__V1__Nack nack;
        Tiendo__V1__Heartbeat heartbeat;
        Tiendo__V1__Query query;
        Tiendo__V1__Reply reply;
    } body;
    void **repeated; /* the one repeated message field: n pointers, then the n structs */
    td_wire_sections_out sections; /* a report's sections */
    td_wire_probes_out probes;     /* a report's outages and readings */
};

/* protobuf-c wants char * for strings it only reads. */
static char s_empty[] = "";

char *td_wire_str(const char *s)
{
    return s == NULL ? s_empty : (char *)s;
}

td_err td_wire_repeated(size_t n, size_t size, void ***out)
{
    _Static_assert(_Alignof(s_item) <= _Alignof(void *) &&
                       _Alignof(s_rejection) <= _Alignof(void *) &&
                       _Alignof(s_param) <= _Alignof(void *) &&
                       _Alignof(Tiendo__V1__Database) <= _Alignof(void *) &&
                       _Alignof(Tiendo__V1__Obstacle) <= _Alignof(void *) &&
                       _Alignof(Tiendo__V1__Outage) <= _Alignof(void *) &&
                       _Alignof(Tiendo__V1__ProbeReading) <= _Alignof(void *),
                   "structs must align like the pointers before them");
    *out = NULL;
    if (n == 0)
        return TD_OK;
    void **block = calloc(n, sizeof(void *) + size);
    if (block == NULL)
        return TD_ENOMEM;
    char *structs = (char *)(block + n);
    for (size_t i = 0; i < n; i++)
        block[i] = structs + i * size;
    *out = block;
    return TD_OK;
}

static td_err s_encode_item(const td_task_status *s, s_item *t)
{
    if (s->progress < 0)
        return TD_EINVAL;
    for (size_t i = 0; i < s->n_evidence; i++) {
        if (s->evidence[i] == NULL)
            return TD_EINVAL;
    }
    tiendo__v1__task_status__init(t);
    t->id = td_wire_str(s->id);
    t->state = (Tiendo__V1__TaskState)s->state;
    t->progress = (uint32_t)s->progress;
    t->completed_on = s->completed_on;
    t->note = td_wire_str(s->note);
    t->n_evidence = s->n_evidence;
    t->evidence = s->evidence;
    return TD_OK;
}

static td_err s_encode_report(const td_report_msg *r, struct s_out *o)
{
    Tiendo__V1__Report *pb = &o->body.report;
    tiendo__v1__report__init(pb);
    pb->seq = r->seq;
    pb->as_of = r->report.as_of;
    pb->agency = td_wire_str(r->report.agency);
    pb->interval_s = r->interval_s;
    pb->outbox_depth = r->outbox_depth;
    pb->thinned = r->thinned;
    pb->outbox_id = r->outbox_id;
    pb->base_seq = r->base_seq;
    pb->digest = r->digest;
    pb->base_digest = r->base_digest;
    for (size_t i = 0; i < r->n_removed; i++)
        if (r->removed[i] == NULL)
            return TD_EINVAL;
    pb->n_removed = r->n_removed;
    pb->removed = r->removed;
    td_err err = td_wire_repeated(r->report.n_tasks, sizeof(s_item), &o->repeated);
    for (size_t i = 0; err == TD_OK && i < r->report.n_tasks; i++)
        err = s_encode_item(&r->report.tasks[i], o->repeated[i]);
    pb->n_tasks = r->report.n_tasks;
    pb->tasks = (s_item **)o->repeated;
    o->env.report = pb;
    if (err == TD_OK)
        err = td_wire_encode_sections(&r->report, pb, &o->sections);
    return err ? err : td_wire_encode_probes(&r->report, pb, &o->probes);
}

static td_err s_encode_ack(const td_ack *a, struct s_out *o)
{
    Tiendo__V1__Ack *pb = &o->body.ack;
    tiendo__v1__ack__init(pb);
    pb->seq = a->seq;
    pb->accepted = a->accepted;
    pb->duplicate = a->duplicate;
    td_err err = td_wire_repeated(a->n_rejected, sizeof(s_rejection), &o->repeated);
    for (size_t i = 0; err == TD_OK && i < a->n_rejected; i++) {
        s_rejection *rej = o->repeated[i];
        tiendo__v1__item_rejection__init(rej);
        rej->id = td_wire_str(a->rejected[i].id);
        rej->reason = td_wire_str(a->rejected[i].reason);
    }
    pb->n_rejected = a->n_rejected;
    pb->rejected = (s_rejection **)o->repeated;
    o->env.ack = pb;
    return err;
}

static td_err s_encode_query(const td_query *q, struct s_out *o)
{
    Tiendo__V1__Query *pb = &o->body.query;
    tiendo__v1__query__init(pb);
    pb->id = q->id;
    pb->command = td_wire_str(q->command);
    td_err err = td_wire_repeated(q->n_params, sizeof(s_param), &o->repeated);
    for (size_t i = 0; err == TD_OK && i < q->n_params; i++) {
        s_param *p = o->repeated[i];
        tiendo__v1__param__init(p);
        p->name = td_wire_str(q->params[i].name);
        p->value = td_wire_str(q->params[i].value);
    }
    pb->n_params = q->n_params;
    pb->params = (s_param **)o->repeated;
    o->env.query = pb;
    return err;
}

static void s_encode_hello(const td_hello *h, struct s_out *o)
{
    tiendo__v1__hello__init(&o->body.hello);
    o->body.hello.software = td_wire_str(h->software);
    o->body.hello.interval_s = h->interval_s;
    o->env.hello = &o->body.hello;
}

static void s_encode_nack(const td_nack *n, struct s_out *o)
{
    tiendo__v1__nack__init(&o->body.nack);
    o->body.nack.seq = n->seq;
    o->body.nack.code = (Tiendo__V1__NackCode)n->code;
    o->body.nack.reason = td_wire_str(n->reason);
    o->env.nack = &o->body.nack;
}

static void s_encode_heartbeat(td_time sent_at, struct s_out *o)
{
    tiendo__v1__heartbeat__init(&o->body.heartbeat);
    o->body.heartbeat.sent_at = sent_at;
    o->env.heartbeat = &o->body.heartbeat;
}

static void s_encode_reply(const td_reply *r, struct s_out *o)
{
    tiendo__v1__reply__init(&o->body.reply);
    o->body.reply.id = r->id;
    o->body.reply.ok = r->ok;
    o->body.reply.error = td_wire_str(r->error);
    o->body.reply.json = td_wire_str(r->json);
    o->env.reply = &o->body.reply;
}

/* The envelope's body case is the field number, and td_msg_type follows the field order. */
static td_err s_encode_body(const td_msg *m, struct s_out *o)
{
    _Static_assert(TIENDO__V1__ENVELOPE__BODY_HELLO == TD_MSG_HELLO + 1 &&
                       TIENDO__V1__ENVELOPE__BODY_REPLY == TD_MSG_REPLY + 1,
                   "body case = type + 1");
    o->env.body_case = (Tiendo__V1__Envelope__BodyCase)(m->type + 1);
    switch (m->type) {
    case TD_MSG_HELLO:
        s_encode_hello(&m->u.hello, o);
        return TD_OK;
    case TD_MSG_REPORT:
        return s_encode_report(&m->u.report, o);
    case TD_MSG_ACK:
        return s_encode_ack(&m->u.ack, o);
    case TD_MSG_NACK:
        s_encode_nack(&m->u.nack, o);
        return TD_OK;
    case TD_MSG_HEARTBEAT:
        s_encode_heartbeat(m->u.heartbeat, o);
        return TD_OK;
    case TD_MSG_QUERY:
        return s_encode_query(&m->u.query, o);
    case TD_MSG_REPLY:
        s_encode_reply(&m->u.reply, o);
        return TD_OK;
    }
    return TD_EINVAL;
}

td_err td_wire_encode(const td_msg *m, uint8_t **buf, size_t *len)
{
    struct s_out o;
    memset(&o, 0, sizeof o);
    tiendo__v1__envelope__init(&o.env);
    o.env.version = TD_WIRE_VERSION;
    td_err err = s_encode_body(m, &o);
    if (err == TD_OK) {
        size_t n = tiendo__v1__envelope__get_packed_size(&o.env);
        uint8_t *out = malloc(n);
        if (out == NULL) {
            err = TD_ENOMEM;
        } else {
            tiendo__v1__envelope__pack(&o.env, out);
            *buf = out;
            *len = n;
        }
    }
    free(o.repeated);
    td_wire_sections_out_fini(&o.sections);
    td_wire_probes_out_fini(&o.probes);
    return err;
}

/* ---- checks on the unpacked protobuf ---- */

/* Unknown fields would be dropped silently by the copy, so a sender using a newer schema against
 * an older collector is told instead. */
td_err td_wire_check_known(const ProtobufCMessage *m, td_errmsg *why, const char *where, ...)
{
    if (m->n_unknown_fields == 0)
        return TD_OK;
    char path[S_PATH_MAX];
    va_list ap;
    va_start(ap, where);
    vsnprintf(path, sizeof path, where, ap);
    va_end(ap);
    return td_fail(why, TD_EPROTO, "unknown field %u in %s", (unsigned)m->unknown_fields[0].tag,
                   path);
}

td_err td_wire_check_text(const char *s, size_t max, td_errmsg *why, const char *field, ...)
{
    size_t n = strlen(s);
    if (n <= max && td_text_valid(s, max))
        return TD_OK;
    char path[S_PATH_MAX];
    va_list ap;
    va_start(ap, field);
    vsnprintf(path, sizeof path, field, ap);
    va_end(ap);
    if (n > max)
        return td_fail(why, TD_EPROTO, "%s is %zu bytes, more than %zu", path, n, max);
    return td_fail(why, TD_EPROTO, "%s is not valid UTF-8 or holds a control character", path);
}

td_err td_wire_check_count(size_t n, size_t max, td_errmsg *why, const char *what)
{
    if (n <= max)
        return TD_OK;
    return td_fail(why, TD_EPROTO, "%s has %zu entries, more than %zu", what, n, max);
}

static td_err s_check_item(const s_item *t, size_t i, td_errmsg *why)
{
    td_err err = td_wire_check_known(&t->base, why, "report.tasks[%zu]", i);
    if (err == TD_OK)
        err = td_wire_check_text(t->id, TD_ID_MAX, why, "report.tasks[%zu].id", i);
    if (err == TD_OK && t->progress > INT32_MAX)
        err = td_fail(why, TD_EPROTO, "report.tasks[%zu].progress %" PRIu32 " is out of range", i,
                      t->progress);
    if (err == TD_OK)
        err = td_wire_check_text(t->note, TD_TEXT_MAX, why, "report.tasks[%zu].note", i);
    if (err == TD_OK && t->n_evidence > TD_EVIDENCE_MAX)
        err = td_fail(why, TD_EPROTO, "report.tasks[%zu].evidence has %zu entries, more than %d", i,
                      t->n_evidence, TD_EVIDENCE_MAX);
    for (size_t j = 0; err == TD_OK && j < t->n_evidence; j++)
        err = td_wire_check_text(t->evidence[j], TD_TEXT_MAX, why,
                                 "report.tasks[%zu].evidence[%zu]", i, j);
    return err;
}

/* A delta report's removals: names of items or sections, checked against its base on receipt. */
static td_err s_check_removed(const Tiendo__V1__Report *r, td_errmsg *why)
{
    if (r->n_removed > 0 && r->base_seq == 0)
        return td_fail(why, TD_EPROTO, "report.removed is only allowed in a delta report");
    td_err err = td_wire_check_count(r->n_removed, TD_WIRE_MAX_REMOVED, why, "report.removed");
    for (size_t i = 0; err == TD_OK && i < r->n_removed; i++)
        err = td_wire_check_text(r->removed[i], TD_REMOVED_MAX, why, "report.removed[%zu]", i);
    return err;
}

/* Everything but the seq and the unknown fields of the report message itself: a queued body has
 * seq 0. */
static td_err s_check_status(const Tiendo__V1__Report *r, td_errmsg *why)
{
    if (!td_code_valid(r->agency))
        return td_fail(why, TD_EPROTO,
                       "report.agency is not an agency code (1..%d of "
                       "[A-Za-z0-9._-])",
                       TD_CODE_MAX);
    if (r->as_of < S_AS_OF_MIN || r->as_of >= S_AS_OF_MAX)
        return td_fail(why, TD_EPROTO, "report.as_of %" PRId64 " is outside 2000-01-01..2100-01-01",
                       (int64_t)r->as_of);
    td_err err = td_wire_check_count(r->n_tasks, TD_WIRE_MAX_ITEMS, why, "report.tasks");
    for (size_t i = 0; err == TD_OK && i < r->n_tasks; i++)
        err = s_check_item(r->tasks[i], i, why);
    if (err == TD_OK)
        err = td_wire_check_sections(r, why);
    if (err == TD_OK)
        err = td_wire_check_probes(r, why);
    return err ? err : s_check_removed(r, why);
}

static td_err s_check_report(const Tiendo__V1__Report *r, td_errmsg *why)
{
    td_err err = td_wire_check_known(&r->base, why, "report");
    if (err != TD_OK)
        return err;
    if (r->seq == 0)
        return td_fail(why, TD_EPROTO, "report.seq is 0");
    return s_check_status(r, why);
}

static td_err s_check_ack(const Tiendo__V1__Ack *a, td_errmsg *why)
{
    td_err err = td_wire_check_known(&a->base, why, "ack");
    if (err == TD_OK)
        err = td_wire_check_count(a->n_rejected, TD_WIRE_MAX_ITEMS, why, "ack.rejected");
    for (size_t i = 0; err == TD_OK && i < a->n_rejected; i++) {
        const s_rejection *r = a->rejected[i];
        err = td_wire_check_known(&r->base, why, "ack.rejected[%zu]", i);
        if (err == TD_OK)
            err = td_wire_check_text(r->id, TD_TEXT_MAX, why, "ack.rejected[%zu].id", i);
        if (err == TD_OK)
            err = td_wire_check_text(r->reason, TD_TEXT_MAX, why, "ack.rejected[%zu].reason", i);
    }
    return err;
}

static td_err s_check_nack(const Tiendo__V1__Nack *n, td_errmsg *why)
{
    _Static_assert((int)TIENDO__V1__NACK_CODE__NACK_MALFORMED == (int)TD_NACK_MALFORMED &&
                       (int)TIENDO__V1__NACK_CODE__NACK_NEED_FULL == (int)TD_NACK_NEED_FULL,
                   "td_nack_code follows NackCode");
    int code = (int)n->code;
    td_err err = td_wire_check_known(&n->base, why, "nack");
    if (err == TD_OK && (code < TD_NACK_MALFORMED || code > TD_NACK_NEED_FULL))
        err = td_fail(why, TD_EPROTO, "nack.code %d is not a known code", code);
    if (err == TD_OK)
        err = td_wire_check_text(n->reason, TD_TEXT_MAX, why, "nack.reason");
    return err;
}

static td_err s_check_query(const Tiendo__V1__Query *q, td_errmsg *why)
{
    td_err err = td_wire_check_known(&q->base, why, "query");
    if (err == TD_OK && q->command[0] == '\0')
        err = td_fail(why, TD_EPROTO, "query.command is empty");
    if (err == TD_OK)
        err = td_wire_check_text(q->command, TD_WIRE_COMMAND_MAX, why, "query.command");
    if (err == TD_OK)
        err = td_wire_check_count(q->n_params, TD_WIRE_MAX_PARAMS, why, "query.params");
    for (size_t i = 0; err == TD_OK && i < q->n_params; i++) {
        const s_param *p = q->params[i];
        err = td_wire_check_known(&p->base, why, "query.params[%zu]", i);
        if (err == TD_OK)
            err = td_wire_check_text(p->name, TD_WIRE_PARAM_NAME_MAX, why, "query.params[%zu].name",
                                     i);
        if (err == TD_OK)
            err = td_wire_check_text(p->value, TD_WIRE_PARAM_VALUE_MAX, why,
                                     "query.params[%zu].value", i);
    }
    return err;
}

static td_err s_check_reply(const Tiendo__V1__Reply *r, size_t len, td_errmsg *why)
{
    td_err err = td_wire_check_known(&r->base, why, "reply");
    if (err == TD_OK)
        err = td_wire_check_text(r->error, len, why, "reply.error");
    if (err == TD_OK)
        err = td_wire_check_text(r->json, len, why, "reply.json");
    return err;
}

static td_err s_check_body(const s_envelope *env, size_t len, td_errmsg *why)
{
    switch (env->body_case) {
    case TIENDO__V1__ENVELOPE__BODY_HELLO: {
        td_err err = td_wire_check_known(&env->hello->base, why, "hello");
        return err ? err
                   : td_wire_check_text(env->hello->software, TD_TEXT_MAX, why, "hello.software");
    }
    case TIENDO__V1__ENVELOPE__BODY_REPORT:
        return s_check_report(env->report, why);
    case TIENDO__V1__ENVELOPE__BODY_ACK:
        return s_check_ack(env->ack, why);
    case TIENDO__V1__ENVELOPE__BODY_NACK:
        return s_check_nack(env->nack, why);
    case TIENDO__V1__ENVELOPE__BODY_HEARTBEAT:
        return td_wire_check_known(&env->heartbeat->base, why, "heartbeat");
    case TIENDO__V1__ENVELOPE__BODY_QUERY:
        return s_check_query(env->query, why);
    case TIENDO__V1__ENVELOPE__BODY_REPLY:
        return s_check_reply(env->reply, len, why);
    default:
        return td_fail(why, TD_EPROTO, "envelope has no body");
    }
}

static td_err s_check_envelope(const s_envelope *env, size_t len, td_errmsg *why)
{
    td_err err = td_wire_check_known(&env->base, why, "envelope");
    if (err != TD_OK)
        return err;
    if (env->version != TD_WIRE_VERSION)
        return td_fail(why, TD_EPROTO, "unsupported protocol version %" PRIu32 " (expected %d)",
                       env->version, TD_WIRE_VERSION);
    if (env->body_case == TIENDO__V1__ENVELOPE__BODY__NOT_SET)
        return td_fail(why, TD_EPROTO, "envelope has no body");
    size_t canonical = tiendo__v1__envelope__get_packed_size(env);
    if (canonical != len)
        return td_fail(why, TD_EPROTO,
                       "message is %zu bytes but its canonical encoding is %zu: a field given "
                       "twice, a second body, a default value written out, an overlong varint "
                       "or a NUL inside a string",
                       len, canonical);
    return s_check_body(env, len, why);
}

/* ---- copying out of the arena ---- */

static td_err s_dup(const char *s, char **out)
{
    *out = strdup(s);
    return *out == NULL ? TD_ENOMEM : TD_OK;
}

/* Items are zeroed and counted before they are filled, so td_report_fini frees a partial copy. */
static td_err s_copy_item(const s_item *t, td_task_status *s)
{
    memcpy(s->id, t->id, strlen(t->id) + 1); /* checked: at most TD_ID_MAX bytes */
    s->state = (int)t->state;
    s->progress = (int)t->progress; /* checked: at most INT32_MAX */
    s->completed_on = t->completed_on;
    if (t->note[0] != '\0' && s_dup(t->note, &s->note) != TD_OK)
        return TD_ENOMEM;
    if (t->n_evidence == 0)
        return TD_OK;
    s->evidence = calloc(t->n_evidence, sizeof *s->evidence);
    if (s->evidence == NULL)
        return TD_ENOMEM;
    s->n_evidence = t->n_evidence;
    for (size_t i = 0; i < t->n_evidence; i++) {
        if (s_dup(t->evidence[i], &s->evidence[i]) != TD_OK)
            return TD_ENOMEM;
    }
    return TD_OK;
}

static td_err s_copy_status(const Tiendo__V1__Report *r, td_report *out)
{
    memcpy(out->agency, r->agency, strlen(r->agency) + 1); /* checked: a valid code */
    out->as_of = r->as_of;
    td_err err = td_wire_copy_sections(r, out);
    if (err == TD_OK)
        err = td_wire_copy_probes(r, out);
    if (err != TD_OK || r->n_tasks == 0)
        return err;
    out->tasks = calloc(r->n_tasks, sizeof *out->tasks);
    if (out->tasks == NULL)
        return TD_ENOMEM;
    out->n_tasks = r->n_tasks;
    for (size_t i = 0; err == TD_OK && i < r->n_tasks; i++)
        err = s_copy_item(r->tasks[i], &out->tasks[i]);
    return err;
}

static td_err s_copy_report(const Tiendo__V1__Report *r, td_report_msg *m)
{
    m->seq = r->seq;
    m->interval_s = r->interval_s;
    m->outbox_depth = r->outbox_depth;
    m->thinned = r->thinned;
    m->outbox_id = r->outbox_id;
    m->base_seq = r->base_seq;
    m->digest = r->digest;
    m->base_digest = r->base_digest;
    if (r->n_removed > 0) {
        if (!(m->removed = calloc(r->n_removed, sizeof *m->removed)))
            return TD_ENOMEM;
        for (; m->n_removed < r->n_removed; m->n_removed++)
            if (s_dup(r->removed[m->n_removed], &m->removed[m->n_removed]) != TD_OK)
                return TD_ENOMEM;
    }
    return s_copy_status(r, &m->report);
}

static td_err s_copy_ack(const Tiendo__V1__Ack *a, td_ack *m)
{
    m->seq = a->seq;
    m->accepted = a->accepted;
    m->duplicate = a->duplicate;
    if (a->n_rejected == 0)
        return TD_OK;
    m->rejected = calloc(a->n_rejected, sizeof *m->rejected);
    if (m->rejected == NULL)
        return TD_ENOMEM;
    m->n_rejected = a->n_rejected;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < a->n_rejected; i++) {
        err = s_dup(a->rejected[i]->id, &m->rejected[i].id);
        if (err == TD_OK)
            err = s_dup(a->rejected[i]->reason, &m->rejected[i].reason);
    }
    return err;
}

static td_err s_copy_query(const Tiendo__V1__Query *q, td_query *m)
{
    m->id = q->id;
    td_err err = s_dup(q->command, &m->command);
    if (err != TD_OK || q->n_params == 0)
        return err;
    m->params = calloc(q->n_params, sizeof *m->params);
    if (m->params == NULL)
        return TD_ENOMEM;
    m->n_params = q->n_params;
    for (size_t i = 0; err == TD_OK && i < q->n_params; i++) {
        err = s_dup(q->params[i]->name, &m->params[i].name);
        if (err == TD_OK)
            err = s_dup(q->params[i]->value, &m->params[i].value);
    }
    return err;
}

static td_err s_copy_reply(const Tiendo__V1__Reply *r, td_reply *m)
{
    m->id = r->id;
    m->ok = r->ok;
    td_err err = s_dup(r->error, &m->error);
    return err ? err : s_dup(r->json, &m->json);
}

static td_err s_copy_body(const s_envelope *env, td_msg *m)
{
    m->type = (int)env->body_case - 1;
    switch (env->body_case) {
    case TIENDO__V1__ENVELOPE__BODY_HELLO:
        m->u.hello.interval_s = env->hello->interval_s;
        return s_dup(env->hello->software, &m->u.hello.software);
    case TIENDO__V1__ENVELOPE__BODY_REPORT:
        return s_copy_report(env->report, &m->u.report);
    case TIENDO__V1__ENVELOPE__BODY_ACK:
        return s_copy_ack(env->ack, &m->u.ack);
    case TIENDO__V1__ENVELOPE__BODY_NACK:
        m->u.nack.seq = env->nack->seq;
        m->u.nack.code = (int)env->nack->code;
        return s_dup(env->nack->reason, &m->u.nack.reason);
    case TIENDO__V1__ENVELOPE__BODY_HEARTBEAT:
        m->u.heartbeat = env->heartbeat->sent_at;
        return TD_OK;
    case TIENDO__V1__ENVELOPE__BODY_QUERY:
        return s_copy_query(env->query, &m->u.query);
    case TIENDO__V1__ENVELOPE__BODY_REPLY:
        return s_copy_reply(env->reply, &m->u.reply);
    default:
        return TD_EPROTO; /* s_check_body refused it already */
    }
}

/* ---- decoding ---- */

static td_err s_unpack_failed(const td_wire_arena *arena, size_t len, td_errmsg *why)
{
    if (arena->exhausted)
        return td_fail(why, TD_EPROTO,
                       "message of %zu bytes needs more than %zu bytes of memory to unpack", len,
                       arena->cap);
    return td_fail(why, TD_EPROTO, "message of %zu bytes is not a tiendo.v1.Envelope", len);
}

td_err td_wire_decode(const uint8_t *buf, size_t len, td_msg *out, td_errmsg *why)
{
    if (len == 0)
        return td_fail(why, TD_EPROTO, "empty message: no version and no body");
    td_wire_arena arena;
    size_t cap = td_wire_arena_size(len);
    if (td_wire_arena_init(&arena, cap) != TD_OK)
        return td_fail(why, TD_ENOMEM, "no memory to unpack a message of %zu bytes", len);
    td_err err;
    s_envelope *env = tiendo__v1__envelope__unpack(&arena.allocator, len, buf);
    if (env == NULL) {
        err = s_unpack_failed(&arena, len, why);
    } else {
        td_msg m;
        memset(&m, 0, sizeof m);
        err = s_check_envelope(env, len, why);
        if (err == TD_OK && (err = s_copy_body(env, &m)) != TD_OK)
            td_fail(why, err, "no memory to copy a message of %zu bytes", len);
        if (err == TD_OK)
            *out = m;
        else
            td_msg_fini(&m);
        tiendo__v1__envelope__free_unpacked(env, &arena.allocator);
    }
    td_wire_arena_fini(&arena);
    return err;
}

/* ---- report bodies ---- */

td_err td_wire_encode_body(const td_report *r, uint8_t **buf, size_t *len)
{
    td_msg m = {.type = TD_MSG_REPORT};
    m.u.report.report = *r; /* borrowed: encoding only reads it */
    return td_wire_encode(&m, buf, len);
}

td_err td_wire_decode_body(const uint8_t *buf, size_t len, td_report *out, td_errmsg *why)
{
    td_wire_arena arena;
    if (td_wire_arena_init(&arena, td_wire_arena_size(len)) != TD_OK)
        return td_fail(why, TD_ENOMEM, "no memory to unpack a report of %zu bytes", len);
    td_err err;
    s_envelope *env = tiendo__v1__envelope__unpack(&arena.allocator, len, buf);
    if (env == NULL) {
        err = s_unpack_failed(&arena, len, why);
    } else {
        td_report r;
        memset(&r, 0, sizeof r);
        err = td_wire_check_known(&env->base, why, "envelope");
        if (err == TD_OK && env->body_case != TIENDO__V1__ENVELOPE__BODY_REPORT)
            err = td_fail(why, TD_EPROTO, "not a report");
        if (err == TD_OK && (err = td_wire_check_known(&env->report->base, why, "report")) == TD_OK)
            err = s_check_status(env->report, why);
        if (err == TD_OK && (err = s_copy_status(env->report, &r)) != TD_OK)
            td_fail(why, err, "no memory to copy a report of %zu bytes", len);
        if (err == TD_OK)
            *out = r;
        else
            td_report_fini(&r);
        tiendo__v1__envelope__free_unpacked(env, &arena.allocator);
    }
    td_wire_arena_fini(&arena);
    return err;
}
