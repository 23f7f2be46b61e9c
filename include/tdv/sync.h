/*
 * Offline-first sync: a checkpoint forwards its audit entries and
 * movements to the central store in batches.
 *
 * A batch is one JSON object:
 *   {"v":1,"checkpoint":"CP1","audit":[entry...],"movements":[movement...]}
 * with the audit entries after the checkpoint's audit cursor (in chain
 * order) and the movements after its movement cursor whose audit entry is
 * in the batch or already sent. Every record keeps its globally unique id
 * or (chain, seq), so ingest is idempotent: a batch sent twice (an ack
 * lost on the way back) inserts nothing the second time. The checkpoint
 * moves its cursors only after the central store acknowledged, so a
 * batch cut off by a link failure or a restart is simply sent again.
 *
 * Ingest checks everything before writing and writes the whole batch in
 * one transaction, or nothing: the sender's authenticated identity (its
 * TLS client certificate) must be the batch's checkpoint and every
 * record's; sizes and counts are bounded; a record that differs from one
 * already stored under its id is a conflict.
 */
#ifndef TDV_SYNC_H
#define TDV_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDV_SYNC_MAX_BATCH_BYTES (8u << 20) /* larger bodies: TDV_ELIMIT */
#define TDV_SYNC_MAX_RECORDS 5000           /* audit + movements per batch */

typedef struct tdv_sync_batch_info {
	int64_t audit_first, audit_last;       /* 0, 0 when none */
	int64_t movement_first, movement_last; /* 0, 0 when none */
	int naudit, nmovements;
	/* format 2 (schema 3): referral outcomes in the batch, each sent with
	 * or after its audit entry and its movement; referral_last is the
	 * audit seq of the last one (the "referral" cursor). A batch carries
	 * "v":2 and "referrals":[...] only when it has some, so a checkpoint
	 * without referral outcomes still speaks format 1. */
	int nreferrals;
	int64_t referral_last;
} tdv_sync_batch_info;

/*
 * Build the next batch of checkpoint `checkpoint` from the local store
 * into out (reset first): at most max_records records (<= the limit).
 * info->naudit + info->nmovements == 0 means nothing is pending.
 */
int tdv_sync_build_batch(tdv_store *local, const char *checkpoint,
    int max_records, tdv_buf *out, tdv_sync_batch_info *info);

/* After the central store acknowledged the batch: move the cursors. */
int tdv_sync_ack(tdv_store *local, const char *checkpoint,
    const tdv_sync_batch_info *info);

/*
 * The size of a checkpoint's next batch: a backlog drains in larger
 * batches while the link carries them quickly (each batch costs a TLS
 * handshake, a few round trips and a durable commit at the centre,
 * whatever its size), and in smaller ones again when a batch took long.
 * size: the batch just acknowledged was built with at most size records;
 * full: it had that many (more were waiting); took_ms: from sending it to
 * the acknowledgement. Doubles (up to max) when full and took_ms is under
 * 2 s and a quarter of timeout_ms; halves (down to min) when took_ms is
 * over half of timeout_ms; else unchanged. min <= result <= max.
 */
int tdv_sync_next_batch_size(int size, int min, int max, bool full, int64_t took_ms,
    int timeout_ms);

typedef struct tdv_sync_backlog {
	int64_t audit_pending;
	int64_t movements_pending;
	int64_t oldest_pending_ms; /* time of the oldest unsent record, 0 if none */
} tdv_sync_backlog;

/* What is still to be sent. */
int tdv_sync_backlog_get(tdv_store *local, const char *checkpoint,
    tdv_sync_backlog *out);

typedef struct tdv_sync_result {
	int naudit, nmovements;       /* records in the batch */
	int inserted, duplicates;     /* of those, new and already present */
	int bad_index;                /* first refused record (-1: none) */
	char message[200];            /* why a batch was refused */
} tdv_sync_result;

/*
 * Central side: ingest a batch received from `peer` (the checkpoint id
 * its client certificate proves). TDV_OK and counts, or:
 *   TDV_ELIMIT           body or record count over the limit
 *   TDV_EPARSE           not a batch: malformed JSON, missing or wrong
 *                        fields (res->bad_index names the record)
 *   TDV_EFORBIDDEN       batch or record of another checkpoint than peer
 *   TDV_ENOENT           checkpoint not registered centrally
 *   TDV_EAUDIT_BROKEN    entry does not hash right or does not extend
 *                        the chain held centrally
 *   TDV_ESTORE_CONFLICT  a record differs from the one stored under its id
 * and nothing of the batch is written.
 */
int tdv_sync_ingest(tdv_store *central, const char *peer, const char *body,
    size_t len, tdv_sync_result *res);

/* ---- pulls: lists and accounts from the centre ----
 *
 * The centre publishes signed versions of what checkpoints pull (see
 * tdv_pub in tdv/store.h): "sltd" (a full lost/stolen CSV list, then
 * deltas in the format of tdv_sltd_update), "watchlist" (full CSV),
 * "trust" (a bundle of CSCA certificate, master list and CRL files) and
 * "officers" (accounts with their Argon2id hashes; never a password).
 * Each publication is signed with the publisher key (certificate CN
 * "tdverify publisher", issued by the sync CA) over its kind, who it is
 * for (an officers list: the checkpoint's id; the other lists: "*"),
 * version, type, base, SHA-256 and time, so a checkpoint refuses content
 * changed in the central database, on the way, served by anyone else, or
 * published for another checkpoint, and keeps the previous version.
 * Officers lists signed by an earlier version (without the checkpoint
 * id) are refused; the centre signs them again (sync serve does it on
 * each pull). The other lists signed that way are still accepted, and
 * the centre signs them both ways for checkpoints of the previous
 * version.
 */
