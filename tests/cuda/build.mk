# SPDX-License-Identifier: GPL-2.0
#
# The test accelerator runtimes and the workload that drives them, so the
# runtime-tier probes can be tested without a GPU (tests/cuda/*.c say how).
#
#   libcuda.c   + kernels.c ──► $(O)/tests/cuda/libcuda.so.1     (SONAME libcuda.so.1)
#   libopencl.c + kernels.c ──► $(O)/tests/cuda/libOpenCL.so.1   (SONAME libOpenCL.so.1)
#   tinfer.c ──► $(O)/tests/cuda/tinfer, linked to both by SONAME, RUNPATH $ORIGIN
#
# For the bad-input tests:
#   libcuda-stripped.so.1  libcuda.so.1 after strip --strip-all (.dynsym stays)
#   libcuda-nosyms.so.1    SONAME libcuda.so.1, exporting none of the API
#
# The doubles are built with hidden visibility (only the API declared in
# cuda_api.h / cl_api.h is exported) and -O2 whatever CFLAGS say; their
# sources mark each API function noinline and no_icf (GCC's identical-code
# folding would merge cuCtxDestroy into cuCtxDestroy_v2), so that every
# exported function keeps an entry of its own for the uprobes.
# --enable-new-dtags makes tinfer's $ORIGIN search path a RUNPATH, which
# LD_LIBRARY_PATH overrides (how a test swaps in another libcuda.so.1).

TESTRT		:= $(O)/tests/cuda
TEST_RUNTIME	:= $(TESTRT)/libcuda.so.1 $(TESTRT)/libOpenCL.so.1 $(TESTRT)/tinfer

TESTRT_LIB_CFLAGS = $(CFLAGS) -O2 -fPIC -fvisibility=hidden
TESTRT_LIB_LDFLAGS = -shared -Wl,-soname,$(1) -Wl,-z,defs -Wl,-z,now

$(TESTRT)/libcuda.so.1: tests/cuda/libcuda.c tests/cuda/cuda_api.h tests/cuda/kernels.c \
			tests/cuda/kernels.h
	@mkdir -p $(dir $@)
	$(CC) $(TESTRT_LIB_CFLAGS) $(call TESTRT_LIB_LDFLAGS,libcuda.so.1) -o $@ \
		tests/cuda/libcuda.c tests/cuda/kernels.c

$(TESTRT)/libOpenCL.so.1: tests/cuda/libopencl.c tests/cuda/cl_api.h tests/cuda/kernels.c \
			  tests/cuda/kernels.h
	@mkdir -p $(dir $@)
	$(CC) $(TESTRT_LIB_CFLAGS) $(call TESTRT_LIB_LDFLAGS,libOpenCL.so.1) -o $@ \
		tests/cuda/libopencl.c tests/cuda/kernels.c

$(TESTRT)/libcuda-stripped.so.1: $(TESTRT)/libcuda.so.1
	strip --strip-all -o $@ $<

$(TESTRT)/libcuda-nosyms.so.1: tests/cuda/nosyms.c
	@mkdir -p $(dir $@)
	$(CC) $(TESTRT_LIB_CFLAGS) $(call TESTRT_LIB_LDFLAGS,libcuda.so.1) -o $@ $<

$(TESTRT)/tinfer: tests/cuda/tinfer.c tests/cuda/cuda_api.h tests/cuda/cl_api.h \
		  $(TESTRT)/libcuda.so.1 $(TESTRT)/libOpenCL.so.1
	$(CC) $(CFLAGS) -o $@ $< -L$(TESTRT) -l:libcuda.so.1 -l:libOpenCL.so.1 \
		-Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN'

.PHONY: test-runtime
test-runtime: $(TEST_RUNTIME) $(TESTRT)/libcuda-stripped.so.1 $(TESTRT)/libcuda-nosyms.so.1

# The doubles' own self-check: exports, determinism, reports, error codes.
.PHONY: check-runtime
check-runtime: test-runtime
	tests/cuda/check.sh

CHECKS += check-runtime
