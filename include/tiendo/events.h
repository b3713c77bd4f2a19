/* The collector's live event types (docs/events.md), shared by the collector, its alert rules
 * and `tiendo watch`. */
#ifndef TIENDO_EVENTS_H
#define TIENDO_EVENTS_H

#include <stdbool.h>

/* Every type, NULL-terminated: task.overdue, task.completed, agent.late, agent.silent,
 * agent.online, obstacle.opened, obstacle.resolved, store.near_full, report.rejected. */
extern const char *const td_event_types[];
/* The types joined by ", ", for messages. */
const char *td_event_type_list(void);
/* A pattern names a type ("task.overdue"), a family ("task": every task.* type), or "*". */
bool td_event_pattern_valid(const char *pattern);
bool td_event_pattern_matches(const char *pattern, const char *type);

#endif
