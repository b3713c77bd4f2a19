/* tiendo-agent: reports an agency's status to the collector. */
#include "agent.h"

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiendo/log.h"

static const char *s_usage =
    "usage: tiendo-agent --config FILE [--once] [--timeout S] [-v]\n"
    "  --once        queue the status file, deliver everything queued, exit:\n"
    "                0 accepted, 1 invalid status file, 2 items rejected,\n"
    "                3 report refused, 75 collector not reached (reports stay queued)\n"
    "  --timeout S   with --once: how long to try (default 30)\n";

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, '1'},
        {"timeout", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    bool once = false;
    long timeout = 30;
    char *end;
    int c;
    td_log_set_program("tiendo-agent");
    while ((c = getopt_long(argc, argv, "c:t:vh", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case '1':
            once = true;
            break;
        case 't':
            timeout = strtol(optarg, &end, 10);
            if (!*optarg || *end || timeout < 1 || timeout > 86400) {
                fprintf(stderr, "tiendo-agent: --timeout \"%s\" is not 1..86400 seconds\n", optarg);
                return 1;
            }
            break;
        case 'v':
            td_log_set_level(td_log_level_get() + 1);
            break;
        case 'h':
            fputs(s_usage, stdout);
            return 0;
        case 'V':
            printf("tiendo-agent %s\n", TIENDO_VERSION);
            return 0;
        default:
            fputs(s_usage, stderr);
            return 1;
        }
    }
    if (!config || optind < argc) {
        fputs(s_usage, stderr);
        return 1;
    }
    td_agent_config cfg;
    td_errmsg why;
    if (td_agent_config_load(config, &cfg, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return 1;
    }
    if (cfg.log[0])
        td_log_set_output(cfg.log);
    zsys_init();
    zsys_set_linger(0);
    return td_agent_run(&cfg, once, (int)timeout);
}
