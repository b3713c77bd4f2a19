/* The CLI's connection to the collector: one CURVE DEALER, one query at a time. */
#include "cli.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiendo/keys.h"
#include "tiendo/wire.h"

struct td_client {
    zsock_t *sock;
    const char *endpoint;
    int timeout_s;
    uint64_t next_id;
};

td_client *td_client_new(const char *endpoint, const char *cred_path, int timeout_s, int *rc)
{
    td_cred cred;
    td_errmsg why;
    if (td_keys_load(cred_path, &cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", why.text);
        *rc = TD_CLI_EXIT_USAGE;
        return NULL;
    }
    zsys_init();
    zsys_set_linger(0);
    td_client *self = calloc(1, sizeof *self);
    zsock_t *s = self ? zsock_new(ZMQ_DEALER) : NULL;
    if (s) {
        zsock_set_linger(s, 0);
        zsock_set_curve_serverkey(s, cred.collector_txt);
        zsock_set_curve_publickey(s, cred.public_txt);
        zsock_set_curve_secretkey(s, cred.secret_txt);
        zsock_set_maxmsgsize(s, 256 << 20);
        zsock_set_sndtimeo(s, timeout_s * 1000);
        zsock_set_rcvtimeo(s, timeout_s * 1000);
    }
    if (!s || zsock_connect(s, "%s", endpoint) != 0) {
        fprintf(stderr, "tiendo: cannot connect to \"%s\"\n", endpoint);
        zsock_destroy(&s);
        free(self);
        *rc = TD_CLI_EXIT_USAGE;
        return NULL;
    }
    *self = (td_client){s, endpoint, timeout_s, (uint64_t)zclock_time()};
    return self;
}

void td_client_destroy(td_client **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy(&(*self_p)->sock);
    free(*self_p);
    *self_p = NULL;
}

/* Sends one query and decodes its answer; returns an exit code. */
static int s_ask(td_client *self, const char *command, const td_param *p, size_t n, td_msg *answer)
{
    td_msg q = {.type = TD_MSG_QUERY};
    q.u.query.id = self->next_id++;
    q.u.query.command = (char *)command;
    q.u.query.params = (td_param *)p;
    q.u.query.n_params = n;
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(&q, &buf, &len) != TD_OK) {
        fprintf(stderr, "tiendo: cannot encode the query\n");
        return TD_CLI_EXIT_USAGE;
    }
    int rc = zmq_send(zsock_resolve(self->sock), buf, len, 0);
    free(buf);
    zframe_t *frame = rc < 0 ? NULL : zframe_recv(self->sock);
    if (!frame) {
        fprintf(stderr,
                "tiendo: no answer from %s within %d s (is the collector running, and "
                "is this credential enrolled and not revoked?)\n",
                self->endpoint, self->timeout_s);
        return TD_CLI_EXIT_UNREACHED;
    }
    td_errmsg why;
    td_err err = td_wire_decode(zframe_data(frame), zframe_size(frame), answer, &why);
    zframe_destroy(&frame);
    if (err) {
        fprintf(stderr, "tiendo: unreadable answer: %s\n", why.text);
        return TD_CLI_EXIT_QUERY;
    }
    return 0;
}

/* The result document of an answer, or an exit code with the reason printed. */
static int s_result(const td_msg *m, json_t **out)
{
    if (m->type == TD_MSG_NACK) {
        fprintf(stderr, "tiendo: the collector refused: %s\n", m->u.nack.reason);
        return m->u.nack.code == TD_NACK_FORBIDDEN ? TD_CLI_EXIT_REFUSED : TD_CLI_EXIT_QUERY;
    }
    if (m->type != TD_MSG_REPLY) {
        fprintf(stderr, "tiendo: unexpected answer from the collector\n");
        return TD_CLI_EXIT_QUERY;
    }
    if (!m->u.reply.ok) {
        fprintf(stderr, "tiendo: %s\n", m->u.reply.error);
        return TD_CLI_EXIT_QUERY;
    }
    json_error_t jerr;
    *out = json_loads(m->u.reply.json, 0, &jerr);
    if (!*out) {
        fprintf(stderr, "tiendo: unreadable result: %s\n", jerr.text);
        return TD_CLI_EXIT_QUERY;
    }
    return 0;
}

int td_client_query(td_client *self, const char *command, const td_param *p, size_t n, json_t **out)
{
    td_msg answer;
    int rc = s_ask(self, command, p, n, &answer);
    if (rc == 0) {
        rc = s_result(&answer, out);
        td_msg_fini(&answer);
    }
    return rc;
}
