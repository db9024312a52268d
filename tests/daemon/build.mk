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

# What closing an epoch costs vinferd (tests/daemon/vm-bench.sh), with the
# spool in a host directory under /tmp shared over 9p (a real disk).
.PHONY: bench-daemon
bench-daemon: module $(O)/vinfer $(O)/vinferd
	@scratch=$$(mktemp -d /tmp/vinferd-bench.XXXXXX); st=0; \
	scripts/vm-run --timeout 600 --scratch "$$scratch" --env BENCH_SCRATCH="$$scratch" \
		-- tests/daemon/vm-bench.sh || st=$$?; \
	rm -rf "$$scratch"; exit $$st

BENCHES += bench-daemon
include tests/daemon/periph.mk
