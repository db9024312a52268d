// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

/*
 * The interface of the one vinfer contract: the agent registry (ERC-8004
 * identity shape), the attestation registry (TPM quotes verified on-chain)
 * and the reputation derived from them.  Formats:
 * Documentation/userspace-api/attestation.rst.
 */
interface IVinfer {
    /* --- bad input: every error names the field and the value --- */
    error BadClaimsLength(uint256 length);          // claims are exactly 640 bytes
    error BadVersion(uint256 version);              // claims word 0
    error ClaimTooWide(uint256 word);               // a word wider than its type
    error UnknownFlags(uint256 flags);              // claims word 18, bits above 5
    error NoHardwareTrust();                        // flag NO_TPM: no quote, no trust
    error Truncated(uint256 offset);                // TPMS_ATTEST ends before offset
    error TrailingBytes(uint256 offset);            // TPMS_ATTEST goes on after offset
    error BadMagic(uint32 magic);                   // not TPM_GENERATED_VALUE
    error BadType(uint16 attestType);               // not TPM_ST_ATTEST_QUOTE
    error BadNonceSize(uint256 size);               // extraData is not 32 bytes
    error BadNonce();                               // extraData != sha256(claims)
    error TooManyPcrBanks(uint256 count);           // TPML_PCR_SELECTION.count > 16
    error BadSignature();                           // P256VERIFY refused (r, s)
    error HostMismatch(bytes32 hostId);             // claims hostId is not the agent's
    error ClockMismatch(uint64 claimsClock, uint64 quoteClock); // claims clockInfo vs quote
    error UnknownAgent(uint256 agentId);
    error AgentSlashed(uint256 agentId);
    error StaleBlock(uint256 blockNumber);          // blockHash not that block's hash
    error ClockNotMonotonic(uint64 resetCount, uint64 restartCount, uint64 clock);
    error EpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    error StakeTooLow(uint256 value, uint256 minStake);
    error AkRegistered(uint256 agentId);            // the AK belongs to agentId already
    error BadEndorsement();                         // registrar signature refused
    error NotOwner(uint256 agentId, address caller);
    error NotSameAgent(uint256 agentA, uint256 agentB);
    error NotEquivocation();
    error NotRollback();
    error TransferFailed(address to, uint256 amount);

    /* --- identity (ERC-8004 identity registry, ERC-721 events) --- */
    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event AgentKey(uint256 indexed agentId, bytes32 akX, bytes32 akY, bytes32 hostId, uint256 stake);

    /* --- attestations --- */
    event EpochAttested(uint256 indexed agentId, uint64 indexed workload, uint64 indexed epoch,
        bytes32 claimsHash, bytes32 modelDigest, bytes32 dataRoot, bytes32 requestRoot, bytes32 logHead);
    event AlreadyRecorded(uint256 indexed agentId, uint64 indexed workload, uint64 indexed epoch);

    /* --- reputation --- */
    enum SlashReason { Violation, Equivocation, Rollback }
    event Slashed(uint256 indexed agentId, SlashReason reason, address indexed reporter,
        uint256 stake, uint256 reward);

    function registerAgent(string calldata agentURI, bytes32 akX, bytes32 akY, bytes32 hostId,
        bytes32 endR, bytes32 endS) external payable returns (uint256 agentId);
    function setAgentURI(uint256 agentId, string calldata newURI) external;
    function ownerOf(uint256 agentId) external view returns (address);
    function balanceOf(address owner) external view returns (uint256);
    function tokenURI(uint256 agentId) external view returns (string memory);
    function agentKey(uint256 agentId) external view returns (bytes32 akX, bytes32 akY, bytes32 hostId);
    function agentOfKey(bytes32 akX, bytes32 akY) external view returns (uint256 agentId);

    function submit(bytes calldata claims, bytes calldata attest, bytes32 r, bytes32 s)
        external returns (bool recorded);
    function verifyInference(uint256 agentId, uint64 workload, uint64 epoch, bytes32 input,
        bytes32 output, uint256 index, bytes32[] calldata proof) external view returns (bool);
    function lastEpoch(uint256 agentId, uint64 workload) external view returns (uint64);
    function epochRoot(uint256 agentId, uint64 workload, uint64 epoch)
        external view returns (bytes32 requestRoot, bool recorded);

    function reputation(uint256 agentId)
        external view returns (uint256 score, uint64 epochs, uint256 stake, bool slashed);
    function getSummary(uint256 agentId, address[] calldata validatorAddresses, bytes32 tag)
        external view returns (uint64 count, uint8 avgResponse);
    function reportEquivocation(bytes calldata claimsA, bytes calldata attestA, bytes32 rA, bytes32 sA,
        bytes calldata claimsB, bytes calldata attestB, bytes32 rB, bytes32 sB) external;
    function reportRollback(bytes calldata claimsA, bytes calldata attestA, bytes32 rA, bytes32 sA,
        bytes calldata claimsB, bytes calldata attestB, bytes32 rB, bytes32 sB) external;
}
