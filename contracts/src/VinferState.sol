// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {IVinfer} from "./IVinfer.sol";

/*
 * The storage every part of the contract shares, laid out for submit's gas
 * budget (one cold slot read and rewritten per agent, one per (agent,
 * workload), one fresh slot per epoch):
 *
 *   _agents[agentId]      one packed word, AgentState below
 *   head slot of (agentId, workload)
 *                         lastEpoch (bits 0..63) | the top 192 bits of that
 *                         epoch's claimsHash (to recognise a resubmission)
 *   root slot of (agentId, workload, epoch)
 *                         the epoch's requestRoot, EMPTY_ROOT for a zero root,
 *                         so that 0 means "not recorded"
 *
 * The agent's AK (x, y) and hostId never change after registration; they
 * live in the code of a data-only contract (AgentRegistry) read with one
 * EXTCODECOPY, cheaper than three cold storage slots.
 */
abstract contract VinferState is IVinfer {
    /*
     * AgentState, one word:
     *   bits   0..127  clock key of the last recorded quote:
     *                  resetCount << 96 | restartCount << 64 | clock
     *   bits 128..159  score
     *   bits 160..199  time (block.timestamp) the score was last brought up to date
     *   bits 200..231  verified epochs
     *   bits 232..239  status: REGISTERED, SLASHED
     */
    uint256 internal constant CLOCK_MASK = (1 << 128) - 1;
    uint256 internal constant SCORE_SHIFT = 128;
    uint256 internal constant TIME_SHIFT = 160;
    uint256 internal constant EPOCHS_SHIFT = 200;
    uint256 internal constant STATUS_SHIFT = 232;
    uint256 internal constant REGISTERED = 1 << STATUS_SHIFT;
    uint256 internal constant SLASHED = 2 << STATUS_SHIFT;

    /// A recorded epoch whose request tree is empty (root 0): no proof can reach it.
    bytes32 internal constant EMPTY_ROOT = bytes32(uint256(1));

    mapping(uint256 agentId => uint256) internal _agents;
    mapping(uint256 agentId => uint256) internal _stakes;

    /*
     * The per-workload and per-epoch words live at slots derived with one
     * keccak of two words each, in scratch memory (no mapping over a hashed
     * key: half the hashing):
     *   head slot  = keccak256(agentId, HEAD_TAG | workload)
     *   root slot  = keccak256(agentId, ROOT_TAG | workload << 64 | epoch)
     * (uint64 arguments masked: assembly may see dirty high bits.)
     * The tags are the top 128 bits of hashes of their names, so the second
     * word is at least 2^128: never a Solidity variable's slot (the second
     * word of its mapping entries), and never the other kind of slot.
     */
    uint256 private constant TAG_MASK = ~uint256(0) << 128;
    uint256 private constant HEAD_TAG = uint256(keccak256("vinfer.head.v1")) & TAG_MASK;
    uint256 private constant ROOT_TAG = uint256(keccak256("vinfer.root.v1")) & TAG_MASK;

    function _headSlot(uint256 agentId, uint64 workload) internal pure returns (uint256 slot) {
        uint256 tag = HEAD_TAG;
        assembly ("memory-safe") {
            mstore(0x00, agentId)
            mstore(0x20, or(tag, and(workload, 0xffffffffffffffff)))
            slot := keccak256(0x00, 0x40)
        }
    }

    function _rootSlot(uint256 agentId, uint64 workload, uint64 epoch) internal pure returns (uint256 slot) {
        uint256 tag = ROOT_TAG;
        assembly ("memory-safe") {
            mstore(0x00, agentId)
            mstore(0x20, or(tag, or(shl(64, and(workload, 0xffffffffffffffff)), and(epoch, 0xffffffffffffffff))))
            slot := keccak256(0x00, 0x40)
        }
    }

    /// The slot of _agents[agentId], computed once for a read and the write after it.
    function _agentSlot(uint256 agentId) internal pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, agentId)
            mstore(0x20, _agents.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _load(uint256 slot) internal view returns (uint256 v) {
        assembly ("memory-safe") {
            v := sload(slot)
        }
    }

    function _store(uint256 slot, uint256 v) internal {
        assembly ("memory-safe") {
            sstore(slot, v)
        }
    }
}
