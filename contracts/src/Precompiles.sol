// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

/*
 * The two precompiles every check rests on: SHA-256 (0x02) and P256VERIFY
 * (0x100, EIP-7951; 6900 gas under Osaka).  Both use memory above the free
 * memory pointer as scratch and leave the pointer where it was.
 */
library Precompiles {
    address internal constant SHA256 = address(0x02);
    address internal constant P256VERIFY = address(0x100);

    /// SHA-256 of calldata[offset : offset + length].
    function sha256Calldata(uint256 offset, uint256 length) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, offset, length)
            if iszero(staticcall(gas(), 0x02, m, length, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /// SHA-256 of four words (the registrar's 128-byte endorsement message).
    function sha256Words(bytes32 a, bytes32 b, bytes32 c, bytes32 d) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, a)
            mstore(add(m, 0x20), b)
            mstore(add(m, 0x40), c)
            mstore(add(m, 0x60), d)
            if iszero(staticcall(gas(), 0x02, m, 0x80, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /*
     * ECDSA P-256 over a SHA-256 digest.  P256VERIFY returns the 32-byte word
     * 1 for a valid signature and nothing otherwise (bad point, r or s out of
     * range, wrong signature); a chain without it returns nothing as well, so
     * an absent precompile fails closed.
     */
    function p256Verify(bytes32 digest, bytes32 r, bytes32 s, bytes32 x, bytes32 y)
        internal view returns (bool ok)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), r)
            mstore(add(m, 0x40), s)
            mstore(add(m, 0x60), x)
            mstore(add(m, 0x80), y)
            mstore(0x00, 0)
            let success := staticcall(gas(), 0x100, m, 0xa0, 0x00, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
