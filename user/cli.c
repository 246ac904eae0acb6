// SPDX-License-Identifier: BSD-2-Clause
/*
 * cli.c - flag parsing. Every flag takes its value as "--flag VALUE" or
 * "--flag=VALUE". Problems are reported as one line for main() to print
 * with exit code 2; nothing here exits.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_TARGET = 256,
	OPT_PID,
	OPT_LISTEN,
	OPT_PATH,
	OPT_BPFFS,
	OPT_SERIES_LIMIT,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_LIST_PROBES,
	OPT_VERSION,
	OPT_HELP,
};

#define TELEMETRY_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~"

static const struct option long_opts[] = {
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "bpffs.path", required_argument, NULL, OPT_BPFFS },
	{ "series.limit", required_argument, NULL, OPT_SERIES_LIMIT },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "list-probes", required_argument, NULL, OPT_LIST_PROBES },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	fprintf(f,
		"usage: agentidp-observer --target PATH [--target PATH]... [--pid PID]\n"
		"                         [--web.listen-address HOST:PORT] [--web.telemetry-path PATH]\n"
		"                         [--bpffs.path DIR] [--series.limit N]\n"
		"                         [--log.level debug|info|warn|error] [--log.format logfmt|json]\n"
		"       agentidp-observer --list-probes PATH\n"
		"       agentidp-observer --version\n"
		"\n"
		"  --target PATH              executable or shared library carrying the agentidp probes;\n"
		"                             every process running it, now or later, is observed\n"
		"  --pid PID                  observe only this process\n"
		"  --web.listen-address ADDR  where to serve HTTP (default %s)\n"
		"  --web.telemetry-path PATH  path of the metrics (default %s)\n"
		"  --bpffs.path DIR           where the maps are pinned (default %s)\n"
		"  --series.limit N           series per metric before overflow (default %d)\n"
		"  --log.level LEVEL          debug, info, warn or error (default info)\n"
		"  --log.format FORMAT        logfmt or json (default logfmt)\n",
		CLI_DEFAULT_LISTEN, CLI_DEFAULT_PATH, CLI_DEFAULT_BPFFS, CLI_DEFAULT_SERIES_LIMIT);
}

/* A whole decimal number in [min, max], nothing else. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

#define usage_error(...) (snprintf(err, errsz, __VA_ARGS__), -EINVAL)

int cli_parse(int argc, char **argv, struct cli_opts *out, char *err, size_t errsz)
{
	unsigned long v;
	int c;

	memset(out, 0, sizeof(*out));
	out->listen = CLI_DEFAULT_LISTEN;
	out->telemetry_path = CLI_DEFAULT_PATH;
	out->bpffs_path = CLI_DEFAULT_BPFFS;
	out->series_limit = CLI_DEFAULT_SERIES_LIMIT;
	out->log_level = LOG_INFO;
	out->log_format = LOG_LOGFMT;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TARGET:
			if (out->target_cnt == CLI_MAX_TARGETS)
				return usage_error("at most %d --target flags", CLI_MAX_TARGETS);
			if (!*optarg)
				return usage_error("--target needs a path");
			out->targets[out->target_cnt++] = optarg;
			break;
		case OPT_PID:
			if (parse_ulong(optarg, 1, INT_MAX, &v))
				return usage_error("--pid '%s' is not a process id", optarg);
			out->pid = (pid_t)v;
			break;
		case OPT_LISTEN:
			out->listen = optarg;
			break;
		case OPT_PATH:
			/* Plain URL path characters only: it is also a link on the landing page. */
			if (optarg[0] != '/' || strcmp(optarg, "/") == 0 || strlen(optarg) > 256 ||
			    optarg[strspn(optarg, TELEMETRY_PATH_CHARS)])
				return usage_error(
					"--web.telemetry-path '%s' must start with /, not be /, and use only letters, digits and /-._~ (256 at most)",
					optarg);
			out->telemetry_path = optarg;
			break;
		case OPT_BPFFS:
			if (optarg[0] != '/')
				return usage_error("--bpffs.path '%s' must be an absolute path",
						   optarg);
			out->bpffs_path = optarg;
			break;
		case OPT_SERIES_LIMIT:
			if (parse_ulong(optarg, 1, CLI_MAX_SERIES_LIMIT, &v))
				return usage_error(
					"--series.limit '%s' must be a number from 1 to %d", optarg,
					CLI_MAX_SERIES_LIMIT);
			out->series_limit = v;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &out->log_level))
				return usage_error(
					"--log.level '%s' must be debug, info, warn or error",
					optarg);
			break;
		case OPT_LOG_FORMAT:
			if (log_format_parse(optarg, &out->log_format))
				return usage_error("--log.format '%s' must be logfmt or json",
						   optarg);
			break;
		case OPT_LIST_PROBES:
			out->mode = CLI_LIST_PROBES;
			out->list_probes_path = optarg;
			break;
		case OPT_VERSION:
			out->mode = CLI_VERSION;
			break;
		case OPT_HELP:
			out->mode = CLI_HELP;
			break;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown flag '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	if (out->mode == CLI_RUN && out->target_cnt == 0)
		return usage_error("--target is required (see --help)");
	return 0;
}
