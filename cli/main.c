/* tiendo: asks the collector a question over CURVE and prints the answer. The collector
 * checks and evaluates every query; this program only forwards options and renders. */
#include "cli.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/keys.h"
#include "tiendo/wire.h"

#define EXIT_QUERY 1 /* the collector refused the query as given */
#define EXIT_USAGE 2
#define EXIT_REFUSED 3    /* the credential may not query */
#define EXIT_UNREACHED 75 /* no answer in time */

static const char *s_usage =
    "usage: tiendo [--collector EP] [--credentials FILE] [--timeout S] COMMAND [options]\n"
    "\n"
    "  summary [--as-of WHEN] [filters] [--due-by DATE] [--json]\n"
    "  tasks   [--class regular|completed|overdue|on_schedule] [filters] [--json|--csv]\n"
    "  agents  [--state online|late|silent] [--agency CODE] [--json|--csv]\n"
    "  reports --agency CODE [--since WHEN] [--json|--csv]\n"
    "  infra     [--as-of WHEN] [--province CODE] [--json]\n"
    "  services  [--as-of WHEN] [--province CODE] [--json]\n"
    "  databases [--as-of WHEN] [--agency CODE] [--stage S] [--json|--csv]\n"
    "  funding   [--as-of WHEN] [--agency CODE] [--json]\n"
    "  obstacles [--as-of WHEN] [--state open|resolved] [--category C] [--json|--csv]\n"
    "  agency CODE [--as-of WHEN] [--json]\n"
    "  history (--task ID | --agency CODE --section NAME) [--json|--csv]\n"
    "  trend --from DATE --to DATE --every day|week|month [--metric M] [--json|--csv]\n"
    "\n"
    "filters: --source S --lead CODE --block B --group G --difficulty normal|hard\n"
    "         --province CODE\n"
    "WHEN: YYYY-MM-DD (end of that day, UTC+7) or an ISO-8601 date-time; default now.\n"
    "The collector defaults to $TIENDO_COLLECTOR, else tcp://127.0.0.1:7702; the credential\n"
    "file to $TIENDO_CREDENTIALS.\n";

typedef struct {
    const char *collector;
    const char *credentials;
    int timeout_s;
    const char *command;
    td_param params[TD_WIRE_MAX_PARAMS];
    size_t n_params;
    td_out_format fmt;
} s_cli;

static int s_usage_error(const char *fmt, const char *arg)
{
    fputs("tiendo: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n(see tiendo --help)\n", stderr);
    return EXIT_USAGE;
}

/* Options after the command: --json, --csv, and --name VALUE (or --name=VALUE) forwarded. */
static int s_parse_command(s_cli *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (!strcmp(arg, "--json") || !strcmp(arg, "--csv")) {
            c->fmt = arg[2] == 'j' ? TD_OUT_JSON : TD_OUT_CSV;
            continue;
        }
        if (strncmp(arg, "--", 2) && !strcmp(c->command, "agency") && c->n_params == 0 && i == 0) {
            c->params[c->n_params++] = (td_param){"code", arg}; /* tiendo agency CODE */
            continue;
        }
        if (strncmp(arg, "--", 2) || !arg[2])
            return s_usage_error("unexpected argument \"%s\"", arg);
        if (c->n_params == TD_WIRE_MAX_PARAMS)
            return s_usage_error("too many options%s", "");
        td_param *p = &c->params[c->n_params++];
        p->name = arg + 2;
        char *eq = strchr(p->name, '=');
        if (eq) {
            *eq = '\0';
            p->value = eq + 1;
        } else if (i + 1 < argc) {
            p->value = argv[++i];
        } else {
            return s_usage_error("option %s needs a value", arg);
        }
    }
    return 0;
}

static int s_parse(s_cli *c, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
        if (!strcmp(argv[i], "--help")) {
            fputs(s_usage, stdout);
            exit(0);
        }
        if (!strcmp(argv[i], "--version")) {
            printf("tiendo %s\n", TIENDO_VERSION);
            exit(0);
        }
        if (i + 1 >= argc)
            return s_usage_error("option %s needs a value", argv[i]);
        if (!strcmp(argv[i], "--collector"))
            c->collector = argv[i + 1];
        else if (!strcmp(argv[i], "--credentials"))
            c->credentials = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout"))
            c->timeout_s = atoi(argv[i + 1]);
        else
            return s_usage_error("unknown option %s before the command", argv[i]);
    }
    if (i >= argc)
        return s_usage_error("no command given%s", "");
    c->command = argv[i];
    if (c->timeout_s <= 0)
        return s_usage_error("--timeout must be a positive number of seconds%s", "");
    return s_parse_command(c, argc - i - 1, argv + i + 1);
}

