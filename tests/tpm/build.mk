# TPM suite.  tpm_retry_test (cmocka): what swtpm cannot be made to answer
# (RETRY/YIELDED/TESTING, lower-layer failures), with the TCTI loader and the
# Esys_* calls it needs replaced at link time.  tpm_test: lib/tpm.c against
# swtpm on loopback, cross-checked with tpm2-tools (tpm2_checkquote);
# tests/tpm/run.sh starts and stops swtpm.
TPM_TEST	:= $(O)/tests/tpm/tpm_test
TPM_RETRY_TEST	:= $(O)/tests/tpm/tpm_retry_test
TPM_WRAPS	:= Tss2_TctiLdr_Initialize Tss2_TctiLdr_Finalize Esys_Initialize \
		   Esys_Finalize Esys_Startup Esys_ReadClock

# tpm_test takes the ESAPI context lib/tpm.c opens (Esys_Initialize wrapped)
# to act behind its caches on the one connection swtpm serves.
$(TPM_TEST): tests/tpm/tpm_test.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS) -Wl,--wrap=Esys_Initialize

$(TPM_RETRY_TEST): tests/tpm/tpm_retry_test.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS) -lcmocka \
		$(foreach f,$(TPM_WRAPS),-Wl,--wrap=$(f))

.PHONY: check-tpm
check-tpm: $(TPM_TEST) $(TPM_RETRY_TEST)
	$(TPM_RETRY_TEST)
	tests/tpm/run.sh $(TPM_TEST)

CHECKS += check-tpm
