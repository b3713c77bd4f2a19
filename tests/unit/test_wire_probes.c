/* lib/wire: a report's outages and probe readings on the wire: round trips, absence, raw values
 * left to the receiver's checks, the outbox's reframing, frames the decoder refuses, truncation.
 * Run with `--write-corpus DIR` to write the samples as seeds for tests/fuzz/fuzz_wire.c. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/wire.h"
#include "wire_bytes.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T_AS_OF INT64_C(1764842400) /* 2025-12-04T17:00:00+07:00 */
#define T_MAX_OUTAGES 1000          /* TD_WIRE_MAX_OUTAGES, lib/wire/internal.h */
#define T_MAX_READINGS 1000         /* TD_WIRE_MAX_READINGS */
#define T_ERROR_MAX 512             /* TD_WIRE_READING_ERROR_MAX */

/* Report field numbers of the probes, and Envelope's report (proto/tiendo/v1/tiendo.proto). */
enum { F_OUTAGES = 14, F_READINGS = 15, F_ENV_REPORT = 3 };

static char *s_dup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static td_report *s_report_msg(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_REPORT;
    m->u.report.seq = 9;
    m->u.report.interval_s = 300;
    strcpy(m->u.report.report.agency, "MOF");
    m->u.report.report.as_of = T_AS_OF;
    return &m->u.report.report;
}

static void s_lists(td_report *r, size_t n_outages, size_t n_readings)
{
    r->n_outages = n_outages;
    r->n_readings = n_readings;
    r->outages = n_outages ? calloc(n_outages, sizeof *r->outages) : NULL;
    r->readings = n_readings ? calloc(n_readings, sizeof *r->readings) : NULL;
    assert_true(n_outages == 0 || r->outages != NULL);
    assert_true(n_readings == 0 || r->readings != NULL);
}

static void s_sample_probes(td_msg *m)
{
    td_report *r = s_report_msg(m);
    s_lists(r, 3, 4);
    r->outages[0] = (td_outage){TD_OUTAGE_POWER, T_AS_OF - 7200, T_AS_OF - 5400};
    r->outages[1] = (td_outage){TD_OUTAGE_LINK, T_AS_OF - 3600, T_AS_OF - 3599};
    r->outages[2] = (td_outage){TD_OUTAGE_LINK, T_AS_OF - 60, 0}; /* still going on */
    r->readings[0] = (td_reading){"host", "disk_free_bytes", 1.25e10, NULL, T_AS_OF - 5};
    r->readings[1] = (td_reading){"ups", "battery.charge", 0.875, NULL, T_AS_OF - 5};
    r->readings[2] = (td_reading){"ups", "load", 0, NULL, T_AS_OF - 5};
    r->readings[3] =
        (td_reading){"modem", "signal_dbm", 0, s_dup("hết thời gian chờ\tsau 5 s"), T_AS_OF - 4};
}

/* Values the decoder copies as received for the receiver's checks to refuse. */
static void s_sample_probes_raw(td_msg *m)
{
    td_report *r = s_report_msg(m);
    s_lists(r, 3, 4);
    r->outages[0] = (td_outage){7, 0, 0};
    r->outages[1] = (td_outage){-1, INT64_MIN, INT64_MAX};
    r->outages[2] = (td_outage){TD_OUTAGE_POWER, T_AS_OF, T_AS_OF - 1}; /* ends before it starts */
    r->readings[0] = (td_reading){"host", "load", NAN, NULL, 0};
    r->readings[1] = (td_reading){"host", "temp", INFINITY, NULL, -1};
    r->readings[2] = (td_reading){"x y", "", -INFINITY, NULL, INT64_MIN};
    r->readings[3] = (td_reading){"", "a/b", -DBL_MAX, s_dup("exit 2"), 0};
    r->outages[0].end = -1;
}

static void s_sample_no_probes(td_msg *m)
{
    s_report_msg(m);
}

