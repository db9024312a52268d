// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

import {Vinfer} from "../src/Vinfer.sol";

interface VmScript {
    function envBytes32(string calldata name) external view returns (bytes32);
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
    function startBroadcast() external;
    function stopBroadcast() external;
}

/*
 * Deploys the one Vinfer contract.  The registrar key comes from the
 * environment; the rest has defaults:
 *
 *   REGISTRAR_X, REGISTRAR_Y   the registrar's P-256 public key (bytes32 each)
 *   MIN_STAKE                  wei, default 1 ether
 *   DECAY_PERIOD               seconds per point of score decay, default 3600
 *
 *   cd contracts && REGISTRAR_X=0x.. REGISTRAR_Y=0x.. forge script \
 *     script/Deploy.s.sol:Deploy --rpc-url http://127.0.0.1:8545 \
 *     --private-key 0x.. --broadcast
 *
 * or, without a script:
 *
 *   forge create src/Vinfer.sol:Vinfer --broadcast --rpc-url URL \
 *     --private-key KEY --constructor-args REGISTRAR_X REGISTRAR_Y MIN_STAKE DECAY_PERIOD
 *
 * The chain must have P256VERIFY at 0x100 (EIP-7951; anvil --hardfork osaka).
 */
contract Deploy {
    VmScript internal constant vm = VmScript(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (Vinfer v) {
        bytes32 x = vm.envBytes32("REGISTRAR_X");
        bytes32 y = vm.envBytes32("REGISTRAR_Y");
        uint256 minStake = vm.envOr("MIN_STAKE", 1 ether);
        uint256 decay = vm.envOr("DECAY_PERIOD", 3600);
        vm.startBroadcast();
        v = new Vinfer(x, y, minStake, decay);
        vm.stopBroadcast();
    }
}
