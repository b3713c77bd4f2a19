/* td_probe: a hostile or curious client for tests. Connects a DEALER to an endpoint, with CURVE
 * from a credential file or in plain text, sends frames, and prints what comes back:
 *   td_probe EP [--cred FILE] [--hex HEX | --random N] [--count K] [--seed S] [--wait-ms MS]
 * Prints one line per reply ("reply TYPE detail") and a last line "replies N". */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/keys.h"
#include "tiendo/wire.h"

typedef struct {
    const char *endpoint, *cred, *hex;
    long random_len, count, wait_ms;
    unsigned seed;
} s_opts;

static size_t s_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void s_print_reply(zframe_t *f)
{
    td_msg m;
    td_errmsg why;
    if (td_wire_decode(zframe_data(f), zframe_size(f), &m, &why) != TD_OK) {
        printf("reply undecodable %s\n", why.text);
        return;
    }
    if (m.type == TD_MSG_NACK)
        printf("reply nack code=%d reason=%s\n", m.u.nack.code, m.u.nack.reason);
    else if (m.type == TD_MSG_ACK)
        printf("reply ack seq=%llu accepted=%u\n", (unsigned long long)m.u.ack.seq,
               m.u.ack.accepted);
    else
        printf("reply type=%d\n", m.type);
    td_msg_fini(&m);
}

static zsock_t *s_connect(const s_opts *o)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    zsock_set_linger(s, 0);
    if (o->cred) {
        td_cred c;
        td_errmsg why;
        if (td_keys_load(o->cred, &c, &why) != TD_OK) {
            fprintf(stderr, "td_probe: %s\n", why.text);
            exit(2);
        }
        zsock_set_curve_serverkey(s, c.collector_txt);
        zsock_set_curve_publickey(s, c.public_txt);
        zsock_set_curve_secretkey(s, c.secret_txt);
    }
    zsock_connect(s, "%s", o->endpoint);
    return s;
}

static void s_parse(int argc, char **argv, s_opts *o)
{
    o->endpoint = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--cred"))
            o->cred = argv[i + 1];
        else if (!strcmp(argv[i], "--hex"))
            o->hex = argv[i + 1];
        else if (!strcmp(argv[i], "--random"))
            o->random_len = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--count"))
            o->count = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            o->seed = (unsigned)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--wait-ms"))
            o->wait_ms = atol(argv[i + 1]);
    }
}

int main(int argc, char **argv)
{
    s_opts o = {.count = 1, .wait_ms = 2000, .seed = 1};
    if (argc < 2) {
        fprintf(stderr, "usage: td_probe EP [--cred F] [--hex H | --random N] [--count K] "
                        "[--seed S] [--wait-ms MS]\n");
        return 2;
    }
    s_parse(argc, argv, &o);
    zsys_init();
    zsys_set_linger(0);
    zsock_t *s = s_connect(&o);
    static uint8_t buf[1 << 20];
    srandom(o.seed);
    for (long k = 0; k < o.count; k++) {
        size_t n =
            o.hex ? s_unhex(o.hex, buf, sizeof buf) : (size_t)(random() % (o.random_len + 1));
        for (size_t i = 0; !o.hex && i < n; i++)
            buf[i] = (uint8_t)random();
        zmq_send(zsock_resolve(s), buf, n, ZMQ_DONTWAIT);
        if (k == 0)
            zclock_sleep(200); /* let the handshake finish before the rest */
    }
    int replies = 0;
    zpoller_t *p = zpoller_new(s, NULL);
    int64_t deadline = zclock_mono() + o.wait_ms;
    while (zclock_mono() < deadline && zpoller_wait(p, (int)(deadline - zclock_mono())) == s) {
        zframe_t *f = zframe_recv(s);
        if (!f)
            break;
        s_print_reply(f);
        zframe_destroy(&f);
        replies++;
    }
    printf("replies %d\n", replies);
    zpoller_destroy(&p);
    zsock_destroy(&s);
    return 0;
}