/* The most outages and readings a report may hold: must fit the arena. */
static void s_sample_probes_max(td_msg *m)
{
    td_report *r = s_report_msg(m);
    s_lists(r, T_MAX_OUTAGES, T_MAX_READINGS);
    for (size_t i = 0; i < r->n_outages; i++)
        r->outages[i] = (td_outage){TD_OUTAGE_LINK, T_AS_OF - 1000 + (td_time)i, 0};
    for (size_t i = 0; i < r->n_readings; i++) {
        memset(r->readings[i].probe, 'p', TD_PROBE_NAME_MAX);
        memset(r->readings[i].name, 'n', TD_READING_NAME_MAX);
        r->readings[i].value = (double)i;
        r->readings[i].error = calloc(1, T_ERROR_MAX + 1);
        assert_non_null(r->readings[i].error);
        memset(r->readings[i].error, 'e', T_ERROR_MAX);
    }
}

/* Doubles are equal bit for bit but for the sign of zero, which proto3 cannot carry: -0.0 is
 * left out of the frame like 0.0 is, and arrives as 0.0. */
static bool s_same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void s_assert_probes_equal(const td_report *a, const td_report *b)
{
    assert_int_equal(a->n_outages, b->n_outages);
    for (size_t i = 0; i < a->n_outages; i++) {
        assert_int_equal(a->outages[i].kind, b->outages[i].kind);
        assert_true(a->outages[i].start == b->outages[i].start);
        assert_true(a->outages[i].end == b->outages[i].end);
    }
    assert_int_equal(a->n_readings, b->n_readings);
    for (size_t i = 0; i < a->n_readings; i++) {
        const td_reading *x = &a->readings[i], *y = &b->readings[i];
        assert_string_equal(x->probe, y->probe);
        assert_string_equal(x->name, y->name);
        if (!s_same_double(x->value, y->value))
            fail_msg("readings[%zu].value %g became %g", i, x->value, y->value);
        assert_true(x->measured_at == y->measured_at);
        if (x->error == NULL || x->error[0] == '\0')
            assert_null(y->error);
        else
            assert_string_equal(x->error, y->error);
    }
}

static void s_encode(const td_msg *m, uint8_t **buf, size_t *len)
{
    assert_int_equal(td_wire_encode(m, buf, len), TD_OK);
}

typedef struct {
    const char *name; /* also the seed's file name */
    void (*build)(td_msg *m);
    bool seed; /* written by --write-corpus */
} s_sample;

static const s_sample s_samples[] = {
    {"report-probes", s_sample_probes, true},
    {"report-probes-raw", s_sample_probes_raw, true},
    {"report-probes-max", s_sample_probes_max, false},
    {"report-no-probes", s_sample_no_probes, false},
};

static void test_wire_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_samples); i++) {
        td_msg in, out;
        uint8_t *buf;
        size_t len;
        td_errmsg why = {""};
        s_samples[i].build(&in);
        s_encode(&in, &buf, &len);
        td_err err = td_wire_decode(buf, len, &out, &why);
        if (err != TD_OK)
            fail_msg("%s: %s", s_samples[i].name, why.text);
        s_assert_probes_equal(&in.u.report.report, &out.u.report.report);
        td_msg_fini(&in);
        td_msg_fini(&out);
        free(buf);
    }
}

/* No probes: nothing on the wire, nothing allocated; an empty error is no error. */
static void test_wire_absent(void **state)
{
    (void)state;
    td_msg in, out, bare;
    uint8_t *buf, *bare_buf;
    size_t len, bare_len;
    td_errmsg why = {""};
    s_sample_no_probes(&bare);
    s_encode(&bare, &bare_buf, &bare_len);
    assert_int_equal(td_wire_decode(bare_buf, bare_len, &out, &why), TD_OK);
    assert_int_equal(out.u.report.report.n_outages, 0);
    assert_null(out.u.report.report.outages);
    assert_int_equal(out.u.report.report.n_readings, 0);
    assert_null(out.u.report.report.readings);
    td_msg_fini(&out);

    td_report *r = s_report_msg(&in);
    s_lists(r, 0, 1);
    r->readings[0] = (td_reading){"host", "up", 1, s_dup(""), T_AS_OF};
    s_encode(&in, &buf, &len);
    assert_int_equal(td_wire_decode(buf, len, &out, &why), TD_OK);
    assert_int_equal(out.u.report.report.n_readings, 1);
    assert_null(out.u.report.report.readings[0].error);
    td_msg_fini(&in);
    td_msg_fini(&out);
    free(buf);

    /* A reading with every field at its default is one empty sub-message; -0.0 is a default
     * too, as proto3 leaves out any value equal to 0. */
    r = s_report_msg(&in);
    s_lists(r, 0, 1);
    r->readings[0].value = -0.0;
    s_encode(&in, &buf, &len);
    assert_int_equal(len, bare_len + 2);
    assert_int_equal(td_wire_decode(buf, len, &out, &why), TD_OK);
    assert_int_equal(out.u.report.report.n_readings, 1);
    assert_string_equal(out.u.report.report.readings[0].probe, "");
    assert_null(out.u.report.report.readings[0].error);
    assert_true(out.u.report.report.readings[0].value == 0.0);
    assert_false(signbit(out.u.report.report.readings[0].value));
    td_msg_fini(&in);
    td_msg_fini(&out);
    free(buf);
    free(bare_buf);
}

