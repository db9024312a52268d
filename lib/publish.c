// SPDX-License-Identifier: GPL-2.0
/*
 * The outbox state machine (see publish.h).
 *
 * One step: read the chain's view once (latest block, the account's latest
 * and pending nonces), then walk the spool's attestations in (agent,
 * workload, epoch) order and give each unfinished one a bounded amount of
 * RPC work.  Every decision is written to the attestation's journal before
 * the network is asked to act on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "abi.h"
#include "attest.h"
#include "ethtx.h"
#include "keccak.h"
#include "keystore.h"
#include "publish.h"

#define SENDS_MAX		32
#define REVERTS_MAX		3
#define BACKOFF_MIN_MS		1000
#define DEFAULT_TIP		1000000000ULL	/* 1 gwei, when the node has no opinion */
#define SUBMIT_SIG		"submit(bytes,bytes,bytes32,bytes32)"
#define EPOCH_ATTESTED_SIG	"EpochAttested(uint256,uint64,uint64,bytes32,bytes32,bytes32,bytes32,bytes32)"
#define ALREADY_RECORDED_SIG	"AlreadyRecorded(uint256,uint64,uint64)"

const char *const publish_state_names[PUBLISH_STATES] = {
	[PUBLISH_NEW] = "new", [PUBLISH_PENDING] = "pending", [PUBLISH_SENT] = "sent",
	[PUBLISH_CONFIRMED] = "confirmed", [PUBLISH_LANDED] = "landed",
	[PUBLISH_REFUSED] = "refused",
};

/* contracts/src/IVinfer.sol */
const char *const publish_contract_errors[] = {
	"BadClaimsLength(uint256)", "BadVersion(uint256)", "ClaimTooWide(uint256)",
	"UnknownFlags(uint256)", "NoHardwareTrust()", "Truncated(uint256)",
	"TrailingBytes(uint256)", "BadMagic(uint32)", "BadType(uint16)",
	"BadNonceSize(uint256)", "BadNonce()", "TooManyPcrBanks(uint256)", "BadSignature()",
	"HostMismatch(bytes32)", "ClockMismatch(uint64,uint64)", "UnknownAgent(uint256)",
	"AgentSlashed(uint256)", "StaleBlock(uint256)", "ClockNotMonotonic(uint64,uint64,uint64)",
	"EpochNotIncreasing(uint64,uint64)", "StakeTooLow(uint256,uint256)",
	"AkRegistered(uint256)", "BadEndorsement()", "NotOwner(uint256,address)",
	"NotSameAgent(uint256,uint256)", "NotEquivocation()", "NotRollback()",
	"TransferFailed(address,uint256)",
};
const size_t publish_contract_errors_n =
	sizeof(publish_contract_errors) / sizeof(publish_contract_errors[0]);

struct send_rec {
	uint8_t hash[32];
	uint64_t nonce, tip, max_fee;
	uint64_t block;			/* the latest block when it was signed */
};

struct journal {
	enum publish_state state;
	bool has_nonce;
	uint64_t nonce, gas;
	struct send_rec sends[SENDS_MAX];
	size_t n_sends;
	char *raw;			/* "0x..." of the last signed transaction */
	bool mined;
	uint64_t block_number;
	uint8_t block_hash[32], tx[32];
	bool already;			/* recorded before our transaction */
	uint64_t reverts;
	char error[400];
};

struct entry {
	char stem[128];
	char agent[80];
	uint64_t workload, epoch;
	struct journal j;
	bool bad_journal;
};

struct timer {
	char stem[128];
	uint64_t sent_ms;
};

struct publisher {
	struct publisher_config cfg;
	char *url, *spool_dir;
	struct rpc rpc;
	struct spool spool;
	uint8_t key[32], addr[20];
	bool chain_ok;
	uint64_t backoff_ms, next_ms;
	/* the chain's view, read once per step */
	struct rpc_block latest;
	uint64_t nonce_latest, nonce_pending, next_nonce;
	bool have_fees;
	uint64_t base_fee, tip;
	struct timer *timers;
	size_t n_timers;
	uint8_t topic_attested[32], topic_already[32];
};

static void plog(struct publisher *p, int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->cfg.log)
		p->cfg.log(p->cfg.log_arg, prio, msg);
	else
		fprintf(stderr, "vinfer publish: %s\n", msg);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	rpc_hex(b, n, out);
}

/* --- journal ------------------------------------------------------------ */

static void journal_free(struct journal *j)
{
	free(j->raw);
	memset(j, 0, sizeof(*j));
}

static int jint(json_object *o, const char *k, uint64_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int) ||
	    json_object_get_int64(x) < 0)
		return -1;
	*v = (uint64_t)json_object_get_int64(x);
	return 0;
}

static int jhex32(json_object *o, const char *k, uint8_t out[32])
{
	char err[RPC_ERR_MAX];
	json_object *x;

	return json_object_object_get_ex(o, k, &x) &&
	       !rpc_get_fixed(x, "journal", k, out, 32, err) ? 0 : -1;
}

