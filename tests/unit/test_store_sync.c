/*
 * Sync batches between a checkpoint's SQLite store and a central store
 * (SQLite here; PostgreSQL when a postgres: URI is given, as
 * tests/scripts/store_pg.sh does): batches in order, idempotent resend,
 * backlog, and refusals of bad batches with nothing half-written: forged
 * checkpoint identity, replayed batch with altered content, oversized and
 * malformed batches; a partial resend; the same batch twice at once over
 * two connections.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv_test.h"

static char dir[64];
static char central_uri[4096];
static tdv_store *cp_store, *central;

static void
record(tdv_store *s, const char *cp, int i)
{
	tdv_movement *m = calloc(1, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", cp);
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "S%07d", i);
	snprintf(m->nationality, sizeof(m->nationality), "UTO");
	snprintf(m->surname, sizeof(m->surname), "ERIKSSON");
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = 'F';
	snprintf(m->verdict, sizeof(m->verdict), "PASS");
	m->decision = TDV_DECISION_ADMITTED;
	snprintf(m->checks_json, sizeof(m->checks_json), "[{\"id\":\"mrz.present\"}]");
	CHECK_INT(tdv_store_record_movement(s, m), TDV_OK);
	free(m);
}

static int64_t
central_count(void)
{
	int64_t n = -1;
	CHECK_INT(tdv_store_movement_count(central, "CP1", &n), TDV_OK);
	return n;
}

static void
setup(void)
{
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/cp1.db", dir);
	CHECK_INT(tdv_store_open(uri, &cp_store, NULL, 0), TDV_OK);
	CHECK_INT(tdv_store_open(central_uri, &central, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(cp_store, &cp), TDV_OK);
	CHECK_INT(tdv_store_checkpoint_put(central, &cp), TDV_OK);
	tdv_checkpoint cp2 = {"CP2", "Two", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(central, &cp2), TDV_OK);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(cp_store, &o, "pw", 2, NULL, "CP1"), TDV_OK);
	for (int i = 0; i < 25; i++)
		record(cp_store, "CP1", i);
}

static void
test_sync_batches_in_order_and_idempotent(void)
{
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_backlog bl;
	CHECK_INT(tdv_sync_backlog_get(cp_store, "CP1", &bl), TDV_OK);
	CHECK_INT(bl.audit_pending, 26);
	CHECK_INT(bl.movements_pending, 25);
	CHECK(bl.oldest_pending_ms > 0);
	int batches = 0;
	for (;;) {
		tdv_sync_batch_info info;
		CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 10, &b, &info), TDV_OK);
		if (info.naudit + info.nmovements == 0)
			break;
		CHECK(info.naudit + info.nmovements <= 10);
		tdv_sync_result r;
		CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r),
		    TDV_OK);
		CHECK_INT(r.inserted, info.naudit + info.nmovements);
		/* the ack was lost: the same batch again inserts nothing */
		CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r),
		    TDV_OK);
		CHECK_INT(r.inserted, 0);
		CHECK_INT(r.duplicates, info.naudit + info.nmovements);
		CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);
		if (++batches > 20)
			break;
	}
	CHECK(batches >= 6);
	CHECK_INT(central_count(), 25);
	CHECK_INT(tdv_sync_backlog_get(cp_store, "CP1", &bl), TDV_OK);
	CHECK_INT(bl.audit_pending + bl.movements_pending, 0);
	CHECK_INT(bl.oldest_pending_ms, 0);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	CHECK_INT(ar.entries, 26);
	tdv_buf_free(&b);
}

/* Replace the first occurrence of from with to in a copy of the batch. */
static char *
edited(const tdv_buf *b, const char *from, const char *to, size_t *len)
{
	const char *s = tdv_buf_cstr(b);
	const char *p = strstr(s, from);
	CHECK(p != NULL);
	if (p == NULL)
		return NULL;
	size_t n = b->len - strlen(from) + strlen(to);
	char *out = malloc(n + 1);
	size_t pre = (size_t)(p - s);
	memcpy(out, s, pre);
	memcpy(out + pre, to, strlen(to));
	memcpy(out + pre + strlen(to), p + strlen(from), b->len - pre - strlen(from));
	out[n] = '\0';
	*len = n;
	return out;
}

