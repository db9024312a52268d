# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (cmocka) of vinferd's self-contained parts: the control socket,
# metrics, sd_notify and the start-up check. They link the daemon's objects
# directly (not libvinfer) and the CLI side of the control protocol
# (daemon/cmd_status.c). Every wait in them is bounded.

PERIPH_TESTS := $(patsubst tests/daemon/periph/%.c,$(O)/tests/daemon/periph/%,\
		$(wildcard tests/daemon/periph/*_test.c))
PERIPH_OBJS := $(addprefix $(O)/daemon/vinferd/,listener.o control.o metrics.o notify.o check.o) \
	       $(O)/daemon/cmd_status.o

$(O)/tests/daemon/periph/%_test: tests/daemon/periph/%_test.c $(PERIPH_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Idaemon -Idaemon/vinferd -o $@ $< $(PERIPH_OBJS) -ljson-c -lz -lm -lcmocka

.PHONY: check-daemon-periph
check-daemon-periph: $(PERIPH_TESTS)
	@for t in $(PERIPH_TESTS); do echo "--- $$t"; timeout 120 $$t || exit 1; done

CHECKS += check-daemon-periph
