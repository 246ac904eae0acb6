/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * labels.h - turning label bytes from the IdP into exposition text.
 *
 * What the IdP passes is untrusted: any bytes, up to 63 of them (the BPF
 * side cuts longer values at a character boundary). Before a value reaches
 * the exposition it is
 *
 *   1. made valid UTF-8: each maximal ill-formed subsequence (Unicode 15,
 *      section 3.9, "U+FFFD substitution of maximal subparts") becomes one
 *      U+FFFD REPLACEMENT CHARACTER; valid text is kept byte for byte;
 *   2. escaped as text format 0.0.4 requires: \ -> \\, " -> \", LF -> \n;
 *      any other control character but TAB (CR, ESC, ...) becomes U+FFFD, as
 *      the format has no escape for it and line-based readers trip on CR.
 *
 * Values the IdP did not send as text are shown under placeholders, never
 * under the empty string (which Prometheus treats as "label absent"):
 *
 *   <empty>       the IdP sent ""
 *   <unreadable>  the pointer was NULL or pointed at unreadable memory
 *   <overflow>    the metric's series limit was reached (overflow series)
 *
 * A value that the IdP sends literally equal to a placeholder, or two raw
 * values that repair to the same text, render identically; the exposition
 * merges such series (sums them), so output never has duplicates.
 */
#ifndef OBSERVER_LABELS_H
#define OBSERVER_LABELS_H

#include <stddef.h>

#include "strbuf.h"

#define LABEL_PLACEHOLDER_EMPTY "<empty>"
#define LABEL_PLACEHOLDER_UNREADABLE "<unreadable>"
#define LABEL_PLACEHOLDER_OVERFLOW "<overflow>"

/* The states of a label in a counter key (observer/maps.h). */
enum label_state { LABEL_STATE_OK, LABEL_STATE_READ_ERROR, LABEL_STATE_OVERFLOW };

/*
 * Copy in[0..len) to out as valid UTF-8 (step 1 above). out must hold
 * 3 * len + 1 bytes; it is NUL-terminated. Returns the output length.
 */
size_t label_utf8_repair(const char *in, size_t len, char *out);

/* Append s[0..n) with label-value escaping (step 2 above). */
void label_escape_value(struct strbuf *sb, const char *s, size_t n);

/* Append HELP text with its escaping: \ -> \\, LF -> \n. */
void label_escape_help(struct strbuf *sb, const char *s);

/*
 * Append name="value" for a label taken from a counter key: raw is the
 * NUL-padded key slot of raw_sz bytes, state its enum label_state.
 */
void label_append_pair(struct strbuf *sb, const char *name, unsigned int state, const char *raw,
		       size_t raw_sz);

/* Append name="value" for any C string (a path, a version): same rules. */
void label_append_text(struct strbuf *sb, const char *name, const char *value);

#endif /* OBSERVER_LABELS_H */
