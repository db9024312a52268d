// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer measure [--kind KIND] FILE...
 *
 * Prints, per file, the digest the kernel computed, the path and the record
 * number, in the layout of sha256sum followed by the record:
 *   <sha256>  <path>  record=<seq>[ verity][ unwatched][ violation]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "vdev.h"
#include "vlog.h"

static int parse_kind(const char *s, unsigned int *kind)
{
	unsigned int k;

	for (k = 0; k <= VINFER_KIND_MAX; k++) {
		if (!strcmp(s, vlog_kind_name(k))) {
			*kind = k;
			return 0;
		}
	}
	return -1;
}

int cmd_measure(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int kind = VINFER_KIND_OTHER;
	int dev, c, i, ret = VINFER_EXIT_OK;

	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kind(optarg, &kind)) {
				fprintf(stderr, "vinfer measure: --kind '%s': expected model, data, config, code or other\n",
					optarg);
				return VINFER_EXIT_USAGE;
			}
			break;
		case 'h':
			printf("usage: vinfer measure [--kind model|data|config|code|other] FILE...\n");
			return VINFER_EXIT_OK;
		default:
			return VINFER_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vinfer measure: no FILE given\n");
		return VINFER_EXIT_USAGE;
	}
	dev = vdev_open("vinfer measure");
	if (dev < 0)
		return VINFER_EXIT_FAIL;

	for (i = optind; i < argc; i++) {
		struct vinfer_measure m = { .kind = kind };
		char hex[2 * VINFER_DIGEST_SIZE + 1];
		int fd;

		fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			fprintf(stderr, "vinfer measure: %s: %s\n", argv[i], strerror(errno));
			ret = VINFER_EXIT_FAIL;
			continue;
		}
		m.fd = fd;
		if (ioctl(dev, VINFER_IOC_MEASURE, &m)) {
			fprintf(stderr, "vinfer measure: %s: %s\n", argv[i], vdev_strerror(errno));
			ret = VINFER_EXIT_FAIL;
			close(fd);
			continue;
		}
		close(fd);
		vlog_hex(m.digest, sizeof(m.digest), hex);
		printf("%s  %s  record=%llu%s%s%s\n", hex, argv[i], (unsigned long long)m.seq,
		       m.out_flags & VINFER_FILE_VERITY ? " verity" : "",
		       m.out_flags & VINFER_FILE_UNWATCHED ? " unwatched" : "",
		       m.out_flags & VINFER_MEASURE_VIOLATION ? " violation" : "");
	}
	close(dev);
	return ret;
}