/* Parses our own journal; any deviation is reported, never guessed around. */
static int journal_parse(const char *buf, struct journal *j, char *why, size_t whylen)
{
	json_object *root = json_tokener_parse(buf), *x, *a;
	size_t i;
	int s;

	memset(j, 0, sizeof(*j));
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(why, whylen, "not a JSON object");
		goto bad;
	}
	if (!json_object_object_get_ex(root, "state", &x) ||
	    !json_object_is_type(x, json_type_string)) {
		snprintf(why, whylen, "state: missing");
		goto bad;
	}
	for (s = PUBLISH_PENDING; s < PUBLISH_STATES; s++)
		if (!strcmp(json_object_get_string(x), publish_state_names[s]))
			break;
	if (s == PUBLISH_STATES) {
		snprintf(why, whylen, "state: '%.40s' unknown", json_object_get_string(x));
		goto bad;
	}
	j->state = s;
	if (json_object_object_get_ex(root, "nonce", &x) && x) {
		if (jint(root, "nonce", &j->nonce)) {
			snprintf(why, whylen, "nonce: want an integer or null");
			goto bad;
		}
		j->has_nonce = true;
	}
	if (jint(root, "gas", &j->gas) || jint(root, "reverts", &j->reverts)) {
		snprintf(why, whylen, "gas/reverts: want integers");
		goto bad;
	}
	if (!json_object_object_get_ex(root, "sends", &a) ||
	    !json_object_is_type(a, json_type_array) || json_object_array_length(a) > SENDS_MAX) {
		snprintf(why, whylen, "sends: want an array of at most %d", SENDS_MAX);
		goto bad;
	}
	j->n_sends = json_object_array_length(a);
	for (i = 0; i < j->n_sends; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		struct send_rec *r = &j->sends[i];

		if (!e || jhex32(e, "hash", r->hash) || jint(e, "nonce", &r->nonce) ||
		    jint(e, "maxPriorityFeePerGas", &r->tip) || jint(e, "maxFeePerGas", &r->max_fee) ||
		    jint(e, "block", &r->block)) {
			snprintf(why, whylen, "sends[%zu]: malformed", i);
			goto bad;
		}
	}
	if (json_object_object_get_ex(root, "raw", &x) && x) {
		if (!json_object_is_type(x, json_type_string) ||
		    strncmp(json_object_get_string(x), "0x", 2)) {
			snprintf(why, whylen, "raw: want a hex string");
			goto bad;
		}
		j->raw = strdup(json_object_get_string(x));
		if (!j->raw)
			goto bad;
	}
	if (json_object_object_get_ex(root, "block", &x) && x) {
		if (jint(x, "number", &j->block_number) || jhex32(x, "hash", j->block_hash) ||
		    jhex32(x, "tx", j->tx)) {
			snprintf(why, whylen, "block: malformed");
			goto bad;
		}
		j->mined = true;
	}
	if (json_object_object_get_ex(root, "already", &x))
		j->already = json_object_get_boolean(x);
	if (json_object_object_get_ex(root, "error", &x) && x)
		snprintf(j->error, sizeof(j->error), "%.390s", json_object_get_string(x));
	if ((j->state == PUBLISH_CONFIRMED) != j->mined && j->state != PUBLISH_LANDED) {
		snprintf(why, whylen, "state %s with%s block", publish_state_names[j->state],
			 j->mined ? " a" : "out a");
		goto bad;
	}
	json_object_put(root);
	return 0;
bad:
	json_object_put(root);
	journal_free(j);
	return -EINVAL;
}

static int journal_save(struct publisher *p, struct entry *e)
{
	struct journal *j = &e->j;
	json_object *root = json_object_new_object(), *a = json_object_new_array(), *b;
	char h[67], name[160], err[SPOOL_ERR_MAX];
	const char *text;
	size_t i;
	int ret;

	if (!root || !a) {
		json_object_put(root);
		json_object_put(a);
		return -ENOMEM;
	}
	json_object_object_add(root, "state", json_object_new_string(publish_state_names[j->state]));
	json_object_object_add(root, "nonce", j->has_nonce ?
			       json_object_new_int64((int64_t)j->nonce) : NULL);
	json_object_object_add(root, "gas", json_object_new_int64((int64_t)j->gas));
	for (i = 0; i < j->n_sends; i++) {
		json_object *s = json_object_new_object();

		hex(j->sends[i].hash, 32, h);
		json_object_object_add(s, "hash", json_object_new_string(h));
		json_object_object_add(s, "nonce", json_object_new_int64((int64_t)j->sends[i].nonce));
		json_object_object_add(s, "maxPriorityFeePerGas",
				       json_object_new_int64((int64_t)j->sends[i].tip));
		json_object_object_add(s, "maxFeePerGas",
				       json_object_new_int64((int64_t)j->sends[i].max_fee));
		json_object_object_add(s, "block", json_object_new_int64((int64_t)j->sends[i].block));
		json_object_array_add(a, s);
	}
	json_object_object_add(root, "sends", a);
	json_object_object_add(root, "raw", j->raw ? json_object_new_string(j->raw) : NULL);
	if (j->mined) {
		b = json_object_new_object();
		json_object_object_add(b, "number", json_object_new_int64((int64_t)j->block_number));
		hex(j->block_hash, 32, h);
		json_object_object_add(b, "hash", json_object_new_string(h));
		hex(j->tx, 32, h);
		json_object_object_add(b, "tx", json_object_new_string(h));
		json_object_object_add(root, "block", b);
	} else {
		json_object_object_add(root, "block", NULL);
	}
	json_object_object_add(root, "already", json_object_new_boolean(j->already));
	json_object_object_add(root, "reverts", json_object_new_int64((int64_t)j->reverts));
	json_object_object_add(root, "error", j->error[0] ? json_object_new_string(j->error) : NULL);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(name, sizeof(name), "%s.tx", e->stem);
	ret = text ? spool_replace(&p->spool, name, text, strlen(text), err) : -ENOMEM;
	if (ret)
		plog(p, LOG_ERR, "%s: journal not written: %s", e->stem, text ? err : "no memory");
	json_object_put(root);
	return ret;
}