/* The raw sample crosses the wire intact, and the receiver's checks refuse what it holds. */
static void test_wire_raw_values_checked(void **state)
{
    (void)state;
    td_msg in, out;
    uint8_t *buf;
    size_t len;
    td_errmsg why = {""};
    s_sample_probes_raw(&in);
    s_encode(&in, &buf, &len);
    assert_int_equal(td_wire_decode(buf, len, &out, &why), TD_OK);
    const td_report *r = &out.u.report.report;
    assert_int_equal(r->outages[0].kind, 7);
    assert_int_equal(r->outages[1].kind, -1);
    assert_true(r->outages[1].start == INT64_MIN && r->outages[1].end == INT64_MAX);
    for (size_t i = 0; i < r->n_outages; i++)
        assert_int_equal(td_outage_check(&r->outages[i], r->as_of, &why), TD_EINVAL);
    assert_string_equal(why.text, "outage end is before its start");
    assert_true(isnan(r->readings[0].value));
    assert_true(isinf(r->readings[1].value) && r->readings[1].value > 0);
    assert_true(isinf(r->readings[2].value) && r->readings[2].value < 0);
    assert_true(r->readings[2].measured_at == INT64_MIN);
    assert_string_equal(r->readings[2].probe, "x y");
    assert_string_equal(r->readings[3].error, "exit 2");
    for (size_t i = 0; i < r->n_readings; i++)
        assert_int_equal(td_reading_check(&r->readings[i], &why), TD_EINVAL);
    assert_string_equal(why.text, "probe name \"\" is not 1-32 of [A-Za-z0-9._-]");
    assert_int_equal(td_reading_check(&r->readings[0], &why), TD_EINVAL);
    assert_string_equal(why.text, "reading host.load is not a finite number");
    td_msg_fini(&in);
    td_msg_fini(&out);
    free(buf);
}

/* The agent's outbox reframes a queued report: outages and readings survive it. */
static void test_wire_frame_probes(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_samples); i++) {
        td_msg in, out;
        uint8_t *body, *frame;
        size_t len, frame_len;
        td_errmsg why = {""};
        s_samples[i].build(&in);
        in.u.report.seq = 0;
        s_encode(&in, &body, &len);
        assert_int_equal(td_wire_frame_report(body, len, 99, 17, 60, 2, 0, &frame, &frame_len),
                         TD_OK);
        td_err err = td_wire_decode(frame, frame_len, &out, &why);
        if (err != TD_OK)
            fail_msg("%s: %s", s_samples[i].name, why.text);
        assert_int_equal(out.u.report.seq, 17);
        assert_int_equal(out.u.report.outbox_id, 99);
        s_assert_probes_equal(&in.u.report.report, &out.u.report.report);
        td_msg_fini(&in);
        td_msg_fini(&out);
        free(body);
        free(frame);
    }
}

/* A frame of a valid report (seq 1, as_of, agency MOF) with the given fields appended to it;
 * fields is emptied. */
static void s_frame_report(s_bytes *w, s_bytes *fields)
{
    s_bytes r = {0};
    s_put_uint(&r, 1, 1);
    s_put_uint(&r, 2, (uint64_t)T_AS_OF);
    s_put_str(&r, 3, "MOF");
    s_put(&r, fields->b, fields->n);
    free(fields->b);
    *fields = (s_bytes){0};
    s_put_uint(w, 1, TD_WIRE_VERSION);
    s_put_msg(w, F_ENV_REPORT, &r);
}

