// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferTest} from "./util/VinferTest.sol";

/*
 * The budgets, all-in under L1 rules: a submit transaction costs
 * 21000 + max(4 * tokens + execution, 10 * tokens) (EIP-2028 calldata,
 * EIP-7623 floor; tokens = zero bytes + 4 * nonzero bytes) and must stay
 * within 80000 for a typical epoch (the workload's second one: its slots
 * exist).  Execution is the gas of the call frame (vm.lastCallGas) on cold
 * state (vm.cool): what a transaction to the contract executes.  Each figure
 * is taken in a test of its own: one transaction, everything else cold.
 */
contract GasTest is VinferTest {
    uint256 internal constant SUBMIT_BUDGET = 80_000;
    /*
     * verifyInference at depth 20, cold: the root's cold SLOAD (2100) and 21
     * SHA-256 precompile calls (21 * 196 = 4116) are fixed; dispatch,
     * calldata decoding and the proof loop (read in place, four levels per
     * turn) make the rest.
     */
    uint256 internal constant VERIFY_BUDGET = 10_000;

    event log_named_uint(string key, uint256 val);

    function tokens(bytes memory data) internal pure returns (uint256 t, uint256 nonzero) {
        for (uint256 i = 0; i < data.length; i++) {
            if (data[i] != 0) nonzero++;
        }
        t = data.length - nonzero + 4 * nonzero;
    }

    function allIn(bytes memory data, uint256 exec) internal pure returns (uint256) {
        (uint256 t,) = tokens(data);
        uint256 standard = 4 * t + exec;
        return 21_000 + (standard > 10 * t ? standard : 10 * t);
    }

    /// Execution gas of the call frame itself (vm.lastCallGas), on cold state.
    function measure(bytes memory data) internal returns (uint256 exec) {
        vm.cool(address(v));
        (bool ok, bytes memory ret) = address(v).call(data);
        exec = vm.lastCallGas().gasTotalUsed;
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /*
     * Epoch 1 is submitted here, in a transaction of its own, so that each
     * test meets the slots cold and clean (EIP-2200 prices a write by the
     * value the slot had when the transaction began).
     */
    function setUp() public override {
        super.setUp();
        assertTrue(submit(signed(words(agent, 1), AK_PK)), "epoch 1");
    }

    function testGasSubmitFirstEpochOfWorkload() public {
        uint256[20] memory w = words(agent, 1);
        w[3] = WORKLOAD + 1;
        Sub memory sub = signed(w, AK_PK);
        bytes memory d = abi.encodeCall(v.submit, (sub.claims, sub.attest, sub.r, sub.s));
        emit log_named_uint("submit all-in gas (first epoch of a workload)", allIn(d, measure(d)));
    }

    function testGasSubmitAllIn() public {
        Sub memory second = signed(words(agent, 2), AK_PK);
        bytes memory d2 = abi.encodeCall(v.submit, (second.claims, second.attest, second.r, second.s));
        uint256 exec2 = measure(d2);
        (uint256 t, uint256 nz) = tokens(d2);
        uint256 total = allIn(d2, exec2);
        emit log_named_uint("submit calldata bytes", d2.length);
        emit log_named_uint("submit calldata nonzero bytes", nz);
        emit log_named_uint("submit calldata gas (EIP-2028)", 4 * t);
        emit log_named_uint("submit EIP-7623 floor", 21_000 + 10 * t);
        emit log_named_uint("submit execution gas", exec2);
        emit log_named_uint("submit all-in gas (typical epoch)", total);
        emit log_named_uint("submit all-in gas per request at 1000 requests", total / 1000);
        assertTrue(total <= SUBMIT_BUDGET, string.concat("submit all-in over budget: ", vm.toString(total)));
    }

    /*
     * The typical epoch with values a production chain gives (more nonzero
     * calldata bytes than the test defaults): block ~2.2e7, TPM clock ~1e9 ms,
     * 3 requests, agent 1.
     */
    function testGasSubmitRealistic() public {
        uint256 n = 22_000_000;
        vm.roll(n + 10);
        vm.setBlockhash(n, blockHashOf(n));
        tpmClock = 1_000_000_000;
        uint256[20] memory w = words(agent, 2);
        w[11] = 3;
        w[13] = n;
        w[14] = uint256(blockHashOf(n));
        Sub memory sub = signed(w, AK_PK);
        bytes memory d = abi.encodeCall(v.submit, (sub.claims, sub.attest, sub.r, sub.s));
        uint256 total = allIn(d, measure(d));
        emit log_named_uint("submit all-in gas (typical epoch, realistic values)", total);
        assertTrue(total <= SUBMIT_BUDGET, string.concat("submit all-in over budget: ", vm.toString(total)));
    }

    function testGasVerifyInferenceDepth20() public {
        bytes32 input = sha256("input");
        bytes32 output = sha256("output");
        uint256 index = 0xa5a5a; // 20 bits
        bytes32[] memory proof = new bytes32[](20);
        bytes32 h = sha256(abi.encodePacked(bytes1(0x00), input, output));
        for (uint256 k = 0; k < 20; k++) {
            proof[k] = sha256(abi.encode("sibling", k));
            h = (index >> k) & 1 == 1
                ? sha256(abi.encodePacked(bytes1(0x01), proof[k], h))
                : sha256(abi.encodePacked(bytes1(0x01), h, proof[k]));
        }
        uint256[20] memory w = words(agent, 2);
        w[10] = uint256(h);
        w[11] = 1 << 20;
        assertTrue(submit(signed(w, AK_PK)), "recorded");

        bytes memory data = abi.encodeCall(v.verifyInference, (agent, WORKLOAD, 2, input, output, index, proof));
        vm.cool(address(v));
        (bool ok, bytes memory ret) = address(v).staticcall(data);
        uint256 exec = vm.lastCallGas().gasTotalUsed;
        (ok,) = address(v).staticcall(data);
        emit log_named_uint("verifyInference depth 20 execution gas, root slot warm", vm.lastCallGas().gasTotalUsed);
        assertTrue(ok && abi.decode(ret, (bool)), "depth-20 proof verified");
        emit log_named_uint("verifyInference depth 20 execution gas", exec);
        emit log_named_uint("verifyInference depth 20 as a transaction", allIn(data, exec));
        assertTrue(exec <= VERIFY_BUDGET, string.concat("verifyInference over budget: ", vm.toString(exec)));
    }
}
