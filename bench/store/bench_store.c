/*
 * bench/store: the cost of durability and of central ingest.
 *
 *  1. p50/p99 time to record one inspection (movement + audit entry, one
 *     transaction) on SQLite with WAL and synchronous=FULL (every record
 *     fsync'd before the call returns).
 *  2. Central ingest of synced records into PostgreSQL through
 *     tdv_sync_ingest (batches of 500 and of 5000, every record checked,
 *     hashes recomputed, idempotent), and in the same run the raw rate of
 *     PostgreSQL COPY of the same rows into tables of the same shape
 *     (columns, checks, indexes and the foreign key); the ratio of the
 *     two: five runs, each into a fresh database, which
 *     of the two goes first alternated, and the median ratio.
 *
 * usage: bench_store TMPDIR [CONNINFO]   (bench/store/run.sh starts a
 * PostgreSQL in a temp dir and passes its conninfo)
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"

#define RECORDS 1500
#define INGEST_MOVEMENTS 20000

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
fill(tdv_movement *m, int i)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "CP1");
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = i % 2 ? TDV_DIR_EXIT : TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "B%08d", i);
	snprintf(m->nationality, sizeof(m->nationality), "UTO");
	snprintf(m->surname, sizeof(m->surname), "ERIKSSON");
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = 'F';
	snprintf(m->birth_date, sizeof(m->birth_date), "1974-08-12");
	snprintf(m->expiry_date, sizeof(m->expiry_date), "2034-04-15");
	snprintf(m->verdict, sizeof(m->verdict), "PASS");
	m->decision = TDV_DECISION_ADMITTED;
	snprintf(m->checks_json, sizeof(m->checks_json),
	    "[{\"id\":\"mrz.present\",\"status\":\"pass\",\"message\":\"TD3 MRZ typed\"},"
	    "{\"id\":\"mrz.check_digits\",\"status\":\"pass\",\"message\":\"all 5 check digits correct\"},"
	    "{\"id\":\"document.expiry\",\"status\":\"pass\",\"message\":\"valid until 2034-04-15\"},"
	    "{\"id\":\"screen.sltd\",\"status\":\"pass\",\"message\":\"not on the list\"}]");
}

static tdv_store *
open_or_die(const char *uri)
{
	tdv_store *s = NULL;
	char err[256];
	if (tdv_store_open(uri, &s, err, sizeof(err)) != TDV_OK) {
		fprintf(stderr, "bench_store: cannot open %s: %s\n", uri, err);
		exit(1);
	}
	tdv_checkpoint cp = {"CP1", "Bench", "UTO"};
	tdv_store_checkpoint_put(s, &cp);
	return s;
}

static void
bench_record(const char *dir)
{
	char uri[512];
	snprintf(uri, sizeof(uri), "sqlite:%s/record.db", dir);
	tdv_store *s = open_or_die(uri);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	tdv_store_officer_add(s, &o, "pw", 2, NULL, "CP1");
	tdv_movement *m = malloc(sizeof(*m));
	double *t = malloc(RECORDS * sizeof(double));
	double t0 = now_s();
	for (int i = 0; i < RECORDS; i++) {
		fill(m, i);
		double a = now_s();
		if (tdv_store_record_movement(s, m) != TDV_OK) {
			fprintf(stderr, "record failed\n");
			exit(1);
		}
		t[i] = now_s() - a;
	}
	double total = now_s() - t0;
	qsort(t, RECORDS, sizeof(double), cmp_double);
	printf("record one inspection, SQLite WAL synchronous=FULL (%d records):\n"
	       "  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%.0f records/s)\n",
	    RECORDS, t[RECORDS / 2] * 1e3, t[RECORDS * 99 / 100] * 1e3,
	    t[RECORDS - 1] * 1e3, RECORDS / total);
	free(t);
	free(m);
	tdv_store_free(&s);
}

/* COPY text format: escape backslash, tab, newline, carriage return. */
static void
copy_field(char **p, const char *s, int last)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
			*(*p)++ = '\\';
			*(*p)++ = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\';
		} else {
			*(*p)++ = *s;
		}
	}
	*(*p)++ = last ? '\n' : '\t';
}

struct copy_ctx {
	char *buf;
	size_t len, cap;
};

static void
grow(struct copy_ctx *c, size_t need)
{
	if (c->len + need <= c->cap)
		return;
	while (c->len + need > c->cap)
		c->cap = c->cap ? c->cap * 2 : 1 << 20;
	c->buf = realloc(c->buf, c->cap);
}

static int
copy_audit(void *ctx, const tdv_audit_entry *e)
{
	struct copy_ctx *c = ctx;
	grow(c, 4096);
	char *p = c->buf + c->len, n1[24], n2[24];
	snprintf(n1, sizeof(n1), "%" PRId64, e->seq);
	snprintf(n2, sizeof(n2), "%" PRId64, e->time_ms);
	copy_field(&p, e->chain, 0);
	copy_field(&p, n1, 0);
	copy_field(&p, n2, 0);
	copy_field(&p, e->actor, 0);
	copy_field(&p, e->action, 0);
	copy_field(&p, e->object, 0);
	copy_field(&p, e->detail, 0);
	copy_field(&p, e->prev_hash, 0);
	copy_field(&p, e->hash, 1);
	c->len = (size_t)(p - c->buf);
	return 0;
}

