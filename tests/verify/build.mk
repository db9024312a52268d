# The verifier's suite: a real document made against swtpm by mkdoc, checked
# by `vinfer verify` and tpm2_checkquote, then the tamper corpus
# (tests/verify/tamper.sh: each mutation must fail the check it names).

$(O)/tests/verify/mkdoc: tests/verify/mkdoc.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS)

.PHONY: check-verify bench-verify
check-verify: $(O)/vinfer $(O)/tests/verify/mkdoc
	tests/verify/tamper.sh

# Documents verified per second (median of 5 runs of 200 in one process).
bench-verify: $(O)/vinfer $(O)/tests/verify/mkdoc
	VERIFY_BENCH_ONLY=1 tests/verify/tamper.sh

CHECKS += check-verify
BENCHES += bench-verify
