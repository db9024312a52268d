// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {IVinfer} from "./IVinfer.sol";

/*
 * An epoch's claims as the contract reads them: 20 static 32-byte words
 * (abi.encode of the claims tuple), word i at claims[32*i : 32*i + 32].  The
 * table is Documentation/userspace-api/attestation.rst; lib/claims.h is the C
 * side.  Everything reads calldata in place: nothing is copied but the bytes
 * hashed.
 */
library VinferClaims {
    uint256 internal constant LENGTH = 640;
    uint256 internal constant VERSION = 1;

    uint256 internal constant W_VERSION = 0;
    uint256 internal constant W_AGENT_ID = 1;
    uint256 internal constant W_EPOCH = 2;
    uint256 internal constant W_WORKLOAD = 3;
    uint256 internal constant W_HOST_ID = 4;
    uint256 internal constant W_LOG_FIRST = 5;
    uint256 internal constant W_LOG_LAST = 6;
    uint256 internal constant W_LOG_HEAD = 7;
    uint256 internal constant W_MODEL_DIGEST = 8;
    uint256 internal constant W_DATA_ROOT = 9;
    uint256 internal constant W_REQUEST_ROOT = 10;
    uint256 internal constant W_REQUEST_COUNT = 11;
    uint256 internal constant W_COUNTERS_DIGEST = 12;
    uint256 internal constant W_BLOCK_NUMBER = 13;
    uint256 internal constant W_BLOCK_HASH = 14;
    uint256 internal constant W_TPM_CLOCK = 15;
    uint256 internal constant W_TPM_RESET_COUNT = 16;
    uint256 internal constant W_TPM_RESTART_COUNT = 17;
    uint256 internal constant W_FLAGS = 18;
    uint256 internal constant W_VIOLATIONS = 19;

    uint256 internal constant F_NO_TPM = 1 << 0;
    uint256 internal constant F_VIOLATION = 1 << 1;
    uint256 internal constant F_LOST = 1 << 2;
    uint256 internal constant F_ESTIMATED = 1 << 3;
    uint256 internal constant F_BYPASS = 1 << 4;
    uint256 internal constant F_RELOAD = 1 << 5;
    uint256 internal constant F_KNOWN = 0x3f;
    /// An epoch with any of these has a visible gap: recorded, but earns no score.
    uint256 internal constant F_GAP = F_LOST | F_BYPASS | F_RELOAD;

    /// Bit i set: word i is a uint64 (else uint32 below, or 256 bits wide).
    uint256 private constant U64_WORDS = (1 << W_EPOCH) | (1 << W_WORKLOAD) | (1 << W_LOG_FIRST)
        | (1 << W_LOG_LAST) | (1 << W_REQUEST_COUNT) | (1 << W_BLOCK_NUMBER) | (1 << W_TPM_CLOCK);
    uint256 private constant U32_WORDS = (1 << W_VERSION) | (1 << W_TPM_RESET_COUNT)
        | (1 << W_TPM_RESTART_COUNT) | (1 << W_FLAGS) | (1 << W_VIOLATIONS);

    function word(bytes calldata claims, uint256 i) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(claims.offset, shl(5, i)))
        }
    }

    /// The flags word, read before anything else: NO_TPM claims carry no quote.
    function requireHardwareTrust(bytes calldata claims) internal pure {
        if (claims.length != LENGTH) revert IVinfer.BadClaimsLength(claims.length);
        if (word(claims, W_FLAGS) & F_NO_TPM != 0) revert IVinfer.NoHardwareTrust();
    }

    /*
     * Refuses what lib/claims.c's decoder refuses: a version other than 1, a
     * value wider than its type, an unknown flag.  The fast path ORs the high
     * bits of every narrow word; only a failure looks for the word to name.
     */
    function check(bytes calldata claims) internal pure {
        uint256 v = word(claims, W_VERSION);
        if (v != VERSION) revert IVinfer.BadVersion(v);
        uint256 wide;
        assembly ("memory-safe") {
            let o := claims.offset
            wide := or(shr(64, calldataload(add(o, 0x40))), shr(64, calldataload(add(o, 0x60))))
            wide := or(wide, shr(64, calldataload(add(o, 0xa0))))
            wide := or(wide, shr(64, calldataload(add(o, 0xc0))))
            wide := or(wide, shr(64, calldataload(add(o, 0x160))))
            wide := or(wide, shr(64, calldataload(add(o, 0x1a0))))
            wide := or(wide, shr(64, calldataload(add(o, 0x1e0))))
            wide := or(wide, shr(32, calldataload(add(o, 0x200))))
            wide := or(wide, shr(32, calldataload(add(o, 0x220))))
            wide := or(wide, shr(32, calldataload(add(o, 0x240))))
            wide := or(wide, shr(32, calldataload(add(o, 0x260))))
        }
        if (wide != 0) {
            for (uint256 i = 0; i < 20; i++) {
                uint256 bits = (U64_WORDS >> i) & 1 != 0 ? 64 : ((U32_WORDS >> i) & 1 != 0 ? 32 : 256);
                if (bits < 256 && word(claims, i) >> bits != 0) revert IVinfer.ClaimTooWide(i);
            }
        }
        uint256 flags = word(claims, W_FLAGS);
        if (flags & ~F_KNOWN != 0) revert IVinfer.UnknownFlags(flags);
    }

    /// claimsHash: SHA-256 of the 640 bytes, the quote's extraData.
    function hash(bytes calldata claims) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, claims.offset, 640)
            if iszero(staticcall(gas(), 0x02, m, 640, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}