static int
copy_movement(void *ctx, const tdv_movement *m)
{
	struct copy_ctx *c = ctx;
	grow(c, 2 * sizeof(m->checks_json) + 4096);
	char *p = c->buf + c->len, seq[24], tm[24], aseq[24], sex[2] = {m->sex, 0};
	snprintf(seq, sizeof(seq), "%" PRId64, m->seq);
	snprintf(tm, sizeof(tm), "%" PRId64, m->time_ms);
	snprintf(aseq, sizeof(aseq), "%" PRId64, m->audit_seq);
	copy_field(&p, m->id, 0);
	copy_field(&p, m->checkpoint_id, 0);
	copy_field(&p, seq, 0);
	copy_field(&p, tm, 0);
	copy_field(&p, "2026-03-10", 0);
	copy_field(&p, tdv_direction_name(m->direction), 0);
	copy_field(&p, m->officer_id, 0);
	copy_field(&p, m->document_code, 0);
	copy_field(&p, m->issuing_state, 0);
	copy_field(&p, m->document_number, 0);
	copy_field(&p, m->nationality, 0);
	copy_field(&p, m->surname, 0);
	copy_field(&p, m->given_names, 0);
	copy_field(&p, sex, 0);
	copy_field(&p, m->birth_date, 0);
	copy_field(&p, m->expiry_date, 0);
	copy_field(&p, "45-59", 0);
	copy_field(&p, m->verdict, 0);
	copy_field(&p, tdv_decision_name(m->decision), 0);
	copy_field(&p, m->reason, 0);
	copy_field(&p, m->fraud_type, 0);
	copy_field(&p, m->checks_json, 0);
	copy_field(&p, aseq, 1);
	c->len = (size_t)(p - c->buf);
	return 0;
}

static void
pg_exec_or_die(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "bench_store: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

static double
pg_copy(PGconn *c, const char *table, const struct copy_ctx *data)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", table);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "bench_store: COPY: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	double a = now_s();
	for (size_t off = 0; off < data->len; off += 1 << 16) {
		size_t n = data->len - off < (1 << 16) ? data->len - off : (1 << 16);
		if (PQputCopyData(c, data->buf + off, (int)n) != 1)
			exit(1);
	}
	if (PQputCopyEnd(c, NULL) != 1)
		exit(1);
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "bench_store: COPY end: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	return now_s() - a;
}

