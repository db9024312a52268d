// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferTest} from "./util/VinferTest.sol";
import {IVinfer} from "../src/IVinfer.sol";
import {Vinfer} from "../src/Vinfer.sol";
import {TpmQuote} from "../src/TpmQuote.sol";

library TpmQuoteSelectors {
    function check() internal pure returns (bool) {
        return TpmQuote.selectorsMatch();
    }
}

contract RegistryTest is VinferTest {
    function testRegisterMintsAgent() public view {
        assertEq(agent, 1, "first agentId");
        assertTrue(v.ownerOf(agent) == address(this), "owner is the registering wallet");
        assertEq(v.balanceOf(address(this)), 1, "balance");
        assertTrue(keccak256(bytes(v.tokenURI(agent))) == keccak256("https://agent.example/card.json"), "uri");
        (bytes32 x, bytes32 y, bytes32 h) = v.agentKey(agent);
        assertTrue(x == akX && y == akY && h == HOST, "AK record");
        assertEq(v.agentOfKey(akX, akY), agent, "agentOfKey");
        (uint256 sc, uint64 epochs, uint256 stake, bool slashed) = v.reputation(agent);
        assertTrue(sc == 0 && epochs == 0 && stake == MIN_STAKE && !slashed, "fresh reputation");
    }

    function testSecondAgentGetsNextIdAndOwnRecord() public {
        uint256 id = registerKey(OTHER_PK, sha256("other host"));
        assertEq(id, 2, "second agentId");
        (, , bytes32 h) = v.agentKey(id);
        assertTrue(h == sha256("other host"), "second AK record");
    }

    function testRegisterRefusals() public {
        (uint256 x, uint256 y) = vm.publicKeyP256(OTHER_PK);
        (bytes32 r, bytes32 s) = endorse(bytes32(x), bytes32(y), HOST);

        vm.expectRevert(abi.encodeWithSelector(IVinfer.StakeTooLow.selector, MIN_STAKE - 1, MIN_STAKE));
        v.registerAgent{value: MIN_STAKE - 1}("u", bytes32(x), bytes32(y), HOST, r, s);

        // The endorsement binds x, y and hostId: change any and it fails.
        bytes32 otherHost = sha256("other");
        vm.expectRevert(IVinfer.BadEndorsement.selector);
        v.registerAgent{value: MIN_STAKE}("u", bytes32(x), bytes32(y), otherHost, r, s);
        vm.expectRevert(IVinfer.BadEndorsement.selector);
        v.registerAgent{value: MIN_STAKE}("u", bytes32(x), bytes32(y + 1), HOST, r, s);

        // Signed by someone else than the registrar.
        (bytes32 r2, bytes32 s2) = vm.signP256(OTHER_PK,
            sha256(abi.encodePacked(bytes32("vinfer.activation.v1"), bytes32(x), bytes32(y), HOST)));
        vm.expectRevert(IVinfer.BadEndorsement.selector);
        v.registerAgent{value: MIN_STAKE}("u", bytes32(x), bytes32(y), HOST, r2, s2);

        (bytes32 ra, bytes32 sa) = endorse(akX, akY, HOST);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.AkRegistered.selector, agent));
        v.registerAgent{value: MIN_STAKE}("u", akX, akY, HOST, ra, sa);

        vm.expectRevert(abi.encodeWithSelector(IVinfer.UnknownAgent.selector, 9));
        v.ownerOf(9);
    }

    function testSetAgentURIOnlyOwner() public {
        v.setAgentURI(agent, "ipfs://new");
        assertTrue(keccak256(bytes(v.tokenURI(agent))) == keccak256("ipfs://new"), "uri updated");
        vm.prank(address(0xbad));
        vm.expectRevert(abi.encodeWithSelector(IVinfer.NotOwner.selector, agent, address(0xbad)));
        v.setAgentURI(agent, "ipfs://evil");
    }
}

