// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol tables of runtime libraries, read with libelf.
 *
 * A runtime is probed by the names it exports, so .dynsym is what matters:
 * `strip --strip-all` keeps it, and a library is usable by its callers only
 * through it. .symtab, when present, adds local aliases. A uprobe is placed
 * at a file offset, so each symbol's address is translated through the
 * PT_LOAD segment that contains it.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

struct vinfer_sym {
	char *name;
	uint64_t offset;
	enum vinfer_trap_class cls;
};

struct vinfer_symtab {
	size_t n, cap;
	struct vinfer_sym *syms;	/* sorted by name after open */
};

/*
 * The kernel emulates a few x86 instructions when a uprobe on them fires
 * (push of a register, relative call/jmp/jcc, one-byte nop) and single-steps
 * every other one out of line, which costs an extra debug trap: on the
 * virtualised machines vinfer is developed on, ~0.5 us against ~9.5 us per
 * hit. The estimator needs to know which cost a probe has.
 */
enum vinfer_trap_class vinfer_insn_class(const uint8_t *b, size_t n)
{
	if (n < 1)
		return VINFER_TRAP_XOL;
	if (b[0] >= 0x50 && b[0] <= 0x57)		/* push %reg */
		return VINFER_TRAP_EMUL;
	if (n >= 2 && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57)
		return VINFER_TRAP_EMUL;		/* push %r8..%r15 */
	if (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb || b[0] == 0x90)
		return VINFER_TRAP_EMUL;		/* call, jmp, nop */
	if (b[0] >= 0x70 && b[0] <= 0x7f)		/* jcc rel8 */
		return VINFER_TRAP_EMUL;
	if (n >= 2 && b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f)
		return VINFER_TRAP_EMUL;		/* jcc rel32 */
	return VINFER_TRAP_XOL;
}

static int sym_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vinfer_sym *)a)->name,
		      ((const struct vinfer_sym *)b)->name);
}

static int symtab_add(struct vinfer_symtab *s, const char *name, uint64_t off,
		      enum vinfer_trap_class cls)
{
	struct vinfer_sym *ns;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		ns = realloc(s->syms, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		s->syms = ns;
		s->cap = cap;
	}
	s->syms[s->n].name = strdup(name);
	if (!s->syms[s->n].name)
		return -ENOMEM;
	s->syms[s->n].offset = off;
	s->syms[s->n].cls = cls;
	s->n++;
	return 0;
}

/* File offset of virtual address @addr, through the PT_LOAD holding it. */
static int vaddr_to_offset(Elf *elf, uint64_t addr, uint64_t *off)
{
	size_t i, nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return -EINVAL;
	for (i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int read_section_syms(struct vinfer_symtab *s, Elf *elf, Elf_Scn *scn,
			     const GElf_Shdr *sh, int fd)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;
	int err;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		uint8_t insn[16];
		const char *name;
		uint64_t off;
		GElf_Sym sym;
		ssize_t r;

		if (!gelf_getsym(data, i, &sym))
			continue;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (vaddr_to_offset(elf, sym.st_value, &off))
			continue;
		r = pread(fd, insn, sizeof(insn), off);
		err = symtab_add(s, name, off, vinfer_insn_class(insn, r > 0 ? r : 0));
		if (err)
			return err;
	}
	return 0;
}

int vinfer_symtab_open(struct vinfer_symtab **sp, const char *path,
		       char *err, size_t errlen)
{
	struct vinfer_symtab *s;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	Elf *elf;
	int fd, ret;

	*sp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, errlen, "%s: not an ELF file (%s)", path, elf_errmsg(-1));
		ret = -ENOEXEC;
		goto out_elf;
	}
	if (eh.e_machine != EM_X86_64) {
		snprintf(err, errlen, "%s: ELF machine %u, not x86-64", path, eh.e_machine);
		ret = -ENOEXEC;
		goto out_elf;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_elf;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB)
			continue;
		ret = read_section_syms(s, elf, scn, &sh, fd);
		if (ret) {
			snprintf(err, errlen, "%s: reading symbols: %s", path, strerror(-ret));
			vinfer_symtab_close(s);
			goto out_elf;
		}
	}
	if (!s->n) {
		snprintf(err, errlen, "%s: no function symbols (not even .dynsym)", path);
		vinfer_symtab_close(s);
		ret = -ENOENT;
		goto out_elf;
	}
	qsort(s->syms, s->n, sizeof(*s->syms), sym_cmp);
	*sp = s;
	ret = 0;
out_elf:
	elf_end(elf);
	close(fd);
	return ret;
}

int vinfer_symtab_find(const struct vinfer_symtab *s, const char *name,
		       uint64_t *offset, enum vinfer_trap_class *cls)
{
	struct vinfer_sym key = { .name = (char *)name }, *hit;

	hit = bsearch(&key, s->syms, s->n, sizeof(*s->syms), sym_cmp);
	if (!hit)
		return -ENOENT;
	*offset = hit->offset;
	*cls = hit->cls;
	return 0;
}

void vinfer_symtab_close(struct vinfer_symtab *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->syms[i].name);
	free(s->syms);
	free(s);
}