/* --- outbox entries -------------------------------------------------------- */

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!n || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* "<agentId>-<workload>-<epoch>.json", decimal, no leading zeros. */
static bool parse_name(const char *name, struct entry *e)
{
	size_t n = strlen(name), a, w;
	const char *d1, *d2;

	if (n < 10 || n >= sizeof(e->stem) || strcmp(name + n - 5, ".json"))
		return false;
	memcpy(e->stem, name, n - 5);
	e->stem[n - 5] = 0;
	d1 = strchr(e->stem, '-');
	d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	if (!d1 || !d2 || strchr(d2 + 1, '-'))
		return false;
	a = (size_t)(d1 - e->stem);
	w = (size_t)(d2 - d1 - 1);
	if (!a || a > 78 || (a > 1 && e->stem[0] == '0'))
		return false;
	for (size_t i = 0; i < a; i++)
		if (e->stem[i] < '0' || e->stem[i] > '9')
			return false;
	memcpy(e->agent, e->stem, a);
	e->agent[a] = 0;
	return parse_u64(d1 + 1, w, &e->workload) && parse_u64(d2 + 1, strlen(d2 + 1), &e->epoch);
}

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	size_t la = strlen(a->agent), lb = strlen(b->agent);
	int c;

	if (la != lb)
		return la < lb ? -1 : 1;
	c = strcmp(a->agent, b->agent);
	if (c)
		return c;
	if (a->workload != b->workload)
		return a->workload < b->workload ? -1 : 1;
	if (a->epoch != b->epoch)
		return a->epoch < b->epoch ? -1 : 1;
	return 0;
}

static void entries_free(struct entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++)
		journal_free(&es[i].j);
	free(es);
}

/* Every attestation of the spool with its journal, in delivery order. */
static int entries_load(struct spool *sp, struct entry **out, size_t *n_out,
			void (*warn)(void *arg, const char *stem, const char *why), void *arg)
{
	struct entry *es;
	char **names = NULL, err[SPOOL_ERR_MAX], why[160], jn[160];
	size_t n = 0, i, k = 0;
	int ret;

	ret = spool_list(sp, ".json", &names, &n);
	if (ret)
		return ret;
	es = calloc(n ? n : 1, sizeof(*es));
	if (!es) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct entry *e = &es[k];
		char *buf;
		size_t len;

		if (!parse_name(names[i], e))
			continue;
		snprintf(jn, sizeof(jn), "%s.tx", e->stem);
		ret = spool_read(sp, jn, &buf, &len, err);
		if (ret == -ENOENT) {
			e->j.state = PUBLISH_NEW;
		} else if (ret) {
			e->bad_journal = true;
			if (warn)
				warn(arg, e->stem, err);
		} else {
			if (journal_parse(buf, &e->j, why, sizeof(why))) {
				e->bad_journal = true;
				if (warn)
					warn(arg, e->stem, why);
			}
			free(buf);
		}
		k++;
	}
	qsort(es, k, sizeof(*es), entry_cmp);
	*out = es;
	*n_out = k;
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* --- timers: when each transaction was last sent, this process only ------ */

static uint64_t *timer_of(struct publisher *p, const char *stem, uint64_t now)
{
	struct timer *t;
	size_t i;

	for (i = 0; i < p->n_timers; i++)
		if (!strcmp(p->timers[i].stem, stem))
			return &p->timers[i].sent_ms;
	t = realloc(p->timers, (p->n_timers + 1) * sizeof(*t));
	if (!t)
		return NULL;
	p->timers = t;
	t = &p->timers[p->n_timers++];
	snprintf(t->stem, sizeof(t->stem), "%s", stem);
	t->sent_ms = now;
	return &t->sent_ms;
}

/* --- chain ------------------------------------------------------------------ */

static bool transient(int ret)
{
	return ret == -EIO || ret == -EPROTO || ret == -ENOMEM;
}

/* A node error that is the contract reverting (as opposed to a node failure). */
static bool is_revert(const struct rpc_error *e)
{
	return (e->has_data && e->data_len > 0) || e->code == 3 ||
	       strstr(e->message, "revert") || strstr(e->message, "Revert");
}

static void revert_name(const struct rpc_error *e, char out[ABI_REVERT_MAX])
{
	abi_revert_name(e->data, e->has_data ? e->data_len : 0, publish_contract_errors,
			publish_contract_errors_n, out);
}

