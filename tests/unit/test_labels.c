// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of UTF-8 repair, escaping and placeholders (user/labels.c). */
#include <stdlib.h>

#include "../../user/labels.h"
#include "unit/check.h"

static void repair(const char *desc, const char *in, size_t n, const char *want)
{
	char out[3 * 256 + 1];
	size_t len = label_utf8_repair(in, n, out);

	check_mem(desc, want, strlen(want), out, len);
}

static void pair(const char *desc, unsigned int state, const char *raw, size_t raw_sz,
		 const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb);
	label_append_pair(&sb, "tenant_id", state, raw, raw_sz);
	check_str(desc, want, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

#define FFFD "\xef\xbf\xbd"

int main(void)
{
	/* Valid text is kept byte for byte, multi-byte characters included. */
	repair("ASCII is kept", "org-abc", 7, "org-abc");
	repair("2-, 3- and 4-byte characters are kept", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
	       "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Each maximal ill-formed subsequence becomes one U+FFFD. */
	repair("0xFF becomes U+FFFD",
	       "a\xff"
	       "b",
	       3, "a" FFFD "b");
	repair("a stray continuation byte becomes U+FFFD",
	       "\x80"
	       "x",
	       2, FFFD "x");
	repair("two stray continuation bytes become two U+FFFD", "\x80\x80", 2, FFFD FFFD);
	repair("a cut 3-byte sequence is one U+FFFD",
	       "\xe2\x82"
	       "x",
	       3, FFFD "x");
	repair("a cut sequence at the end is one U+FFFD", "ab\xe2\x82", 4, "ab" FFFD);
	repair("an overlong encoding of '/' is replaced", "\xc0\xaf", 2, FFFD FFFD);
	repair("an overlong 3-byte NUL is replaced", "\xe0\x80\x80", 3, FFFD FFFD FFFD);
	repair("a UTF-16 surrogate is replaced", "\xed\xa0\x80", 3, FFFD FFFD FFFD);
	repair("a code point above U+10FFFF is replaced", "\xf4\x90\x80\x80", 4,
	       FFFD FFFD FFFD FFFD);
	repair("0xF5..0xFF never start a sequence", "\xf5\xfe", 2, FFFD FFFD);

	/* Escaping as text format 0.0.4 requires. */
	pair("quotes are escaped", 0, "a\"b", 64, "tenant_id=\"a\\\"b\"");
	pair("backslashes are escaped", 0, "a\\b", 64, "tenant_id=\"a\\\\b\"");
	pair("newlines are escaped", 0, "a\nb", 64, "tenant_id=\"a\\nb\"");
	pair("CR becomes U+FFFD", 0, "a\rb", 64, "tenant_id=\"a" FFFD "b\"");
	pair("TAB is kept", 0, "a\tb", 64, "tenant_id=\"a\tb\"");
	pair("invalid UTF-8 is repaired, then escaped", 0, "\xff\"", 64,
	     "tenant_id=\"" FFFD "\\\"\"");

	/* Placeholders: never the empty label value. */
	pair("the empty string shows as <empty>", 0, "", 64, "tenant_id=\"<empty>\"");
	pair("a read error shows as <unreadable>", 1, "", 64, "tenant_id=\"<unreadable>\"");
	pair("the overflow series shows as <overflow>", 2, "", 64, "tenant_id=\"<overflow>\"");
	pair("an unknown state shows as <unreadable>", 9, "x", 64, "tenant_id=\"<unreadable>\"");
	/* A key slot is read up to its size even if the IdP's NUL is missing. */
	pair("an unterminated slot stops at its size", 0, "abcdef", 3, "tenant_id=\"abc\"");

	/* Long text (a target path) is repaired on the heap. */
	{
		struct strbuf sb;
		char *big = malloc(1001);

		memset(big, 'p', 1000);
		big[1000] = '\0';
		strbuf_init(&sb);
		label_append_text(&sb, "target", big);
		check_int("a 1000-byte value is kept whole", 1000 + strlen("target=\"\""),
			  (long long)sb.len);
		strbuf_free(&sb);
		free(big);
	}
	return check_done();
}
