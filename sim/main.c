/* tiendo-sim: test and demo data for tiendo, and a fleet of virtual agents. Exit status: 0 done,
 * 1 failed, 2 bad usage. */
#include "fleet.h"
#include "generate.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TASKS 1287
#define DEFAULT_DATES "2025-09-30,2025-12-04"
#define EXIT_USAGE 2

static void s_usage(FILE *f)
{
    fputs("usage: tiendo-sim generate --out DIR [--seed N] [--tasks N] [--communes N]\n"
          "                           [--commune-provinces N] [--sections] [--dates D1,D2,...]\n"
          "       tiendo-sim fleet --registry DIR --creds DIR --endpoint EP [options]\n"
          "       tiendo-sim --help\n"
          "\n"
          "generate writes a deterministic national registry and status snapshots:\n"
          "  DIR/agencies.csv        26 central agencies, 34 provinces, and communes\n"
          "  DIR/tasks.csv           tasks NV-0001.. led by central agencies and provinces\n"
          "  DIR/status/D/CODE.json  one status file per reporting agency and date D\n"
          "DIR is created if missing; files of an earlier run are overwritten.\n"
          "\n"
          "options:\n"
          "  --out DIR       output directory (required)\n"
          "  --seed N        PRNG seed, 0..2^64-1 (default 1); same seed, same bytes\n"
          "  --tasks N       number of tasks, 1..99999 (default 1287)\n"
          "  --communes N    communes spread over the provinces, 0..99999 (default 0);\n"
          "                  more than 0 implies --sections\n"
          "  --commune-provinces N\n"
          "                  put the communes in the first N provinces only, 1..34\n"
          "                  (default: all)\n"
          "  --sections      add status sections: infrastructure and services of communes,\n"
          "                  services of provinces, databases and funding of central agencies,\n"
          "                  obstacles of some agencies\n"
          "  --dates LIST    snapshot dates YYYY-MM-DD, increasing, at most 16\n"
          "                  (default " DEFAULT_DATES ")\n"
          "  -h, --help      show this help\n"
          "\n"
          "fleet runs many virtual agents in one process, each with its own enrolled key,\n"
          "connection and outbox, against a collector: reporting on a compressed clock with\n"
          "offline periods, or catching up on queued reports (--queued N, prints catchup_s).\n"
          "See tiendo-sim fleet --help.\n",
          f);
}

static int s_bad(const char *what, const char *value)
{
    fprintf(stderr, "tiendo-sim generate: %s: '%s'\n", what, value);
    return EXIT_USAGE;
}

static int s_parse_int(const char *text, long lo, long hi, int *out)
{
    long v;
    if (!sim_parse_long(text, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

static int s_parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end != '\0' || text[0] == '-')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int s_parse_dates(const char *text, sim_options *opt)
{
    char buf[SIM_DATES_MAX * 11 + 1];
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf)
        return -1;
    opt->n_dates = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int32_t day;
        if (opt->n_dates == SIM_DATES_MAX || sim_day_parse(tok, &day) != 0)
            return -1;
        if (opt->n_dates > 0 && day <= opt->dates[opt->n_dates - 1])
            return -1;
        opt->dates[opt->n_dates++] = day;
    }
    return opt->n_dates > 0 ? 0 : -1;
}

static int s_apply(int c, const char *arg, sim_options *opt)
{
    switch (c) {
    case 'o':
        opt->out = arg;
        return arg[0] ? 0 : s_bad("--out needs a directory", arg);
    case 's':
        return s_parse_seed(arg, &opt->seed) ? s_bad("--seed wants 0..2^64-1", arg) : 0;
    case 't':
        return s_parse_int(arg, 1, 99999, &opt->n_tasks) ? s_bad("--tasks wants 1..99999", arg) : 0;
    case 'c':
        return s_parse_int(arg, 0, 99999, &opt->n_communes)
                   ? s_bad("--communes wants 0..99999", arg)
                   : 0;
    case 'p':
        return s_parse_int(arg, 1, SIM_PROVINCES, &opt->commune_provinces)
                   ? s_bad("--commune-provinces wants 1..34", arg)
                   : 0;
    case 'S':
        opt->sections = true;
        return 0;
    case 'd':
        return s_parse_dates(arg, opt) ? s_bad("--dates wants increasing YYYY-MM-DD,...", arg) : 0;
    default:
        return EXIT_USAGE;
    }
}

static int s_generate_main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"tasks", required_argument, NULL, 't'},
        {"communes", required_argument, NULL, 'c'},
        {"commune-provinces", required_argument, NULL, 'p'},
        {"sections", no_argument, NULL, 'S'},
        {"dates", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sim_options opt = {.seed = 1, .n_tasks = DEFAULT_TASKS};
    if (s_parse_dates(DEFAULT_DATES, &opt) != 0)
        return EXIT_FAILURE;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
        if (c == 'h') {
            s_usage(stdout);
            return EXIT_SUCCESS;
        }
        if (c == '?')
            return s_bad("unknown option or missing value", argv[optind - 1]);
        int rc = s_apply(c, optarg, &opt);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return s_bad("unexpected argument", argv[optind]);
    if (!opt.out) {
        fputs("tiendo-sim generate: --out DIR is required (see tiendo-sim --help)\n", stderr);
        return EXIT_USAGE;
    }
    opt.sections = opt.sections || opt.n_communes > 0;
    return sim_generate(&opt) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tiendo-sim %s\n", TIENDO_VERSION);
        return EXIT_SUCCESS;
    }
    if (strcmp(argv[1], "generate") == 0)
        return s_generate_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "fleet") == 0)
        return sim_fleet_main(argc - 1, argv + 1);
    fprintf(stderr, "tiendo-sim: unknown command '%s' (see tiendo-sim --help)\n", argv[1]);
    return EXIT_USAGE;
}