static int refresh(struct publisher *p)
{
	char err[RPC_ERR_MAX];
	uint64_t id;
	int ret;

	if (!p->chain_ok) {
		ret = rpc_chain_id(&p->rpc, &id, err);
		if (ret)
			goto fail;
		if (id != p->cfg.chain_id) {
			plog(p, LOG_ERR, "%s is chain %" PRIu64 ", configured %" PRIu64
			     ": nothing is sent", p->url, id, p->cfg.chain_id);
			return -EINVAL;
		}
		p->chain_ok = true;
	}
	ret = rpc_latest_block(&p->rpc, &p->latest, err);
	if (!ret)
		ret = rpc_nonce(&p->rpc, p->addr, "latest", &p->nonce_latest, err);
	if (!ret)
		ret = rpc_nonce(&p->rpc, p->addr, "pending", &p->nonce_pending, err);
	if (!ret)
		return 0;
fail:
	plog(p, LOG_WARNING, "%s", err);
	return ret == -EREMOTEIO ? -EIO : ret;
}

static int fees(struct publisher *p, uint64_t *tip, uint64_t *max_fee)
{
	char err[RPC_ERR_MAX];
	int ret;

	if (!p->have_fees) {
		ret = rpc_max_priority_fee(&p->rpc, &p->tip, err);
		if (ret == -EREMOTEIO)
			p->tip = DEFAULT_TIP;
		else if (ret)
			goto fail;
		ret = rpc_next_base_fee(&p->rpc, &p->base_fee, err);
		if (ret == -EREMOTEIO && p->latest.has_base_fee)
			p->base_fee = p->latest.base_fee;
		else if (ret)
			goto fail;
		p->have_fees = true;
	}
	*tip = p->tip;
	*max_fee = 2 * p->base_fee + p->tip;
	if (p->cfg.max_fee_cap && *max_fee > p->cfg.max_fee_cap) {
		*max_fee = p->cfg.max_fee_cap;
		if (*tip > *max_fee)
			*tip = *max_fee;
	}
	return 0;
fail:
	plog(p, LOG_WARNING, "%s", err);
	return ret == -EREMOTEIO ? -EIO : ret;
}

/* --- states ---------------------------------------------------------------- */

static void refuse(struct publisher *p, struct entry *e, const char *why)
{
	e->j.state = PUBLISH_REFUSED;
	snprintf(e->j.error, sizeof(e->j.error), "%.390s", why);
	plog(p, LOG_ERR, "%s: refused: %s", e->stem, why);
	journal_save(p, e);
}

static void land(struct publisher *p, struct entry *e)
{
	char h[67];

	e->j.state = PUBLISH_LANDED;
	if (e->j.mined) {
		hex(e->j.tx, 32, h);
		plog(p, LOG_INFO, "%s: landed%s: %s in block %" PRIu64, e->stem,
		     e->j.already ? " (already recorded)" : "", h, e->j.block_number);
	} else {
		plog(p, LOG_INFO, "%s: landed: already recorded on chain", e->stem);
	}
	journal_save(p, e);
}

