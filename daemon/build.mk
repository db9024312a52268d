# The vinfer CLI.
VINFER_SRCS := $(wildcard daemon/vinfer.c daemon/vdev.c daemon/cmd_*.c)
VINFER_OBJS := $(VINFER_SRCS:%.c=$(O)/%.o)

$(O)/vinfer: $(VINFER_OBJS) $(LIBVINFER) $(PROBE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PROBE_LDLIBS)

PROGS += $(O)/vinfer
