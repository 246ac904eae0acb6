/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * process_metrics.h - the standard process_* metrics of the observer itself
 * (as every Prometheus exporter serves them), read from /proc/self.
 */
#ifndef OBSERVER_PROCESS_METRICS_H
#define OBSERVER_PROCESS_METRICS_H

#include "strbuf.h"

/* Append the process_* families to out; 0 or a negative errno. */
int process_metrics_render(struct strbuf *out);

#endif /* OBSERVER_PROCESS_METRICS_H */
