# Probe tests: on the host kernel (root), and a smoke test in the VM.
# The test accelerator runtime they trace is built by tests/cuda/build.mk.

$(O)/tests/probes/%: tests/probes/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -ldl

# interval: a caller of the library itself (intervals, waiting on its fd).
$(O)/tests/probes/interval: tests/probes/interval.c $(PROBE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(PROBE_LIB) $(PROBE_LDLIBS)

PROBE_TEST_BINS := $(O)/vinfer $(O)/tests/probes/dlopen $(O)/tests/probes/getppid \
		   $(O)/tests/probes/interval \
		   $(TEST_RUNTIME) $(TESTRT)/libcuda-stripped.so.1 $(TESTRT)/libcuda-nosyms.so.1

.PHONY: check-probes check-probes-vm bench-probes
check-probes: $(PROBE_TEST_BINS)
	tests/probes/run.sh

check-probes-vm: $(PROBE_TEST_BINS)
	scripts/vm-run --no-module -- tests/probes/vm-smoke.sh

bench-probes: $(PROBE_TEST_BINS)
	tests/probes/bench.sh

CHECKS += check-probes check-probes-vm
BENCHES += bench-probes
