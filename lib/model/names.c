/* Enum <-> name tables. Every enum in model.h runs 1..n, so a table is its names in order. */
#include <string.h>

#include "tiendo/model.h"

struct s_table {
    const char *const *names; /* names[v - 1] names value v */
    size_t n;
    const char *choices; /* the names joined by '|', for messages; a unit test keeps it in step */
};

#define S_NAMES(...)                                                                               \
    (const char *const[]){__VA_ARGS__},                                                            \
        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static const struct s_table s_kinds = {
    S_NAMES("ministry", "agency", "province", "commune"),
    "ministry|agency|province|commune",
};
static const struct s_table s_blocks = {
    S_NAMES("party", "government", "national_assembly", "fatherland_front"),
    "party|government|national_assembly|fatherland_front",
};
static const struct s_table s_states = {
    S_NAMES("not_started", "in_progress", "done"),
    "not_started|in_progress|done",
};
static const struct s_table s_difficulties = {
    S_NAMES("normal", "hard"),
    "normal|hard",
};
static const struct s_table s_classes = {
    S_NAMES("regular", "completed", "overdue", "on_schedule"),
    "regular|completed|overdue|on_schedule",
};

static const struct s_table s_stages = {
    S_NAMES("not_started", "deploying", "foundation_centralized"),
    "not_started|deploying|foundation_centralized",
};
static const struct s_table s_categories = {
    S_NAMES("funding", "procedures", "online_services", "infrastructure", "data", "staffing",
            "other"),
    "funding|procedures|online_services|infrastructure|data|staffing|other",
};
static const struct s_table s_obstacle_states = {
    S_NAMES("open", "resolved"),
    "open|resolved",
};

static const char *s_name(const struct s_table *t, int value)
{
    if (value < 1 || (size_t)value > t->n)
        return NULL;
    return t->names[value - 1];
}

static td_err s_parse(const struct s_table *t, const char *name, int *out)
{
    if (name == NULL)
        return TD_EINVAL;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->names[i], name) == 0) {
            *out = (int)i + 1;
            return TD_OK;
        }
    }
    return TD_EINVAL;
}

const char *td_kind_name(int kind)
{
    return s_name(&s_kinds, kind);
}

td_err td_kind_parse(const char *name, int *out)
{
    return s_parse(&s_kinds, name, out);
}

const char *td_kind_choices(void)
{
    return s_kinds.choices;
}

const char *td_block_name(int block)
{
    return s_name(&s_blocks, block);
}

td_err td_block_parse(const char *name, int *out)
{
    return s_parse(&s_blocks, name, out);
}

const char *td_block_choices(void)
{
    return s_blocks.choices;
}

const char *td_state_name(int state)
{
    return s_name(&s_states, state);
}

td_err td_state_parse(const char *name, int *out)
{
    return s_parse(&s_states, name, out);
}

const char *td_state_choices(void)
{
    return s_states.choices;
}

const char *td_difficulty_name(int difficulty)
{
    return s_name(&s_difficulties, difficulty);
}

td_err td_difficulty_parse(const char *name, int *out)
{
    return s_parse(&s_difficulties, name, out);
}

const char *td_difficulty_choices(void)
{
    return s_difficulties.choices;
}

const char *td_class_name(int cls)
{
    return s_name(&s_classes, cls);
}

td_err td_class_parse(const char *name, int *out)
{
    return s_parse(&s_classes, name, out);
}

const char *td_class_choices(void)
{
    return s_classes.choices;
}

const char *td_stage_name(int stage)
{
    return s_name(&s_stages, stage);
}

td_err td_stage_parse(const char *name, int *out)
{
    return s_parse(&s_stages, name, out);
}

const char *td_stage_choices(void)
{
    return s_stages.choices;
}

const char *td_category_name(int category)
{
    return s_name(&s_categories, category);
}

td_err td_category_parse(const char *name, int *out)
{
    return s_parse(&s_categories, name, out);
}

const char *td_category_choices(void)
{
    return s_categories.choices;
}

const char *td_obstacle_state_name(int state)
{
    return s_name(&s_obstacle_states, state);
}

td_err td_obstacle_state_parse(const char *name, int *out)
{
    return s_parse(&s_obstacle_states, name, out);
}

const char *td_obstacle_state_choices(void)
{
    return s_obstacle_states.choices;
}
