// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

/// The Foundry cheatcodes the tests use (forge 1.x).
interface Vm {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory);
    function signP256(uint256 privateKey, bytes32 digest) external pure returns (bytes32 r, bytes32 s);
    function publicKeyP256(uint256 privateKey) external pure returns (uint256 x, uint256 y);
    function roll(uint256 blockNumber) external;
    function warp(uint256 timestamp) external;
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
    function deal(address account, uint256 balance) external;
    function prank(address sender) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 selector) external;
    function expectEmit(address emitter) external;
    function readFile(string calldata path) external view returns (string memory);
    function parseBytes(string calldata s) external pure returns (bytes memory);
    function parseUint(string calldata s) external pure returns (uint256);
    function trim(string calldata s) external pure returns (string memory);
    function split(string calldata s, string calldata delimiter) external pure returns (string[] memory);
    function cool(address target) external;
    function toString(uint256 value) external pure returns (string memory);
}
