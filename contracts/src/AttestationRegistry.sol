// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {Reputation} from "./Reputation.sol";
import {VinferClaims} from "./VinferClaims.sol";
import {TpmQuote} from "./TpmQuote.sol";
import {Precompiles} from "./Precompiles.sol";

/*
 * Epoch attestations: submit() checks an epoch's claims and TPM quote and
 * records the epoch's request root; verifyInference() proves one request of
 * a recorded epoch against it.
 *
 * submit's checks, in order (the first failing one reverts, naming itself):
 *   claims 640 bytes; flag NO_TPM -> NoHardwareTrust
 *   TPMS_ATTEST well formed (magic, type, bounds); extraData = sha256(claims)
 *   claims version 1, no word wider than its type, no unknown flag
 *   agent registered, not slashed; claims hostId = the agent's
 *   P256VERIFY(sha256(attest), r, s, AK)
 *   claims clockInfo consistent with the quote's (read before it)
 *   epoch > the last epoch of (agent, workload); an epoch already recorded
 *     with these claims returns false and emits AlreadyRecorded (a retry
 *     after a lost receipt is not an error)
 *   blockHash = the hash of blockNumber (blockhash(), or the EIP-2935
 *     history contract for older blocks where the chain has it)
 *   quote clockInfo > the agent's last one (resetCount, restartCount, clock)
 * then records, updates the reputation, and slashes on a self-attested
 * violation (the epoch stays recorded: it is the evidence).
 */
