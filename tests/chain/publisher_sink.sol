// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.30;

/*
 * A stand-in for the registry's submit() in the publisher's delivery test
 * (tests/chain/publisher.sh): it records each claims blob once, keyed by
 * sha256(claims), emits the registry's events and answers a repeat with
 * false, as the real contract does.  It checks no quote: an empty attest
 * is refused with NoHardwareTrust so the test can see a refusal decoded.
 */
contract PublisherSink {
    error BadClaimsLength(uint256 length);
    error NoHardwareTrust();

    event EpochAttested(uint256 indexed agentId, uint64 indexed workload, uint64 indexed epoch,
        bytes32 claimsHash, bytes32 modelDigest, bytes32 dataRoot, bytes32 requestRoot, bytes32 logHead);
    event AlreadyRecorded(uint256 indexed agentId, uint64 indexed workload, uint64 indexed epoch);

    mapping(bytes32 => bool) public recorded;
    uint256 public count;

    function submit(bytes calldata claims, bytes calldata attest, bytes32, bytes32)
        external returns (bool)
    {
        if (claims.length != 640) revert BadClaimsLength(claims.length);
        if (attest.length == 0) revert NoHardwareTrust();
        bytes32 key = sha256(claims);
        bytes32[20] memory w = abi.decode(claims, (bytes32[20]));
        if (recorded[key]) {
            emit AlreadyRecorded(uint256(w[1]), uint64(uint256(w[3])), uint64(uint256(w[2])));
            return false;
        }
        recorded[key] = true;
        count++;
        emit EpochAttested(uint256(w[1]), uint64(uint256(w[3])), uint64(uint256(w[2])), key,
            w[8], w[9], w[10], w[7]);
        return true;
    }
}
