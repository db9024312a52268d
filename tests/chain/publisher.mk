# The on-chain publisher (lib/publish.c and its encoders): unit vectors,
# keystore interoperability with cast, and delivery to a real anvil under
# faults (tests/chain/publisher.sh).  Included from tests/chain/build.mk.
PUBLISHER_TOOLS := $(O)/tests/chain/publisher_tool $(O)/tests/chain/publisher_proxy
PUBLISHER_UNITS := $(addprefix $(O)/tests/unit/,keccak_test rlp_test abi_test ethtx_test \
		     keystore_test)

$(O)/tests/chain/publisher_tool: tests/chain/publisher_tool.c $(LIBVINFER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBVINFER) $(LDLIBS)

$(O)/tests/chain/publisher_proxy: tests/chain/publisher_proxy.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

.PHONY: check-publisher
check-publisher: $(PUBLISHER_UNITS) $(PUBLISHER_TOOLS) $(O)/vinfer
	@for t in $(PUBLISHER_UNITS); do echo "--- $$t"; $$t || exit 1; done
	tests/chain/publisher.sh

CHECKS += check-publisher
