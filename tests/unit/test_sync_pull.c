/*
 * Sync pulls without the network: publications signed by the publisher
 * key, the centre's choice of versions for a checkpoint (nothing, the
 * deltas since its version, or the latest full list and what follows),
 * and the checkpoint's refusal of anything not exactly as signed -- a
 * changed byte of content, a changed base version, a signer of another CA
 * or of the right CA but not the publisher, a reply that does not reach
 * the version it announces, duplicate keys, another list -- with the
 * previous list kept. Officer accounts replaced in one transaction
 * (disabling the ones the centre does not list); enrolment tokens usable
 * once, before expiry, by their checkpoint only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync/sync_int.h"
#include "tdv/error.h"
#include "tdv/screen.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"
#include "tdv_test.h"

static char dir[64];
static char p_ca[128], p_cakey[128], p_pub[128], p_pubkey[128], p_other[128],
    p_otherkey[128], p_rca[128], p_rcakey[128], p_rpub[128], p_rpubkey[128], lists[128];
static tdv_store *central, *local;

static void
path(char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", dir, name);
}

static int
mkdir_p_ok(const char *p)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	return system(cmd);
}

static void
setup_pki(void)
{
	path(p_ca, "ca.crt");
	path(p_cakey, "ca.key");
	path(p_pub, "pub.crt");
	path(p_pubkey, "pub.key");
	path(p_other, "other.crt");
	path(p_otherkey, "other.key");
	path(p_rca, "rca.crt");
	path(p_rcakey, "rca.key");
	path(p_rpub, "rpub.crt");
	path(p_rpubkey, "rpub.key");
	path(lists, "lists");
	CHECK_INT(mkdir_p_ok(lists), 0);
	CHECK_INT(tdv_sync_pki_ca_new(p_cakey, p_ca, "test CA", 10), TDV_OK);
	CHECK_INT(tdv_sync_pki_ca_new(p_cakey, p_ca, "test CA", 10), TDV_EEXIST);
	CHECK_INT(tdv_sync_pki_key_new(p_pubkey), TDV_OK);
	CHECK_INT(tdv_sync_pki_issue(p_ca, p_cakey, p_pubkey, TDV_SYNC_PUBLISHER_CN, NULL, false, 10,
		      p_pub),
	    TDV_OK);
	CHECK_INT(tdv_sync_pki_key_new(p_otherkey), TDV_OK);
	CHECK_INT(tdv_sync_pki_issue(p_ca, p_cakey, p_otherkey, "tdverify central",
		      "IP:127.0.0.1", true, 10, p_other),
	    TDV_OK);
	CHECK_INT(tdv_sync_pki_ca_new(p_rcakey, p_rca, "rogue CA", 10), TDV_OK);
	CHECK_INT(tdv_sync_pki_key_new(p_rpubkey), TDV_OK);
	CHECK_INT(tdv_sync_pki_issue(p_rca, p_rcakey, p_rpubkey, TDV_SYNC_PUBLISHER_CN, NULL, false,
		      10, p_rpub),
	    TDV_OK);
}

static int64_t
publish(tdv_store *s, const char *kind, const char *type, const char *text, const char *cert,
    const char *key)
{
	int64_t v = -1;
	char err[200];
	CHECK_INT(tdv_sync_publish(s, kind, type, text, strlen(text), cert, key, &v, err,
		      sizeof(err)),
	    TDV_OK);
	return v;
}

/* Versions listed in a reply, as "1,2,3". */
static void
versions_of(const tdv_buf *b, char *out, size_t outsz)
{
	out[0] = '\0';
	const char *p = tdv_buf_cstr(b);
	size_t used = 0;
	while ((p = strstr(p, "{\"version\":")) != NULL) {
		p += 11;
		int n = snprintf(out + used, outsz - used, "%s%ld", used ? "," : "", strtol(p, NULL, 10));
		if (n > 0)
			used += (size_t)n;
	}
}

static const char sltd_v1[] =
    "issuing_state,document_number,document_type,status,date_reported,source\n"
    "UTO,X00000001,P,lost,2026-11-02,test\n"
    "UTO,X00000002,P,stolen,2026-11-03,test\n";

static void
test_reply_chooses_versions(void)
{
	tdv_buf b;
	char vs[64];
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	CHECK_INT(publish(central, "sltd", "full", sltd_v1, p_pub, p_pubkey), 1);
	CHECK_INT(publish(central, "sltd", "delta", "add,UTO,X00000003,P,lost,2026-11-04,t\n", p_pub,
		      p_pubkey),
	    2);
	CHECK_INT(publish(central, "sltd", "delta", "remove,UTO,X00000001\n", p_pub, p_pubkey), 3);
	int64_t v = 0;
	char err[200];
	CHECK_INT(tdv_sync_publish(central, "watchlist", "delta", "x", 1, p_pub, p_pubkey, &v, err,
		      sizeof(err)),
	    TDV_EINVAL);
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 0, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "1,2,3");
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 1, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "2,3");
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 3, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "");
	CHECK(strstr(tdv_buf_cstr(&b), "\"latest\":3") != NULL);
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 9, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "1,2,3");
	tdv_buf_free(&b);
}