contract SubmitTest is VinferTest {
    function testSubmitRecordsEpoch() public {
        uint256[20] memory w = words(agent, 1);
        Sub memory sub = signed(w, AK_PK);
        vm.expectEmit(address(v));
        emit IVinfer.EpochAttested(agent, WORKLOAD, 1, sha256(sub.claims), bytes32(w[8]), bytes32(w[9]),
            bytes32(w[10]), bytes32(w[7]));
        assertTrue(submit(sub), "recorded");
        assertEq(v.lastEpoch(agent, WORKLOAD), 1, "lastEpoch");
        (bytes32 root, bool recorded) = v.epochRoot(agent, WORKLOAD, 1);
        assertTrue(recorded && root == bytes32(w[10]), "epochRoot");
        (uint256 sc, uint64 epochs,,) = v.reputation(agent);
        assertEq(sc, 1, "score");
        assertEq(epochs, 1, "epochs");

        assertTrue(submit(signed(words(agent, 2), AK_PK)), "epoch 2");
        assertTrue(submit(signed(words(agent, 5), AK_PK)), "epoch 5 (gaps allowed)");
        assertEq(score(agent), 3, "score after 3 epochs");
        (uint64 count, uint8 avg) = v.getSummary(agent, new address[](0), bytes32(0));
        assertEq(count, 3, "summary count");
        assertEq(avg, 3, "summary score");
    }

    function testResubmissionIsIdempotent() public {
        Sub memory one = signed(words(agent, 1), AK_PK);
        Sub memory two = signed(words(agent, 2), AK_PK);
        assertTrue(submit(one), "epoch 1");
        assertTrue(submit(two), "epoch 2");
        vm.expectEmit(address(v));
        emit IVinfer.AlreadyRecorded(agent, WORKLOAD, 2);
        assertTrue(!submit(two), "the last epoch again: false");
        vm.expectEmit(address(v));
        emit IVinfer.AlreadyRecorded(agent, WORKLOAD, 1);
        assertTrue(!submit(one), "an earlier epoch again: false");
        assertEq(score(agent), 2, "a resubmission earns nothing");
        // Still idempotent once the block is out of blockhash() range.
        vm.roll(BLOCK + 1000);
        assertTrue(!submit(two), "after 1000 blocks");
    }

    function testEpochMustIncrease() public {
        assertTrue(submit(signed(words(agent, 2), AK_PK)), "epoch 2");
        Sub memory older = signed(words(agent, 1), AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.EpochNotIncreasing.selector, 1, 2));
        submit(older);
        // Same epoch, different claims (later clock): not a resubmission.
        Sub memory again = signed(words(agent, 2), AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.EpochNotIncreasing.selector, 2, 2));
        submit(again);
        Sub memory zero = signed(words(agent, 0), AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.EpochNotIncreasing.selector, 0, 2));
        v.submit(zero.claims, zero.attest, zero.r, zero.s);
    }

    function testWorkloadsHaveTheirOwnEpochs() public {
        assertTrue(submit(signed(words(agent, 1), AK_PK)), "workload A epoch 1");
        uint256[20] memory w = words(agent, 1);
        w[3] = WORKLOAD + 1;
        assertTrue(submit(signed(w, AK_PK)), "workload B epoch 1");
    }

    function testClockMustIncreasePerAgent() public {
        uint256[20] memory w1 = words(agent, 1);
        uint256[20] memory w2 = words(agent, 2);
        assertTrue(submit(signed(w2, AK_PK)), "later clock first");
        w1[2] = 3;
        Sub memory sub = signed(w1, AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.ClockNotMonotonic.selector, 3, 1, w1[15] + 7));
        submit(sub);
        // Another workload of the same TPM is held to the same clock.
        w1[3] = WORKLOAD + 1;
        sub = signed(w1, AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.ClockNotMonotonic.selector, 3, 1, w1[15] + 7));
        submit(sub);
        // A TPM Reset (resetCount + 1) restarts restartCount and may lag the clock.
        w1[3] = WORKLOAD;
        w1[16] = 4;
        w1[17] = 0;
        w1[15] = 5;
        assertTrue(submit(signed(w1, AK_PK)), "after a TPM reset");
    }

    function testViolationRecordsAndSlashes() public {
        assertTrue(submit(signed(words(agent, 1), AK_PK)), "epoch 1");
        uint256[20] memory w = words(agent, 2);
        w[18] = 2; // VIOLATION
        w[19] = 1;
        uint256 before = address(this).balance;
        assertTrue(submit(signed(w, AK_PK)), "a violating epoch is recorded");
        (uint256 sc, uint64 epochs, uint256 stake, bool slashed) = v.reputation(agent);
        assertTrue(slashed && sc == 0 && stake == 0 && epochs == 2, "slashed, score 0, stake gone");
        assertEq(v.forfeited(), MIN_STAKE, "stake forfeited");
        assertEq(address(this).balance, before, "the submitter gets nothing");
        Sub memory next = signed(words(agent, 3), AK_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.AgentSlashed.selector, agent));
        submit(next);
    }

    function testGapEpochEarnsNothing() public {
        uint256[20] memory w = words(agent, 1);
        w[18] = 4; // LOST
        assertTrue(submit(signed(w, AK_PK)), "recorded");
        assertEq(score(agent), 0, "no score for an epoch with a gap");
        w = words(agent, 2);
        w[18] = 8; // ESTIMATED only
        assertTrue(submit(signed(w, AK_PK)), "recorded");
        assertEq(score(agent), 1, "estimated counters still earn");
    }

    function testScoreDecaysAndCaps() public {
        for (uint64 e = 1; e <= 105; e++) assertTrue(submit(signed(words(agent, e), AK_PK)), "epoch");
        assertEq(score(agent), 100, "capped at MAX_SCORE");
        vm.warp(block.timestamp + 10 * DECAY + DECAY / 2);
        assertEq(score(agent), 90, "one point per DECAY_PERIOD");
        assertTrue(submit(signed(words(agent, 106), AK_PK)), "epoch 106");
        assertEq(score(agent), 91, "decayed, then +1");
        vm.warp(block.timestamp + DECAY / 2);
        assertEq(score(agent), 90, "the half period run before is kept");
        vm.warp(block.timestamp + 1000 * DECAY);
        assertEq(score(agent), 0, "floor at 0");
    }

    function testSummaryFilters() public {
        assertTrue(submit(signed(words(agent, 1), AK_PK)), "epoch 1");
        address[] memory others = new address[](1);
        others[0] = address(0x1234);
        (uint64 c,) = v.getSummary(agent, others, bytes32(0));
        assertEq(c, 0, "another validator: nothing");
        others[0] = address(v);
        (c,) = v.getSummary(agent, others, v.VALIDATION_TAG());
        assertEq(c, 1, "this contract, our tag");
        (c,) = v.getSummary(agent, new address[](0), bytes32("other tag"));
        assertEq(c, 0, "another tag: nothing");
    }

    /*
     * Every refusal of submit, one row each: the mutation, re-signed by the AK
     * where the signature is not what is tested, and the exact error.
     */
    function testSubmitRefusals() public {
        for (uint256 i = 0; i < 25; i++) {
            (Sub memory sub, bytes memory err) = refusal(i);
            vm.expectRevert(err);
            v.submit(sub.claims, sub.attest, sub.r, sub.s);
        }
        assertEq(score(agent), 0, "no refusal raised the score");
        assertEq(v.lastEpoch(agent, WORKLOAD), 0, "no refusal recorded an epoch");
    }

    function refusal(uint256 i) internal returns (Sub memory sub, bytes memory err) {
        uint256[20] memory w = words(agent, 1);
        sub = signed(w, AK_PK);
        bytes memory a = sub.attest;
        if (i == 0) {
            sub.claims = abi.encodePacked(sub.claims, bytes1(0));
            err = abi.encodeWithSelector(IVinfer.BadClaimsLength.selector, 641);
        } else if (i == 1) {
            w[18] = 1;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.NoHardwareTrust.selector);
        } else if (i == 2) {
            a[3] = 0x48;
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.BadMagic.selector, uint32(0xff544348));
        } else if (i == 3) {
            a[5] = 0x17;
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.BadType.selector, uint16(0x8017));
        } else if (i == 4) {
            sub.attest = slice(a, 7);
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.Truncated.selector, 0);
        } else if (i == 5) {
            sub.attest = slice(a, 60);
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.Truncated.selector, 44);
        } else if (i == 6) {
            sub.attest = slice(a, a.length - 1);
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.Truncated.selector, a.length - 34);
        } else if (i == 7) {
            sub.attest = abi.encodePacked(a, bytes1(0));
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.TrailingBytes.selector, a.length);
        } else if (i == 8) {
            a[43] = 0x1f; // extraData.size 31
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.BadNonceSize.selector, 31);
        } else if (i == 9) {
            a[7] = 0xff; // qualifiedSigner.size past the end
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.Truncated.selector, 8 + 255);
        } else if (i == 10) {
            w[5] = 11; // any claim changed after the quote
            sub.claims = encode(w);
            err = abi.encodeWithSelector(IVinfer.BadNonce.selector);
        } else if (i == 11) {
            w[0] = 2;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.BadVersion.selector, 2);
        } else if (i == 12) {
            w[2] = 1 << 64 | 1;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.ClaimTooWide.selector, 2);
        } else if (i == 13) {
            w[17] = 1 << 32;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.ClaimTooWide.selector, 17);
        } else if (i == 14) {
            w[18] = 0x40;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.UnknownFlags.selector, 0x40);
        } else if (i == 15) {
            w[1] = 7;
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.UnknownAgent.selector, 7);
        } else if (i == 16) {
            w[4] = uint256(sha256("another host"));
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.HostMismatch.selector, sha256("another host"));
        } else if (i == 17) {
            resign(sub, OTHER_PK);
            err = abi.encodeWithSelector(IVinfer.BadSignature.selector);
        } else if (i == 18) {
            (sub.r, sub.s) = (sub.s, sub.r);
            err = abi.encodeWithSelector(IVinfer.BadSignature.selector);
        } else if (i == 19) {
            sub.r = 0;
            err = abi.encodeWithSelector(IVinfer.BadSignature.selector);
        } else if (i == 20) {
            sub.attest = attestAt(sha256(sub.claims), uint64(w[15] - 1), uint32(w[16]), uint32(w[17]));
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.ClockMismatch.selector, uint64(w[15]), uint64(w[15] - 1));
        } else if (i == 21) {
            sub.attest = attestAt(sha256(sub.claims), uint64(w[15] + 1), uint32(w[16] + 1), uint32(w[17]));
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.ClockMismatch.selector, uint64(w[15]), uint64(w[15] + 1));
        } else if (i == 22) {
            w[14] = uint256(blockHashOf(BLOCK + 1)); // not that block's hash
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.StaleBlock.selector, BLOCK);
        } else if (i == 23) {
            w[13] = block.number; // the current block has no hash yet
            sub = signed(w, AK_PK);
            err = abi.encodeWithSelector(IVinfer.StaleBlock.selector, block.number);
        } else {
            a[104] = 0x11; // TPML_PCR_SELECTION.count (offset 101) = 17
            resign(sub, AK_PK);
            err = abi.encodeWithSelector(IVinfer.TooManyPcrBanks.selector, 17);
        }
    }

    function slice(bytes memory b, uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) out[i] = b[i];
    }

    function testStaleBlockBeyond256() public {
        uint256[20] memory w = words(agent, 1);
        Sub memory sub = signed(w, AK_PK);
        vm.roll(BLOCK + 257);
        uint256 history;
        assembly {
            history := extcodesize(0x0000F90827F1C53a10cb7A02335B175320002935)
        }
        if (history == 0) {
            vm.expectRevert(abi.encodeWithSelector(IVinfer.StaleBlock.selector, BLOCK));
            submit(sub);
        }
        vm.roll(BLOCK + 256);
        assertTrue(submit(sub), "256 blocks back is still fresh");
    }
}

