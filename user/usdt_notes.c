// SPDX-License-Identifier: BSD-2-Clause
/*
 * usdt_notes.c - SDT note parsing with libelf.
 *
 * A note's descriptor is three addresses (probe pc, .stapsdt.base, semaphore;
 * 4 bytes each in ELF32, 8 in ELF64) followed by three NUL-terminated
 * strings: provider, probe name, argument spec. Notes that do not fit their
 * descriptor are skipped, never read past.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usdt_notes.h"

#define SDT_NOTE_TYPE 3
#define SDT_NOTE_NAME "stapsdt"

static uint64_t read_addr(const char *p, bool is64)
{
	uint64_t v64;
	uint32_t v32;

	if (is64) {
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

/* Copy the NUL-terminated string at *p (within end) to dst; false if none. */
static bool take_str(const char **p, const char *end, char *dst, size_t dstsz)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (!nul)
		return false;
	snprintf(dst, dstsz, "%s", *p);
	*p = nul + 1;
	return true;
}

static void parse_note(const char *desc, size_t descsz, bool is64, const char *provider,
		       struct usdt_probe_list *out)
{
	size_t asz = is64 ? 8 : 4;
	const char *p = desc + 3 * asz, *end = desc + descsz;
	struct usdt_probe pr;

	if (descsz < 3 * asz || out->cnt == USDT_MAX_PROBES)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.pc = read_addr(desc, is64);
	pr.semaphore = read_addr(desc + 2 * asz, is64);
	if (!take_str(&p, end, pr.provider, sizeof(pr.provider)) ||
	    !take_str(&p, end, pr.name, sizeof(pr.name)) ||
	    !take_str(&p, end, pr.args, sizeof(pr.args)))
		return;
	if (provider && strcmp(provider, pr.provider) != 0)
		return;
	out->probe[out->cnt++] = pr;
}

static void scan_section(Elf_Scn *scn, bool is64, const char *provider, struct usdt_probe_list *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nhdr;

	if (!data)
		return;
	while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
		const char *base = data->d_buf;

		if (nhdr.n_type != SDT_NOTE_TYPE || nhdr.n_namesz != sizeof(SDT_NOTE_NAME) ||
		    memcmp(base + name_off, SDT_NOTE_NAME, sizeof(SDT_NOTE_NAME)) != 0)
			continue;
		parse_note(base + desc_off, nhdr.n_descsz, is64, provider, out);
	}
}

int usdt_notes_read(const char *path, const char *provider, struct usdt_probe_list *out)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	struct stat st;
	int fd, err = 0;
	bool is64;
	Elf *elf;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO given as a target must not hang the observer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EBADF;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
		err = -ENOEXEC;
		goto out;
	}
	is64 = gelf_getclass(elf) == ELFCLASS64;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (name && strcmp(name, ".note.stapsdt") == 0)
			scan_section(scn, is64, provider, out);
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

const char *usdt_notes_strerror(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "not an ELF file";
	case -EBADF:
		return "not a regular file";
	default:
		return strerror(-err);
	}
}

void usdt_notes_print(FILE *f, const char *path, const struct usdt_probe_list *list)
{
	for (int i = 0; i < list->cnt; i++) {
		const struct usdt_probe *p = &list->probe[i];

		fprintf(f, "%s:%s pc=0x%llx semaphore=0x%llx args=\"%s\"\n", p->provider, p->name,
			(unsigned long long)p->pc, (unsigned long long)p->semaphore, p->args);
	}
	if (list->cnt == 0)
		fprintf(f, "%s: no agentidp probes\n", path);
}