static void s_refused(const char *name, const s_bytes *w, const char *want)
{
    td_msg out;
    td_errmsg why = {""};
    td_err err = td_wire_decode(w->b, w->n, &out, &why);
    if (err == TD_OK)
        td_msg_fini(&out);
    if (err != TD_EPROTO || strstr(why.text, want) == NULL)
        fail_msg("%s: error %d, why \"%s\", want \"%s\"", name, (int)err, why.text, want);
}

/* A report holding one item in `field` with the given sub-fields. */
static void s_one_item(s_bytes *w, unsigned field, s_bytes *item)
{
    s_bytes fields = {0};
    s_put_msg(&fields, field, item);
    s_frame_report(w, &fields);
}

static void test_wire_unknown_fields(void **state)
{
    (void)state;
    static const struct {
        unsigned field, tag;
        const char *want;
    } cases[] = {
        {F_OUTAGES, 4, "unknown field 4 in report.outages[0]"},
        {F_OUTAGES, 99, "unknown field 99 in report.outages[0]"},
        {F_READINGS, 6, "unknown field 6 in report.readings[0]"},
        {F_READINGS, 1000, "unknown field 1000 in report.readings[0]"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        s_bytes w = {0}, item = {0};
        if (cases[i].field == F_READINGS)
            s_put_str(&item, 1, "host"); /* probe */
        else
            s_put_uint(&item, 1, TD_OUTAGE_LINK); /* kind */
        s_put_uint(&item, cases[i].tag, 1);
        s_one_item(&w, cases[i].field, &item);
        s_refused(cases[i].want, &w, cases[i].want);
        free(w.b);
    }
}

static void s_spoil_error_utf8(td_msg *m)
{
    m->u.report.report.readings[3].error[1] = '\xC3'; /* a lead byte then ASCII */
}

static void s_spoil_error_control(td_msg *m)
{
    m->u.report.report.readings[3].error[0] = '\x1B';
}

static void s_spoil_probe_utf8(td_msg *m)
{
    strcpy(m->u.report.report.readings[1].probe, "\xFFups");
}

static void s_spoil_name_control(td_msg *m)
{
    m->u.report.report.readings[2].name[0] = '\r';
}

static void s_spoil_error_long(td_msg *m)
{
    td_reading *r = &m->u.report.report.readings[0];
    r->error = calloc(1, T_ERROR_MAX + 2);
    assert_non_null(r->error);
    memset(r->error, 'e', T_ERROR_MAX + 1);
}

/* One more than allowed, each with a value so that the unpack arena holds them and the count
 * check is what refuses them. */
static void s_spoil_outages_many(td_msg *m)
{
    td_report *r = &m->u.report.report;
    td_report_fini(r);
    s_lists(r, T_MAX_OUTAGES + 1, 0);
    for (size_t i = 0; i < r->n_outages; i++)
        r->outages[i] = (td_outage){TD_OUTAGE_POWER, T_AS_OF, 0};
}

static void s_spoil_readings_many(td_msg *m)
{
    td_report *r = &m->u.report.report;
    td_report_fini(r);
    s_lists(r, 0, T_MAX_READINGS + 1);
    for (size_t i = 0; i < r->n_readings; i++)
        r->readings[i] = (td_reading){"h", "v", 1, NULL, T_AS_OF};
}

static void test_wire_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*spoil)(td_msg *m);
        const char *want;
    } cases[] = {
        {"error bad UTF-8", s_spoil_error_utf8,
         "report.readings[3].error is not valid UTF-8 or holds a control character"},
        {"error control", s_spoil_error_control,
         "report.readings[3].error is not valid UTF-8 or holds a control character"},
        {"probe bad UTF-8", s_spoil_probe_utf8, "report.readings[1].probe is not valid UTF-8"},
        {"name control", s_spoil_name_control, "report.readings[2].name is not valid UTF-8"},
        {"error too long", s_spoil_error_long,
         "report.readings[0].error is 513 bytes, more than 512"},
        {"too many outages", s_spoil_outages_many,
         "report.outages has 1001 entries, more than 1000"},
        {"too many readings", s_spoil_readings_many,
         "report.readings has 1001 entries, more than 1000"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_msg m;
        s_bytes w = {0};
        s_sample_probes(&m);
        cases[i].spoil(&m);
        s_encode(&m, &w.b, &w.n);
        s_refused(cases[i].name, &w, cases[i].want);
        td_msg_fini(&m);
        free(w.b);
    }
}

