// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferTest} from "./util/VinferTest.sol";
import {IVinfer} from "../src/IVinfer.sol";

/// Any single changed byte of a valid submission is refused, never recorded.
contract FlipFuzzTest is VinferTest {
    Sub internal base;

    function setUp() public override {
        super.setUp();
        base = signed(words(agent, 1), AK_PK);
    }

    function testFuzzAttestByteFlip(uint256 pos, uint8 mask) public {
        if (mask == 0) mask = 1;
        bytes memory a = base.attest;
        pos %= a.length;
        a[pos] = a[pos] ^ bytes1(mask);
        (bool ok,) = address(v).call(abi.encodeCall(v.submit, (base.claims, a, base.r, base.s)));
        assertTrue(!ok, "a changed TPMS_ATTEST byte was accepted");
        assertEq(v.lastEpoch(agent, WORKLOAD), 0, "recorded");
    }

    function testFuzzClaimsByteFlip(uint256 pos, uint8 mask) public {
        if (mask == 0) mask = 1;
        bytes memory c = base.claims;
        pos %= c.length;
        c[pos] = c[pos] ^ bytes1(mask);
        (bool ok, bytes memory err) = address(v).call(abi.encodeCall(v.submit, (c, base.attest, base.r, base.s)));
        assertTrue(!ok, "a changed claims byte was accepted");
        // The quote binds every claims byte; only NO_TPM is refused before.
        bytes4 want = pos == 18 * 32 + 31 && mask & 1 != 0 ? IVinfer.NoHardwareTrust.selector : IVinfer.BadNonce.selector;
        assertTrue(err.length == 4 && bytes4(err) == want, "claims flip: not BadNonce/NoHardwareTrust");
    }

    function testFuzzSignatureFlip(uint256 which, uint256 mask) public {
        if (mask == 0) mask = 1;
        bytes32 r = base.r;
        bytes32 s = base.s;
        if (which % 2 == 0) r ^= bytes32(mask);
        else s ^= bytes32(mask);
        vm.expectRevert(IVinfer.BadSignature.selector);
        v.submit(base.claims, base.attest, r, s);
    }

    /// Random TPMS_ATTEST bytes: refused with a named error, never a panic or out-of-bounds read.
    function testFuzzAttestGarbage(bytes calldata junk) public {
        (bool ok, bytes memory err) = address(v).call(abi.encodeCall(v.submit, (base.claims, junk, base.r, base.s)));
        assertTrue(!ok && err.length >= 4, "garbage accepted or refused without an error");
        assertTrue(bytes4(err) != bytes4(0x4e487b71), "panic");
    }
}