/* The submit() call data of the attestation, from its document. */
static int calldata_of(struct publisher *p, struct entry *e, uint8_t **data, size_t *len)
{
	char path[4096], err[ATTEST_ERR_MAX], dec[80], why[ATTEST_ERR_MAX + 64];
	struct attest_doc d;
	char abierr[ABI_ERR_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s.json", p->spool_dir, e->stem);
	memset(&d, 0, sizeof(d));
	ret = attest_read_file(path, &d, err);
	if (ret) {
		snprintf(why, sizeof(why), "document: %s", err);
		refuse(p, e, why);
		return 1;
	}
	claims_agent_to_dec(d.claims.agent_id, dec);
	if (strcmp(dec, e->agent) || d.claims.workload != e->workload ||
	    d.claims.epoch != e->epoch) {
		snprintf(why, sizeof(why),
			 "document: file name says %s-%" PRIu64 "-%" PRIu64 ", claims say %s-%" PRIu64
			 "-%" PRIu64, e->agent, e->workload, e->epoch, dec, d.claims.workload,
			 d.claims.epoch);
		attest_free(&d);
		refuse(p, e, why);
		return 1;
	}
	{
		struct abi_arg args[] = {
			{ .type = ABI_BYTES, .p = d.claims_abi, .len = CLAIMS_ABI_SIZE },
			{ .type = ABI_BYTES, .p = d.attest, .len = d.has_quote ? d.attest_len : 0 },
			{ .type = ABI_BYTES32, .p = d.r },
			{ .type = ABI_BYTES32, .p = d.s },
		};

		ret = abi_encode_call(SUBMIT_SIG, args, 4, data, len, abierr);
	}
	attest_free(&d);
	if (ret) {
		refuse(p, e, abierr);
		return 1;
	}
	return 0;
}

/*
 * Asks the contract, without a transaction, what submit() would do.
 * 1: it would record; 0: decided here (landed or refused); < 0 error.
 */
static int precheck(struct publisher *p, struct entry *e, const uint8_t *data, size_t len)
{
	struct rpc_error rerr;
	char err[RPC_ERR_MAX], name[ABI_REVERT_MAX], why[ABI_REVERT_MAX + 64];
	uint8_t *ret_buf;
	size_t ret_len;
	bool recorded;
	int ret;

	ret = rpc_eth_call(&p->rpc, p->addr, p->cfg.registry, data, len, NULL, "latest", &ret_buf,
			   &ret_len, &rerr, err);
	if (ret == -EREMOTEIO && is_revert(&rerr)) {
		revert_name(&rerr, name);
		snprintf(why, sizeof(why), "submit reverts: %s", name);
		refuse(p, e, why);
		return 0;
	}
	if (ret) {
		plog(p, LOG_WARNING, "%s: %s", e->stem, err);
		return ret == -EREMOTEIO ? -EIO : ret;
	}
	ret = abi_ret_bool(ret_buf, ret_len, 0, &recorded, err);
	free(ret_buf);
	if (ret) {
		plog(p, LOG_WARNING, "%s: eth_call submit: %s", e->stem, err);
		return -EPROTO;
	}
	if (!recorded) {
		e->j.already = true;
		e->j.mined = false;
		land(p, e);
		return 0;
	}
	return 1;
}

/* Broadcasts the journal's last signed transaction. */
static int broadcast(struct publisher *p, struct entry *e, uint64_t now)
{
	struct rpc_error rerr;
	char err[RPC_ERR_MAX], h[67];
	uint8_t *raw, hash[32];
	size_t len, i;
	uint64_t *t;
	int ret;

	if (!e->j.raw || !e->j.n_sends)
		return 0;
	len = (strlen(e->j.raw) - 2) / 2;
	raw = malloc(len ? len : 1);
	if (!raw)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		sscanf(e->j.raw + 2 + 2 * i, "%2hhx", &raw[i]);
	ret = rpc_send_raw(&p->rpc, raw, len, hash, &rerr, err);
	free(raw);
	t = timer_of(p, e->stem, now);
	if (t)
		*t = now;
	hex(e->j.sends[e->j.n_sends - 1].hash, 32, h);
	if (ret == -EREMOTEIO) {
		/* "nonce too low", "already known", ...: the next step reconciles */
		plog(p, LOG_WARNING, "%s: %s refused by the node: %s", e->stem, h, rerr.message);
		return 0;
	}
	if (ret) {
		plog(p, LOG_WARNING, "%s: %s", e->stem, err);
		return ret;
	}
	if (memcmp(hash, e->j.sends[e->j.n_sends - 1].hash, 32))
		plog(p, LOG_WARNING, "%s: the node reports another hash for %s", e->stem, h);
	if (e->j.state == PUBLISH_PENDING) {
		e->j.state = PUBLISH_SENT;
		journal_save(p, e);
	}
	plog(p, LOG_INFO, "%s: sent %s nonce %" PRIu64, e->stem, h, e->j.nonce);
	return 0;
}

/* Signs (nonce, fees) and records the transaction in the journal before sending it. */
static int sign_and_send(struct publisher *p, struct entry *e, const uint8_t *data, size_t len,
			 uint64_t tip, uint64_t max_fee, uint64_t now)
{
	struct ethtx tx = {
		.chain_id = p->cfg.chain_id, .nonce = e->j.nonce, .max_priority_fee = tip,
		.max_fee = max_fee, .gas = e->j.gas, .has_to = true, .data = data,
		.data_len = len,
	};
	struct ethtx_signed s;
	struct send_rec *r;
	char err[ETHTX_ERR_MAX];
	int ret;

	memcpy(tx.to, p->cfg.registry, 20);
	ret = ethtx_sign_1559(&tx, p->key, &s, err);
	if (ret) {
		plog(p, LOG_ERR, "%s: %s", e->stem, err);
		return ret;
	}
	if (e->j.n_sends == SENDS_MAX) {
		memmove(e->j.sends, e->j.sends + 1, (SENDS_MAX - 1) * sizeof(e->j.sends[0]));
		e->j.n_sends--;
	}
	r = &e->j.sends[e->j.n_sends++];
	memcpy(r->hash, s.hash, 32);
	r->nonce = e->j.nonce;
	r->tip = tip;
	r->max_fee = max_fee;
	r->block = p->latest.number;
	free(e->j.raw);
	e->j.raw = malloc(2 * s.raw_len + 3);
	if (!e->j.raw) {
		ethtx_signed_free(&s);
		return -ENOMEM;
	}
	hex(s.raw, s.raw_len, e->j.raw);
	ethtx_signed_free(&s);
	if (e->j.state != PUBLISH_SENT)
		e->j.state = PUBLISH_PENDING;
	/* the reservation is durable before anything leaves this process */
	ret = journal_save(p, e);
	if (ret)
		return ret;
	if (p->cfg.hook)
		p->cfg.hook(p->cfg.hook_arg, "reserved", e->stem);
	return broadcast(p, e, now);
}

/* No nonce yet: ask the contract, then reserve a nonce and send. */
static int step_new(struct publisher *p, struct entry *e, uint64_t now)
{
	struct rpc_error rerr;
	char err[RPC_ERR_MAX], name[ABI_REVERT_MAX], why[ABI_REVERT_MAX + 64];
	uint64_t gas, tip, max_fee;
	uint8_t *data = NULL;
	size_t len;
	int ret;

	if (calldata_of(p, e, &data, &len))
		return 0;
	ret = precheck(p, e, data, len);
	if (ret <= 0)
		goto out;
	ret = rpc_estimate_gas(&p->rpc, p->addr, p->cfg.registry, data, len, NULL, &gas, &rerr,
			       err);
	if (ret == -EREMOTEIO && is_revert(&rerr)) {
		revert_name(&rerr, name);
		snprintf(why, sizeof(why), "submit reverts: %s", name);
		refuse(p, e, why);
		ret = 0;
		goto out;
	}
	if (ret) {
		plog(p, LOG_WARNING, "%s: %s", e->stem, err);
		ret = ret == -EREMOTEIO ? -EIO : ret;
		goto out;
	}
	ret = fees(p, &tip, &max_fee);
	if (ret)
		goto out;
	e->j.gas = gas + gas / 4;	/* the estimate is for the state now */
	e->j.nonce = p->next_nonce++;
	e->j.has_nonce = true;
	e->j.mined = false;
	ret = sign_and_send(p, e, data, len, tip, max_fee, now);
out:
	free(data);
	return ret;
}

static bool has_log(const struct rpc_receipt *rc, const uint8_t addr[20], const uint8_t topic[32])
{
	for (size_t i = 0; i < rc->n_logs && i < RPC_LOGS_MAX; i++)
		if (!memcmp(rc->logs[i].address, addr, 20) && rc->logs[i].n_topics &&
		    !memcmp(rc->logs[i].topics[0], topic, 32))
			return true;
	return false;
}

static void mined(struct publisher *p, struct entry *e, const struct rpc_receipt *rc)
{
	char h[67];

	hex(rc->tx_hash, 32, h);
	if (rc->status != 1) {
		e->j.reverts++;
		plog(p, LOG_WARNING, "%s: %s reverted in block %" PRIu64 " (%" PRIu64 " of %d)",
		     e->stem, h, rc->block_number, e->j.reverts, REVERTS_MAX);
		if (e->j.reverts >= REVERTS_MAX) {
			refuse(p, e, "reverted on chain, again and again");
			return;
		}
		/* the nonce is spent; ask the contract again before a new one */
		e->j.has_nonce = false;
		e->j.mined = false;
		e->j.state = PUBLISH_PENDING;
		journal_save(p, e);
		return;
	}
	e->j.mined = true;
	e->j.block_number = rc->block_number;
	memcpy(e->j.block_hash, rc->block_hash, 32);
	memcpy(e->j.tx, rc->tx_hash, 32);
	e->j.already = !has_log(rc, p->cfg.registry, p->topic_attested) &&
		       has_log(rc, p->cfg.registry, p->topic_already);
	e->j.state = PUBLISH_CONFIRMED;
	if (p->latest.number >= rc->block_number &&
	    p->latest.number - rc->block_number + 1 >= p->cfg.confirmations) {
		land(p, e);
		return;
	}
	plog(p, LOG_INFO, "%s: %s mined in block %" PRIu64, e->stem, h, rc->block_number);
	journal_save(p, e);
}

/* Raises both fees by at least 1/8 (and to the market) and re-sends the same nonce. */
static int bump(struct publisher *p, struct entry *e, uint64_t now)
{
	const struct send_rec *last = &e->j.sends[e->j.n_sends - 1];
	uint64_t tip, max_fee, mtip, mmax;
	uint8_t *data = NULL;
	size_t len;
	int ret;

	ret = fees(p, &mtip, &mmax);
	if (ret)
		return ret;
	tip = last->tip + (last->tip + 7) / 8;
	max_fee = last->max_fee + (last->max_fee + 7) / 8;
	if (tip == last->tip)
		tip++;
	if (tip < mtip)
		tip = mtip;
	if (max_fee < mmax)
		max_fee = mmax;
	if (max_fee < tip)
		max_fee = tip;
	if (p->cfg.max_fee_cap && max_fee > p->cfg.max_fee_cap) {
		plog(p, LOG_WARNING, "%s: nonce %" PRIu64 " stuck, and a bump would pass the fee cap",
		     e->stem, e->j.nonce);
		return broadcast(p, e, now);
	}
	if (calldata_of(p, e, &data, &len))
		return 0;
	plog(p, LOG_INFO, "%s: nonce %" PRIu64 " not mined: fees %" PRIu64 "/%" PRIu64
	     " -> %" PRIu64 "/%" PRIu64, e->stem, e->j.nonce, last->tip, last->max_fee, tip,
	     max_fee);
	ret = sign_and_send(p, e, data, len, tip, max_fee, now);
	free(data);
	return ret;
}

/* A nonce is reserved and a transaction signed: find where it is. */
static int step_inflight(struct publisher *p, struct entry *e, uint64_t now)
{
	struct rpc_receipt rc;
	char err[RPC_ERR_MAX];
	uint64_t *t, blocks;
	size_t i;
	int ret;

	for (i = e->j.n_sends; i-- > 0;) {
		ret = rpc_receipt(&p->rpc, e->j.sends[i].hash, &rc, err);
		if (ret) {
			plog(p, LOG_WARNING, "%s: %s", e->stem, err);
			return ret == -EREMOTEIO ? -EIO : ret;
		}
		if (rc.found) {
			mined(p, e, &rc);
			return 0;
		}
	}
	if (p->nonce_latest > e->j.nonce) {
		plog(p, LOG_WARNING, "%s: nonce %" PRIu64 " was used by another transaction: "
		     "submitting again with a new nonce", e->stem, e->j.nonce);
		e->j.has_nonce = false;
		e->j.state = PUBLISH_PENDING;
		return journal_save(p, e);
	}
	if (p->nonce_pending <= e->j.nonce) {
		/* the node does not hold it: dropped, or never arrived */
		return broadcast(p, e, now);
	}
	t = timer_of(p, e->stem, now);
	blocks = p->latest.number - e->j.sends[e->j.n_sends - 1].block;
	if (p->latest.number < e->j.sends[e->j.n_sends - 1].block)
		blocks = 0;
	if (blocks >= p->cfg.stuck_blocks || (t && now - *t >= p->cfg.stuck_ms))
		return bump(p, e, now);
	return 0;
}

/* Mined: wait for depth; a receipt that vanishes or moves is a reorg. */
static int step_confirmed(struct publisher *p, struct entry *e)
{
	struct rpc_receipt rc;
	char err[RPC_ERR_MAX], h[67];
	int ret;

	ret = rpc_receipt(&p->rpc, e->j.tx, &rc, err);
	if (ret) {
		plog(p, LOG_WARNING, "%s: %s", e->stem, err);
		return ret == -EREMOTEIO ? -EIO : ret;
	}
	hex(e->j.tx, 32, h);
	if (!rc.found) {
		plog(p, LOG_WARNING, "%s: %s is no longer in block %" PRIu64
		     " (reorg): waiting for it again", e->stem, h, e->j.block_number);
		e->j.mined = false;
		e->j.state = PUBLISH_SENT;
		return journal_save(p, e);
	}
	if (memcmp(rc.block_hash, e->j.block_hash, 32))
		plog(p, LOG_WARNING, "%s: %s moved from block %" PRIu64 " to %" PRIu64 " (reorg)",
		     e->stem, h, e->j.block_number, rc.block_number);
	mined(p, e, &rc);
	return 0;
}

/* --- API ----------------------------------------------------------------- */

static int backoff(struct publisher *p, uint64_t now)
{
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (p->backoff_ms > p->cfg.backoff_max_ms)
		p->backoff_ms = p->cfg.backoff_max_ms;
	p->next_ms = now + p->backoff_ms;
	plog(p, LOG_WARNING, "chain unavailable: next try in %" PRIu64 " ms", p->backoff_ms);
	return -EAGAIN;
}

static void warn_journal(void *arg, const char *stem, const char *why)
{
	plog(arg, LOG_ERR, "%s: journal unreadable, left alone: %s", stem, why);
}

int publisher_step(struct publisher *p, uint64_t now)
{
	struct entry *es = NULL;
	size_t n = 0, i, worked = 0;
	int ret, unfinished = 0;
	const struct entry *gate = NULL;

	if (now < p->next_ms)
		return -EAGAIN;
	p->have_fees = false;
	ret = refresh(p);
	if (ret == -EINVAL) {
		p->next_ms = now + p->cfg.backoff_max_ms;
		return -EINVAL;
	}
	if (ret)
		return backoff(p, now);
	ret = entries_load(&p->spool, &es, &n, warn_journal, p);
	if (ret) {
		plog(p, LOG_ERR, "spool %s: %s", p->spool_dir, strerror(-ret));
		return ret;
	}
	/* the next nonce: past the chain's pool and past every live reservation */
	p->next_nonce = p->nonce_pending;
	for (i = 0; i < n; i++)
		if ((es[i].j.state == PUBLISH_PENDING || es[i].j.state == PUBLISH_SENT) &&
		    es[i].j.has_nonce && es[i].j.nonce >= p->next_nonce)
			p->next_nonce = es[i].j.nonce + 1;

	for (i = 0; i < n; i++) {
		struct entry *e = &es[i];
		bool same = gate && !strcmp(gate->agent, e->agent) && gate->workload == e->workload;

		if (e->j.state == PUBLISH_LANDED || e->j.state == PUBLISH_REFUSED)
			continue;
		unfinished++;
		if (e->bad_journal || same || worked >= p->cfg.max_per_step) {
			if (!same)
				gate = e->j.state == PUBLISH_CONFIRMED ? NULL : e;
			continue;
		}
		worked++;
		if (e->j.state == PUBLISH_NEW || (e->j.state == PUBLISH_PENDING && !e->j.has_nonce))
			ret = step_new(p, e, now);
		else if (e->j.state == PUBLISH_CONFIRMED)
			ret = step_confirmed(p, e);
		else
			ret = step_inflight(p, e, now);
		if (ret && transient(ret)) {
			entries_free(es, n);
			return backoff(p, now);
		}
		if (e->j.state == PUBLISH_LANDED || e->j.state == PUBLISH_REFUSED)
			unfinished--;
		/* later epochs of this workload wait until this one is mined */
		gate = e->j.state == PUBLISH_NEW || e->j.state == PUBLISH_PENDING ||
		       e->j.state == PUBLISH_SENT ? e : NULL;
	}
	entries_free(es, n);
	p->backoff_ms = 0;
	return unfinished;
}

uint64_t publisher_wait_ms(const struct publisher *p, uint64_t now)
{
	return now < p->next_ms ? p->next_ms - now : 0;
}

int publisher_open(const struct publisher_config *cfg, struct publisher **out,
		   char err[PUBLISH_ERR_MAX])
{
	char inner[KEYSTORE_ERR_MAX > RPC_ERR_MAX ? KEYSTORE_ERR_MAX : RPC_ERR_MAX];
	struct publisher *p;
	char *pw = NULL;
	size_t pwlen = 0;
	int ret;

	*out = NULL;
	if (!cfg->rpc_url || !cfg->keystore || !cfg->password_file || !cfg->spool_dir ||
	    !cfg->chain_id) {
		snprintf(err, PUBLISH_ERR_MAX,
			 "publisher: rpc url, chain id, keystore, password file and spool are required");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, PUBLISH_ERR_MAX, "publisher: out of memory");
		return -ENOMEM;
	}
	p->cfg = *cfg;
	p->spool.dirfd = -1;
	if (!p->cfg.confirmations)
		p->cfg.confirmations = 1;
	if (!p->cfg.stuck_blocks)
		p->cfg.stuck_blocks = 3;
	if (!p->cfg.stuck_ms)
		p->cfg.stuck_ms = 30000;
	if (!p->cfg.backoff_max_ms)
		p->cfg.backoff_max_ms = PUBLISH_BACKOFF_MAX_MS;
	if (!p->cfg.max_per_step)
		p->cfg.max_per_step = 16;
	p->url = strdup(cfg->rpc_url);
	p->spool_dir = strdup(cfg->spool_dir);
	if (!p->url || !p->spool_dir) {
		ret = -ENOMEM;
		snprintf(err, PUBLISH_ERR_MAX, "publisher: out of memory");
		goto fail;
	}
	p->cfg.rpc_url = p->url;
	p->cfg.spool_dir = p->spool_dir;
	p->cfg.keystore = p->cfg.password_file = NULL;
	keccak256(EPOCH_ATTESTED_SIG, strlen(EPOCH_ATTESTED_SIG), p->topic_attested);
	keccak256(ALREADY_RECORDED_SIG, strlen(ALREADY_RECORDED_SIG), p->topic_already);

	ret = keystore_password_read(cfg->password_file, &pw, &pwlen, inner);
	if (!ret)
		ret = keystore_read(cfg->keystore, pw, pwlen, p->key, p->addr, inner);
	keystore_password_free(pw, pwlen);
	if (ret) {
		snprintf(err, PUBLISH_ERR_MAX, "publisher: %s", inner);
		goto fail;
	}
	ret = spool_open(&p->spool, cfg->spool_dir, inner);
	if (ret) {
		p->spool.dirfd = -1;
		snprintf(err, PUBLISH_ERR_MAX, "publisher: %s", inner);
		goto fail;
	}
	ret = rpc_open(&p->rpc, cfg->rpc_url, cfg->connect_ms, cfg->total_ms, inner);
	if (ret) {
		snprintf(err, PUBLISH_ERR_MAX, "publisher: %s", inner);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	publisher_close(p);
	return ret;
}

void publisher_close(struct publisher *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p->key, sizeof(p->key));
	if (p->rpc.curl)
		rpc_close(&p->rpc);
	if (p->spool.dirfd >= 0)
		spool_close(&p->spool);
	free(p->url);
	free(p->spool_dir);
	free(p->timers);
	free(p);
}

