/* The collector's clock; see clock.h. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tiendo/log.h"

static td_time s_offset; /* seconds added to time(2); written once before any thread starts */

int td_clock_init(void)
{
    const char *env = getenv("TIENDO_TEST_NOW");
    if (!env || !*env)
        return 0;
    td_time start;
    if (td_time_parse(env, &start) != TD_OK) {
        fprintf(stderr, "tiendo-collector: TIENDO_TEST_NOW \"%s\" is not an ISO-8601 date-time\n",
                env);
        return 1;
    }
    s_offset = start - (td_time)time(NULL);
    td_log_warning("the clock is moved for a test (TIENDO_TEST_NOW)", "now=%s", env);
    return 0;
}

td_time td_clock_now(void)
{
    return (td_time)time(NULL) + s_offset;
}
