/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The start-up check of vinferd: what the daemon needs from this host, each
 * missing piece reported as one sentence that names it and says what to do.
 * It looks at the module's device and securityfs directory, the TPM device
 * node of a device: TCTI, kernel BTF and whether a BPF program loads, and the
 * kernel options in /proc/config.gz or /boot/config-RELEASE.
 */
#ifndef VINFERD_CHECK_H
#define VINFERD_CHECK_H

#include <stdbool.h>

#define CHECK_PROBLEMS_MAX	16
#define CHECK_TEXT_MAX		320

struct check_opts {
	const char *root;	/* prefix of every path read; NULL: "" (the host) */
	const char *release;	/* kernel release for /boot/config-RELEASE; NULL: uname */
	const char *tcti;	/* the configured TCTI; NULL: the TSS default */
	bool need_tpm;		/* TPM checks only when the daemon will use one */
	bool need_probes;	/* BPF checks only when probes are on */
	/* Loads a trivial BPF program: 0 or -errno. NULL: BPF_PROG_LOAD of a socket filter. */
	int (*bpf_load)(void);
};

enum check_level {
	CHECK_FATAL,		/* the daemon cannot run as configured */
	CHECK_NOTE,		/* something could not be checked */
};

struct check_problem {
	enum check_level level;
	char text[CHECK_TEXT_MAX];
};

struct check_report {
	unsigned int n, fatal;
	struct check_problem p[CHECK_PROBLEMS_MAX];
};

/* Fills r (from empty); returns r->fatal, the number of fatal problems. */
int vinferd_check(const struct check_opts *o, struct check_report *r);

#endif
