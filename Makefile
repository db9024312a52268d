# SPDX-License-Identifier: GPL-2.0
#
# vinfer top-level build.
#
#   make            the module (against KDIR) and the userspace
#   make check      every test suite (kernel tests boot a VM, see scripts/vm-run)
#   make bench      the benchmarks, printed as ratios measured in one run
#   make demo       the main job on the embedded default
#
# Each part adds its own rules from a build.mk fragment; the fragments append
# their suites to CHECKS and their benchmarks to BENCHES.

KVER	?= $(shell scripts/kver)
KDIR	?= /lib/modules/$(KVER)/build
O	:= build
SHELL	:= /bin/bash

CC	?= gcc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	   -Wno-missing-field-initializers -fno-strict-aliasing \
	   -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	   -Iinclude/uapi -Ilib -I$(O)
# Userspace libraries: OpenSSL, TPM2-TSS (ESAPI, marshalling, RC decoding,
# TCTI loader), json-c, libcurl, libsecp256k1.
LDLIBS	+= -ltss2-esys -ltss2-mu -ltss2-rc -ltss2-tctildr -ljson-c -lcurl \
	   -lsecp256k1 -lcrypto

CHECKS	:=
BENCHES	:=
PROGS	:=

.PHONY: all module userspace check bench demo clean
all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

include lib/build.mk
include bpf/build.mk
include daemon/build.mk
include tests/build.mk
include install.mk

userspace: $(PROGS)

# Run every suite even when one fails, then say which failed.
define run-suites
	@failed=; for t in $(1); do \
		echo "=== $$t"; \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "=== FAILED:$$failed"; exit 1; fi; \
	echo "=== all passed: $(1)"
endef

check: all
	$(call run-suites,$(CHECKS))

# Each benchmark's output is kept in $(O)/bench/; scripts/bench-table turns
# their ROW lines into the one table.
bench: all
	@mkdir -p $(O)/bench; rm -f $(O)/bench/*.log
	@failed=; for t in $(BENCHES); do \
		echo "=== $$t"; \
		$(MAKE) --no-print-directory $$t 2>&1 | tee $(O)/bench/$$t.log; \
		test $${PIPESTATUS[0]} -eq 0 || failed="$$failed $$t"; \
	done; \
	scripts/bench-table $(foreach t,$(BENCHES),$(O)/bench/$(t).log) || failed="$$failed bench-table"; \
	if [ -n "$$failed" ]; then echo "=== FAILED:$$failed"; exit 1; fi

demo: all test-runtime
	scripts/demo

# The demo's whole path, as a test: it must end with its summary.
.PHONY: check-demo
check-demo: all test-runtime
	@scripts/demo | tee $(O)/demo.log; test $${PIPESTATUS[0]} -eq 0
	@grep -q '^demo: summary' $(O)/demo.log
CHECKS += check-demo

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	rm -rf $(O)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)
