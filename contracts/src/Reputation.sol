// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {AgentRegistry} from "./AgentRegistry.sol";
import {VinferClaims} from "./VinferClaims.sol";
import {TpmQuote} from "./TpmQuote.sol";
import {Precompiles} from "./Precompiles.sol";

/*
 * Reputation from verified epochs only.  An agent's score rises by one per
 * recorded epoch with no visible gap (VinferClaims.F_GAP) and no violation,
 * up to MAX_SCORE, and falls by one per DECAY_PERIOD seconds without one.
 * Nothing else raises it: a submission that fails any check reverts before
 * the state is touched.
 *
 * Slashing takes the whole stake and zeroes the score for good, on:
 *   - a violation the agent attested itself (flag VIOLATION, at submit);
 *   - equivocation: two quotes by the agent's AK with the same TPM clockInfo
 *     (resetCount, restartCount, clock) over different claims;
 *   - rollback: two quotes by the agent's AK for one workload with the same
 *     resetCount and restartCount, where the later epoch has the lower clock
 *     (a TPM clock never runs backwards within one reset and restart: only a
 *     restored TPM state, or a TPM lying about time, produces that).
 * A reporter gets REPORTER_SHARE_BPS of the stake; the rest stays locked in
 * the contract (forfeited) for good.
 *
 * The view in ERC-8004's validation-registry shape is getSummary: the
 * validator is this contract, count is the verified epochs, avgResponse the
 * current score (0..100).
 */