static tdv_pull_state
state(const char *kind)
{
	tdv_pull_state st;
	CHECK_INT(tdv_store_pull_state_get(local, kind, &st), TDV_OK);
	return st;
}

/* Replace the first occurrence of from by to in b. */
static void
edit(tdv_buf *b, const char *from, const char *to)
{
	char *p = strstr((char *)b->data, from);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	size_t off = (size_t)(p - (char *)b->data), fl = strlen(from), tl = strlen(to);
	tdv_buf n;
	tdv_buf_init(&n, b->max);
	tdv_buf_append(&n, b->data, off);
	tdv_buf_append(&n, to, tl);
	tdv_buf_append(&n, b->data + off + fl, b->len - off - fl);
	tdv_buf_free(b);
	*b = n;
}

static int
apply(const tdv_buf *b, const char *kind)
{
	tdv_sync_pull_result r;
	char err[300];
	return tdv_sync_pull_apply(local, "CP1", kind, tdv_buf_cstr(b), b->len, p_ca, lists, &r,
	    err, sizeof(err));
}

static int
lookup(const char *number)
{
	char idx[160];
	snprintf(idx, sizeof(idx), "%s/sltd.idx", lists);
	tdv_sltd *s = NULL;
	if (tdv_sltd_open(idx, &s) != TDV_OK)
		return -1;
	tdv_sltd_hit hits[4];
	size_t n = 0;
	int rc = tdv_sltd_lookup(s, "UTO", number, hits, 4, &n);
	tdv_sltd_free(&s);
	return rc == TDV_OK && n > 0 && hits[0].exact ? 1 : 0;
}

static void
test_apply_and_refusals(void)
{
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	/* at version 0: full 1 + deltas 2, 3 */
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 0, &b), TDV_OK);
	CHECK_INT(apply(&b, "sltd"), TDV_OK);
	CHECK_INT(state("sltd").version, 3);
	CHECK_INT(lookup("X00000001"), 0);
	CHECK_INT(lookup("X00000003"), 1);
	int64_t since = -1;
	CHECK_INT(tdv_sync_pull_since(local, "sltd", lists, &since), TDV_OK);
	CHECK_INT(since, 3);

	CHECK_INT(publish(central, "sltd", "delta", "add,UTO,X00000004,P,lost,2026-11-05,t\n", p_pub,
		      p_pubkey),
	    4);
	tdv_buf good;
	tdv_buf_init(&good, TDV_SYNC_MAX_PULL_BYTES);
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", 3, &good), TDV_OK);

	/* content changed after signing (first base64 character of data) */
	tdv_buf_reset(&b);
	tdv_buf_append(&b, good.data, good.len);
	char *d = strstr((char *)b.data, "\"data\":\"");
	CHECK(d != NULL);
	if (d != NULL)
		d[8] = d[8] == 'Y' ? 'Z' : 'Y';
	CHECK_INT(apply(&b, "sltd"), TDV_EAUTH);
	/* base version changed (it is signed) */
	tdv_buf_reset(&b);
	tdv_buf_append(&b, good.data, good.len);
	edit(&b, "\"base\":3", "\"base\":2");
	CHECK_INT(apply(&b, "sltd"), TDV_EAUTH);
	/* reply announcing a version it does not reach */
	tdv_buf_reset(&b);
	tdv_buf_append(&b, good.data, good.len);
	edit(&b, "\"latest\":4", "\"latest\":5");
	CHECK_INT(apply(&b, "sltd"), TDV_ESYNC);
	/* nothing sent although newer announced */
	tdv_buf_reset(&b);
	tdv_buf_puts(&b, "{\"kind\":\"sltd\",\"latest\":4,\"items\":[]}");
	CHECK_INT(apply(&b, "sltd"), TDV_ESYNC);
	/* duplicate keys, another list, not JSON */
	tdv_buf_reset(&b);
	tdv_buf_puts(&b, "{\"kind\":\"sltd\",\"kind\":\"sltd\",\"latest\":3,\"items\":[]}");
	CHECK_INT(apply(&b, "sltd"), TDV_EPARSE);
	CHECK_INT(apply(&good, "watchlist"), TDV_EPARSE);
	tdv_buf_reset(&b);
	tdv_buf_puts(&b, "{\"kind\":");
	CHECK_INT(apply(&b, "sltd"), TDV_EPARSE);
	CHECK_INT(state("sltd").version, 3);
	CHECK_INT(lookup("X00000004"), 0);

	/* a delta not chaining from version 3 (another centre's v4 on v2) */
	char p2[160];
	snprintf(p2, sizeof(p2), "sqlite:%s/central2.db", dir);
	tdv_store *c2 = NULL;
	CHECK_INT(tdv_store_open(p2, &c2, NULL, 0), TDV_OK);
	publish(c2, "sltd", "full", sltd_v1, p_pub, p_pubkey);
	publish(c2, "sltd", "delta", "remove,UTO,X00000002\n", p_pub, p_pubkey);
	publish(c2, "sltd", "delta", "remove,UTO,X00000001\n", p_pub, p_pubkey);
	/* v4 signed by a publisher of another CA */
	publish(c2, "sltd", "delta", "add,UTO,X00000009,P,lost,2026-11-05,t\n", p_rpub, p_rpubkey);
	CHECK_INT(tdv_sync_pull_reply(c2, "sltd", 3, &b), TDV_OK);
	CHECK_INT(apply(&b, "sltd"), TDV_EAUTH);
	/* v5 signed by a certificate of the right CA that is not the publisher */
	publish(c2, "sltd", "delta", "add,UTO,X00000008,P,lost,2026-11-05,t\n", p_other,
	    p_otherkey);
	CHECK_INT(tdv_sync_pull_reply(c2, "sltd", 4, &b), TDV_OK);
	edit(&b, "\"base\":4", "\"base\":3");
	CHECK_INT(apply(&b, "sltd"), TDV_EAUTH);
	tdv_store_free(&c2);
	CHECK_INT(lookup("X00000009"), 0);
	CHECK_INT(lookup("X00000003"), 1);
	CHECK_INT(state("sltd").version, 3);

	/* the genuine reply still applies */
	CHECK_INT(apply(&good, "sltd"), TDV_OK);
	CHECK_INT(state("sltd").version, 4);
	CHECK_INT(lookup("X00000004"), 1);
	/* a file replaced behind sync's back: start over from the full list */
	char idx[160];
	snprintf(idx, sizeof(idx), "%s/sltd.idx", lists);
	FILE *f = fmemopen((void *)sltd_v1, sizeof(sltd_v1) - 1, "r");
	tdv_sltd_import_opts o;
	memset(&o, 0, sizeof(o));
	tdv_sltd_import_stats st;
	CHECK_INT(tdv_sltd_import(f, idx, &o, &st), TDV_OK);
	fclose(f);
	CHECK_INT(tdv_sync_pull_since(local, "sltd", lists, &since), TDV_OK);
	CHECK_INT(since, 0);
	tdv_buf_free(&b);
	tdv_buf_free(&good);
}

