// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferTest} from "./util/VinferTest.sol";
import {Vinfer} from "../src/Vinfer.sol";

/*
 * The fuzzer drives a handler that submits valid epochs, invalid ones (a
 * valid submission with one byte, word or signature spoiled) and lets time
 * pass; after every call the invariant holds: no invalid submission was
 * accepted or raised the score, and the score stays within 0..MAX_SCORE.
 */
contract SubmitHandler is VinferTest {
    uint64 public epoch;
    uint256 public invalidAccepted;
    uint256 public invalidRaised;
    uint256 public validCalls;

    constructor(Vinfer target, uint256 agentId) {
        v = target;
        agent = agentId;
    }

    function submitValid() external {
        if (epoch > 400) return;
        epoch++;
        submit(signed(words(agent, epoch), AK_PK));
        validCalls++;
    }

    function submitInvalid(uint256 seed) external {
        uint256[20] memory w = words(agent, epoch + 1);
        Sub memory sub = signed(w, AK_PK);
        uint256 kind = seed % 6;
        uint256 pos = (seed >> 8) % 640;
        if (kind == 0) sub.claims[pos] ^= 0x01;                                      // claims byte
        else if (kind == 1) sub.attest[(seed >> 8) % sub.attest.length] ^= 0x80;     // attest byte
        else if (kind == 2) sub.s = bytes32(uint256(sub.s) ^ (seed | 1));            // signature
        else if (kind == 3) resign(sub, OTHER_PK);                                   // other key
        else if (kind == 4) sub = signed(words(agent, epoch), AK_PK);                // old epoch, new claims
        else {                                                                       // stale block
            w[14] = uint256(blockHashOf(seed));
            sub = signed(w, AK_PK);
        }
        (uint256 before,,,) = v.reputation(agent);
        (bool ok,) = address(v).call(abi.encodeCall(v.submit, (sub.claims, sub.attest, sub.r, sub.s)));
        (uint256 afterwards,,,) = v.reputation(agent);
        if (ok) invalidAccepted++;
        if (afterwards > before) invalidRaised++;
    }

    function wait(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % (3 * DECAY));
    }
}

contract ScoreInvariantTest is VinferTest {
    SubmitHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new SubmitHandler(v, agent);
    }

    /// The shape forge reads targetSelectors() in.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory t) {
        bytes4[] memory sel = new bytes4[](3);
        sel[0] = SubmitHandler.submitValid.selector;
        sel[1] = SubmitHandler.submitInvalid.selector;
        sel[2] = SubmitHandler.wait.selector;
        t = new FuzzSelector[](1);
        t[0] = FuzzSelector(address(handler), sel);
    }

    function invariantInvalidNeverRaisesScore() public view {
        assertEq(handler.invalidAccepted(), 0, "invalid submissions accepted");
        assertEq(handler.invalidRaised(), 0, "invalid submissions that raised the score");
        assertTrue(score(agent) <= v.MAX_SCORE(), "score above MAX_SCORE");
        (, uint64 epochs,,) = v.reputation(agent);
        assertEq(epochs, handler.validCalls(), "epochs = valid submissions");
    }
}
