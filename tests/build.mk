# Test suites.  Kernel tests run inside the VM through scripts/vm-run; the
# kselftest harness and checkpatch come from Debian's linux-source tarball.

LINUX_SRC_TAR	?= $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))
LINUX_TOOLS	:= $(O)/linux-tools
KSELFTEST_HDR	:= $(LINUX_TOOLS)/kselftest_harness.h
CHECKPATCH	:= $(LINUX_TOOLS)/checkpatch.pl

# Extract only the few files needed, once.
$(KSELFTEST_HDR) $(CHECKPATCH):
	@test -n "$(LINUX_SRC_TAR)" || { echo "no /usr/src/linux-source-*.tar.xz: run scripts/deps" >&2; exit 1; }
	@mkdir -p $(LINUX_TOOLS)
	tar -xJf $(LINUX_SRC_TAR) -C $(LINUX_TOOLS) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h'
	cp $(LINUX_TOOLS)/tools/testing/selftests/kselftest*.h $(LINUX_TOOLS)/
	cp $(LINUX_TOOLS)/scripts/checkpatch.pl $(LINUX_TOOLS)/scripts/spelling.txt \
		$(LINUX_TOOLS)/scripts/const_structs.checkpatch $(LINUX_TOOLS)/

KTEST_BINS := $(O)/tests/kernel/vinfer_test $(O)/tests/kernel/vinfer_fuzz \
	      $(O)/tests/kernel/vinfer_bench

$(O)/tests/kernel/vinfer_test: tests/kernel/vinfer_test.c $(LIBVINFER) $(KSELFTEST_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-sign-compare -Wno-unused-parameter -I$(LINUX_TOOLS) -o $@ $< $(LIBVINFER) $(LDLIBS) -lpthread

$(O)/tests/kernel/%: tests/kernel/%.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS) -lpthread

.PHONY: check-vm check-kernel check-style bench-kernel
# scripts/vm-run itself: exit status, TPM, scratch, read-only root, dirty log.
check-vm:
	tests/vm/smoke.sh

check-kernel: module $(O)/vinfer $(KTEST_BINS)
	tests/kernel/run.sh

bench-kernel: module $(O)/vinfer $(KTEST_BINS)
	tests/kernel/bench.sh

# Kernel code style: checkpatch --strict and sparse, both must be clean.
check-style: $(CHECKPATCH)
	$(CHECKPATCH) --strict --no-tree --terse --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,LINUX_VERSION_CODE \
		-f $(filter-out %.mod.c,$(wildcard kmod/*.c)) kmod/*.h include/uapi/linux/vinfer.h
	@out=$$($(MAKE) --no-print-directory -C $(KDIR) M=$(CURDIR) C=2 CHECK="sparse -Wno-decl" modules 2>&1 | \
		grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: (warning|error)' | grep -v '^include/\|/usr/src/'); \
	if [ -n "$$out" ]; then echo "$$out"; echo "sparse: not clean"; exit 1; fi; echo "sparse: clean"

CHECKS += check-style check-vm check-kernel
BENCHES += bench-kernel

# Unit tests (cmocka): one binary per tests/unit/*_test.c.  Parser fuzzers
# (libFuzzer, bounded time): one per tests/unit/*_fuzz.c, seeded from
# tests/unit/corpus/<name>/ when present and, for the log, from the valid log
# vlog_test builds.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*_test.c))
FUZZERS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*_fuzz.c))
FUZZ_SECONDS ?= 20

$(O)/tests/unit/%_test: tests/unit/%_test.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS) -lcmocka

$(O)/tests/unit/%_fuzz: tests/unit/%_fuzz.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude/uapi -Ilib \
		-D_GNU_SOURCE -o $@ $< $(LIB_SRCS) $(LDLIBS)

.PHONY: check-unit check-fuzz
check-unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "--- $$t"; $$t || exit 1; done

check-fuzz: $(FUZZERS) $(UNIT_TESTS)
	@for f in $(FUZZERS); do \
		name=$$(basename $$f); corpus=$(O)/fuzz/$$name; mkdir -p $$corpus; \
		if [ -d tests/unit/corpus/$$name ]; then cp tests/unit/corpus/$$name/* $$corpus/; fi; \
		if [ $$name = vlog_fuzz ]; then VLOG_SEED=$$corpus/seed $(O)/tests/unit/vlog_test > /dev/null 2>&1; fi; \
		echo "--- $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -print_final_stats=0 $$corpus 2>&1 | tail -3; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

CHECKS += check-unit check-fuzz

# The test accelerator runtime, and the probe tests that trace it.
include tests/cuda/build.mk
include tests/probes/build.mk

# TPM (host swtpm), daemon, verifier, chain and install suites: each
# directory's fragment adds its rules and appends to CHECKS/BENCHES.
-include tests/tpm/build.mk
-include tests/verify/build.mk
-include tests/daemon/build.mk
-include tests/chain/build.mk
-include tests/install/build.mk
