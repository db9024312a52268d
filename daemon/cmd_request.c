// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer request (--input FILE | --input-digest HEX) (--output FILE | --output-digest HEX)
 *
 * Records one served request in the log: a VINFER_CLAIM_REQUEST claim of
 * SHA-256(input) || SHA-256(output).  The digests are computed here, so
 * they are claims of the caller, never measurements.  Prints
 *   <input sha256> <output sha256> record=<seq>
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "vlog.h"

static int parse_digest(const char *opt, const char *hex, uint8_t out[VINFER_DIGEST_SIZE])
{
	unsigned int i, b;

	if (strlen(hex) != 2 * VINFER_DIGEST_SIZE)
		goto bad;
	for (i = 0; i < VINFER_DIGEST_SIZE; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			goto bad;
		out[i] = (uint8_t)b;
	}
	return 0;
bad:
	fprintf(stderr, "vinfer request: %s '%s': not a SHA-256 digest (64 hex digits)\n", opt, hex);
	return -1;
}

static int side(const char *name, const char *file, const char *hex, uint8_t out[VINFER_DIGEST_SIZE])
{
	char opt[32];
	int err;

	if (!file == !hex) {
		fprintf(stderr, "vinfer request: give exactly one of --%s FILE and --%s-digest HEX\n",
			name, name);
		return VINFER_EXIT_USAGE;
	}
	if (hex) {
		snprintf(opt, sizeof(opt), "--%s-digest", name);
		return parse_digest(opt, hex, out) ? VINFER_EXIT_USAGE : 0;
	}
	err = vinfer_client_digest_file(file, out);
	if (err) {
		fprintf(stderr, "vinfer request: --%s %s: %s\n", name, file, strerror(-err));
		return VINFER_EXIT_FAIL;
	}
	return 0;
}

int cmd_request(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "input-digest", required_argument, NULL, 'I' },
		{ "output-digest", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *in = NULL, *out = NULL, *in_hex = NULL, *out_hex = NULL;
	uint8_t din[VINFER_DIGEST_SIZE], dout[VINFER_DIGEST_SIZE];
	char hin[2 * VINFER_DIGEST_SIZE + 1], hout[2 * VINFER_DIGEST_SIZE + 1];
	uint64_t seq;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "i:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'I': in_hex = optarg; break;
		case 'O': out_hex = optarg; break;
		case 'h':
			printf("usage: vinfer request (--input FILE | --input-digest HEX) (--output FILE | --output-digest HEX)\n");
			return VINFER_EXIT_OK;
		default:
			return VINFER_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vinfer request: unexpected argument '%s'\n", argv[optind]);
		return VINFER_EXIT_USAGE;
	}
	ret = side("input", in, in_hex, din);
	if (!ret)
		ret = side("output", out, out_hex, dout);
	if (ret)
		return ret;
	fd = vinfer_client_open();
	if (fd < 0) {
		fprintf(stderr, "vinfer request: %s\n", vinfer_client_strerror(fd));
		return VINFER_EXIT_FAIL;
	}
	ret = vinfer_client_request(fd, din, dout, &seq);
	vinfer_client_close(fd);
	if (ret) {
		fprintf(stderr, "vinfer request: %s\n", vinfer_client_strerror(ret));
		return VINFER_EXIT_FAIL;
	}
	vlog_hex(din, sizeof(din), hin);
	vlog_hex(dout, sizeof(dout), hout);
	printf("%s %s record=%llu\n", hin, hout, (unsigned long long)seq);
	return VINFER_EXIT_OK;
}
