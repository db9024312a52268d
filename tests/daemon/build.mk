# vinferd tests: every step boots a VM (scripts/vm-run) with vinfer.ko and
# swtpm, runs build/vinferd against the real module and TPM, and checks the
# attestations with attest_check (attest_read_file) and, where present,
# vinfer verify / export-quote + tpm2_checkquote.

DAEMON_TEST_BINS := $(O)/tests/daemon/attest_check

$(O)/tests/daemon/attest_check: tests/daemon/attest_check.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS)

.PHONY: check-daemon
check-daemon: module $(O)/vinfer $(O)/vinferd $(DAEMON_TEST_BINS) test-runtime
	tests/daemon/run.sh

CHECKS += check-daemon
include tests/daemon/periph.mk
