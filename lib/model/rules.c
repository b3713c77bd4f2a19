/* The task-class rules: the one place that says whether a task is regular, completed, overdue or
 * on schedule on a given Vietnam date. lib/query applies them for every query; nothing else
 * restates them. */
#include <limits.h>

#include "tiendo/model.h"

bool td_task_counts(const td_task *t, td_day today)
{
    return t->assigned_on <= today;
}

td_class td_task_classify(const td_task *t, const td_task_status *s, td_day today,
                          int *days_overdue, bool *on_time)
{
    if (days_overdue != NULL)
        *days_overdue = 0;
    if (on_time != NULL)
        *on_time = false;
    /* A recurring task has no deadline to meet or miss, whatever its agency reports. */
    if (t->deadline == TD_NODAY)
        return TD_CLASS_REGULAR;
    /* An agency that has not reported a task has not started it. */
    int state = s == NULL ? TD_STATE_NOT_STARTED : s->state;
    if (state == TD_STATE_DONE) {
        if (on_time != NULL)
            *on_time = s->completed_on <= t->deadline;
        return TD_CLASS_COMPLETED;
    }
    /* The deadline day itself is still on schedule: the task is late from the day after. */
    if (t->deadline < today) {
        int64_t late = (int64_t)today - t->deadline; /* unchecked days must not overflow */
        if (days_overdue != NULL)
            *days_overdue = late > INT_MAX ? INT_MAX : (int)late;
        return TD_CLASS_OVERDUE;
    }
    return TD_CLASS_ON_SCHEDULE;
}