static PGconn *
pg_connect_or_die(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_store: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

/* One measurement: a fresh central database; the batches ingested, and
 * the same rows COPY'd into tables of the same shape (which goes first
 * alternates between runs). Returns the ratio of the two rates. */
static double
ingest_run(const char *conninfo, int batch, int run, const tdv_buf *bodies, int nbodies,
    const struct copy_ctx *ca, const struct copy_ctx *cm, long *records_out,
    double *t_ingest, double *t_copy, double *cpu)
{
	char sql[256], ci[1024], uri[1100];
	PGconn *admin = pg_connect_or_die(conninfo);
	snprintf(sql, sizeof(sql), "CREATE DATABASE ingest_%d_%d", batch, run);
	pg_exec_or_die(admin, sql);
	snprintf(ci, sizeof(ci), "%s dbname=ingest_%d_%d", conninfo, batch, run);
	snprintf(uri, sizeof(uri), "postgres:%s", ci);
	tdv_store *central = open_or_die(uri);
	PGconn *c = pg_connect_or_die(ci);
	pg_exec_or_die(c, "CREATE TABLE copy_audit (LIKE audit_entry INCLUDING ALL)");
	pg_exec_or_die(c, "CREATE TABLE copy_movement (LIKE movement INCLUDING ALL)");
	/* LIKE copies columns, defaults, checks and indexes but not foreign
	 * keys: give the copy the movement table's one, so both sides pay
	 * the same per-row constraint checks */
	pg_exec_or_die(c, "ALTER TABLE copy_movement ADD FOREIGN KEY (checkpoint_id)"
			  " REFERENCES checkpoint(id)");
	long records = 0;
	double t = 0, tc = 0, tcpu = 0;
	for (int phase = 0; phase < 2; phase++) {
		if ((phase == 0) != (run % 2 == 0)) {
			tc = pg_copy(c, "copy_audit", ca) +
			    pg_copy(c,
				"copy_movement (id, checkpoint_id, seq, time_ms, day, direction,"
				" officer_id, document_code, issuing_state, document_number,"
				" nationality, surname, given_names, sex, birth_date, expiry_date,"
				" age_band, verdict, decision, reason, fraud_type, checks, audit_seq)",
				cm);
			continue;
		}
		for (int i = 0; i < nbodies; i++) {
			tdv_sync_result r;
			double a = now_s(), ac = cpu_s();
			int rc = tdv_sync_ingest(central, "CP1", (const char *)bodies[i].data,
			    bodies[i].len, &r);
			t += now_s() - a;
			tcpu += cpu_s() - ac;
			if (rc != TDV_OK) {
				fprintf(stderr, "ingest: %s: %s\n", tdv_strerror(rc), r.message);
				exit(1);
			}
			records += r.inserted;
		}
	}
	PQfinish(c);
	tdv_store_free(&central);
	snprintf(sql, sizeof(sql), "DROP DATABASE ingest_%d_%d", batch, run);
	pg_exec_or_die(admin, sql);
	PQfinish(admin);
	*records_out = records;
	*t_ingest = t;
	*t_copy = tc;
	*cpu = tcpu;
	return tc / t; /* the same rows on both sides: rate ratio = time ratio */
}

#define RUNS 5

static void
bench_ingest(const char *dir, const char *conninfo, int batch)
{
	/* a checkpoint's store with INGEST_MOVEMENTS movements (generated in
	 * one transaction: generation speed is not what is measured here) */
	char uri[512];
	snprintf(uri, sizeof(uri), "sqlite:%s/checkpoint-%d.db", dir, batch);
	tdv_store *local = open_or_die(uri);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	tdv_store_officer_add(local, &o, "pw", 2, NULL, "CP1");
	tdv_movement *m = malloc(sizeof(*m));
	tdv_store_begin(local);
	for (int i = 0; i < INGEST_MOVEMENTS; i++) {
		fill(m, i);
		m->time_ms = INT64_C(1773144000000) + i;
		if (tdv_store_record_movement(local, m) != TDV_OK)
			exit(1);
	}
	tdv_store_commit(local);
	free(m);

	/* the batches the checkpoint sends (built once, ingested each run) */
	int nbodies = 0, cap = 0;
	tdv_buf *bodies = NULL;
	for (;;) {
		if (nbodies == cap) {
			cap = cap ? cap * 2 : 64;
			bodies = realloc(bodies, (size_t)cap * sizeof(*bodies));
			if (bodies == NULL)
				exit(1);
		}
		tdv_buf_init(&bodies[nbodies], TDV_SYNC_MAX_BATCH_BYTES);
		tdv_sync_batch_info info;
		if (tdv_sync_build_batch(local, "CP1", batch, &bodies[nbodies], &info) != TDV_OK)
			exit(1);
		if (info.naudit + info.nmovements == 0) {
			tdv_buf_free(&bodies[nbodies]);
			break;
		}
		tdv_sync_ack(local, "CP1", &info);
		nbodies++;
	}
	/* the same rows, for COPY */
	struct copy_ctx ca = {NULL, 0, 0}, cm = {NULL, 0, 0};
	tdv_store_audit_since(local, "CP1", 0, INGEST_MOVEMENTS * 2, copy_audit, &ca);
	tdv_store_movements_since(local, "CP1", 0, INGEST_MOVEMENTS, copy_movement, &cm);

	double ratio[RUNS], sorted[RUNS], ti = 0, tc = 0, cpu = 0;
	long records = 0;
	for (int r = 0; r < RUNS; r++) {
		double a, b, c;
		ratio[r] = sorted[r] = ingest_run(conninfo, batch, r, bodies, nbodies, &ca, &cm,
		    &records, &a, &b, &c);
		ti += a;
		tc += b;
		cpu += c;
	}
	qsort(sorted, RUNS, sizeof(double), cmp_double);
	printf("central ingest into PostgreSQL (tdv_sync_ingest, %d batches of <= %d records)\n"
	       "and raw COPY of the same rows into tables of the same shape (columns, indexes,\n"
	       "constraints); %d runs, each into a fresh database, which goes first alternated:\n"
	       "  ingest %ld records in %.2f s = %.0f records/s (client CPU %.2f s), mean of runs\n"
	       "  COPY   %ld rows in %.2f s = %.0f rows/s, mean of runs\n"
	       "  ingest / COPY by run:",
	    nbodies, batch, RUNS, records, ti / RUNS, (double)records * RUNS / ti, cpu / RUNS,
	    records, tc / RUNS, (double)records * RUNS / tc);
	for (int r = 0; r < RUNS; r++)
		printf(" %.3f", ratio[r]);
	printf("\ningest / COPY = %.3f, the median (target >= 0.5)\n", sorted[RUNS / 2]);
	for (int i = 0; i < nbodies; i++)
		tdv_buf_free(&bodies[i]);
	free(bodies);
	free(ca.buf);
	free(cm.buf);
	tdv_store_free(&local);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_store TMPDIR [CONNINFO]\n");
		return 2;
	}
	bench_record(argv[1]);
	if (argc > 2) {
		/* batches of 500 (what `tdverify sync push` sends by default,
		 * kept small for poor links) and of 5000 (the most a batch may
		 * hold: a checkpoint draining a backlog with --batch 5000) */
		bench_ingest(argv[1], argv[2], 500);
		bench_ingest(argv[1], argv[2], 5000);
	}
	return 0;
}
