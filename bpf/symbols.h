/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol tables of runtime libraries: where, in the file, each exported
 * function of an accelerator runtime starts, and how the kernel will handle
 * a breakpoint on its first instruction.
 */
#ifndef VINFER_SYMBOLS_H
#define VINFER_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "vinfer_probe.h"

struct vinfer_symtab;

/* Read the dynamic (and, if present, full) symbol table of ELF file @path. */
int vinfer_symtab_open(struct vinfer_symtab **sp, const char *path,
		       char *err, size_t errlen);
/*
 * File offset of defined function @name (what a uprobe is attached at) and
 * the trap class of its first instruction. Returns 0, or -ENOENT.
 */
int vinfer_symtab_find(const struct vinfer_symtab *s, const char *name,
		       uint64_t *offset, enum vinfer_trap_class *cls);
void vinfer_symtab_close(struct vinfer_symtab *s);

/* Trap class of an x86-64 instruction starting with bytes @b[0..@n). */
enum vinfer_trap_class vinfer_insn_class(const uint8_t *b, size_t n);

#endif /* VINFER_SYMBOLS_H */