static void
test_officers_replaced(void)
{
	tdv_officer a = {"offa", "Officer A", TDV_ROLE_OFFICER, true};
	tdv_officer bb = {"offb", "Officer B", TDV_ROLE_SUPERVISOR, true};
	tdv_officer z = {"offz", "Local only", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(central, &a, "pw-a", 4, NULL, NULL), TDV_OK);
	CHECK_INT(tdv_store_officer_add(central, &bb, "pw-b", 4, NULL, NULL), TDV_OK);
	CHECK_INT(tdv_store_officer_add(local, &z, "pw-z", 4, NULL, "CP1"), TDV_OK);
	tdv_checkpoint c1 = {"CP1", "One", "UTO"}, c2 = {"CP2", "Two", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(central, &c1), TDV_OK);
	CHECK_INT(tdv_store_checkpoint_put(central, &c2), TDV_OK);
	bool published = false;
	int64_t v = 0;
	char err[200];
	CHECK_INT(tdv_sync_publish_officers(central, p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(published);
	CHECK_INT(v, 1);
	CHECK_INT(tdv_sync_publish_officers(central, p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(!published);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP1", 0, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "pw-a") == NULL);
	tdv_sync_pull_result r;
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(r.changed, 3); /* a, b added; z disabled */
	tdv_officer got;
	CHECK_INT(tdv_store_officer_authenticate(local, "offa", "pw-a", 4, "CP1", &got), TDV_OK);
	CHECK_INT(tdv_store_officer_authenticate(local, "offz", "pw-z", 4, "CP1", &got), TDV_EAUTH);
	CHECK_INT(tdv_store_officer_set_active(central, "offb", false, NULL, NULL), TDV_OK);
	CHECK_INT(tdv_sync_publish_officers(central, p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(published);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP1", 1, &b), TDV_OK);
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(r.changed, 1);
	CHECK_INT(tdv_store_officer_get(local, "offb", &got), TDV_OK);
	CHECK(!got.active);
	CHECK_INT(tdv_store_officer_authenticate(local, "offb", "pw-b", 4, "CP1", &got), TDV_EAUTH);
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(local, NULL, &rep), TDV_OK);
	CHECK(rep.intact);
	tdv_buf_free(&b);
}

static int
collect_assign(void *ctx, const char *checkpoint)
{
	char *seen = ctx;
	size_t n = strlen(seen);
	snprintf(seen + n, 128 - n, "%s,", checkpoint);
	return 0;
}

static int
collect_export(void *ctx, const tdv_officer *o, const char *hash)
{
	char *seen = ctx;
	size_t n = strlen(seen);
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return TDV_EINVAL;
	snprintf(seen + n, 128 - n, "%s,", o->id);
	return 0;
}

/* Officer assignment: each checkpoint gets only the accounts assigned to
 * it (or to all); moving an account disables it where it left. */
static void
test_officers_assigned(void)
{
	char err[200];
	bool published = false;
	int64_t v = 0, v2 = 0;
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	/* offa (from the test above, assigned to all) goes to CP2 only */
	CHECK_INT(tdv_store_officer_assign(central, "offa", "*", false, "hq", NULL), TDV_OK);
	CHECK_INT(tdv_store_officer_assign(central, "offa", "CP2", true, "hq", NULL), TDV_OK);
	CHECK_INT(tdv_store_officer_assign(central, "nobody", "CP2", true, "hq", NULL), TDV_ENOENT);
	CHECK_INT(tdv_store_officer_assign(central, "offa", "bad id!", true, "hq", NULL), TDV_EINVAL);
	CHECK_INT(tdv_sync_publish_officers(central, p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(published);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP1", 2, &b), TDV_OK);
	tdv_sync_pull_result r;
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(r.changed, 1); /* offa disabled at CP1 */
	tdv_officer got;
	CHECK_INT(tdv_store_officer_get(local, "offa", &got), TDV_OK);
	CHECK(!got.active);
	CHECK_INT(tdv_store_officer_authenticate(local, "offa", "pw-a", 4, "CP1", &got), TDV_EAUTH);
	/* CP2's own list holds offa (and offb, assigned to all) */
	CHECK_INT(tdv_store_pub_latest(central, "officers@CP2", &v2, NULL), TDV_OK);
	CHECK(v2 >= 1);
	char ids[128] = "";
	CHECK_INT(tdv_store_officer_export_for(central, "CP2", collect_export, ids), TDV_OK);
	CHECK_STR(ids, "offa,offb,");
	ids[0] = '\0';
	CHECK_INT(tdv_store_officer_export_for(central, "CP1", collect_export, ids), TDV_OK);
	CHECK_STR(ids, "offb,");
	/* the assignments as listed */
	char seen[128] = "";
	CHECK_INT(tdv_store_officer_assignments(central, "offa", collect_assign, seen), TDV_OK);
	CHECK_STR(seen, "CP2,");
	seen[0] = '\0';
	CHECK_INT(tdv_store_officer_assignments(central, "offb", collect_assign, seen), TDV_OK);
	CHECK_STR(seen, "*,");
	/* a checkpoint's first own list continues the shared numbering */
	tdv_checkpoint c3 = {"CP3", "Three", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(central, &c3), TDV_OK);
	int64_t shared = 0;
	CHECK_INT(tdv_sync_publish(central, "officers", "full", "[]", 2, p_pub, p_pubkey, &shared,
		      err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(tdv_sync_publish_officers_for(central, "CP3", p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(published);
	CHECK_INT(v, shared + 1);
	tdv_buf_free(&b);
}

/* Remove "key":"value", (or ,"key":"value") from every item of b. */
static void
drop_key(tdv_buf *b, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	char *p;
	while ((p = strstr((char *)b->data, pat)) != NULL) {
		char *end = strchr(p + strlen(pat), '"');
		CHECK(end != NULL);
		if (end == NULL)
			return;
		end++;
		if (*end == ',')
			end++;
		else if (p > (char *)b->data && p[-1] == ',')
			p--;
		size_t tail = b->len - (size_t)(end - (char *)b->data);
		memmove(p, end, tail + 1);
		b->len -= (size_t)(end - p);
	}
}

static int64_t
pulled(tdv_store *s, const char *kind)
{
	tdv_pull_state st;
	CHECK_INT(tdv_store_pull_state_get(s, kind, &st), TDV_OK);
	return st.version;
}

/* An officers list is signed for the checkpoint it was published for: a
 * list for CP2 served to CP1 is refused (naming both) and nothing
 * changes; its "for" edited to CP1 breaks the signature; a list signed
 * the earlier way (format 1, no checkpoint) is refused with what the
 * centre must do, and the centre signs it again. Lists every checkpoint
 * gets still apply when signed the earlier way only. */
static void
test_officers_bound_to_checkpoint(void)
{
	char err[400];
	bool published = false;
	int64_t v = 0;
	tdv_sync_pull_result r;
	tdv_buf b, mine;
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	tdv_buf_init(&mine, TDV_SYNC_MAX_PULL_BYTES);
	/* offa is assigned to CP2 only (test above): CP2's list enables it */
	CHECK_INT(tdv_sync_publish_officers(central, p_pub, p_pubkey, &published, &v, err,
		      sizeof(err)),
	    TDV_OK);
	int64_t held = pulled(local, "officers");
	tdv_officer got;
	CHECK_INT(tdv_store_officer_get(local, "offa", &got), TDV_OK);
	CHECK(!got.active);
	/* CP2's list, at a version above what CP1 holds (so that, were it
	 * not bound to CP2, CP1 would apply it: offa enabled at CP1) */
	CHECK_INT(tdv_store_pub_latest(central, "officers@CP2", &v, NULL), TDV_OK);
	bool on = true;
	for (int k = 0; k < 50 && (v <= held || !on); k++) {
		on = !on;
		CHECK_INT(tdv_store_officer_set_active(central, "offa", on, NULL, NULL), TDV_OK);
		CHECK_INT(tdv_sync_publish_officers_for(central, "CP2", p_pub, p_pubkey, &published,
			      &v, err, sizeof(err)),
		    TDV_OK);
		CHECK(published);
	}
	CHECK(v > held && on);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP2", held, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "\"for\":\"CP2\"") != NULL);
	err[0] = '\0';
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_EAUTH);
	CHECK(strstr(err, "published for checkpoint CP2, not for this checkpoint (CP1)") != NULL);
	CHECK(strstr(err, "nothing applied") != NULL);
	CHECK_INT(tdv_store_officer_get(local, "offa", &got), TDV_OK);
	CHECK(!got.active);
	CHECK_INT(pulled(local, "officers"), held);
	/* the same list relabelled for CP1: the signature covers "for" */
	edit(&b, "\"for\":\"CP2\"", "\"for\":\"CP1\"");
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_EAUTH);
	CHECK(strstr(err, "signature or signer not trusted") != NULL);
	/* the shared list of earlier versions is for every checkpoint: refused
	 * as an officers list (it would hand every post every account) */
	CHECK_INT(tdv_sync_pull_reply(central, "officers", 0, &b), TDV_OK);
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_EAUTH);
	CHECK(strstr(err, "published for every checkpoint, not for this checkpoint (CP1)") != NULL);
	CHECK_INT(tdv_store_officer_get(local, "offa", &got), TDV_OK);
	CHECK(!got.active);

	/* a list of CP1's own signed the earlier way (format 1: kind,
	 * version, type, base, digest, time; no checkpoint), as the previous
	 * version stored it */
	int64_t latest = 0;
	CHECK_INT(tdv_store_pub_latest(central, "officers@CP1", &latest, NULL), TDV_OK);
	const char *content = "[]";
	char sha[65], msg[512];
	CHECK_INT(tdv__sync_sha256_hex(content, 2, sha), TDV_OK);
	tdv_pub old;
	memset(&old, 0, sizeof(old));
	snprintf(old.kind, sizeof(old.kind), "officers@CP1");
	snprintf(old.type, sizeof(old.type), "full");
	memcpy(old.sha256, sha, sizeof(old.sha256));
	old.version = latest + 1;
	old.published_ms = tdv_store_now_ms();
	int n = snprintf(msg, sizeof(msg), "tdverify-pub-v1\nofficers\n%lld\nfull\n0\n%s\n%lld\n",
	    (long long)old.version, sha, (long long)old.published_ms);
	tdv_buf sig, signer, data;
	tdv_buf_init(&sig, 4096);
	tdv_buf_init(&signer, 1 << 16);
	tdv_buf_init(&data, 64);
	CHECK_INT(tdv__sync_sign(p_pubkey, msg, (size_t)n, &sig), TDV_OK);
	CHECK_INT(tdv__sync_read_file(p_pub, signer.max, &signer), TDV_OK);
	CHECK_INT(tdv__sync_b64_encode(content, 2, &data), TDV_OK);
	old.signature = tdv_buf_cstr(&sig);
	old.signer = tdv_buf_cstr(&signer);
	old.data = tdv_buf_cstr(&data);
	CHECK_INT(tdv_store_pub_add(central, &old), TDV_OK);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP1", held, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "signature_v2") == NULL);
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&b), b.len, p_ca, NULL,
		      &r, err, sizeof(err)),
	    TDV_EAUTH);
	CHECK(strstr(err, "signed without the checkpoint it is for") != NULL);
	CHECK(strstr(err, "tdverify sync publish --officers") != NULL);
	CHECK_INT(pulled(local, "officers"), held);
	/* the centre signs CP1's list again (same accounts, next version) and
	 * CP1 gets its own */
	CHECK_INT(tdv_sync_publish_officers_for(central, "CP1", p_pub, p_pubkey, &published, &v,
		      err, sizeof(err)),
	    TDV_OK);
	CHECK(published);
	CHECK_INT(v, old.version + 1);
	CHECK_INT(tdv_sync_publish_officers_for(central, "CP1", p_pub, p_pubkey, &published, &v,
		      err, sizeof(err)),
	    TDV_OK);
	CHECK(!published);
	CHECK_INT(tdv_sync_pull_reply_for(central, "officers", "CP1", held, &mine), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&mine), "\"for\":\"CP1\"") != NULL);
	CHECK_INT(tdv_sync_pull_apply(local, "CP1", "officers", tdv_buf_cstr(&mine), mine.len, p_ca,
		      NULL, &r, err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(pulled(local, "officers"), old.version + 1);
	CHECK_INT(tdv_store_officer_get(local, "offa", &got), TDV_OK);
	CHECK(!got.active); /* still CP2's only */
	CHECK_INT(tdv_store_officer_get(local, "offb", &got), TDV_OK);

	/* a list every checkpoint gets, signed only the earlier way (what a
	 * centre of the previous version published): still applied */
	int64_t s0 = -1;
	CHECK_INT(tdv_sync_pull_since(local, "sltd", lists, &s0), TDV_OK);
	int64_t s1 = publish(central, "sltd", "delta", "add,UTO,X00000007,P,lost,2026-11-06,t\n",
	    p_pub, p_pubkey);
	CHECK(s1 > s0);
	CHECK_INT(tdv_sync_pull_reply(central, "sltd", s0, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "\"for\":\"*\"") != NULL);
	drop_key(&b, "signature_v2");
	drop_key(&b, "for");
	CHECK(strstr(tdv_buf_cstr(&b), "\"signature\":\"") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "signature_v2") == NULL);
	CHECK_INT(apply(&b, "sltd"), TDV_OK);
	CHECK_INT(pulled(local, "sltd"), s1);
	CHECK_INT(lookup("X00000007"), 1);
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(local, NULL, &rep), TDV_OK);
	CHECK(rep.intact);
	tdv_buf_free(&sig);
	tdv_buf_free(&signer);
	tdv_buf_free(&data);
	tdv_buf_free(&b);
	tdv_buf_free(&mine);
}

static int
count_pubkey_entries(void *ctx, const tdv_audit_entry *e)
{
	if (strcmp(e->action, "sync.publisher_key") == 0 && strcmp(e->actor, "hq") == 0 &&
	    strstr(e->detail, "made-pub.crt") != NULL)
		(*(int *)ctx)++;
	return 0;
}

/* The centre's publisher key: made from the CA key when missing, audited,
 * never half a pair overwritten; without a CA key, TDV_ENOENT. */
static void
test_publisher_key_made(void)
{
	char pc[128], pk[128], err[300];
	path(pc, "made-pub.crt");
	path(pk, "made-pub.key");
	bool created = false, any = false;
	char uri[160];
	snprintf(uri, sizeof(uri), "sqlite:%s/pubkey.db", dir);
	tdv_store *c = NULL;
	CHECK_INT(tdv_store_open(uri, &c, NULL, 0), TDV_OK);
	CHECK_INT(tdv_sync_officers_published(c, &any), TDV_OK);
	CHECK(!any);
	CHECK_INT(tdv_sync_publisher_ensure(c, NULL, NULL, pc, pk, 0, "hq", &created, err,
		      sizeof(err)),
	    TDV_ENOENT);
	CHECK_INT(tdv_sync_publisher_ensure(c, p_ca, p_cakey, pc, pk, 0, "hq", &created, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(created);
	struct stat sb;
	CHECK_INT(stat(pk, &sb), 0);
	CHECK_INT((int)(sb.st_mode & 0777), 0600);
	tdv_cert_rec info;
	CHECK_INT(tdv_sync_pki_cert_info(pc, &info), TDV_OK);
	CHECK(info.not_after_ms > tdv_store_now_ms() + 800LL * 86400 * 1000);
	CHECK_INT(tdv_sync_publisher_ensure(c, p_ca, p_cakey, pc, pk, 0, "hq", &created, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK(!created);
	/* what it signs verifies at a checkpoint (publisher CN, the CA) */
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(c, &cp), TDV_OK);
	int64_t v = 0;
	CHECK_INT(tdv_sync_publish_for(c, "officers", "CP1", "full", "[]", 2, pc, pk, &v, err,
		      sizeof(err)),
	    TDV_OK);
	CHECK_INT(tdv_sync_publish_for(c, "sltd", "CP1", "full", "[]", 2, pc, pk, &v, err,
		      sizeof(err)),
	    TDV_EINVAL);
	CHECK_INT(tdv_sync_officers_published(c, &any), TDV_OK);
	CHECK(any);
	/* half a pair is left alone */
	CHECK_INT(unlink(pc), 0);
	CHECK_INT(tdv_sync_publisher_ensure(c, p_ca, p_cakey, pc, pk, 0, "hq", &created, err,
		      sizeof(err)),
	    TDV_EEXIST);
	CHECK(strstr(err, "exists without") != NULL);
	/* audited once, in HQ's chain */
	int made = 0;
	CHECK_INT(tdv_store_audit_since(c, NULL, 0, 1000, count_pubkey_entries, &made), TDV_OK);
	CHECK_INT(made, 1);
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(c, NULL, &rep), TDV_OK);
	CHECK(rep.intact);
	tdv_store_free(&c);
}

/* Pruning keeps the last N versions and every version from the latest
 * full one on, so a checkpoint anywhere behind still gets a reply that
 * applies. */
static void
test_prune(void)
{
	char uri[160], err[200], vs[512];
	snprintf(uri, sizeof(uri), "sqlite:%s/prune.db", dir);
	tdv_store *c = NULL;
	CHECK_INT(tdv_store_open(uri, &c, NULL, 0), TDV_OK);
	CHECK_INT(publish(c, "sltd", "full", sltd_v1, p_pub, p_pubkey), 1);
	for (int i = 2; i <= 5; i++) {
		char d[80];
		snprintf(d, sizeof(d), "add,UTO,P%07d,P,lost,2026-11-04,t\n", i);
		CHECK_INT(publish(c, "sltd", "delta", d, p_pub, p_pubkey), i);
	}
	CHECK_INT(publish(c, "sltd", "full", sltd_v1, p_pub, p_pubkey), 6);
	for (int i = 7; i <= 30; i++) {
		char d[80];
		snprintf(d, sizeof(d), "add,UTO,Q%07d,P,lost,2026-11-04,t\n", i);
		CHECK_INT(publish(c, "sltd", "delta", d, p_pub, p_pubkey), i);
	}
	for (int i = 1; i <= 3; i++)
		CHECK(publish(c, "watchlist", "full", "x", p_pub, p_pubkey) == i);
	int64_t deleted = -1;
	CHECK_INT(tdv_store_pub_prune(c, NULL, 0, &deleted), TDV_EINVAL);
	CHECK_INT(tdv_store_pub_prune(c, "nope", 5, &deleted), TDV_EINVAL);
	/* keep 5: sltd 1..5 go (before the latest full, 6), 6..30 stay
	 * (the delta chain from 6); watchlist: 3 versions, nothing goes */
	CHECK_INT(tdv_store_pub_prune(c, NULL, 5, &deleted), TDV_OK);
	CHECK_INT(deleted, 5);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
	CHECK_INT(tdv_sync_pull_reply(c, "sltd", 3, &b), TDV_OK); /* behind: full 6 on */
	versions_of(&b, vs, sizeof(vs));
	CHECK(strncmp(vs, "6,7,8,", 6) == 0 && strstr(vs, ",30") != NULL);
	CHECK_INT(tdv_sync_pull_reply(c, "sltd", 20, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "21,22,23,24,25,26,27,28,29,30");
	/* a new full list: now only the last 5 and the full one stay */
	CHECK_INT(publish(c, "sltd", "full", sltd_v1, p_pub, p_pubkey), 31);
	CHECK_INT(tdv_store_pub_prune(c, "sltd", 5, &deleted), TDV_OK);
	CHECK_INT(deleted, 21); /* 6..26 */
	CHECK_INT(tdv_store_pub_prune(c, "sltd", 5, &deleted), TDV_OK);
	CHECK_INT(deleted, 0);
	CHECK_INT(tdv_sync_pull_reply(c, "sltd", 28, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "31");
	CHECK_INT(tdv_sync_pull_reply(c, "sltd", 0, &b), TDV_OK);
	versions_of(&b, vs, sizeof(vs));
	CHECK_STR(vs, "31");
	int64_t v = 0;
	CHECK_INT(tdv_store_pub_latest(c, "sltd", &v, NULL), TDV_OK);
	CHECK_INT(v, 31);
	/* numbering goes on after a prune */
	CHECK_INT(publish(c, "sltd", "delta", "remove,UTO,X00000001\n", p_pub, p_pubkey), 32);
	/* the reply applies at a checkpoint that held nothing */
	char l2[160], lists2[160];
	snprintf(l2, sizeof(l2), "sqlite:%s/prune-cp.db", dir);
	snprintf(lists2, sizeof(lists2), "%s/lists-prune", dir);
	CHECK_INT(mkdir(lists2, 0750), 0);
	tdv_store *cp = NULL;
	CHECK_INT(tdv_store_open(l2, &cp, NULL, 0), TDV_OK);
	CHECK_INT(tdv_sync_pull_reply(c, "sltd", 0, &b), TDV_OK);
	tdv_sync_pull_result r;
	CHECK_INT(tdv_sync_pull_apply(cp, "CP1", "sltd", tdv_buf_cstr(&b), b.len, p_ca, lists2, &r,
		      err, sizeof(err)),
	    TDV_OK);
	CHECK_INT(r.to_version, 32);
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(c, NULL, &rep), TDV_OK);
	CHECK(rep.intact);
	tdv_buf_free(&b);
	tdv_store_free(&cp);
	tdv_store_free(&c);
}

static tdv_cert_rec
cert_rec(const char *serial, const char *replaces)
{
	tdv_cert_rec c;
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	snprintf(c.checkpoint, sizeof(c.checkpoint), "CP1");
	memset(c.sha256, 'a', 64);
	c.not_before_ms = 1000;
	c.not_after_ms = 4000000000000LL;
	snprintf(c.replaces, sizeof(c.replaces), "%s", replaces);
	return c;
}

/* The register: renewal retires the old certificate at the new one's
 * first use; revoking a serial also revokes what was renewed from it;
 * the checkpoint cut-off catches unregistered certificates from before. */
static void
test_cert_register(void)
{
	char why[200];
	tdv_cert_rec a = cert_rec("a1", ""), b = cert_rec("b2", "a1"), c = cert_rec("c3", "b2");
	CHECK_INT(tdv_store_cert_add(central, &a), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "a1", "CP1", 1000, why, sizeof(why)), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "a1", "CP2", 1000, why, sizeof(why)),
	    TDV_ESYNC_REVOKED); /* another checkpoint's name on it */
	CHECK_INT(tdv_store_cert_add(central, &b), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "a1", "CP1", 1000, why, sizeof(why)), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "b2", "CP1", 1000, why, sizeof(why)), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "a1", "CP1", 1000, why, sizeof(why)),
	    TDV_ESYNC_REVOKED);
	CHECK(strstr(why, "superseded by renewal") != NULL);
	CHECK_INT(tdv_store_cert_add(central, &c), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "c3", "CP1", 1000, why, sizeof(why)), TDV_OK);
	/* a1's key leaked: b2 and c3 came from renewing with it */
	int n = 0;
	CHECK_INT(tdv_store_cert_revoke(central, NULL, "a1", "key leaked", "hq", &n), TDV_OK);
	CHECK_INT(n, 1); /* a1 already revoked; c3 (b2 was superseded by c3) */
	CHECK_INT(tdv_store_cert_check(central, "c3", "CP1", 1000, why, sizeof(why)),
	    TDV_ESYNC_REVOKED);
	CHECK(strstr(why, "renewed from a revoked certificate: key leaked") != NULL);
	/* unregistered certificates: accepted until the checkpoint is cut
	 * off, then refused if valid from before the cut */
	CHECK_INT(tdv_store_cert_check(central, "ff", "CP3", 1000, why, sizeof(why)), TDV_OK);
	CHECK_INT(tdv_store_cert_revoke(central, "CP3", NULL, "decommissioned", NULL, &n), TDV_OK);
	CHECK_INT(tdv_store_cert_check(central, "ff", "CP3", 1000, why, sizeof(why)),
	    TDV_ESYNC_REVOKED);
	CHECK_INT(tdv_store_cert_check(central, "ff", "CP3", tdv_store_now_ms() + 60000, why,
		      sizeof(why)),
	    TDV_OK);
	CHECK_INT(tdv_store_cert_revoke(central, "CP3", "ff", "x", NULL, &n), TDV_EINVAL);
	CHECK_INT(tdv_store_cert_revoke(central, NULL, "XYZ", "x", NULL, &n), TDV_EINVAL);
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(central, NULL, &rep), TDV_OK);
	CHECK(rep.intact);
}