contract InferenceTest is VinferTest {
    function testVerifyInference() public {
        uint256 n = 5; // padded to 8: three levels
        bytes32[] memory ins = new bytes32[](n);
        bytes32[] memory outs = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            ins[i] = sha256(abi.encode("in", i));
            outs[i] = sha256(abi.encode("out", i));
        }
        (bytes32 root,) = tree(ins, outs, 0);
        uint256[20] memory w = words(agent, 1);
        w[10] = uint256(root);
        w[11] = n;
        assertTrue(submit(signed(w, AK_PK)), "recorded");
        for (uint256 i = 0; i < n; i++) {
            (, bytes32[] memory proof) = tree(ins, outs, i);
            assertTrue(v.verifyInference(agent, WORKLOAD, 1, ins[i], outs[i], i, proof), "proof of each request");
            assertTrue(!v.verifyInference(agent, WORKLOAD, 1, outs[i], ins[i], i, proof), "input/output swapped");
            assertTrue(!v.verifyInference(agent, WORKLOAD, 1, ins[i], outs[i], i ^ 1, proof), "wrong index");
            assertTrue(!v.verifyInference(agent, WORKLOAD, 1, ins[i], outs[i], i + 8, proof), "index wider than proof");
            assertTrue(!v.verifyInference(agent, WORKLOAD, 2, ins[i], outs[i], i, proof), "unrecorded epoch");
            assertTrue(!v.verifyInference(agent + 1, WORKLOAD, 1, ins[i], outs[i], i, proof), "other agent");
            proof[proof.length - 1] = bytes32(uint256(proof[proof.length - 1]) ^ 1);
            assertTrue(!v.verifyInference(agent, WORKLOAD, 1, ins[i], outs[i], i, proof), "tampered proof");
        }
        // A padding leaf is never a request.
        (, bytes32[] memory pad) = tree(ins, outs, 5);
        assertTrue(!v.verifyInference(agent, WORKLOAD, 1, bytes32(0), bytes32(0), 5, pad), "padding leaf");
    }

    /// The path to the root of a proof of depth d for index, as the spec computes it.
    function pathRoot(bytes32 input, bytes32 output, uint256 index, bytes32[] memory proof)
        internal pure returns (bytes32 h)
    {
        h = sha256(abi.encodePacked(bytes1(0x00), input, output));
        for (uint256 k = 0; k < proof.length; k++) {
            h = (index >> k) & 1 == 1
                ? sha256(abi.encodePacked(bytes1(0x01), proof[k], h))
                : sha256(abi.encodePacked(bytes1(0x01), h, proof[k]));
        }
    }

    /// Every depth 0..11 (the four-level turns and the single levels after them), every sibling tampered.
    function testVerifyInferenceEveryDepth() public {
        bytes32 input = sha256("input");
        bytes32 output = sha256("output");
        for (uint64 d = 0; d < 12; d++) {
            bytes32[] memory proof = new bytes32[](d);
            for (uint256 k = 0; k < d; k++) proof[k] = sha256(abi.encode("sibling", d, k));
            uint256 index = d == 0 ? 0 : uint256(keccak256(abi.encode("index", d))) >> (256 - d);
            uint256[20] memory w = words(agent, d + 1);
            w[10] = uint256(pathRoot(input, output, index, proof));
            assertTrue(submit(signed(w, AK_PK)), "recorded");
            assertTrue(v.verifyInference(agent, WORKLOAD, d + 1, input, output, index, proof), "proof at depth d");
            assertTrue(!v.verifyInference(agent, WORKLOAD, d + 1, input, output, index | 1 << d, proof),
                "index wider than the proof");
            for (uint256 k = 0; k < d; k++) {
                assertTrue(!v.verifyInference(agent, WORKLOAD, d + 1, input, output, index ^ 1 << k, proof),
                    "one index bit flipped");
                proof[k] ^= bytes32(uint256(1));
                assertTrue(!v.verifyInference(agent, WORKLOAD, d + 1, input, output, index, proof),
                    "one sibling tampered");
                proof[k] ^= bytes32(uint256(1));
            }
        }
        bytes32[] memory deep = new bytes32[](65);
        assertTrue(!v.verifyInference(agent, WORKLOAD, 1, input, output, 0, deep), "deeper than MAX_PROOF_DEPTH");
    }

    function testOneLeafAndEmptyTrees() public {
        bytes32[] memory ins = new bytes32[](1);
        bytes32[] memory outs = new bytes32[](1);
        ins[0] = sha256("in");
        outs[0] = sha256("out");
        (bytes32 root, bytes32[] memory proof) = tree(ins, outs, 0);
        uint256[20] memory w = words(agent, 1);
        w[10] = uint256(root);
        w[11] = 1;
        assertTrue(submit(signed(w, AK_PK)), "one request");
        assertTrue(proof.length == 0 && v.verifyInference(agent, WORKLOAD, 1, ins[0], outs[0], 0, proof), "root = leaf");

        w = words(agent, 2);
        w[10] = 0;
        w[11] = 0;
        assertTrue(submit(signed(w, AK_PK)), "no requests");
        (bytes32 r, bool recorded) = v.epochRoot(agent, WORKLOAD, 2);
        assertTrue(recorded && r == bytes32(0), "empty epoch recorded with root 0");
        assertTrue(!v.verifyInference(agent, WORKLOAD, 2, bytes32(0), bytes32(0), 0, proof), "nothing in an empty tree");
    }
}

