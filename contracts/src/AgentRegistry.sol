// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {VinferState} from "./VinferState.sol";
import {Precompiles} from "./Precompiles.sol";

/*
 * Agents, in the shape of ERC-8004's identity registry: an agent is an
 * ERC-721-like token (agentId from 1, owner = the operator's wallet,
 * tokenURI = agentURI), with the TPM attestation key (AK) it signs with.
 *
 * Only an AK the registrar endorsed can be registered: after credential
 * activation proved the AK lives in the TPM of the EK hashed to hostId, the
 * registrar signs with its P-256 key SHA-256 of the 128 bytes
 * "vinfer.activation.v1" (zero-padded to 32) || akX || akY || hostId.
 * One AK, one agent.  msg.value is the agent's stake.
 *
 * The AK record: registration deploys, with CREATE, a contract whose code is
 * 0x00 (STOP) || akX || akY || hostId.  This contract never creates anything
 * else, so its nonce at the n-th registration is n (EIP-161 starts it at 1):
 * agent n's record lives at the CREATE address of (this, n), computed, never
 * stored.
 */
abstract contract AgentRegistry is VinferState {
    bytes32 internal constant ACTIVATION_DOMAIN = bytes32("vinfer.activation.v1");
    uint256 private constant RECORD_SIZE = 97;

    bytes32 public immutable REGISTRAR_X;
    bytes32 public immutable REGISTRAR_Y;
    uint256 public immutable MIN_STAKE;

    uint256 public agentCount;
    mapping(uint256 agentId => address) private _owners;
    mapping(address owner => uint256) private _balances;
    mapping(uint256 agentId => string) private _uris;
    mapping(bytes32 akHash => uint256) private _agentOfKey;

    constructor(bytes32 registrarX, bytes32 registrarY, uint256 minStake) {
        REGISTRAR_X = registrarX;
        REGISTRAR_Y = registrarY;
        MIN_STAKE = minStake;
    }

    function name() external pure returns (string memory) {
        return "vinfer agents";
    }

    function symbol() external pure returns (string memory) {
        return "VINFER";
    }

    function registerAgent(string calldata agentURI, bytes32 akX, bytes32 akY, bytes32 hostId,
        bytes32 endR, bytes32 endS) external payable returns (uint256 agentId)
    {
        if (msg.value < MIN_STAKE) revert StakeTooLow(msg.value, MIN_STAKE);
        bytes32 akHash = keccak256(abi.encode(akX, akY));
        if (_agentOfKey[akHash] != 0) revert AkRegistered(_agentOfKey[akHash]);
        bytes32 digest = Precompiles.sha256Words(ACTIVATION_DOMAIN, akX, akY, hostId);
        if (!Precompiles.p256Verify(digest, endR, endS, REGISTRAR_X, REGISTRAR_Y)) revert BadEndorsement();

        agentId = ++agentCount;
        address rec = _deployRecord(akX, akY, hostId);
        // The nonce argument above: a mismatch is a bug, never input.
        assert(rec == _recordOf(agentId));

        _agentOfKey[akHash] = agentId;
        _owners[agentId] = msg.sender;
        _balances[msg.sender] += 1;
        _uris[agentId] = agentURI;
        _stakes[agentId] = msg.value;
        _agents[agentId] = REGISTERED | block.timestamp << TIME_SHIFT;

        emit Transfer(address(0), msg.sender, agentId);
        emit Registered(agentId, agentURI, msg.sender);
        emit AgentKey(agentId, akX, akY, hostId, msg.value);
    }

    function setAgentURI(uint256 agentId, string calldata newURI) external {
        if (_owners[agentId] != msg.sender) revert NotOwner(agentId, msg.sender);
        _uris[agentId] = newURI;
        emit URIUpdated(agentId, newURI, msg.sender);
    }

    function ownerOf(uint256 agentId) external view returns (address owner) {
        owner = _owners[agentId];
        if (owner == address(0)) revert UnknownAgent(agentId);
    }

    function balanceOf(address owner) external view returns (uint256) {
        return _balances[owner];
    }

    function tokenURI(uint256 agentId) external view returns (string memory) {
        if (_owners[agentId] == address(0)) revert UnknownAgent(agentId);
        return _uris[agentId];
    }

    function agentKey(uint256 agentId) external view returns (bytes32 akX, bytes32 akY, bytes32 hostId) {
        if (_agents[agentId] & REGISTERED == 0) revert UnknownAgent(agentId);
        return _agentKey(agentId);
    }

    function agentOfKey(bytes32 akX, bytes32 akY) external view returns (uint256) {
        return _agentOfKey[keccak256(abi.encode(akX, akY))];
    }

    /// The caller has checked that agentId is registered.
    function _agentKey(uint256 agentId) internal view returns (bytes32 akX, bytes32 akY, bytes32 hostId) {
        address rec = _recordOf(agentId);
        assembly ("memory-safe") {
            let m := mload(0x40)
            extcodecopy(rec, m, 1, 0x60)
            akX := mload(m)
            akY := mload(add(m, 0x20))
            hostId := mload(add(m, 0x40))
        }
    }

    function _deployRecord(bytes32 akX, bytes32 akY, bytes32 hostId) private returns (address rec) {
        /*
         * Init code (10 bytes) that returns the 97 bytes after it as code:
         *   PUSH2 0x0061  DUP1  PUSH1 0x0a  PUSH0  CODECOPY  PUSH0  RETURN
         */
        bytes memory init = abi.encodePacked(hex"610061_80_600a_5f_39_5f_f3", bytes1(0x00), akX, akY, hostId);
        assembly ("memory-safe") {
            rec := create(0, add(init, 0x20), mload(init))
        }
        require(rec != address(0) && rec.code.length == RECORD_SIZE);
    }

    /// CREATE address of (this, nonce): keccak256(rlp([this, nonce]))[12:].
    function _recordOf(uint256 nonce) internal view returns (address rec) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            switch lt(nonce, 0x80)
            case 1 {
                // 0xd6 0x94 <20-byte address> <nonce byte>
                mstore(m, or(shl(248, 0xd6), or(shl(240, 0x94), shl(80, address()))))
                mstore8(add(m, 22), nonce)
                rec := keccak256(m, 23)
            }
            default {
                let n := 1
                for {} gt(nonce, sub(shl(mul(8, n), 1), 1)) {} { n := add(n, 1) }
                // 0xd6+n 0x94 <address> 0x80+n <n nonce bytes>
                mstore(m, or(shl(248, add(0xd6, n)), or(shl(240, 0x94), shl(80, address()))))
                mstore8(add(m, 22), add(0x80, n))
                mstore(add(m, 23), shl(sub(256, mul(8, n)), nonce))
                rec := keccak256(m, add(23, n))
            }
            rec := and(rec, 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }
}
