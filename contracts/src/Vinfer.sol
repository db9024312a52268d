// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {AgentRegistry} from "./AgentRegistry.sol";
import {Reputation} from "./Reputation.sol";
import {AttestationRegistry} from "./AttestationRegistry.sol";

/*
 * The one deployed vinfer contract: agents, attestations, reputation.
 *
 *   registrarX, registrarY  the registrar's P-256 public key (endorses AKs)
 *   minStake                wei an agent must stake to register
 *   decayPeriod             seconds per point of score decay
 */
contract Vinfer is AgentRegistry, Reputation, AttestationRegistry {
    constructor(bytes32 registrarX, bytes32 registrarY, uint256 minStake, uint256 decayPeriod)
        AgentRegistry(registrarX, registrarY, minStake)
        Reputation(decayPeriod)
    {}
}