static void
test_sync_refuses_bad_batches_whole(void)
{
	for (int i = 100; i < 104; i++)
		record(cp_store, "CP1", i);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &b, &info), TDV_OK);
	CHECK_INT(info.nmovements, 4);
	int64_t before = central_count();
	tdv_sync_result r;

	/* forged identity: CP2's certificate sending CP1's batch */
	CHECK_INT(tdv_sync_ingest(central, "CP2", (const char *)b.data, b.len, &r),
	    TDV_EFORBIDDEN);
	/* ... or a batch relabelled as CP2's with CP1's records inside */
	size_t n = 0;
	char *x = edited(&b, "\"checkpoint\":\"CP1\"", "\"checkpoint\":\"CP2\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP2", x, n, &r), TDV_EFORBIDDEN);
	CHECK(r.bad_index >= 0);
	free(x);
	/* a movement altered in transit (its hash is in its audit entry) */
	x = edited(&b, "\"decision\":\"admitted\"", "\"decision\":\"refused\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EAUDIT_BROKEN);
	CHECK(strstr(r.message, "movement") != NULL);
	free(x);
	/* an audit entry altered in transit */
	x = edited(&b, "\"action\":\"movement.record\"", "\"action\":\"movement.erase\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EAUDIT_BROKEN);
	free(x);
	/* malformed */
	x = edited(&b, "\"seq\":", "\"seq\":\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	CHECK_INT(tdv_sync_ingest(central, "CP1", "{\"v\":1}", 7, &r), TDV_EPARSE);
	CHECK_INT(tdv_sync_ingest(central, "CP1", "[", 1, &r), TDV_EPARSE);
	x = edited(&b, "\"v\":1,", "\"v\":1,\"v\":1,", &n); /* duplicate key */
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	x = edited(&b, "\"surname\":\"ERIKSSON\"",
	    "\"surname\":\"ERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSON"
	    "ERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSON\"", /* 104 > 96 */
	    &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	/* oversized */
	size_t big = TDV_SYNC_MAX_BATCH_BYTES + 1;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	CHECK_INT(tdv_sync_ingest(central, "CP1", huge, big, &r), TDV_ELIMIT);
	free(huge);
	/* nothing of any of them was written */
	CHECK_INT(central_count(), before);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	CHECK_INT(ar.entries, 26);

	/* the genuine batch goes in */
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r),
	    TDV_OK);
	CHECK_INT(r.inserted, 8);
	CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);
	CHECK_INT(central_count(), before + 4);
	/* an old batch replayed with changed content conflicts, whole */
	x = edited(&b, "\"reason\":\"\"", "\"reason\":\"x\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_ESTORE_CONFLICT);
	CHECK(strstr(r.message, "differs") != NULL);
	free(x);
	/* an unregistered checkpoint */
	CHECK_INT(tdv_sync_ingest(central, "CP9",
		      "{\"v\":1,\"checkpoint\":\"CP9\",\"audit\":[],\"movements\":[]}", 52, &r),
	    TDV_ENOENT);
	tdv_buf_free(&b);
}

/* Format 2: a referral outcome travels with (or after) its audit entry and
 * its movement; altered in transit or forged, the batch is refused whole;
 * sent again, it is a duplicate. */
