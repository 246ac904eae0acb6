/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * secret.h - client secrets and bearer tokens: generation and hashing.
 *
 * Neither client secrets nor access tokens are stored in clear. Secrets are
 * hashed with PBKDF2-HMAC-SHA256 and a random salt (they may be chosen by
 * people); tokens are 256 random bits, so one SHA-256 is enough to make a
 * stolen table useless.
 */
#ifndef IDP_SECRET_H
#define IDP_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* 32 random bytes, base64url without padding: 43 characters. */
#define SECRET_TOKEN_LEN 43
/* SHA-256 as lowercase hex. */
#define SECRET_DIGEST_HEX_LEN 64
/* "pbkdf2-sha256$ITER$SALT$HASH" with base64url fields. */
#define SECRET_HASH_MAX 128

/*
 * secret_token_new - a fresh opaque token in @out (SECRET_TOKEN_LEN + 1).
 * Returns 0, or -EIO when the random generator fails.
 */
int secret_token_new(char *out);

/* secret_token_digest - SHA-256 of @token as hex in @out (65 bytes). */
void secret_token_digest(const char *token, char *out);

/*
 * secret_hash - hash @secret for storage into @out (SECRET_HASH_MAX).
 * Returns 0, or -EIO when the random generator or PBKDF2 fails.
 */
int secret_hash(const char *secret, char *out);

/*
 * secret_verify - whether @secret matches @stored (from secret_hash).
 * A NULL or malformed @stored never matches, but still costs one full hash,
 * so that unknown clients are not told apart by the response time.
 */
bool secret_verify(const char *secret, const char *stored);

/*
 * secret_base64_decode - decode standard base64 (with padding) from @in of
 * @len bytes into @out of @out_sz bytes, NUL-terminated.
 * Returns the decoded length, or -EINVAL for bad input or no room.
 */
int secret_base64_decode(const char *in, size_t len, char *out, size_t out_sz);

#endif /* IDP_SECRET_H */