/* What only a hand-made frame can hold: strings longer than the model's arrays, and fields the
 * canonical encoding leaves out. */
static void test_wire_refused_raw(void **state)
{
    (void)state;
    char probe[TD_PROBE_NAME_MAX + 2], name[TD_READING_NAME_MAX + 2];
    memset(probe, 'p', sizeof probe - 1);
    probe[sizeof probe - 1] = '\0';
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    static const double neg_zero = -0.0;
    static const struct {
        const char *name;
        unsigned field, tag;
        int kind; /* 0 varint, 1 string, 2 double */
        const char *want;
    } cases[] = {
        {"probe too long", F_READINGS, 1, 1, "report.readings[0].probe is 33 bytes, more than 32"},
        {"name too long", F_READINGS, 2, 1, "report.readings[0].name is 65 bytes, more than 64"},
        {"kind 0 written out", F_OUTAGES, 1, 0, "canonical encoding"},
        {"empty error written out", F_READINGS, 4, 1, "canonical encoding"},
        {"value -0 written out", F_READINGS, 3, 2, "canonical encoding"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        s_bytes w = {0}, item = {0};
        if (cases[i].kind == 0) {
            s_put_uint(&item, cases[i].tag, 0);
        } else if (cases[i].kind == 1) {
            s_put_str(&item, cases[i].tag,
                      cases[i].tag == 1   ? probe
                      : cases[i].tag == 2 ? name
                                          : "");
        } else {
            uint8_t tag = (uint8_t)(cases[i].tag << 3 | 1);
            s_put(&item, &tag, 1);
            s_put(&item, &neg_zero, sizeof neg_zero); /* the wire is little-endian, as is x86 */
        }
        s_one_item(&w, cases[i].field, &item);
        s_refused(cases[i].name, &w, cases[i].want);
        free(w.b);
    }
}

/* Every strict prefix of a frame is refused, and refused cleanly (ASan watches the rest). The
 * max sample is left out: its 600 kB would take a decode per byte. */
static void test_wire_truncated(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_samples); i++) {
        td_msg in;
        uint8_t *buf;
        size_t len;
        if (s_samples[i].build == s_sample_probes_max)
            continue;
        s_samples[i].build(&in);
        s_encode(&in, &buf, &len);
        for (size_t n = 0; n < len; n++) {
            td_msg out;
            td_errmsg why = {""};
            uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees a read past them */
            assert_non_null(cut);
            memcpy(cut, buf, n);
            td_err err = td_wire_decode(cut, n, &out, &why);
            if (err == TD_OK)
                td_msg_fini(&out);
            if (err != TD_EPROTO || why.text[0] == '\0')
                fail_msg("%s cut to %zu of %zu bytes: error %d, why \"%s\"", s_samples[i].name, n,
                         len, (int)err, why.text);
            free(cut);
        }
        td_msg_fini(&in);
        free(buf);
    }
}

/* Seeds for the fuzzer, one file each, named after the sample. */
static int s_write_corpus(const char *dir)
{
    int failed = 0;
    for (size_t i = 0; i < N(s_samples); i++) {
        char path[4096];
        td_msg m;
        uint8_t *buf;
        size_t len;
        if (!s_samples[i].seed)
            continue;
        snprintf(path, sizeof path, "%s/%s.bin", dir, s_samples[i].name);
        s_samples[i].build(&m);
        s_encode(&m, &buf, &len);
        FILE *f = fopen(path, "wb");
        bool ok = f != NULL && fwrite(buf, 1, len, f) == len;
        if (f != NULL && fclose(f) != 0)
            ok = false;
        if (!ok) {
            perror(path);
            failed = 1;
        }
        free(buf);
        td_msg_fini(&m);
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return s_write_corpus(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_round_trip),         cmocka_unit_test(test_wire_absent),
        cmocka_unit_test(test_wire_raw_values_checked), cmocka_unit_test(test_wire_frame_probes),
        cmocka_unit_test(test_wire_unknown_fields),     cmocka_unit_test(test_wire_refused),
        cmocka_unit_test(test_wire_refused_raw),        cmocka_unit_test(test_wire_truncated),
    };
    return cmocka_run_group_tests_name("wire probes", tests, NULL, NULL);
}
