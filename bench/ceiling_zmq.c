/* ceiling_zmq: how many messages of tiendo's median report size libzmq moves over loopback TCP,
 * PUSH -> PULL, each socket in its own context and thread (as two processes would be), without
 * tiendo's CURVE, ROUTER, decoding or storage. --curve adds CURVE to the same pair, to show what
 * encryption alone costs.
 *   ceiling_zmq --registry DIR [--messages N] [--curve]
 * Prints report_bytes and ceiling_zmq_msgs_per_s (or ceiling_zmq_curve_msgs_per_s). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common.h"

typedef struct {
    char endpoint[256];
    const uint8_t *msg;
    size_t len;
    long count;
    bool curve;
    char server_public[41];
} s_push_arg;

static void s_check(int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s: %s", what, zmq_strerror(zmq_errno()));
}

static void *s_push(void *arg)
{
    s_push_arg *a = arg;
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int linger = -1;
    s_check(zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger), "linger");
    if (a->curve) {
        char pub[41], sec[41];
        s_check(zmq_curve_keypair(pub, sec), "zmq_curve_keypair");
        s_check(zmq_setsockopt(push, ZMQ_CURVE_SERVERKEY, a->server_public, 40), "serverkey");
        s_check(zmq_setsockopt(push, ZMQ_CURVE_PUBLICKEY, pub, 40), "publickey");
        s_check(zmq_setsockopt(push, ZMQ_CURVE_SECRETKEY, sec, 40), "secretkey");
    }
    s_check(zmq_connect(push, a->endpoint), "connect");
    for (long i = 0; i < a->count; i++)
        s_check(zmq_send(push, a->msg, a->len, 0), "send");
    zmq_close(push); /* linger -1: returns once everything is handed to the peer */
    zmq_ctx_term(ctx);
    return NULL;
}

static void s_setup_pull(void *pull, s_push_arg *a)
{
    if (a->curve) {
        char sec[41];
        int one = 1;
        s_check(zmq_curve_keypair(a->server_public, sec), "zmq_curve_keypair");
        s_check(zmq_setsockopt(pull, ZMQ_CURVE_SERVER, &one, sizeof one), "curve_server");
        s_check(zmq_setsockopt(pull, ZMQ_CURVE_SECRETKEY, sec, 40), "secretkey");
    }
    s_check(zmq_bind(pull, "tcp://127.0.0.1:*"), "bind");
    size_t cap = sizeof a->endpoint;
    s_check(zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, a->endpoint, &cap), "last_endpoint");
}

int main(int argc, char **argv)
{
    const char *registry = NULL;
    s_push_arg a = {.count = 200000};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--registry") && i + 1 < argc)
            registry = argv[++i];
        else if (!strcmp(argv[i], "--messages") && i + 1 < argc)
            a.count = bench_arg_long("--messages", argv[++i]);
        else if (!strcmp(argv[i], "--curve"))
            a.curve = true;
        else
            bench_die("usage: ceiling_zmq --registry DIR [--messages N] [--curve]");
    }
    if (!registry)
        bench_die("--registry DIR is required");
    char path[4096];
    bench_registry reg;
    snprintf(path, sizeof path, "%s/tasks.csv", registry);
    if (bench_registry_load(path, BENCH_ITEMS, &reg) != 0 || reg.n == 0)
        bench_die("%s: no agency leads %d tasks", path, BENCH_ITEMS);
    uint8_t *msg;
    bench_report_frame(&reg.leads[0], BENCH_ITEMS, 1, 0, 1, &msg, &a.len);
    a.msg = msg;

    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    s_setup_pull(pull, &a);
    pthread_t t;
    pthread_create(&t, NULL, s_push, &a);
    zmq_msg_t m;
    zmq_msg_init(&m);
    s_check(zmq_msg_recv(&m, pull, 0), "recv"); /* the clock starts at the first message */
    double t0 = bench_now_s();
    for (long i = 1; i < a.count; i++)
        s_check(zmq_msg_recv(&m, pull, 0), "recv");
    double secs = bench_now_s() - t0;
    zmq_msg_close(&m);
    pthread_join(t, NULL);
    zmq_close(pull);
    zmq_ctx_term(ctx);

    bench_note("ceiling_zmq%s: %ld messages of %zu bytes (a framed %d-item report) in %.2f s",
               a.curve ? " (CURVE)" : "", a.count, a.len, BENCH_ITEMS, secs);
    bench_figure("report_bytes", (double)a.len, "B");
    bench_figure(a.curve ? "ceiling_zmq_curve_msgs_per_s" : "ceiling_zmq_msgs_per_s",
                 (double)(a.count - 1) / secs, "msgs/s");
    free(msg);
    bench_registry_fini(&reg);
    return 0;
}
