# SPDX-License-Identifier: GPL-2.0
#
# vinfer probes: CO-RE BPF programs, their skeleton and the loader library.
#
#   bpf/*.bpf.c ──clang -target bpf──► $(O)/bpf/*.bpf.o ──bpftool gen object──►
#   $(O)/bpf/vinfer.bpf.o ──bpftool gen skeleton──► $(O)/bpf/vinfer.skel.h
#   bpf/*.c (loader) + skeleton ──► $(O)/libvinfer_probe.a
#
# vmlinux.h is generated at build time from the build host's BTF
# (VMLINUX_BTF, /sys/kernel/btf/vmlinux by default); CO-RE relocations make
# the one object load on every kernel with BTF, Debian's 6.1 included.
# Documentation/probes.rst explains why nothing is checked in.

BPF_CLANG	?= clang
BPFTOOL		?= bpftool
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux
BPF_ARCH	:= x86
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) \
		   -Wall -Werror -Wno-unused-function -I$(O)/bpf -Ibpf

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(BPF_SRCS:bpf/%.bpf.c=$(O)/bpf/%.bpf.o)
BPF_HDRS	:= $(wildcard bpf/*.bpf.h) bpf/vinfer_probe.h
BPF_SKEL	:= $(O)/bpf/vinfer.skel.h

PROBE_SRCS	:= $(filter-out %.bpf.c,$(wildcard bpf/*.c))
PROBE_ASMS	:= $(wildcard bpf/*.S)
PROBE_OBJS	:= $(PROBE_SRCS:%.c=$(O)/%.o) $(PROBE_ASMS:%.S=$(O)/%.o)
PROBE_LIB	:= $(O)/libvinfer_probe.a
PROBE_LDLIBS	:= -lbpf -lelf -lz -ljson-c -lpthread -lm

CFLAGS		+= -Ibpf

$(O)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	@test -r $(VMLINUX_BTF) || { echo "bpf: no kernel BTF at $(VMLINUX_BTF);" \
		"set VMLINUX_BTF=/path/to/vmlinux (a kernel built with CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp
	mv $@.tmp $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(O)/bpf/vmlinux.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bpf/vinfer.bpf.o: $(BPF_OBJS)
	$(BPFTOOL) gen object $@ $^

$(BPF_SKEL): $(O)/bpf/vinfer.bpf.o
	$(BPFTOOL) gen skeleton $< name vinfer_bpf > $@.tmp
	mv $@.tmp $@

$(PROBE_OBJS): $(BPF_SKEL)

$(O)/bpf/%.o: bpf/%.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(PROBE_LIB): $(PROBE_OBJS)
	$(AR) rcs $@ $^

