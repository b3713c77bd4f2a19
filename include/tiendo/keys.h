/* Credential files and CURVE keys. A credential file holds one CURVE keypair, the collector's
 * public key, and what the key is for (role and agency or operator name). It is a ZPL file as
 * CZMQ's zcert writes it, mode 0600. Only lib/keys touches zcert. */
#ifndef TIENDO_KEYS_H
#define TIENDO_KEYS_H

#include <stdint.h>

#include "tiendo/model.h"

#define TD_Z85_LEN 40 /* a 32-byte key in Z85 text */

typedef struct {
    char public_txt[TD_Z85_LEN + 1];
    char secret_txt[TD_Z85_LEN + 1];
    char collector_txt[TD_Z85_LEN + 1]; /* the collector's public key; "" in its own file */
    char role[16];                      /* agent|operator|admin|collector */
    char name[TD_CODE_MAX + 1];         /* agency code, operator name, or "collector" */
} td_cred;

/* A fresh CURVE keypair in Z85 text. */
td_err td_keys_generate(char public_txt[TD_Z85_LEN + 1], char secret_txt[TD_Z85_LEN + 1]);
/* Z85 text <-> 32 raw bytes. TD_EINVAL for text that is not a Z85 key. */
td_err td_keys_decode(const char *txt, uint8_t key[32]);
void td_keys_encode(const uint8_t key[32], char txt[TD_Z85_LEN + 1]);

#define TD_TOKEN_LEN 64 /* hex characters */

/* A fresh bearer token (64 hex characters of 32 random bytes). */
td_err td_keys_token_new(char token[TD_TOKEN_LEN + 1]);
/* What the store keeps of a token: its SHA-1 digest, zero-padded to 32 bytes. */
void td_keys_token_digest(const char *token, uint8_t digest[32]);

/* Writes a credential file with mode 0600, atomically (temporary file, then rename). */
td_err td_keys_save(const char *path, const td_cred *cred, td_errmsg *why);
/* Reads a credential file. Refuses (TD_EPERM) a file that group or others may read, and a file
 * that lacks a key or a role. Error messages never contain key material. */
td_err td_keys_load(const char *path, td_cred *out, td_errmsg *why);

#endif