void publisher_address(const struct publisher *p, uint8_t addr[20])
{
	memcpy(addr, p->addr, 20);
}

int publisher_latest_block(struct publisher *p, uint64_t *number, uint8_t hash[32])
{
	struct rpc_block b;
	char err[RPC_ERR_MAX];
	int ret = rpc_latest_block(&p->rpc, &b, err);

	if (ret) {
		plog(p, LOG_WARNING, "%s", err);
		return ret;
	}
	*number = b.number;
	memcpy(hash, b.hash, 32);
	return 0;
}

int publish_summary(const char *spool_dir, struct publish_summary *s, char err[PUBLISH_ERR_MAX])
{
	struct spool sp;
	struct entry *es;
	char inner[SPOOL_ERR_MAX];
	size_t n, i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = spool_open(&sp, spool_dir, inner);
	if (ret) {
		snprintf(err, PUBLISH_ERR_MAX, "%s", inner);
		return ret;
	}
	ret = entries_load(&sp, &es, &n, NULL, NULL);
	spool_close(&sp);
	if (ret) {
		snprintf(err, PUBLISH_ERR_MAX, "spool %s: %s", spool_dir, strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++)
		s->count[es[i].j.state]++;
	s->documents = n;
	entries_free(es, n);
	return 0;
}
