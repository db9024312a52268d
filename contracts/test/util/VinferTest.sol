// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";
import {Vinfer} from "../../src/Vinfer.sol";
import {IVinfer} from "../../src/IVinfer.sol";

/*
 * What every contract test shares: a deployed Vinfer with a registrar key,
 * one registered agent whose AK signs in-test (vm.signP256), and builders
 * for claims (the 20 words) and TPMS_ATTEST (as a TPM marshals it).
 */
abstract contract VinferTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant REGISTRAR_PK = 0x5eed0001;
    uint256 internal constant AK_PK = 0x5eed0002;
    uint256 internal constant OTHER_PK = 0x5eed0003;
    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant DECAY = 1 hours;
    uint64 internal constant WORKLOAD = 4242;
    uint256 internal constant BLOCK = 1000;
    bytes32 internal constant HOST = 0x4f36e278927a6b7217ec415dbe9657afa2d9046c0d189f8d6d3b7768beb27304;

    Vinfer internal v;
    uint256 internal agent;
    bytes32 internal akX;
    bytes32 internal akY;
    uint64 internal tpmClock = 100_000;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(BLOCK + 10);
        vm.setBlockhash(BLOCK, blockHashOf(BLOCK));
        (uint256 rx, uint256 ry) = vm.publicKeyP256(REGISTRAR_PK);
        v = new Vinfer(bytes32(rx), bytes32(ry), MIN_STAKE, DECAY);
        vm.deal(address(this), 1000 ether);
        agent = registerKey(AK_PK, HOST);
    }

    receive() external payable {}

    function blockHashOf(uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode("test block", n));
    }

    function endorse(bytes32 x, bytes32 y, bytes32 host) internal pure returns (bytes32 r, bytes32 s) {
        return vm.signP256(REGISTRAR_PK, sha256(abi.encodePacked(bytes32("vinfer.activation.v1"), x, y, host)));
    }

    function registerKey(uint256 pk, bytes32 host) internal returns (uint256 id) {
        (uint256 x, uint256 y) = vm.publicKeyP256(pk);
        (bytes32 r, bytes32 s) = endorse(bytes32(x), bytes32(y), host);
        id = v.registerAgent{value: MIN_STAKE}("https://agent.example/card.json", bytes32(x), bytes32(y), host, r, s);
        if (pk == AK_PK) (akX, akY) = (bytes32(x), bytes32(y));
    }

    /// Valid claims words for epoch of agent id, clock the next TPM clock.
    function words(uint256 id, uint64 epoch) internal returns (uint256[20] memory w) {
        tpmClock += 1000;
        w[0] = 1;
        w[1] = id;
        w[2] = epoch;
        w[3] = WORKLOAD;
        w[4] = uint256(HOST);
        w[5] = epoch * 10;
        w[6] = epoch * 10 + 9;
        w[7] = uint256(sha256(abi.encode("log head", epoch)));
        w[8] = uint256(sha256("model"));
        w[9] = uint256(sha256("data"));
        w[10] = uint256(sha256(abi.encode("requests", epoch)));
        w[11] = 4;
        w[12] = uint256(sha256("counters"));
        w[13] = BLOCK;
        w[14] = uint256(blockHashOf(BLOCK));
        w[15] = tpmClock;
        w[16] = 3; // resetCount
        w[17] = 1; // restartCount
    }

    function encode(uint256[20] memory w) internal pure returns (bytes memory) {
        return abi.encodePacked(w);
    }

    /// TPMS_ATTEST of a quote over extra at the clockInfo the claims words carry (+7 ms).
    function attestFor(bytes32 extra, uint256[20] memory w) internal pure returns (bytes memory) {
        return attestAt(extra, uint64(w[15] + 7), uint32(w[16]), uint32(w[17]));
    }

    function attestAt(bytes32 extra, uint64 clock, uint32 reset, uint32 restart) internal pure returns (bytes memory) {
        bytes memory head = abi.encodePacked(
            uint32(0xff544347), uint16(0x8018),
            uint16(34), uint16(0x000b), sha256("AK name"),           // qualifiedSigner
            uint16(32), extra                                        // extraData
        );
        return abi.encodePacked(head,
            clock, reset, restart, uint8(1),                         // clockInfo
            uint64(0x2019102300163636),                              // firmwareVersion
            uint32(1), uint16(0x000b), uint8(3), bytes3(0xff2420),   // sha256: PCRs 0-7, 10, 13
            uint16(32), sha256("pcr digest")                         // pcrDigest
        );
    }

    struct Sub {
        bytes claims;
        bytes attest;
        bytes32 r;
        bytes32 s;
    }

    function signed(uint256[20] memory w, uint256 pk) internal pure returns (Sub memory sub) {
        sub.claims = encode(w);
        sub.attest = attestFor(sha256(sub.claims), w);
        (sub.r, sub.s) = vm.signP256(pk, sha256(sub.attest));
    }

    function resign(Sub memory sub, uint256 pk) internal pure {
        (sub.r, sub.s) = vm.signP256(pk, sha256(sub.attest));
    }

    function submit(Sub memory sub) internal returns (bool) {
        return v.submit(sub.claims, sub.attest, sub.r, sub.s);
    }

    function score(uint256 id) internal view returns (uint256 sc) {
        (sc,,,) = v.reputation(id);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertTrue(bool ok, string memory what) internal pure {
        if (!ok) revert(what);
    }

    /// Merkle tree of the spec over (input, output) pairs; root and the proof of index.
    function tree(bytes32[] memory inputs, bytes32[] memory outputs, uint256 index)
        internal pure returns (bytes32 root, bytes32[] memory proof)
    {
        uint256 n = 1;
        uint256 depth = 0;
        while (n < inputs.length) {
            n <<= 1;
            depth++;
        }
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i = 0; i < inputs.length; i++) {
            level[i] = sha256(abi.encodePacked(bytes1(0x00), inputs[i], outputs[i]));
        }
        proof = new bytes32[](depth);
        for (uint256 d = 0; d < depth; d++) {
            proof[d] = level[index ^ 1];
            for (uint256 i = 0; i < n / 2; i++) {
                level[i] = sha256(abi.encodePacked(bytes1(0x01), level[2 * i], level[2 * i + 1]));
            }
            n /= 2;
            index /= 2;
        }
        root = level[0];
    }
}