static zsock_t *s_connect(const s_cli *c, const td_cred *cred)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    if (!s)
        return NULL;
    zsock_set_linger(s, 0);
    zsock_set_curve_serverkey(s, cred->collector_txt);
    zsock_set_curve_publickey(s, cred->public_txt);
    zsock_set_curve_secretkey(s, cred->secret_txt);
    zsock_set_maxmsgsize(s, 256 << 20);
    if (zsock_connect(s, "%s", c->collector) != 0)
        zsock_destroy(&s);
    return s;
}

/* Sends the query and waits for its answer; returns the decoded message or an exit code. */
static int s_ask(const s_cli *c, zsock_t *s, td_msg *answer)
{
    td_msg q = {.type = TD_MSG_QUERY};
    q.u.query.id = (uint64_t)zclock_time();
    q.u.query.command = (char *)c->command;
    q.u.query.params = (td_param *)c->params;
    q.u.query.n_params = c->n_params;
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(&q, &buf, &len) != TD_OK)
        return s_usage_error("cannot encode the query%s", "");
    zsock_set_sndtimeo(s, c->timeout_s * 1000);
    zsock_set_rcvtimeo(s, c->timeout_s * 1000);
    int rc = zmq_send(zsock_resolve(s), buf, len, 0);
    free(buf);
    zframe_t *frame = rc < 0 ? NULL : zframe_recv(s);
    if (!frame) {
        fprintf(stderr,
                "tiendo: no answer from %s within %d s (is the collector running, and "
                "is this credential enrolled and not revoked?)\n",
                c->collector, c->timeout_s);
        return EXIT_UNREACHED;
    }
    td_errmsg why;
    td_err err = td_wire_decode(zframe_data(frame), zframe_size(frame), answer, &why);
    zframe_destroy(&frame);
    if (err) {
        fprintf(stderr, "tiendo: unreadable answer: %s\n", why.text);
        return EXIT_QUERY;
    }
    return 0;
}

static int s_show(const s_cli *c, const td_msg *m)
{
    if (m->type == TD_MSG_NACK) {
        fprintf(stderr, "tiendo: the collector refused: %s\n", m->u.nack.reason);
        return m->u.nack.code == TD_NACK_FORBIDDEN ? EXIT_REFUSED : EXIT_QUERY;
    }
    if (m->type != TD_MSG_REPLY) {
        fprintf(stderr, "tiendo: unexpected answer from the collector\n");
        return EXIT_QUERY;
    }
    if (!m->u.reply.ok) {
        fprintf(stderr, "tiendo: %s\n", m->u.reply.error);
        return EXIT_QUERY;
    }
    json_error_t jerr;
    json_t *doc = json_loads(m->u.reply.json, 0, &jerr);
    if (!doc) {
        fprintf(stderr, "tiendo: unreadable result: %s\n", jerr.text);
        return EXIT_QUERY;
    }
    int rc = td_cli_render(c->command, doc, c->fmt);
    json_decref(doc);
    return rc;
}

int main(int argc, char **argv)
{
    s_cli c = {.collector = getenv("TIENDO_COLLECTOR"),
               .credentials = getenv("TIENDO_CREDENTIALS"),
               .timeout_s = 10};
    if (!c.collector || !*c.collector)
        c.collector = "tcp://127.0.0.1:7702";
    int rc = s_parse(&c, argc, argv);
    if (rc)
        return rc;
    if (!c.credentials || !*c.credentials)
        return s_usage_error("no credential file: give --credentials FILE or set "
                             "TIENDO_CREDENTIALS%s",
                             "");
    td_cred cred;
    td_errmsg why;
    if (td_keys_load(c.credentials, &cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", why.text);
        return EXIT_USAGE;
    }
    zsys_init();
    zsys_set_linger(0);
    zsock_t *s = s_connect(&c, &cred);
    if (!s)
        return s_usage_error("cannot connect to \"%s\"", c.collector);
    td_msg answer;
    rc = s_ask(&c, s, &answer);
    if (rc == 0) {
        rc = s_show(&c, &answer);
        td_msg_fini(&answer);
    }
    zsock_destroy(&s);
    return rc;
}
