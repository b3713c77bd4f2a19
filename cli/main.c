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
#define TD_CLI_EXIT_USAGE 2
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
    "  outages [--kind power|link] [--from WHEN] [--to WHEN] [--province CODE] [--agency CODE]\n"
    "  report [--as-of WHEN] [--since WHEN] [--format md|html] [--out FILE]\n"
    "  watch  [--filter TYPE[,TYPE...]] [--events EP] [--json]\n"
    "  alerts [--rule NAME] [--limit N] [--json|--csv]\n"
    "\n"
    "filters: --source S --lead CODE --block B --group G --difficulty normal|hard\n"
    "         --province CODE\n"
    "WHEN: YYYY-MM-DD (end of that day, UTC+7) or an ISO-8601 date-time; default now.\n"
    "watch TYPE: task.overdue task.completed agent.late agent.silent agent.online\n"
    "  obstacle.opened obstacle.resolved store.near_full report.rejected, or a family\n"
    "  (task, agent, obstacle, store, report); the events endpoint defaults to\n"
    "  $TIENDO_EVENTS, else the collector's host with port 7703.\n"
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
    return TD_CLI_EXIT_USAGE;
}

/* Options after the command: --json, --csv, and --name VALUE (or --name=VALUE) forwarded. */
static int s_parse_command(s_cli *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(s_usage, stdout); /* every command's options are in the one usage text */
            exit(0);
        }
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
    if (!strcmp(c.command, "watch")) {
        if (c.fmt == TD_OUT_CSV)
            return s_usage_error("watch prints text or --json, not --csv%s", "");
        return td_cli_watch(c.collector, c.credentials, c.params, c.n_params, c.fmt == TD_OUT_JSON);
    }
    td_client *client = td_client_new(c.collector, c.credentials, c.timeout_s, &rc);
    if (!client)
        return rc;
    if (!strcmp(c.command, "report")) {
        rc = td_cli_report(client, c.params, c.n_params);
        td_client_destroy(&client);
        return rc;
    }
    json_t *doc = NULL;
    rc = td_client_query(client, c.command, c.params, c.n_params, &doc);
    if (rc == 0)
        rc = td_cli_render(c.command, doc, c.fmt);
    json_decref(doc);
    td_client_destroy(&client);
    return rc;
}