abstract contract AttestationRegistry is Reputation {
    /// EIP-2935 block hash history (serves the last 8191 blocks).
    address internal constant HISTORY = 0x0000F90827F1C53a10cb7A02335B175320002935;
    uint256 public constant MAX_PROOF_DEPTH = 64;

    function submit(bytes calldata claims, bytes calldata attest, bytes32 r, bytes32 s)
        external returns (bool recorded)
    {
        VinferClaims.requireHardwareTrust(claims);
        (uint256 agentId, uint256 agentSlot, uint256 st, uint256 clockKey, bytes32 claimsHash) =
            _verifyQuote(claims, attest, r, s, true);
        return _record(claims, agentId, agentSlot, st, clockKey, claimsHash);
    }

    function _record(bytes calldata claims, uint256 agentId, uint256 agentSlot, uint256 st, uint256 clockKey,
        bytes32 claimsHash) private returns (bool)
    {
        _checkClaimsClock(claims, clockKey);

        uint64 workload = uint64(VinferClaims.word(claims, VinferClaims.W_WORKLOAD));
        uint64 epoch = uint64(VinferClaims.word(claims, VinferClaims.W_EPOCH));
        uint256 headSlot = _headSlot(agentId, workload);
        uint256 head = _load(headSlot);
        bytes32 requestRoot = bytes32(VinferClaims.word(claims, VinferClaims.W_REQUEST_ROOT));
        if (epoch <= uint64(head)) {
            if (_isRecorded(agentId, workload, epoch, head, claimsHash, requestRoot)) {
                emit AlreadyRecorded(agentId, workload, epoch);
                return false;
            }
            revert EpochNotIncreasing(epoch, uint64(head));
        }
        _checkFresh(claims);
        if (clockKey <= st & CLOCK_MASK) {
            revert ClockNotMonotonic(uint64(clockKey >> 96), uint64((clockKey >> 64) & 0xffffffff),
                uint64(clockKey));
        }

        uint256 flags = VinferClaims.word(claims, VinferClaims.W_FLAGS);
        bool violation = flags & VinferClaims.F_VIOLATION != 0;
        _store(headSlot, (uint256(claimsHash) & ~uint256(0xffffffffffffffff)) | epoch);
        _store(_rootSlot(agentId, workload, epoch), uint256(requestRoot == bytes32(0) ? EMPTY_ROOT : requestRoot));
        _store(agentSlot,
            (_credit(st, !violation && flags & VinferClaims.F_GAP == 0) & ~CLOCK_MASK) | clockKey);

        _emitAttested(claims, agentId, workload, epoch, claimsHash);
        if (violation) _slash(agentId, SlashReason.Violation, address(0));
        return true;
    }

    /*
     * leaf = sha256(0x00 || input || output), node = sha256(0x01 || l || r),
     * bit k of index set: the node at level k is a right child.  An index
     * wider than the proof is refused (one leaf, one index).
     *
     * All in one assembly block, the proof read from calldata in place: 65
     * bytes of scratch at a 64-byte aligned address l (prefix byte at l - 1,
     * halves at l and l + 32), one SHA-256 precompile call per level.  Each
     * hash is written straight into the half the next level reads it from
     * (right half when the next index bit is 1), so a level stores only its
     * sibling, into the other half (xor 32).  s is index << 5: bit 5 of s
     * is the bit of the level at hand.  Four levels per loop turn.
     */
    function verifyInference(uint256 agentId, uint64 workload, uint64 epoch, bytes32 input,
        bytes32 output, uint256 index, bytes32[] calldata proof) external view returns (bool ok)
    {
        uint256 slot = _rootSlot(agentId, workload, epoch);
        assembly ("memory-safe") {
            let root := sload(slot)
            let depth := proof.length
            // root 0: not recorded; index >> depth != 0: an index wider than the proof.
            if iszero(or(or(iszero(root), gt(depth, MAX_PROOF_DEPTH)), shr(depth, index))) {
                let l := and(add(mload(0x40), 0x40), not(0x3f))
                let m := sub(l, 1)
                mstore8(m, 0x00)
                mstore(l, input)
                mstore(add(l, 0x20), output)
                let s := shl(5, index)
                let o := or(l, and(s, 0x20))
                let good := staticcall(gas(), 0x02, m, 0x41, o, 0x20)
                mstore8(m, 0x01)
                let p := proof.offset
                let end := add(p, shl(5, depth))
                for { let end4 := sub(end, and(shl(5, depth), 0x60)) } lt(p, end4) { p := add(p, 0x80) } {
                    mstore(xor(o, 0x20), calldataload(p))
                    s := shr(1, s)
                    o := or(l, and(s, 0x20))
                    good := and(good, staticcall(gas(), 0x02, m, 0x41, o, 0x20))
                    mstore(xor(o, 0x20), calldataload(add(p, 0x20)))
                    s := shr(1, s)
                    o := or(l, and(s, 0x20))
                    good := and(good, staticcall(gas(), 0x02, m, 0x41, o, 0x20))
                    mstore(xor(o, 0x20), calldataload(add(p, 0x40)))
                    s := shr(1, s)
                    o := or(l, and(s, 0x20))
                    good := and(good, staticcall(gas(), 0x02, m, 0x41, o, 0x20))
                    mstore(xor(o, 0x20), calldataload(add(p, 0x60)))
                    s := shr(1, s)
                    o := or(l, and(s, 0x20))
                    good := and(good, staticcall(gas(), 0x02, m, 0x41, o, 0x20))
                }
                for {} lt(p, end) { p := add(p, 0x20) } {
                    mstore(xor(o, 0x20), calldataload(p))
                    s := shr(1, s)
                    o := or(l, and(s, 0x20))
                    good := and(good, staticcall(gas(), 0x02, m, 0x41, o, 0x20))
                }
                if iszero(good) { revert(0, 0) }
                // index >> depth == 0: the root landed in the left half.
                ok := eq(mload(l), root)
            }
        }
    }

    /// EpochAttested with its data words taken from the claims in place.
    function _emitAttested(bytes calldata claims, uint256 agentId, uint64 workload, uint64 epoch,
        bytes32 claimsHash) private
    {
        bytes32 topic = EpochAttested.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, claimsHash)
            // modelDigest, dataRoot, requestRoot: words 8..10, contiguous
            calldatacopy(add(m, 0x20), add(claims.offset, 0x100), 0x60)
            // logHead: word 7
            mstore(add(m, 0x80), calldataload(add(claims.offset, 0xe0)))
            log4(m, 0xa0, topic, agentId, workload, epoch)
        }
    }

    function lastEpoch(uint256 agentId, uint64 workload) external view returns (uint64) {
        return uint64(_load(_headSlot(agentId, workload)));
    }

    function epochRoot(uint256 agentId, uint64 workload, uint64 epoch)
        external view returns (bytes32 requestRoot, bool recorded)
    {
        bytes32 v = bytes32(_load(_rootSlot(agentId, workload, epoch)));
        if (v == bytes32(0)) return (bytes32(0), false);
        return (v == EMPTY_ROOT ? bytes32(0) : v, true);
    }

    /*
     * The last epoch of the workload is recognised by the top 192 bits of its
     * claimsHash; an earlier one by its request root (its claimsHash is only
     * in the EpochAttested log).  Either way the quote has been verified.
     */
    function _isRecorded(uint256 agentId, uint64 workload, uint64 epoch, uint256 head,
        bytes32 claimsHash, bytes32 requestRoot) private view returns (bool)
    {
        if (epoch == uint64(head)) {
            return (head ^ uint256(claimsHash)) >> 64 == 0;
        }
        bytes32 stored = bytes32(_load(_rootSlot(agentId, workload, epoch)));
        return stored != bytes32(0) && stored == (requestRoot == bytes32(0) ? EMPTY_ROOT : requestRoot);
    }

    /// The claims carry the clockInfo read before the quote: same counts, clock not after.
    function _checkClaimsClock(bytes calldata claims, uint256 clockKey) private pure {
        uint256 c = VinferClaims.word(claims, VinferClaims.W_TPM_CLOCK);
        uint256 key = VinferClaims.word(claims, VinferClaims.W_TPM_RESET_COUNT) << 96
            | VinferClaims.word(claims, VinferClaims.W_TPM_RESTART_COUNT) << 64 | c;
        if (key >> 64 != clockKey >> 64 || c > uint64(clockKey)) {
            revert ClockMismatch(uint64(c), uint64(clockKey));
        }
    }

    function _checkFresh(bytes calldata claims) private view {
        uint256 n = VinferClaims.word(claims, VinferClaims.W_BLOCK_NUMBER);
        bytes32 h = bytes32(VinferClaims.word(claims, VinferClaims.W_BLOCK_HASH));
        bytes32 known;
        if (n < block.number) {
            uint256 age;
            unchecked {
                age = block.number - n;
            }
            if (age <= 256) {
                known = blockhash(n);
            } else if (HISTORY.code.length != 0) {
                (bool ok, bytes memory out) = HISTORY.staticcall(abi.encode(n));
                if (ok && out.length == 32) known = abi.decode(out, (bytes32));
            }
        }
        if (known == bytes32(0) || known != h) revert StaleBlock(n);
    }
}
