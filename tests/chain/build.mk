# Chain suite: the Solidity contracts (contracts/) built and tested with
# forge, then deployed to a local anvil and fed real swtpm quotes.  The
# toolchain comes from the npm registry: scripts/chain-deps installs it into
# build/tools/npm; forge compiles through scripts/solc (solcjs).

CHAIN_TOOLS := $(O)/tools/npm/node_modules/@foundry-rs/forge-linux-amd64/bin/forge

$(CHAIN_TOOLS):
	scripts/chain-deps

.PHONY: check-contracts bench-contracts
check-contracts: $(CHAIN_TOOLS)
	tests/chain/contracts.sh

bench-contracts: $(CHAIN_TOOLS)
	tests/chain/contracts.sh bench

CHECKS += check-contracts
BENCHES += bench-contracts
include tests/chain/publisher.mk
