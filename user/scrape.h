/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * scrape.h - one GET /metrics: read the maps, add the observer's own
 * metrics and the process_* metrics, render the text format.
 */
#ifndef OBSERVER_SCRAPE_H
#define OBSERVER_SCRAPE_H

#include <stdint.h>

#include "attach.h"
#include "loader.h"
#include "strbuf.h"

struct scrape_ctx {
	const struct loader *ld;
	const struct attach_set *targets;
	double last_duration_s; /* of the previous scrape */
	uint64_t gauges_reaped; /* dead processes' gauge entries deleted */
	uint64_t scrape_errors;
};

/* Render the whole body into out; 0 or a negative errno. */
int scrape_render(struct scrape_ctx *ctx, struct strbuf *out);

#endif /* OBSERVER_SCRAPE_H */
