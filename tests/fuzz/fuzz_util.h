/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_util.h - what both libFuzzer targets share: an assertion that names
 * the failed check before it traps (so a crash log says which invariant
 * broke, not only where), a strict UTF-8 validator written independently of
 * user/labels.c, and a reader that turns fuzz bytes into decisions.
 */
#ifndef TESTS_FUZZ_UTIL_H
#define TESTS_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A violated invariant: say which one, then trap so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: invariant violated: %s\n",      \
				__FILE__, __LINE__, #cond);                      \
			__builtin_trap();                                        \
		}                                                                \
	} while (0)

/*
 * Length of the well-formed UTF-8 character at s[0..n), or 0. It decodes
 * the code point first and then rejects what the encoding forbids, the
 * opposite order of user/labels.c (which checks byte ranges), so the two
 * cannot share a mistake: overlong forms, surrogates, beyond U+10FFFF.
 */
static inline size_t fuzz_utf8_char(const unsigned char *s, size_t n)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static inline bool fuzz_utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	for (size_t i = 0; i < n;) {
		size_t len = fuzz_utf8_char(s + i, n - i);

		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* Fuzz bytes consumed front to back; an exhausted input reads as zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

/* Up to want bytes; *out_n says how many there were. */
static inline const char *fuzz_bytes(struct fuzz_in *in, size_t want, size_t *out_n)
{
	const char *p = (const char *)in->p;

	*out_n = want < in->n ? want : in->n;
	in->p += *out_n;
	in->n -= *out_n;
	return p;
}

/*
 * A counter key slot size: 1..64 (the real slot is 64 bytes, and smaller
 * ones exercise the unterminated-slot path) or, for one selector byte in
 * four, 65..1955 bytes to reach the heap path that target paths take.
 */
static inline size_t fuzz_slot_size(uint8_t b)
{
	return b < 192 ? 1 + b % 64 : 65 + (size_t)(b - 192) * 30;
}

#endif /* TESTS_FUZZ_UTIL_H */