static void
test_sync_referral_outcomes(void)
{
	tdv_movement *m = calloc(1, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "CP1");
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "R0000001");
	snprintf(m->nationality, sizeof(m->nationality), "UTO");
	snprintf(m->surname, sizeof(m->surname), "ERIKSSON");
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = 'F';
	snprintf(m->verdict, sizeof(m->verdict), "REFER");
	m->decision = TDV_DECISION_REFERRED;
	snprintf(m->checks_json, sizeof(m->checks_json), "[]");
	CHECK_INT(tdv_store_record_movement(cp_store, m), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	tdv_sync_result r;
	/* no outcome yet: still format 1 */
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &b, &info), TDV_OK);
	CHECK(strncmp(tdv_buf_cstr(&b), "{\"v\":1,", 7) == 0);
	CHECK_INT(info.nreferrals, 0);
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);

	tdv_referral_outcome ro;
	memset(&ro, 0, sizeof(ro));
	snprintf(ro.movement_id, sizeof(ro.movement_id), "%s", m->id);
	snprintf(ro.officer_id, sizeof(ro.officer_id), "off1");
	snprintf(ro.reason, sizeof(ro.reason), "genuine");
	ro.outcome = TDV_DECISION_ADMITTED;
	CHECK_INT(tdv_store_referral_record(cp_store, &ro), TDV_OK);
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &b, &info), TDV_OK);
	CHECK(strncmp(tdv_buf_cstr(&b), "{\"v\":2,", 7) == 0);
	CHECK_INT(info.naudit, 1);
	CHECK_INT(info.nreferrals, 1);
	CHECK_INT(info.referral_last, ro.audit_seq);
	size_t n = 0;
	/* altered in transit: the hash in its audit entry no longer matches */
	char *x = edited(&b, "\"outcome\":\"admitted\"", "\"outcome\":\"refused\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EAUDIT_BROKEN);
	CHECK(strstr(r.message, "referral") != NULL);
	free(x);
	/* another checkpoint's outcome inside CP1's batch */
	x = edited(&b, "\"checkpoint\":\"CP1\",\"outcome\"", "\"checkpoint\":\"CP2\",\"outcome\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EFORBIDDEN);
	free(x);
	x = edited(&b, "\"reason\":\"genuine\"", "\"reason\":\"genuine\",\"extra\":1", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	/* format 1 with referrals, format 3: refused */
	x = edited(&b, "{\"v\":2,", "{\"v\":1,", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	x = edited(&b, "{\"v\":2,", "{\"v\":3,", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	tdv_referral_outcome got;
	CHECK_INT(tdv_store_referral_get(central, m->id, &got), TDV_ENOENT);
	/* the genuine one goes in, once */
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.inserted, 2);
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.inserted, 0);
	CHECK_INT(r.duplicates, 2);
	CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);
	CHECK_INT(tdv_store_referral_get(central, m->id, &got), TDV_OK);
	CHECK_INT(got.outcome, TDV_DECISION_ADMITTED);
	CHECK_STR(got.reason, "genuine");
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &b, &info), TDV_OK);
	CHECK_INT(info.naudit + info.nmovements + info.nreferrals, 0);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	tdv_buf_free(&b);
	free(m);
}

/* Replace the last occurrence of from with to in a copy of the batch. */
static char *
edited_last(const tdv_buf *b, const char *from, const char *to, size_t *len)
{
	const char *s = tdv_buf_cstr(b), *p = NULL;
	for (const char *q = strstr(s, from); q != NULL; q = strstr(q + 1, from))
		p = q;
	CHECK(p != NULL);
	if (p == NULL)
		return NULL;
	size_t n = b->len - strlen(from) + strlen(to), pre = (size_t)(p - s);
	char *out = malloc(n + 1);
	memcpy(out, s, pre);
	memcpy(out + pre, to, strlen(to));
	memcpy(out + pre + strlen(to), p + strlen(from), b->len - pre - strlen(from));
	out[n] = '\0';
	*len = n;
	return out;
}

/* A large batch (on PostgreSQL its movements are streamed to the server
 * while the body is read, 64 KiB at a time) whose last record is bad: the
 * rows already sent are rolled back, the batch is refused whole; the
 * genuine batch goes in, and sent again inserts nothing. */