abstract contract Reputation is AgentRegistry {
    uint256 public constant MAX_SCORE = 100;
    uint256 public constant REPORTER_SHARE_BPS = 5000;
    bytes32 public constant VALIDATION_TAG = bytes32("vinfer.tpm-quote.v1");

    uint256 public immutable DECAY_PERIOD;
    uint256 public forfeited;

    /// One quote proven against a registered agent's AK, for the reports.
    struct Proven {
        uint256 agentId;
        uint256 clockKey;
        bytes32 claimsHash;
        uint64 workload;
        uint64 epoch;
    }

    constructor(uint256 decayPeriod) {
        require(decayPeriod > 0);
        DECAY_PERIOD = decayPeriod;
    }

    function reputation(uint256 agentId)
        external view returns (uint256 score, uint64 epochs, uint256 stake, bool slashed)
    {
        uint256 st = _agents[agentId];
        if (st & REGISTERED == 0) revert UnknownAgent(agentId);
        (score,) = _decayed(st);
        epochs = uint64((st >> EPOCHS_SHIFT) & 0xffffffff);
        stake = _stakes[agentId];
        slashed = st & SLASHED != 0;
    }

    function getSummary(uint256 agentId, address[] calldata validatorAddresses, bytes32 tag)
        external view returns (uint64 count, uint8 avgResponse)
    {
        uint256 st = _agents[agentId];
        if (st & REGISTERED == 0) revert UnknownAgent(agentId);
        if (tag != bytes32(0) && tag != VALIDATION_TAG) return (0, 0);
        if (validatorAddresses.length != 0) {
            bool us;
            for (uint256 i = 0; i < validatorAddresses.length; i++) {
                if (validatorAddresses[i] == address(this)) us = true;
            }
            if (!us) return (0, 0);
        }
        (uint256 score,) = _decayed(st);
        return (uint64((st >> EPOCHS_SHIFT) & 0xffffffff), uint8(score));
    }

    function reportEquivocation(bytes calldata claimsA, bytes calldata attestA, bytes32 rA, bytes32 sA,
        bytes calldata claimsB, bytes calldata attestB, bytes32 rB, bytes32 sB) external
    {
        Proven memory a = _prove(claimsA, attestA, rA, sA);
        Proven memory b = _prove(claimsB, attestB, rB, sB);
        if (a.agentId != b.agentId) revert NotSameAgent(a.agentId, b.agentId);
        if (a.clockKey != b.clockKey || a.claimsHash == b.claimsHash) revert NotEquivocation();
        _slash(a.agentId, SlashReason.Equivocation, msg.sender);
    }

    /// A is the earlier epoch of the workload, B the later one.
    function reportRollback(bytes calldata claimsA, bytes calldata attestA, bytes32 rA, bytes32 sA,
        bytes calldata claimsB, bytes calldata attestB, bytes32 rB, bytes32 sB) external
    {
        Proven memory a = _prove(claimsA, attestA, rA, sA);
        Proven memory b = _prove(claimsB, attestB, rB, sB);
        if (a.agentId != b.agentId) revert NotSameAgent(a.agentId, b.agentId);
        if (a.workload != b.workload || a.epoch >= b.epoch) revert NotRollback();
        // Same resetCount and restartCount (the top 64 bits of the key), lower clock.
        if (a.clockKey >> 64 != b.clockKey >> 64 || b.clockKey >= a.clockKey) revert NotRollback();
        _slash(a.agentId, SlashReason.Rollback, msg.sender);
    }

    /*
     * A quote as evidence: well formed, extraData = claimsHash, signed by the
     * AK of the registered, not yet slashed agent the claims name.  Neither
     * freshness nor flags matter for evidence.
     */
    function _prove(bytes calldata claims, bytes calldata attest, bytes32 r, bytes32 s)
        internal view returns (Proven memory p)
    {
        if (claims.length != VinferClaims.LENGTH) revert BadClaimsLength(claims.length);
        (p.agentId,,, p.clockKey, p.claimsHash) = _verifyQuote(claims, attest, r, s, false);
        p.workload = uint64(VinferClaims.word(claims, VinferClaims.W_WORKLOAD));
        p.epoch = uint64(VinferClaims.word(claims, VinferClaims.W_EPOCH));
    }

    /*
     * The checks submit and the reports share: TPMS_ATTEST well formed,
     * extraData = sha256(claims), the claims well formed, the agent they name
     * registered and not slashed, (with checkHost) the claims' hostId the
     * agent's, the signature by the agent's AK.  claims is 640 bytes.
     * Returns the agent, the slot of its packed state and that state, the
     * quote's clock key, claimsHash.
     */
    function _verifyQuote(bytes calldata claims, bytes calldata attest, bytes32 r, bytes32 s, bool checkHost)
        internal view returns (uint256 agentId, uint256 agentSlot, uint256 st, uint256 clockKey, bytes32 claimsHash)
    {
        bytes32 extra;
        (extra, clockKey) = TpmQuote.parse(attest);
        claimsHash = VinferClaims.hash(claims);
        if (extra != claimsHash) revert BadNonce();
        VinferClaims.check(claims);
        agentId = VinferClaims.word(claims, VinferClaims.W_AGENT_ID);
        agentSlot = _agentSlot(agentId);
        st = _load(agentSlot);
        if (st & REGISTERED == 0) revert UnknownAgent(agentId);
        if (st & SLASHED != 0) revert AgentSlashed(agentId);
        _checkSigner(claims, attest, r, s, agentId, checkHost);
    }

    function _checkSigner(bytes calldata claims, bytes calldata attest, bytes32 r, bytes32 s, uint256 agentId,
        bool checkHost) private view
    {
        (bytes32 akX, bytes32 akY, bytes32 hostId) = _agentKey(agentId);
        if (checkHost && bytes32(VinferClaims.word(claims, VinferClaims.W_HOST_ID)) != hostId) {
            revert HostMismatch(bytes32(VinferClaims.word(claims, VinferClaims.W_HOST_ID)));
        }
        bytes32 digest = Precompiles.sha256Calldata(_offsetOf(attest), attest.length);
        if (!Precompiles.p256Verify(digest, r, s, akX, akY)) revert BadSignature();
    }

    function _offsetOf(bytes calldata b) internal pure returns (uint256 o) {
        assembly ("memory-safe") {
            o := b.offset
        }
    }

    /// The score brought up to now, and the time that makes it exact.
    function _decayed(uint256 st) internal view returns (uint256 score, uint256 time) {
        unchecked {
            score = (st >> SCORE_SHIFT) & 0xffffffff;
            time = (st >> TIME_SHIFT) & 0xffffffffff;
            // time <= block.timestamp: it is only ever set from it.
            uint256 periods = (block.timestamp - time) / DECAY_PERIOD;
            if (periods >= score) return (0, block.timestamp);
            // Keep the part of a period already run, so decay does not drift.
            return (score - periods, time + periods * DECAY_PERIOD);
        }
    }

    /// One more verified epoch: the new packed state (clock key set by the caller).
    function _credit(uint256 st, bool earns) internal view returns (uint256) {
        (uint256 score, uint256 time) = _decayed(st);
        unchecked {
            if (earns && score < MAX_SCORE) {
                if (score == 0) time = block.timestamp;
                score += 1;
            }
            uint256 epochs = (st >> EPOCHS_SHIFT) & 0xffffffff;
            if (epochs < 0xffffffff) epochs += 1;
            return (st & (CLOCK_MASK | (0xff << STATUS_SHIFT))) | score << SCORE_SHIFT | time << TIME_SHIFT
                | epochs << EPOCHS_SHIFT;
        }
    }

    function _slash(uint256 agentId, SlashReason reason, address reporter) internal {
        uint256 st = _agents[agentId];
        if (st & SLASHED != 0) revert AgentSlashed(agentId);
        uint256 stake = _stakes[agentId];
        uint256 reward = reporter == address(0) ? 0 : stake * REPORTER_SHARE_BPS / 10000;
        _stakes[agentId] = 0;
        forfeited += stake - reward;
        // Score zero, slashed; clock key and epoch count stay.
        _agents[agentId] = (st & ~(uint256(0xffffffff) << SCORE_SHIFT)) | SLASHED;
        emit Slashed(agentId, reason, reporter, stake, reward);
        if (reward != 0) {
            (bool ok,) = reporter.call{value: reward}("");
            if (!ok) revert TransferFailed(reporter, reward);
        }
    }
}
