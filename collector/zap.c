/* The ZAP handler (ZeroMQ RFC 27): admits a CURVE client only if its public key is enrolled
 * and not revoked in the store. It runs as a CZMQ actor bound to inproc://zeromq.zap.01 before
 * any CURVE socket binds; libzmq then asks it about every handshake. Each answer is one read
 * transaction, so enrollments and revocations made by other processes count at once. */
#include "zap.h"

#include <string.h>

#include "tiendo/keys.h"
#include "tiendo/log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    uint8_t key[TD_KEY_LEN];
    td_keyrec rec;
} s_lookup;

static td_err s_lookup_fn(td_txn *txn, void *arg)
{
    s_lookup *l = arg;
    return td_store_get_key(txn, l->key, &l->rec);
}

/* Decides one request (frames after version and request id); returns the ZAP status code
 * and fills user_id with the client's key in Z85 when admitted. */
static const char *s_decide(td_store *store, zmsg_t *req, char user_id[TD_Z85_LEN + 1])
{
    char *domain = zmsg_popstr(req);
    char *address = zmsg_popstr(req);
    char *identity = zmsg_popstr(req);
    char *mechanism = zmsg_popstr(req);
    zframe_t *cred = zmsg_pop(req);
    const char *status = "400";
    bool events = domain && !strcmp(domain, TD_ZAP_DOMAIN_EVENTS);
    if (domain && (events || !strcmp(domain, TD_ZAP_DOMAIN)) && mechanism &&
        !strcmp(mechanism, "CURVE") && cred && zframe_size(cred) == TD_KEY_LEN) {
        s_lookup l;
        memset(&l, 0, sizeof l);
        memcpy(l.key, zframe_data(cred), TD_KEY_LEN);
        td_keys_encode(l.key, user_id);
        if (td_store_view(store, s_lookup_fn, &l, NULL) == TD_OK && !l.rec.revoked &&
            l.rec.role != TD_ROLE_TOKEN && (!events || l.rec.role != TD_ROLE_AGENT))
            status = "200";
        else if (events && !l.rec.revoked && l.rec.role == TD_ROLE_AGENT)
            td_log_info("refused an agent key on the events socket", "key=%s address=%s", user_id,
                        address ? address : "?");
        else
            td_log_info("refused a key that is not enrolled or is revoked", "key=%s address=%s",
                        user_id, address ? address : "?");
    }
    zstr_free(&domain);
    zstr_free(&address);
    zstr_free(&identity);
    zstr_free(&mechanism);
    zframe_destroy(&cred);
    return status;
}

static void s_answer(zsock_t *handler, td_store *store, zmsg_t *req)
{
    char *version = zmsg_popstr(req);
    zframe_t *request_id = zmsg_pop(req);
    char user_id[TD_Z85_LEN + 1] = "";
    const char *status = "400";
    if (version && !strcmp(version, "1.0") && request_id)
        status = s_decide(store, req, user_id);
    bool ok = !strcmp(status, "200");
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, "1.0");
    if (request_id)
        zmsg_append(reply, &request_id);
    else
        zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, ok ? "OK" : "key not enrolled or revoked");
    zmsg_addstr(reply, ok ? user_id : "");
    zmsg_addmem(reply, NULL, 0); /* no metadata */
    zmsg_send(&reply, handler);
    zstr_free(&version);
}

static void s_actor(zsock_t *pipe, void *arg)
{
    td_store *store = arg;
    zsock_t *handler = zsock_new(ZMQ_REP);
    if (!handler || zsock_bind(handler, ZAP_ENDPOINT) != 0) {
        td_log_error("cannot bind the ZAP handler", "endpoint=%s", ZAP_ENDPOINT);
        zsock_destroy(&handler);
        zsock_signal(pipe, 0); /* taken by zactor_new */
        zsock_signal(pipe, 1); /* taken by td_zap_start: failed */
        return;
    }
    zsock_set_linger(handler, 0);
    zsock_signal(pipe, 0);
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, handler, NULL);
    for (;;) {
        void *which = zpoller_wait(poller, -1);
        if (which != handler)
            break; /* $TERM from the pipe, or interrupted: the collector is stopping */
        zmsg_t *req = zmsg_recv(handler);
        if (!req)
            break;
        s_answer(handler, store, req);
        zmsg_destroy(&req);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&handler);
}

zactor_t *td_zap_start(td_store *store)
{
    /* zactor_new takes the actor's first signal; the second says whether it bound. */
    zactor_t *actor = zactor_new(s_actor, store);
    if (actor && zsock_wait(actor) != 0)
        zactor_destroy(&actor);
    return actor;
}
