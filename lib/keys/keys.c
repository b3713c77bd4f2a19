/* Credential files, read and written through CZMQ's zcert. */
#include "tiendo/keys.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

static const char s_z85_alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

td_err td_keys_generate(char public_txt[TD_Z85_LEN + 1], char secret_txt[TD_Z85_LEN + 1])
{
    return zmq_curve_keypair(public_txt, secret_txt) == 0 ? TD_OK : TD_EINVAL;
}

td_err td_keys_decode(const char *txt, uint8_t key[32])
{
    if (!txt || strlen(txt) != TD_Z85_LEN)
        return TD_EINVAL;
    for (const char *p = txt; *p; p++)
        if (!strchr(s_z85_alphabet, *p))
            return TD_EINVAL;
    return zmq_z85_decode(key, txt) ? TD_OK : TD_EINVAL;
}

void td_keys_encode(const uint8_t key[32], char txt[TD_Z85_LEN + 1])
{
    zmq_z85_encode(txt, key, 32);
}

td_err td_keys_save(const char *path, const td_cred *cred, td_errmsg *why)
{
    uint8_t pub[32], sec[32];
    zcert_t *cert = NULL;
    if (td_keys_decode(cred->public_txt, pub) == TD_OK &&
        td_keys_decode(cred->secret_txt, sec) == TD_OK)
        cert = zcert_new_from(pub, sec);
    memset(sec, 0, sizeof sec);
    if (!cert)
        return td_fail(why, TD_EINVAL, "%s: invalid key pair", path);
    zcert_set_meta(cert, "role", "%s", cred->role);
    zcert_set_meta(cert, "name", "%s", cred->name);
    if (cred->collector_txt[0])
        zcert_set_meta(cert, "collector-key", "%s", cred->collector_txt);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    mode_t old = umask(077);
    int rc = zcert_save_secret(cert, tmp);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0 || chmod(tmp, 0600) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return td_fail(why, TD_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return TD_OK;
}

static void s_copy_meta(zcert_t *cert, const char *name, char *dst, size_t cap)
{
    const char *v = zcert_meta(cert, name);
    snprintf(dst, cap, "%s", v ? v : "");
}

td_err td_keys_load(const char *path, td_cred *out, td_errmsg *why)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
    if (st.st_mode & 077)
        return td_fail(why, TD_EPERM,
                       "%s: credential file is readable by others (mode %03o); chmod 600 it", path,
                       (unsigned)(st.st_mode & 0777));
    /* zcert_load reads PATH_secret instead of PATH when it exists: refuse that detour, so
     * that the file whose mode was checked is the file read. */
    char secret[4096 + 8];
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (strlen(path) >= 4096 || access(secret, F_OK) == 0)
        return td_fail(why, TD_EPERM, "%s: refusing to read it while %s exists", path, secret);
    zcert_t *cert = zcert_load(path);
    if (!cert)
        return td_fail(why, TD_EINVAL, "%s: not a credential file", path);
    td_cred c;
    memset(&c, 0, sizeof c);
    snprintf(c.public_txt, sizeof c.public_txt, "%s", zcert_public_txt(cert));
    snprintf(c.secret_txt, sizeof c.secret_txt, "%s", zcert_secret_txt(cert));
    s_copy_meta(cert, "role", c.role, sizeof c.role);
    s_copy_meta(cert, "name", c.name, sizeof c.name);
    s_copy_meta(cert, "collector-key", c.collector_txt, sizeof c.collector_txt);
    zcert_destroy(&cert);
    uint8_t raw[32];
    if (td_keys_decode(c.secret_txt, raw) != TD_OK || !memcmp(c.secret_txt, "0000000000", 10))
        return td_fail(why, TD_EINVAL, "%s: credential file holds no secret key", path);
    if (!c.role[0])
        return td_fail(why, TD_EINVAL, "%s: credential file names no role", path);
    *out = c;
    return TD_OK;
}

td_err td_keys_token_new(char token[TD_TOKEN_LEN + 1])
{
    uint8_t raw[32];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return TD_EIO;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    return TD_OK;
}

void td_keys_token_digest(const char *token, uint8_t digest[32])
{
    zdigest_t *d = zdigest_new();
    memset(digest, 0, 32);
    if (!d)
        return;
    zdigest_update(d, (const byte *)token, strlen(token));
    memcpy(digest, zdigest_data(d), zdigest_size(d) < 32 ? zdigest_size(d) : 32);
    zdigest_destroy(&d);
}