static void
test_sync_bad_record_late_in_a_large_batch(void)
{
	tdv_store_begin(cp_store); /* quicker to make */
	for (int i = 1000; i < 1400; i++)
		record(cp_store, "CP1", i);
	CHECK_INT(tdv_store_commit(cp_store), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 1000, &b, &info), TDV_OK);
	CHECK_INT(info.nmovements, 400);
	CHECK(b.len > 250000); /* movement rows: about 120 KB, two chunks */
	int64_t before = central_count();
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	int64_t entries = ar.entries;
	tdv_sync_result r;
	size_t n = 0;
	/* the last movement altered in transit */
	char *x = edited_last(&b, "\"decision\":\"admitted\"", "\"decision\":\"refused\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EAUDIT_BROKEN);
	CHECK_INT(r.bad_index, info.naudit + 399);
	free(x);
	/* the last movement of another checkpoint */
	x = edited_last(&b, "\"checkpoint\":\"CP1\",\"seq\":", "\"checkpoint\":\"CP2\",\"seq\":", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EFORBIDDEN);
	CHECK_INT(r.bad_index, info.naudit + 399);
	free(x);
	/* the body cut short after the last movement, and a duplicate key in it */
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len - 1, &r), TDV_EPARSE);
	x = edited_last(&b, "\"fraud_type\":\"\"", "\"fraud_type\":\"\",\"reason\":\"\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	free(x);
	/* none of it was written */
	CHECK_INT(central_count(), before);
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	CHECK_INT(ar.entries, entries);
	/* the genuine batch, then the same again */
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.inserted, info.naudit + 400);
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.inserted, 0);
	CHECK_INT(r.duplicates, info.naudit + 400);
	CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);
	CHECK_INT(central_count(), before + 400);
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	tdv_buf_free(&b);
}

/* The first part of a batch stored, then the whole batch (a checkpoint
 * that resends with a larger batch size after a lost reply): only the
 * rest goes in, the chain stays intact. */
static void
test_sync_partial_resend(void)
{
	tdv_store_begin(cp_store);
	for (int i = 2000; i < 2300; i++)
		record(cp_store, "CP1", i);
	CHECK_INT(tdv_store_commit(cp_store), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info small, all;
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 240, &b, &small), TDV_OK);
	tdv_sync_result r;
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.inserted, small.naudit + small.nmovements);
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 1000, &b, &all), TDV_OK);
	CHECK_INT(all.nmovements, 300);
	int64_t before = central_count();
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)b.data, b.len, &r), TDV_OK);
	CHECK_INT(r.duplicates, small.naudit + small.nmovements);
	CHECK_INT(r.inserted, all.naudit + all.nmovements - small.naudit - small.nmovements);
	CHECK_INT(central_count(), before + 300 - small.nmovements);
	CHECK_INT(tdv_sync_ack(cp_store, "CP1", &all), TDV_OK);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK(ar.intact);
	tdv_buf_free(&b);
}

/* The same batch sent twice at once over two connections (a retry racing
 * its first attempt): every record stored exactly once, whichever wins. */
static void
test_sync_same_batch_at_once(void)
{
	for (int round = 0; round < 4; round++) {
		tdv_store_begin(cp_store);
		for (int i = 0; i < 150; i++)
			record(cp_store, "CP1", 3000 + round * 1000 + i);
		CHECK_INT(tdv_store_commit(cp_store), TDV_OK);
		tdv_buf b;
		tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
		tdv_sync_batch_info info;
		CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 1000, &b, &info), TDV_OK);
		int n = info.naudit + info.nmovements;
		int64_t before = central_count();
		int fds[2][2];
		pid_t pid[2];
		for (int k = 0; k < 2; k++) {
			CHECK_INT(pipe(fds[k]), 0);
			pid[k] = fork();
			if (pid[k] == 0) {
				/* a connection of its own, as a second server worker */
				tdv_store *c = NULL;
				tdv_sync_result r;
				memset(&r, 0, sizeof(r));
				int rc = tdv_store_open(central_uri, &c, NULL, 0);
				if (rc == TDV_OK)
					rc = tdv_sync_ingest(c, "CP1", (const char *)b.data, b.len, &r);
				int out[3] = {rc, r.inserted, r.duplicates};
				ssize_t w = write(fds[k][1], out, sizeof(out));
				tdv_store_free(&c);
				_exit(w == (ssize_t)sizeof(out) ? 0 : 1);
			}
			close(fds[k][1]);
		}
		int inserted = 0, duplicates = 0;
		for (int k = 0; k < 2; k++) {
			int out[3] = {-1, 0, 0}, st = 0;
			CHECK_INT((int)read(fds[k][0], out, sizeof(out)), (int)sizeof(out));
			close(fds[k][0]);
			CHECK(waitpid(pid[k], &st, 0) == pid[k] && WIFEXITED(st) &&
			    WEXITSTATUS(st) == 0);
			CHECK_INT(out[0], TDV_OK);
			inserted += out[1];
			duplicates += out[2];
		}
		CHECK_INT(inserted, n);
		CHECK_INT(duplicates, n);
		CHECK_INT(central_count(), before + 150);
		CHECK_INT(tdv_sync_ack(cp_store, "CP1", &info), TDV_OK);
		tdv_audit_report ar;
		CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
		CHECK(ar.intact);
		tdv_buf_free(&b);
	}
}

