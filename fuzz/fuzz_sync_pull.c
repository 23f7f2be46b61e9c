/*
 * libFuzzer target for the checkpoint side of sync pulls
 * (tdv_sync_pull_apply), two ways:
 *
 *   byte 0 bit 7 clear: the rest is a pull reply as it came off the wire
 *     (JSON envelope, signatures, digests, version chain) for the kind
 *     named by byte 0 -- nothing in it is signed, so it must be refused
 *     or be "nothing new", never applied;
 *   byte 0 bit 7 set: the rest is the content of a publication that the
 *     centre signs with its real publisher key (a compromised or buggy
 *     centre): the content parsers behind the signature (lost/stolen
 *     CSV and deltas, watchlist CSV, trust bundle, officer accounts) get
 *     arbitrary bytes and must refuse them or apply them, with the
 *     previous version kept on refusal. Officers lists are published for
 *     CP1, or with bit 6 for CP2 -- served to CP1, that one must never
 *     be applied (the signature binds the checkpoint).
 *
 * The sync PKI (CA + publisher) is made once in a temporary directory.
 *
 * Run: build-fuzz/fuzz/fuzz_sync_pull -max_total_time=600 fuzz/corpus/sync_pull
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {"sltd", "watchlist", "trust", "officers"};

static tdv_store *central, *local;
static char dir[64] = "/tmp/tdv-fuzz-pull.XXXXXX";
static char p_ca[128], p_cakey[128], p_pub[128], p_pubkey[128], lists[128];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* the temporary PKI and lists go when the process ends (replay in ctest) */
static void
cleanup(void)
{
	tdv_store_free(&central);
	tdv_store_free(&local);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(p_ca, sizeof(p_ca), "%s/ca.crt", dir);
	snprintf(p_cakey, sizeof(p_cakey), "%s/ca.key", dir);
	snprintf(p_pub, sizeof(p_pub), "%s/pub.crt", dir);
	snprintf(p_pubkey, sizeof(p_pubkey), "%s/pub.key", dir);
	snprintf(lists, sizeof(lists), "%s/lists", dir);
	if (mkdir(lists, 0700) != 0)
		abort();
	if (tdv_sync_pki_ca_new(p_cakey, p_ca, "fuzz CA", 10) != TDV_OK ||
	    tdv_sync_pki_key_new(p_pubkey) != TDV_OK ||
	    tdv_sync_pki_issue(p_ca, p_cakey, p_pubkey, TDV_SYNC_PUBLISHER_CN,
		NULL, false, 10, p_pub) != TDV_OK)
		abort();
	if (tdv_store_open("sqlite::memory:", &central, NULL, 0) != TDV_OK ||
	    tdv_store_open("sqlite::memory:", &local, NULL, 0) != TDV_OK)
		abort();
	tdv_checkpoint cp = {"CP1", "Fuzz", "UTO"};
	if (tdv_store_checkpoint_put(local, &cp) != TDV_OK ||
	    tdv_store_checkpoint_put(central, &cp) != TDV_OK)
		abort();
}

static void
apply(const char *kind, const char *body, size_t len)
{
	tdv_sync_pull_result res;
	char err[256];
	int64_t before = 0, after = 0;
	if (tdv_sync_pull_since(local, kind, lists, &before) != TDV_OK)
		abort();
	int rc = tdv_sync_pull_apply(local, "CP1", kind, body, len, p_ca,
	    lists, &res, err, sizeof(err));
	if (tdv_sync_pull_since(local, kind, lists, &after) != TDV_OK)
		abort();
	/* a refused reply leaves the version held as it was */
	if (rc != TDV_OK && after != before)
		abort();
	if (rc == TDV_OK && res.to_version < res.from_version)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (central == NULL)
		setup();
	if (size < 1)
		return 0;
	const char *kind = kinds[data[0] & 3];
	const char *rest = (const char *)data + 1;
	size_t n = size - 1;

	if ((data[0] & 0x80) == 0) {
		/* raw reply: unsigned, so never applied as a new version */
		int64_t before = 0, after = 0;
		tdv_sync_pull_result res;
		char err[256];
		if (tdv_sync_pull_since(local, kind, lists, &before) != TDV_OK)
			abort();
		int rc = tdv_sync_pull_apply(local, "CP1", kind, rest, n, p_ca,
		    lists, &res, err, sizeof(err));
		if (tdv_sync_pull_since(local, kind, lists, &after) != TDV_OK)
			abort();
		if (after != before || (rc == TDV_OK && res.items != 0))
			abort();
		return 0;
	}

	/* signed content: publish on the centre, pull what a checkpoint
	 * holding its current version gets, apply it */
	const char *type = (data[0] & 0x40) && strcmp(kind, "sltd") == 0 ?
	    "delta" : "full";
	int64_t v = 0;
	char err[256];
	/* officers lists are each checkpoint's own, signed for it; with bit
	 * 6 the list is CP2's, and CP1 must never apply it */
	bool officers = strcmp(kind, "officers") == 0;
	const char *owner = officers && (data[0] & 0x40) ? "CP2" : "CP1";
	int rc = officers ? tdv_sync_publish_for(central, kind, owner, type, rest, n, p_pub,
				p_pubkey, &v, err, sizeof(err))
			  : tdv_sync_publish(central, kind, type, rest, n, p_pub, p_pubkey, &v,
				err, sizeof(err));
	if (rc != TDV_OK)
		return 0; /* refused by the publisher (e.g. a delta without base) */
	int64_t since = 0;
	if (tdv_sync_pull_since(local, kind, lists, &since) != TDV_OK)
		abort();
	tdv_buf reply;
	tdv_buf_init(&reply, TDV_SYNC_MAX_PULL_BYTES);
	if (tdv_sync_pull_reply_for(central, kind, owner, since, &reply) == TDV_OK) {
		if (strcmp(owner, "CP1") == 0) {
			apply(kind, tdv_buf_cstr(&reply), reply.len);
		} else {
			tdv_sync_pull_result res;
			int64_t after = 0;
			int arc = tdv_sync_pull_apply(local, "CP1", kind, tdv_buf_cstr(&reply),
			    reply.len, p_ca, lists, &res, err, sizeof(err));
			if (tdv_sync_pull_since(local, kind, lists, &after) != TDV_OK ||
			    after != since || (arc == TDV_OK && res.items != 0))
				abort();
		}
	}
	tdv_buf_free(&reply);
	return 0;
}
