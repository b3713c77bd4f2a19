/* tiendo-collector: command line. */
#include "collector.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/log.h"

static const char *s_usage =
    "usage: tiendo-collector COMMAND --data DIR [options]\n"
    "\n"
    "commands:\n"
    "  init    --data DIR                         create a store, keys and admin.cred\n"
    "  import  --data DIR [--agencies FILE] [--tasks FILE]\n"
    "                                             load the registry (all or nothing)\n"
    "  enroll  --data DIR --agency CODE --out FILE\n"
    "  enroll  --data DIR --operator NAME [--role operator|admin] --out FILE\n"
    "                                             issue a credential file\n"
    "  enroll  --data DIR --operator NAME --token  print a bearer token for the HTTP API\n"
    "  enroll  --data DIR --agencies-from AGENCIES.csv --out-dir DIR\n"
    "                                             one agent credential per agency (all or none)\n"
    "  revoke  --data DIR (--agency CODE | --operator NAME | --key PUBLIC)\n"
    "  keys    --data DIR [--json]                list enrolled keys\n"
    "  run     --data DIR [--agents EP] [--queries EP] [--events EP|off] [--map-max-mb N]\n"
    "          [--max-msg-bytes N] [--rate-limit N] [--http ADDR:PORT|off] [--web DIR]\n"
    "          [--config FILE] [-v]\n"
    "                                             serve agents and operators\n"
    "\n"
    "run defaults: agents tcp://*:7701, queries tcp://*:7702, events tcp://*:7703,\n"
    "http 127.0.0.1:7780,\n"
    "map maximum 65536 MiB,\n"
    "messages up to 4194304 bytes, 200 messages per second per agent key (bursts of 20x).\n";

enum {
    OPT_AGENCIES = 256,
    OPT_TASKS,
    OPT_OPERATOR,
    OPT_ROLE,
    OPT_KEY,
    OPT_AGENTS,
    OPT_QUERIES,
    OPT_EVENTS,
    OPT_MAPMAX,
    OPT_RATE,
    OPT_HTTP,
    OPT_TOKEN,
    OPT_AGENCIES_FROM,
    OPT_OUT_DIR,
    OPT_WEB,
    OPT_CONFIG,
    OPT_MAXMSG,
    OPT_JSON
};

static const struct option s_options[] = {
    {"data", required_argument, NULL, 'd'},
    {"agencies", required_argument, NULL, OPT_AGENCIES},
    {"tasks", required_argument, NULL, OPT_TASKS},
    {"agency", required_argument, NULL, 'a'},
    {"operator", required_argument, NULL, OPT_OPERATOR},
    {"role", required_argument, NULL, OPT_ROLE},
    {"key", required_argument, NULL, OPT_KEY},
    {"out", required_argument, NULL, 'o'},
    {"agents", required_argument, NULL, OPT_AGENTS},
    {"queries", required_argument, NULL, OPT_QUERIES},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"map-max-mb", required_argument, NULL, OPT_MAPMAX},
    {"max-msg-bytes", required_argument, NULL, OPT_MAXMSG},
    {"rate-limit", required_argument, NULL, OPT_RATE},
    {"http", required_argument, NULL, OPT_HTTP},
    {"token", no_argument, NULL, OPT_TOKEN},
    {"agencies-from", required_argument, NULL, OPT_AGENCIES_FROM},
    {"out-dir", required_argument, NULL, OPT_OUT_DIR},
    {"web", required_argument, NULL, OPT_WEB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int s_parse_numbers(int c, const char *arg, td_collector_opts *o)
{
    long v;
    if (c == OPT_MAPMAX && td_collector_number(arg, 1, 1L << 24, &v)) {
        o->map_max = (size_t)v << 20;
        return 0;
    }
    if (c == OPT_MAXMSG && td_collector_number(arg, 1024, 1L << 30, &v)) {
        o->max_msg = (int)v;
        return 0;
    }
    if (c == OPT_RATE && td_collector_number(arg, 0, 1000000, &v)) {
        o->rate_limit = (int)v;
        return 0;
    }
    fprintf(stderr, "tiendo-collector: --%s \"%s\" is not a valid number\n",
            c == OPT_MAPMAX   ? "map-max-mb"
            : c == OPT_MAXMSG ? "max-msg-bytes"
                              : "rate-limit",
            arg);
    return 1;
}

static int s_parse(int argc, char **argv, td_collector_opts *o)
{
    int c;
    while ((c = getopt_long(argc, argv, "vh", s_options, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->data = optarg;
            break;
        case OPT_AGENCIES:
            o->agencies = optarg;
            break;
        case OPT_TASKS:
            o->tasks = optarg;
            break;
        case 'a':
            o->agency = optarg;
            break;
        case OPT_OPERATOR:
            o->operator_name = optarg;
            break;
        case OPT_ROLE:
            o->role = optarg;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case OPT_AGENTS:
            o->agents_ep = optarg;
            break;
        case OPT_QUERIES:
            o->queries_ep = optarg;
            break;
        case OPT_EVENTS:
            o->events_ep = optarg;
            break;
        case OPT_HTTP:
            o->http = optarg;
            break;
        case OPT_AGENCIES_FROM:
            o->agencies_from = optarg;
            break;
        case OPT_OUT_DIR:
            o->out_dir = optarg;
            break;
        case OPT_TOKEN:
            o->token = true;
            break;
        case OPT_WEB:
            o->web = optarg;
            break;
        case OPT_CONFIG:
            break; /* read before the flags, which override it */
        case OPT_JSON:
            o->json = true;
            break;
        case 'v':
            td_log_set_level(td_log_level_get() + 1);
            break;
        case OPT_MAPMAX:
        case OPT_MAXMSG:
        case OPT_RATE:
            if (s_parse_numbers(c, optarg, o))
                return 1;
            break;
        case 'h':
            fputs(s_usage, stdout);
            exit(0);
        default:
            fputs(s_usage, stderr);
            return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tiendo-collector: unexpected argument \"%s\"\n", argv[optind]);
        return 1;
    }
    if (!o->data) {
        fprintf(stderr, "tiendo-collector: --data DIR (or data in --config) is required\n");
        return 1;
    }
    return 0;
}

/* The value of --config (or --config=FILE), read before the other flags so they override it. */
static const char *s_config_path(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(const td_collector_opts *o);
    } commands[] = {
        {"init", td_collector_init},     {"import", td_collector_import},
        {"enroll", td_collector_enroll}, {"revoke", td_collector_revoke},
        {"keys", td_collector_keys},     {"run", td_collector_run},
    };
    td_log_set_program("tiendo-collector");
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tiendo-collector %s\n", TIENDO_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        td_collector_opts o = {.agents_ep = "tcp://*:7701",
                               .queries_ep = "tcp://*:7702",
                               .events_ep = "tcp://*:7703",
                               .http = "127.0.0.1:7780",
                               .rate_limit = 200,
                               .log_level = -1};
        const char *config = s_config_path(argc, argv);
        int rc = config && td_collector_config_load(config, &o) ? 1 : 0;
        if (rc == 0)
            rc = s_parse(argc - 1, argv + 1, &o);
        if (rc == 0 && o.log_level >= 0)
            td_log_set_level(o.log_level);
        if (rc == 0)
            rc = commands[i].fn(&o);
        td_collector_opts_fini(&o);
        return rc;
    }
    fprintf(stderr, "tiendo-collector: unknown command \"%s\"\n%s", argv[1], s_usage);
    return 1;
}
