/* The live event types and the patterns that select them; see tiendo/events.h. */
#include "tiendo/events.h"

#include <string.h>

const char *const td_event_types[] = {
    "task.overdue",    "task.completed",    "agent.late",      "agent.silent",    "agent.online",
    "obstacle.opened", "obstacle.resolved", "store.near_full", "report.rejected", NULL};

const char *td_event_type_list(void)
{
    return "task.overdue, task.completed, agent.late, agent.silent, agent.online, "
           "obstacle.opened, obstacle.resolved, store.near_full, report.rejected";
}

bool td_event_pattern_matches(const char *pattern, const char *type)
{
    size_t n = strlen(pattern);
    return !strcmp(pattern, "*") || !strcmp(pattern, type) ||
           (!strncmp(type, pattern, n) && type[n] == '.');
}

bool td_event_pattern_valid(const char *pattern)
{
    for (size_t i = 0; td_event_types[i]; i++)
        if (td_event_pattern_matches(pattern, td_event_types[i]))
            return true;
    return false;
}
