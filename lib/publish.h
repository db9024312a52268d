/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-chain publisher: delivers every attestation of the spool to the
 * registry's submit(bytes claims, bytes attest, bytes32 r, bytes32 s)
 * exactly once, across crashes, node restarts, reorgs and other senders.
 *
 * The spool is the outbox.  Each "<agentId>-<workload>-<epoch>.json" gets a
 * journal "<agentId>-<workload>-<epoch>.tx" (spool_replace: written to a
 * temporary file, fsync'ed, renamed) holding its state:
 *
 *   (none) --eth_call true--> pending --sent--> sent --receipt 1--> confirmed
 *     |  \--eth_call false (already recorded)-----------------------> landed
 *     \--eth_call reverts with a contract error---------------------> refused
 *   confirmed --confirmations >= depth--> landed
 *   confirmed --receipt gone or moved (reorg)--> sent (re-broadcast)
 *   sent --nonce used by another transaction--> pending, fresh nonce
 *   sent --not mined for stuck_blocks / stuck_ms--> sent, same nonce,
 *        fees raised by 12.5% at least (the replacement rule)
 *
 * A nonce is reserved in the journal, with the signed transaction and its
 * hash, before the transaction is sent, so after a crash the journal names
 * every hash that may be on chain.  On restart the journal is the truth and
 * the chain's nonces (latest, pending) reconcile it.  The contract records
 * an epoch once and answers a repeat with false (AlreadyRecorded), so a
 * duplicate send can never record twice; the publisher counts such an
 * answer as landed.  A submit refused with another contract error is
 * marked refused with the error decoded and never retried.  Successive
 * epochs of one (agent, workload) are sent in order: epoch e+1 waits until
 * e is mined (the contract wants increasing epochs).
 *
 * When the node cannot be reached or answers garbage, publisher_step()
 * backs off exponentially (1 s doubling to 60 s); nothing is lost.
 */
#ifndef VINFER_PUBLISH_H
#define VINFER_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc.h"
#include "spool.h"

#define PUBLISH_ERR_MAX		512
#define PUBLISH_BACKOFF_MAX_MS	60000

struct publisher_config {
	const char *rpc_url;
	uint64_t chain_id;
	uint8_t registry[20];
	const char *keystore;		/* Web3 Secret Storage file */
	const char *password_file;
	const char *spool_dir;
	unsigned confirmations;		/* depth for landed; 0 takes 1 */
	long connect_ms, total_ms;	/* 0: rpc.h defaults, 3 s and 10 s */
	unsigned stuck_blocks;		/* 0 takes 3 */
	unsigned stuck_ms;		/* 0 takes 30000 */
	unsigned max_per_step;		/* attestations given RPC work per step; 0 takes 16 */
	uint64_t max_fee_cap;		/* wei per gas never exceeded; 0: none */
	unsigned backoff_max_ms;	/* 0 takes PUBLISH_BACKOFF_MAX_MS (60 s) */
	/* messages; NULL: stderr.  prio is a syslog priority. */
	void (*log)(void *arg, int prio, const char *msg);
	void *log_arg;
	/*
	 * Fault injection for tests: called with "reserved" once a signed
	 * transaction is durable in the journal, just before it is sent.
	 */
	void (*hook)(void *arg, const char *event, const char *stem);
	void *hook_arg;
};

enum publish_state {
	PUBLISH_NEW,			/* no journal yet */
	PUBLISH_PENDING,
	PUBLISH_SENT,
	PUBLISH_CONFIRMED,
	PUBLISH_LANDED,
	PUBLISH_REFUSED,
	PUBLISH_STATES,
};

extern const char *const publish_state_names[PUBLISH_STATES];

struct publisher;

int publisher_open(const struct publisher_config *cfg, struct publisher **p,
		   char err[PUBLISH_ERR_MAX]);
/*
 * Bounded work: at most one RPC round per attestation and max_per_step
 * attestations.  now_ms is a monotonic clock.  Returns the number of
 * attestations not yet landed or refused, -EAGAIN while backing off from
 * an unreachable or misbehaving node, -EINVAL when the node is on another
 * chain (nothing is sent).
 */
int publisher_step(struct publisher *p, uint64_t now_ms);
/* Milliseconds until the next step has work to do (backoff), 0 if now. */
uint64_t publisher_wait_ms(const struct publisher *p, uint64_t now_ms);
void publisher_close(struct publisher *p);

/* The signer's address. */
void publisher_address(const struct publisher *p, uint8_t addr[20]);
/* The latest block's number and hash, for the claims' freshness words. */
int publisher_latest_block(struct publisher *p, uint64_t *number, uint8_t hash[32]);

/* Counts journals by state, without the network (vinfer chain status). */
struct publish_summary {
	size_t count[PUBLISH_STATES];
	size_t documents;
};
int publish_summary(const char *spool_dir, struct publish_summary *s, char err[PUBLISH_ERR_MAX]);

/* The registry's custom errors, canonical signatures (for abi_revert_name). */
extern const char *const publish_contract_errors[];
extern const size_t publish_contract_errors_n;

#endif