#define TDV_SYNC_MAX_PULL_BYTES (64u << 20) /* one pull reply */
#define TDV_SYNC_PUBLISHER_CN "tdverify publisher"
#define TDV_SYNC_KEEP_VERSIONS 20 /* publications kept by default (plus the
                                     latest full one on, tdv_store_pub_prune) */

/* Publish data (the decoded content) as the next version of kind.
 * type "full" or "delta" (sltd only). *version gets the new version. */
int tdv_sync_publish(tdv_store *central, const char *kind, const char *type,
    const void *data, size_t len, const char *signer_cert,
    const char *signer_key, int64_t *version, char *err, size_t errsz);

/* Publish every regular file of dir (certificates, master lists, CRLs;
 * names [A-Za-z0-9._-], at most 256) as the next "trust" version. */
int tdv_sync_publish_trust_dir(tdv_store *central, const char *dir,
    const char *signer_cert, const char *signer_key, int64_t *version,
    char *err, size_t errsz);

/* Publish the officer accounts assigned to checkpoint (or to every
 * checkpoint) as its next "officers" version when they differ from its
 * latest one (*published tells). Each checkpoint has a list of its own
 * (stored as kind "officers@ID", signed as "officers"); its first one
 * continues the numbering of the shared "officers" list of earlier
 * versions. */
int tdv_sync_publish_officers_for(tdv_store *central, const char *checkpoint,
    const char *signer_cert, const char *signer_key, bool *published,
    int64_t *version, char *err, size_t errsz);
/* Publish data as the next version of checkpoint's own list of kind
 * (only "officers" has per-checkpoint lists); signed for that checkpoint.
 * tdv_sync_publish_officers_for builds the data from the store. */
int tdv_sync_publish_for(tdv_store *central, const char *kind,
    const char *checkpoint, const char *type, const void *data, size_t len,
    const char *signer_cert, const char *signer_key, int64_t *version,
    char *err, size_t errsz);
/*
 * The centre's publisher key: TDV_OK when pub_cert and pub_key exist;
 * otherwise, with the sync CA's certificate and key readable, make them
 * (key 0600, certificate CN "tdverify publisher", days valid, 825 when
 * 0), audited "sync.publisher_key" by actor (an id: [A-Za-z0-9_.-]),
 * and *created = true.
 * TDV_ENOENT when neither key nor CA key is there; TDV_EEXIST when only
 * one of the pair exists (it is never overwritten).
 */
int tdv_sync_publisher_ensure(tdv_store *central, const char *ca_cert,
    const char *ca_key, const char *pub_cert, const char *pub_key, int days,
    const char *actor, bool *created, char *err, size_t errsz);
/* Whether officers lists were ever published (the shared one of earlier
 * versions or any registered checkpoint's own): checkpoints then expect
 * them kept current, which needs the publisher key. */
int tdv_sync_officers_published(tdv_store *central, bool *any);
/* The same for every registered checkpoint; *version: the highest. */
int tdv_sync_publish_officers(tdv_store *central, const char *signer_cert,
    const char *signer_key, bool *published, int64_t *version, char *err,
    size_t errsz);

/* Central side: the reply to a pull of kind by a checkpoint that holds
 * version since: {"kind","latest","items":[...]} with nothing when it is
 * current, the deltas after since when they chain from it (sltd), else
 * the latest full version and the deltas after it. */
int tdv_sync_pull_reply(tdv_store *central, const char *kind, int64_t since,
    tdv_buf *out);
/* The reply for one checkpoint: for "officers", that checkpoint's own
 * list (tdv_sync_publish_officers_for); checkpoint NULL: the shared one
 * (tdv_sync_pull_reply). */
int tdv_sync_pull_reply_for(tdv_store *central, const char *kind,
    const char *checkpoint, int64_t since, tdv_buf *out);

typedef struct tdv_sync_pull_result {
	int64_t from_version, to_version; /* equal: nothing was new */
	int items;                        /* versions transferred */
	size_t bytes;                     /* decoded bytes transferred */
	int changed;                      /* officers: accounts changed */
} tdv_sync_pull_result;

/*
 * Checkpoint side: check and apply a pull reply of kind to the lists
 * directory (sltd.idx, watchlist.csv, trust -> trust.vN.TIME/) or, for
 * officers, to the local store, and record the new version. Every item's
 * signature (chain to ca_file, signer CN), digest and version chain is
 * checked before anything is written; the new version replaces the old
 * atomically (staging file + rename, symlink switch, one transaction),
 * and on any refusal the previous version stays. TDV_EAUTH for a bad
 * signature or signer, TDV_EPARSE for a malformed reply, TDV_ESYNC for a
 * broken version chain or a list the screening module refuses.
 */
int tdv_sync_pull_apply(tdv_store *local, const char *checkpoint,
    const char *kind, const char *body, size_t len, const char *ca_file,
    const char *lists_dir, tdv_sync_pull_result *res, char *err,
    size_t errsz);

/* The version a checkpoint holds of kind (what it sends as since): the
 * recorded one, or 0 when the local file no longer matches it. */
int tdv_sync_pull_since(tdv_store *local, const char *kind,
    const char *lists_dir, int64_t *since);

#ifdef __cplusplus
}
#endif
#endif
