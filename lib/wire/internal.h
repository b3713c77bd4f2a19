/* Internals shared by the files of lib/wire: the structural checks every decoded message goes
 * through, the report's status sections (sections.c) and its probes' outages and readings
 * (probes.c). */
#ifndef TIENDO_WIRE_INTERNAL_H
#define TIENDO_WIRE_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "tiendo/v1/tiendo.pb-c.h"
#include "tiendo/wire.h"

#define TD_WIRE_READING_ERROR_MAX 512 /* bytes of a reading's error, as td_reading_check allows */

/* TD_EPROTO naming the first unknown field of m; `where` names the message, e.g.
 * "report.tasks[3]". */
td_err td_wire_check_known(const ProtobufCMessage *m, td_errmsg *why, const char *where, ...)
    __attribute__((format(printf, 3, 4)));
/* TD_EPROTO unless s is well-formed UTF-8 without control characters, at most max bytes.
 * `field` names it. */
td_err td_wire_check_text(const char *s, size_t max, td_errmsg *why, const char *field, ...)
    __attribute__((format(printf, 4, 5)));
/* TD_EPROTO when n > max; `what` names the repeated field. */
td_err td_wire_check_count(size_t n, size_t max, td_errmsg *why, const char *what);

/* s, or "" for NULL, as the char * protobuf-c wants for strings it only reads. */
char *td_wire_str(const char *s);
/* One calloc'd block of n pointers followed by the n zeroed structs of `size` bytes they point
 * to, for a repeated message field being encoded; *out is NULL when n is 0. The caller frees
 * *out. TD_ENOMEM. */
td_err td_wire_repeated(size_t n, size_t size, void ***out);

/* The protobuf side of a report's sections being encoded. Strings point into the td_report,
 * which must outlive it; _fini frees the item blocks. Zeroed before use. */
typedef struct {
    Tiendo__V1__Infrastructure infra;
    Tiendo__V1__Services services;
    Tiendo__V1__Funding funding;
    Tiendo__V1__DatabaseList databases;
    Tiendo__V1__ObstacleList obstacles;
    void **database_items; /* td_wire_repeated blocks */
    void **obstacle_items;
} td_wire_sections_out;

/* Sets pb's section fields from r: a sub-message for each section r has. TD_ENOMEM. */
td_err td_wire_encode_sections(const td_report *r, Tiendo__V1__Report *pb, td_wire_sections_out *o);
void td_wire_sections_out_fini(td_wire_sections_out *o);
/* Structural checks of a received report's sections: unknown fields, text, list lengths. The
 * values are the receiver's to check (td_infra_check, ...). TD_EPROTO. */
td_err td_wire_check_sections(const Tiendo__V1__Report *r, td_errmsg *why);
/* Copies r's sections (checked) into out, whose section fields are zero. On TD_ENOMEM a partial
 * copy is left for td_report_fini. */
td_err td_wire_copy_sections(const Tiendo__V1__Report *r, td_report *out);

/* The protobuf side of a report's outages and readings being encoded. Strings point into the
 * td_report, which must outlive it; _fini frees the item blocks. Zeroed before use. */
typedef struct {
    void **outage_items; /* td_wire_repeated blocks */
    void **reading_items;
} td_wire_probes_out;

/* Sets pb's outages and readings from r. TD_ENOMEM. */
td_err td_wire_encode_probes(const td_report *r, Tiendo__V1__Report *pb, td_wire_probes_out *o);
void td_wire_probes_out_fini(td_wire_probes_out *o);
/* Structural checks of a received report's outages and readings: counts, unknown fields, text
 * and its length. The values are the receiver's to check (td_outage_check, td_reading_check).
 * TD_EPROTO. */
td_err td_wire_check_probes(const Tiendo__V1__Report *r, td_errmsg *why);
/* Copies r's outages and readings (checked) into out, whose fields for them are zero; an empty
 * error becomes NULL. On TD_ENOMEM a partial copy is left for td_report_fini. */
td_err td_wire_copy_probes(const Tiendo__V1__Report *r, td_report *out);

#endif