static void
test_enrol_tokens(void)
{
	const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
	int64_t now = tdv_store_now_ms();
	CHECK_INT(tdv_store_enrol_token_add(central, h1, "CP1", now + 60000), TDV_OK);
	CHECK_INT(tdv_store_enrol_token_add(central, h2, "CP1", now - 1), TDV_OK);
	CHECK_INT(tdv_store_enrol_token_use(central, h1, "CP2", now), TDV_EAUTH);
	CHECK_INT(tdv_store_enrol_token_use(central, h2, "CP1", now), TDV_EAUTH);
	CHECK_INT(tdv_store_enrol_token_use(central, h1, "CP1", now), TDV_OK);
	CHECK_INT(tdv_store_enrol_token_use(central, h1, "CP1", now), TDV_EAUTH);
	char tok[64];
	CHECK_INT(tdv_sync_token_new(central, "CP1", 60, tok), TDV_OK);
	CHECK(strncmp(tok, "tdv1-", 5) == 0 && strlen(tok) == 53);
	CHECK_INT(tdv_sync_token_new(central, "bad id!", 60, tok), TDV_EINVAL);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-pull-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	char uri[160];
	setup_pki();
	snprintf(uri, sizeof(uri), "sqlite:%s/central.db", dir);
	CHECK_INT(tdv_store_open(uri, &central, NULL, 0), TDV_OK);
	snprintf(uri, sizeof(uri), "sqlite:%s/cp1.db", dir);
	CHECK_INT(tdv_store_open(uri, &local, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(local, &cp), TDV_OK);
	RUN(test_reply_chooses_versions);
	RUN(test_apply_and_refusals);
	RUN(test_officers_replaced);
	RUN(test_officers_assigned);
	RUN(test_officers_bound_to_checkpoint);
	RUN(test_publisher_key_made);
	RUN(test_prune);
	RUN(test_cert_register);
	RUN(test_enrol_tokens);
	tdv_store_free(&local);
	tdv_store_free(&central);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