contract SlashingTest is VinferTest {
    address internal constant REPORTER = address(0xfeed);

    function testEquivocation() public {
        uint256[20] memory w = words(agent, 1);
        Sub memory a = signed(w, AK_PK);
        w[10] = uint256(sha256("other requests")); // same clockInfo, other claims
        Sub memory b = signed(w, AK_PK);
        vm.prank(REPORTER);
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        (uint256 sc,, uint256 stake, bool slashed) = v.reputation(agent);
        assertTrue(slashed && sc == 0 && stake == 0, "slashed");
        assertEq(REPORTER.balance, MIN_STAKE / 2, "reporter's share");
        assertEq(v.forfeited(), MIN_STAKE / 2, "the rest is locked");
        vm.expectRevert(abi.encodeWithSelector(IVinfer.AgentSlashed.selector, agent));
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
    }

    function testNotEquivocation() public {
        Sub memory a = signed(words(agent, 1), AK_PK);
        Sub memory b = signed(words(agent, 2), AK_PK); // later clock
        vm.expectRevert(IVinfer.NotEquivocation.selector);
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        vm.expectRevert(IVinfer.NotEquivocation.selector);
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, a.claims, a.attest, a.r, a.s);
        // Forged evidence: B not signed by the AK.
        resign(b, OTHER_PK);
        vm.expectRevert(IVinfer.BadSignature.selector);
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        // Two agents.
        uint256 other = registerKey(OTHER_PK, HOST);
        uint256[20] memory w = words(other, 1);
        Sub memory c = signed(w, OTHER_PK);
        vm.expectRevert(abi.encodeWithSelector(IVinfer.NotSameAgent.selector, agent, other));
        v.reportEquivocation(a.claims, a.attest, a.r, a.s, c.claims, c.attest, c.r, c.s);
        assertTrue(score(agent) == 0 && !slashedOf(agent), "not slashed");
    }

    function testRollback() public {
        uint256[20] memory w1 = words(agent, 1);
        uint256[20] memory w2 = words(agent, 2);
        w2[15] = w1[15] - 500; // epoch 2 quoted at an earlier TPM clock
        Sub memory a = signed(w1, AK_PK);
        Sub memory b = signed(w2, AK_PK);
        vm.expectRevert(IVinfer.NotRollback.selector);
        v.reportRollback(b.claims, b.attest, b.r, b.s, a.claims, a.attest, a.r, a.s);
        vm.prank(REPORTER);
        v.reportRollback(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        assertTrue(slashedOf(agent), "slashed");
    }

    function testNotRollback() public {
        uint256[20] memory w1 = words(agent, 1);
        uint256[20] memory w2 = words(agent, 2);
        Sub memory a = signed(w1, AK_PK);
        Sub memory b = signed(w2, AK_PK);
        vm.expectRevert(IVinfer.NotRollback.selector);
        v.reportRollback(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        // Lower clock after a TPM reset is no rollback.
        w2[15] = w1[15] - 500;
        w2[16] = w1[16] + 1;
        b = signed(w2, AK_PK);
        vm.expectRevert(IVinfer.NotRollback.selector);
        v.reportRollback(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        // Other workload.
        w2[16] = w1[16];
        w2[3] = WORKLOAD + 1;
        b = signed(w2, AK_PK);
        vm.expectRevert(IVinfer.NotRollback.selector);
        v.reportRollback(a.claims, a.attest, a.r, a.s, b.claims, b.attest, b.r, b.s);
        assertTrue(!slashedOf(agent), "not slashed");
    }

    function slashedOf(uint256 id) internal view returns (bool slashed) {
        (,,, slashed) = v.reputation(id);
    }
}

contract SelectorTest {
    function testQuoteParserSelectors() public pure {
        require(TpmQuoteSelectors.check(), "TpmQuote's literal selectors differ from IVinfer's");
    }
}
