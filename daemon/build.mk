# The vinfer CLI.
VINFER_SRCS := $(wildcard daemon/vinfer.c daemon/vdev.c daemon/cmd_*.c)
VINFER_OBJS := $(VINFER_SRCS:%.c=$(O)/%.o)

$(O)/vinfer: $(VINFER_OBJS) $(LIBVINFER) $(PROBE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PROBE_LDLIBS)

PROGS += $(O)/vinfer

# vinferd, the daemon: daemon/vinferd/*.c over libvinfer and the probe loader.
VINFERD_SRCS := $(wildcard daemon/vinferd/*.c)
VINFERD_OBJS := $(VINFERD_SRCS:%.c=$(O)/%.o)

$(O)/vinferd: $(VINFERD_OBJS) $(LIBVINFER) $(PROBE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PROBE_LDLIBS)

ifneq ($(VINFERD_SRCS),)
PROGS += $(O)/vinferd
endif
