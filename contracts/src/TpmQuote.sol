// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {IVinfer} from "./IVinfer.sol";

/*
 * TPMS_ATTEST of a TPM2_Quote (TPM 2.0 Part 2, 10.12.12), big-endian, read
 * in place from calldata as untrusted input.  Every field is bound-checked
 * before it is read, and the structure must end exactly at the last byte:
 *
 *   magic u32 = 0xff544347 | type u16 = 0x8018 | qualifiedSigner TPM2B_NAME
 *   | extraData TPM2B (32 bytes: the claimsHash)
 *   | clockInfo: clock u64, resetCount u32, restartCount u32, safe u8
 *   | firmwareVersion u64
 *   | TPMS_QUOTE_INFO: TPML_PCR_SELECTION (count u32, then count times
 *     hash u16, sizeofSelect u8, pcrSelect[sizeofSelect]), pcrDigest TPM2B
 *
 * The PCR selection and digest are checked off-chain against the log
 * (vinfer verify); on-chain they only have to be well formed.
 */
library TpmQuote {
    uint32 internal constant MAGIC = 0xff544347;
    uint16 internal constant ST_ATTEST_QUOTE = 0x8018;
    uint256 internal constant MAX_PCR_BANKS = 16;

    /*
     * Returns extraData and the clock key: resetCount << 96 | restartCount
     * << 64 | clock, so that comparing keys compares (resetCount,
     * restartCount, clock) lexicographically.  A TPM Reset zeroes
     * restartCount and may leave clock behind after an unorderly shutdown;
     * resetCount first keeps the order right across both.
     */
    function parse(bytes calldata a) internal pure returns (bytes32 extra, uint256 clockKey) {
        // One assembly pass: submit's gas budget has no room for more.  The
        // selectors are IVinfer's errors (checked by selectorsMatch below).
        assembly ("memory-safe") {
            function fail(selector, arg) {
                mstore(0x00, shl(224, selector))
                mstore(0x04, arg)
                revert(0x00, 0x24)
            }
            let len := a.length
            let base := a.offset
            if lt(len, 8) { fail(0xdfe10a44, 0) } // Truncated(0)
            let w := calldataload(base)
            if iszero(eq(shr(224, w), 0xff544347)) { fail(0xde0b425c, shr(224, w)) } // BadMagic
            if iszero(eq(and(shr(208, w), 0xffff), 0x8018)) { fail(0xb66265ae, and(shr(208, w), 0xffff)) } // BadType
            let p := add(8, and(shr(192, w), 0xffff)) // past qualifiedSigner
            if lt(len, add(p, 2)) { fail(0xdfe10a44, p) }
            w := shr(240, calldataload(add(base, p)))
            if iszero(eq(w, 32)) { fail(0x6b7f9633, w) } // BadNonceSize
            p := add(p, 2)
            // extraData 32, clockInfo 17, firmwareVersion 8, pcrSelect.count 4
            if lt(len, add(p, 61)) { fail(0xdfe10a44, p) }
            extra := calldataload(add(base, p))
            w := calldataload(add(base, add(p, 32)))
            // clock u64, resetCount u32, restartCount u32: reorder into the key.
            clockKey := or(shr(192, w), or(shl(96, and(shr(160, w), 0xffffffff)), shl(64, and(shr(128, w), 0xffffffff))))
            p := add(p, 57)
            let count := shr(224, calldataload(add(base, p)))
            if gt(count, 16) { fail(0xc428af65, count) } // TooManyPcrBanks
            p := add(p, 4)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                if lt(len, add(p, 3)) { fail(0xdfe10a44, p) }
                p := add(p, add(3, byte(2, calldataload(add(base, p)))))
            }
            if lt(len, add(p, 2)) { fail(0xdfe10a44, p) }
            w := shr(240, calldataload(add(base, p)))
            if lt(len, add(add(p, 2), w)) { fail(0xdfe10a44, p) }
            p := add(add(p, 2), w)
            if gt(len, p) { fail(0x10865ed0, p) } // TrailingBytes
        }
    }

    /// The literal selectors above are IVinfer's (a test calls this).
    function selectorsMatch() internal pure returns (bool) {
        return IVinfer.Truncated.selector == 0xdfe10a44 && IVinfer.TrailingBytes.selector == 0x10865ed0
            && IVinfer.BadMagic.selector == 0xde0b425c && IVinfer.BadType.selector == 0xb66265ae
            && IVinfer.BadNonceSize.selector == 0x6b7f9633 && IVinfer.TooManyPcrBanks.selector == 0xc428af65;
    }
}
