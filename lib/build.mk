# libvinfer: the userspace library shared by the CLI, the daemon and tests.
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIBVINFER := $(O)/libvinfer.a

$(LIBVINFER): $(LIB_OBJS)
	$(AR) rcs $@ $^
