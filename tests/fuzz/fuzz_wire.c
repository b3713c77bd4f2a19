/* libFuzzer target for td_wire_decode. A frame that decodes must encode again to a frame of the
 * same length that decodes too: decoding accepts only canonical frames, so the arena budget, and
 * with it the verdict, cannot depend on how the sender happened to encode a message.
 * Seeds: tests/fuzz/corpus/wire/, written by `test_wire --write-corpus DIR`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiendo/wire.h"

/* Not assert(): the property must hold in release builds too. */
static void s_require(int ok, const char *what, const td_errmsg *why)
{
    if (!ok) {
        fprintf(stderr, "fuzz_wire: %s: %s\n", what, why != NULL ? why->text : "");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_msg m;
    td_errmsg why = {""};
    td_err err = td_wire_decode(data, size, &m, &why);
    if (err != TD_OK) {
        s_require(err == TD_EPROTO || err == TD_ENOMEM, "unexpected error", &why);
        s_require(why.text[0] != '\0', "error without a message", NULL);
        return 0;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    s_require(td_wire_encode(&m, &buf, &len) == TD_OK, "re-encoding failed", NULL);
    s_require(len == size, "re-encoding changed the length", NULL);
    td_msg again;
    s_require(td_wire_decode(buf, len, &again, &why) == TD_OK, "re-decoding failed", &why);
    s_require(again.type == m.type, "re-decoding changed the type", NULL);
    td_msg_fini(&again);
    td_msg_fini(&m);
    free(buf);
    return 0;
}
