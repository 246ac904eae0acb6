// SPDX-License-Identifier: BSD-2-Clause
/*
 * secret.c - token generation and secret hashing with OpenSSL's libcrypto.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "secret.h"

/*
 * About 15 ms per verification on a current core: slow enough to make
 * offline guessing expensive, cheap enough for a token endpoint that is
 * rate limited before it ever hashes.
 */
#define PBKDF2_ITERATIONS 50000
#define SALT_LEN 16
#define DK_LEN 32

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding; @out needs 4 * ceil(len / 3) + 1 bytes. */
static void b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i;
	char *p = out;

	for (i = 0; i + 2 < len; i += 3) {
		*p++ = b64url[in[i] >> 2];
		*p++ = b64url[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = b64url[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*p++ = b64url[in[i + 2] & 63];
	}
	if (len - i == 1) {
		*p++ = b64url[in[i] >> 2];
		*p++ = b64url[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		*p++ = b64url[in[i] >> 2];
		*p++ = b64url[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = b64url[(in[i + 1] & 15) << 2];
	}
	*p = '\0';
}

static int b64_value(char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Decode base64 (@url: the URL alphabet, no padding) into @out. */
static int b64_decode(const char *in, size_t len, bool url, unsigned char *out, size_t out_sz)
{
	unsigned int acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	if (!url) {
		if (len % 4)
			return -EINVAL;
		while (len && in[len - 1] == '=')
			len--;
	}
	for (i = 0; i < len; i++) {
		v = b64_value(in[i], url);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= out_sz)
				return -EINVAL;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (int)n;
}

int secret_base64_decode(const char *in, size_t len, char *out, size_t out_sz)
{
	int n;

	if (out_sz == 0)
		return -EINVAL;
	n = b64_decode(in, len, false, (unsigned char *)out, out_sz - 1);
	if (n < 0)
		return n;
	out[n] = '\0';
	return n;
}

int secret_token_new(char *out)
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	b64url_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void secret_token_digest(const char *token, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)token, strlen(token), md);
	for (i = 0; i < sizeof(md); i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static int pbkdf2(const char *secret, const unsigned char *salt, size_t salt_len, int iter,
		  unsigned char *dk)
{
	if (PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, (int)salt_len, iter,
			      EVP_sha256(), DK_LEN, dk) != 1)
		return -EIO;
	return 0;
}

int secret_hash(const char *secret, char *out)
{
	unsigned char salt[SALT_LEN], dk[DK_LEN];
	char salt_s[32], dk_s[48];
	int err;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -EIO;
	err = pbkdf2(secret, salt, sizeof(salt), PBKDF2_ITERATIONS, dk);
	if (err)
		return err;
	b64url_encode(salt, sizeof(salt), salt_s);
	b64url_encode(dk, sizeof(dk), dk_s);
	snprintf(out, SECRET_HASH_MAX, "pbkdf2-sha256$%d$%s$%s", PBKDF2_ITERATIONS, salt_s,
		 dk_s);
	return 0;
}

/* Split "pbkdf2-sha256$ITER$SALT$HASH"; returns 0 or -EINVAL. */
static int parse_stored(const char *stored, int *iter, unsigned char *salt, int *salt_len,
			unsigned char *dk)
{
	const char *p, *s1, *s2;
	char *end;
	long v;

	if (!stored || strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return -EINVAL;
	p = stored + 14;
	v = strtol(p, &end, 10);
	if (end == p || *end != '$' || v < 1000 || v > 10000000)
		return -EINVAL;
	*iter = (int)v;
	s1 = end + 1;
	s2 = strchr(s1, '$');
	if (!s2)
		return -EINVAL;
	*salt_len = b64_decode(s1, (size_t)(s2 - s1), true, salt, SALT_LEN);
	if (*salt_len <= 0)
		return -EINVAL;
	if (b64_decode(s2 + 1, strlen(s2 + 1), true, dk, DK_LEN) != DK_LEN)
		return -EINVAL;
	return 0;
}

bool secret_verify(const char *secret, const char *stored)
{
	static const unsigned char dummy_salt[SALT_LEN];
	unsigned char salt[SALT_LEN], want[DK_LEN], got[DK_LEN];
	int iter, salt_len;
	bool valid = true;

	if (parse_stored(stored, &iter, salt, &salt_len, want)) {
		/* Same work as a real check, then a guaranteed mismatch. */
		valid = false;
		iter = PBKDF2_ITERATIONS;
		memcpy(salt, dummy_salt, sizeof(salt));
		salt_len = SALT_LEN;
		memset(want, 0, sizeof(want));
	}
	if (pbkdf2(secret, salt, (size_t)salt_len, iter, got))
		return false;
	return CRYPTO_memcmp(got, want, DK_LEN) == 0 && valid;
}