/* How the push's batch size follows the link (tdv_sync_next_batch_size). */
static void
test_sync_batch_size_policy(void)
{
	/* quick and full: doubles, up to the most */
	CHECK_INT(tdv_sync_next_batch_size(500, 500, 5000, true, 300, 15000), 1000);
	CHECK_INT(tdv_sync_next_batch_size(2000, 500, 5000, true, 300, 15000), 4000);
	CHECK_INT(tdv_sync_next_batch_size(4000, 500, 5000, true, 300, 15000), 5000);
	CHECK_INT(tdv_sync_next_batch_size(5000, 500, 5000, true, 300, 15000), 5000);
	/* the backlog is drained (not full): stays */
	CHECK_INT(tdv_sync_next_batch_size(1000, 500, 5000, false, 300, 15000), 1000);
	/* 2 s or more, or a quarter of the timeout: stays */
	CHECK_INT(tdv_sync_next_batch_size(1000, 500, 5000, true, 2000, 15000), 1000);
	CHECK_INT(tdv_sync_next_batch_size(1000, 500, 5000, true, 1000, 4000), 1000);
	CHECK_INT(tdv_sync_next_batch_size(1000, 500, 5000, true, 999, 4000), 2000);
	/* over half the timeout: halves, down to the least */
	CHECK_INT(tdv_sync_next_batch_size(4000, 500, 5000, true, 7501, 15000), 2000);
	CHECK_INT(tdv_sync_next_batch_size(800, 500, 5000, false, 9000, 15000), 500);
	CHECK_INT(tdv_sync_next_batch_size(500, 500, 5000, true, 9000, 15000), 500);
	/* fixed batches: min = max */
	CHECK_INT(tdv_sync_next_batch_size(500, 500, 500, true, 10, 15000), 500);
	/* out-of-range arguments stay in range */
	CHECK_INT(tdv_sync_next_batch_size(0, 0, 0, true, 10, 15000), 1);
	CHECK_INT(tdv_sync_next_batch_size(9000, 500, 5000, false, 10, 15000), 5000);
	/* from the default, a backlog reaches 5000 in four quick batches */
	int size = 500, n = 0;
	while (size < 5000 && n < 10) {
		size = tdv_sync_next_batch_size(size, 500, 5000, true, 100, 15000);
		n++;
	}
	CHECK_INT(n, 4);
}

int
main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-sync-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	if (argc > 1)
		snprintf(central_uri, sizeof(central_uri), "%s", argv[1]);
	else
		snprintf(central_uri, sizeof(central_uri), "sqlite:%s/central.db", dir);
	printf("central: %s\n", strncmp(central_uri, "postgres:", 9) == 0 ? "postgres" : "sqlite");
	setup();
	RUN(test_sync_batches_in_order_and_idempotent);
	RUN(test_sync_refuses_bad_batches_whole);
	RUN(test_sync_referral_outcomes);
	RUN(test_sync_bad_record_late_in_a_large_batch);
	RUN(test_sync_partial_resend);
	RUN(test_sync_same_batch_at_once);
	RUN(test_sync_batch_size_policy);
	tdv_store_free(&cp_store);
	tdv_store_free(&central);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
