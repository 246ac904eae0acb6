/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * usdt_notes.h - the agentidp probes an ELF file carries.
 *
 * Reads the SystemTap SDT notes (.note.stapsdt) of an executable or shared
 * library. Used by --list-probes, and before attaching, so that a target
 * without the probes is refused with a clear message instead of failing
 * deep inside libbpf.
 */
#ifndef OBSERVER_USDT_NOTES_H
#define OBSERVER_USDT_NOTES_H

#include <stdint.h>
#include <stdio.h>

#define USDT_MAX_PROBES 64

struct usdt_probe {
	char provider[64];
	char name[64];
	char args[256];
	uint64_t pc;
	uint64_t semaphore;
};

struct usdt_probe_list {
	struct usdt_probe probe[USDT_MAX_PROBES];
	int cnt;
};

/*
 * Read every probe of provider (all providers if NULL) from the ELF file at
 * path. Returns 0, -ENOENT/-EACCES/... if the file cannot be opened, -EBADF
 * if it is not a regular file, or -ENOEXEC if it is not an ELF file.
 */
int usdt_notes_read(const char *path, const char *provider, struct usdt_probe_list *out);

/* The reason for a usdt_notes_read() error, for a one-line message. */
const char *usdt_notes_strerror(int err);
/* Print the list as --list-probes shows it. */
void usdt_notes_print(FILE *f, const char *path, const struct usdt_probe_list *list);

#endif /* OBSERVER_USDT_NOTES_H */
