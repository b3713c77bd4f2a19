/* tiendo: the operators' command-line client. */
#ifndef TIENDO_CLI_H
#define TIENDO_CLI_H

#include <jansson.h>
#include <stdbool.h>

typedef enum { TD_OUT_TEXT, TD_OUT_JSON, TD_OUT_CSV } td_out_format;

/* Prints a query's result document in the chosen format. Returns 0, or 2 when the format is
 * not offered for this command. */
int td_cli_render(const char *command, json_t *doc, td_out_format fmt);

#endif
