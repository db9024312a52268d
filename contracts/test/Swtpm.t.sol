// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferTest} from "./util/VinferTest.sol";
import {Vinfer} from "../src/Vinfer.sol";
import {IVinfer} from "../src/IVinfer.sol";

/*
 * Quotes made by a real TPM 2.0 implementation (swtpm) with tpm2-tools,
 * committed under tests/chain/fixtures/swtpm (tests/chain/fixtures/make.sh):
 * the contract must accept them as the TPM wrote them, and refuse them
 * tampered.
 */
contract SwtpmFixtureTest is VinferTest {
    string internal constant DIR = "../tests/chain/fixtures/swtpm/";

    function fixture(string memory name) internal view returns (bytes memory) {
        return vm.parseBytes(vm.trim(vm.readFile(string.concat(DIR, name))));
    }

    function word(bytes memory b, uint256 i) internal pure returns (bytes32 w) {
        assembly {
            w := mload(add(add(b, 0x20), mul(i, 0x20)))
        }
    }

    function fixtureSub(uint256 n) internal view returns (Sub memory sub) {
        sub.claims = fixture(string.concat("claims-", vm.toString(n)));
        sub.attest = fixture(string.concat("attest-", vm.toString(n)));
        bytes memory sig = fixture(string.concat("sig-", vm.toString(n)));
        (sub.r, sub.s) = (word(sig, 0), word(sig, 1));
    }

    function setUp() public override {
        string[] memory blk = vm.split(vm.trim(vm.readFile(string.concat(DIR, "block"))), " ");
        uint256 number = vm.parseUint(blk[0]);
        vm.roll(number + 5);
        vm.setBlockhash(number, bytes32(vm.parseBytes(blk[1])));
        bytes memory reg = fixture("registrar");
        v = new Vinfer(word(reg, 0), word(reg, 1), MIN_STAKE, DECAY);
        bytes memory ak = fixture("ak");
        bytes memory end = fixture("endorsement");
        bytes32 host = bytes32(fixture("host"));
        agent = v.registerAgent{value: MIN_STAKE}("swtpm agent", word(ak, 0), word(ak, 1), host,
            word(end, 0), word(end, 1));
    }

    function testAcceptsSwtpmQuotes() public {
        assertTrue(submit(fixtureSub(1)), "swtpm epoch 1");
        assertTrue(submit(fixtureSub(2)), "swtpm epoch 2");
        assertEq(score(agent), 2, "score");

        // The request tree make.sh built in shell is the tree the contract proves against.
        bytes memory req = fixture("requests");
        bytes32[] memory ins = new bytes32[](4);
        bytes32[] memory outs = new bytes32[](4);
        for (uint256 i = 0; i < 4; i++) (ins[i], outs[i]) = (word(req, 2 * i), word(req, 2 * i + 1));
        for (uint256 i = 0; i < 4; i++) {
            (bytes32 root, bytes32[] memory proof) = tree(ins, outs, i);
            assertTrue(root == word(fixtureSub(1).claims, 10), "shell and Solidity trees agree");
            assertTrue(v.verifyInference(agent, 4242, 2, ins[i], outs[i], i, proof), "request proven");
        }
    }

    function testRefusesTamperedSwtpmQuotes() public {
        Sub memory sub = fixtureSub(1);
        sub.attest[sub.attest.length - 1] ^= 0x01; // pcrDigest
        vm.expectRevert(IVinfer.BadSignature.selector);
        submit(sub);

        sub = fixtureSub(1);
        sub.claims[10 * 32 + 5] ^= 0x01; // requestRoot
        vm.expectRevert(IVinfer.BadNonce.selector);
        submit(sub);

        sub = fixtureSub(1);
        Sub memory other = fixtureSub(2);
        (sub.r, sub.s) = (other.r, other.s);
        vm.expectRevert(IVinfer.BadSignature.selector);
        submit(sub);

        // Quoted at block 1000: once blockhash() forgets it, it is stale.
        sub = fixtureSub(1);
        vm.roll(block.number + 300);
        uint256 history;
        assembly {
            history := extcodesize(0x0000F90827F1C53a10cb7A02335B175320002935)
        }
        if (history == 0) {
            vm.expectRevert(abi.encodeWithSelector(IVinfer.StaleBlock.selector, 1000));
            submit(sub);
        }
    }
}
