/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli.h - the observer's command line (README.md, "Running the observer").
 */
#ifndef OBSERVER_CLI_H
#define OBSERVER_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "log.h"

#define CLI_MAX_TARGETS 16
#define CLI_DEFAULT_LISTEN ":9477"
#define CLI_DEFAULT_PATH "/metrics"
#define CLI_DEFAULT_BPFFS "/sys/fs/bpf/agentidp"
#define CLI_DEFAULT_SERIES_LIMIT 10000
#define CLI_MAX_SERIES_LIMIT 1000000

enum cli_mode { CLI_RUN, CLI_LIST_PROBES, CLI_VERSION, CLI_HELP };

struct cli_opts {
	enum cli_mode mode;
	const char *targets[CLI_MAX_TARGETS];
	int target_cnt;
	pid_t pid; /* 0: every process running a target */
	const char *listen;
	const char *telemetry_path;
	const char *bpffs_path;
	unsigned long series_limit;
	enum log_level log_level;
	enum log_format log_format;
	const char *list_probes_path;
};

/*
 * Parse argv into out. On a usage error returns -EINVAL after writing the
 * one-line reason to err (errsz bytes).
 */
int cli_parse(int argc, char **argv, struct cli_opts *out, char *err, size_t errsz);

/* The --help text. */
void cli_usage(FILE *f);

#endif /* OBSERVER_CLI_H */
