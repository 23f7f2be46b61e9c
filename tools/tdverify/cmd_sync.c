/*
 * tdverify sync push|pull|status|serve|publish: forward a checkpoint's
 * records to the central store over HTTPS with mutual TLS, pull the
 * lists and officer accounts the centre publishes, show the backlog and
 * the lists' versions, run the central receiving end, and publish lists
 * there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
sync_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify sync push --checkpoint ID --server HOST:PORT (--dir D | --cert F --key F --ca F)\n"
	    "                          [--db URI] [--batch N] [--batch-max N] [--timeout MS]\n"
	    "                          [--daemon [--interval S] [--lists DIR] [--renew-before DAYS]]\n"
	    "       tdverify sync pull --checkpoint ID --server HOST:PORT (--dir D | --cert F --key F --ca F)\n"
	    "                          [--db URI] [--lists DIR] [--kind sltd,watchlist,trust,officers]\n"
	    "       tdverify sync status --checkpoint ID [--db URI] [--json]\n"
	    "       tdverify sync serve --db URI --listen IP:PORT (--dir D | --cert F --key F --ca F\n"
	    "                           [--publisher-cert F --publisher-key F] [--enrol-ca-key F])\n"
	    "                           [--cert-days N] [--keep N] [--max-requests N]\n"
	    "                           [--workers N] [--queue N]\n"
	    "       tdverify sync publish --db URI (--dir D | --publisher-cert F --publisher-key F)\n"
	    "                           (--sltd CSV | --sltd-delta CSV | --watchlist CSV |\n"
	    "                            --trust-dir DIR | --officers) [--keep N]\n"
	    "       tdverify sync renew --checkpoint ID --server HOST:PORT (--dir D | --cert F --key F --ca F)\n"
	    "       tdverify sync revoke --db URI (--checkpoint ID | --serial HEX) [--reason R] [--by ID]\n"
	    "       tdverify sync certs --db URI [--checkpoint ID] [--json]\n"
	    "       tdverify sync prune --db URI [--keep N] [--kind K]\n\n");
	fprintf(f,
	    "push    send the checkpoint's unsent audit entries and movements in\n"
	    "        batches until none are left: --batch records first (default\n"
	    "        500), doubling up to --batch-max (default 5000) while each full\n"
	    "        batch is acknowledged within 2 s, halving when one takes over\n"
	    "        half of --timeout. A batch is marked sent only when the centre\n"
	    "        acknowledged it, so a cut link or a restart just means it is\n"
	    "        sent again (ingest is idempotent).\n"
	    "        --daemon keeps pushing every --interval seconds (default 30);\n"
	    "        with --lists it also pulls after each pass; with --renew-before\n"
	    "        it renews the certificate (as 'sync renew') once fewer than DAYS\n"
	    "        days of validity are left.\n"
	    "pull    fetch what the centre published since the versions held here:\n"
	    "        lost/stolen list (full, then deltas), watchlist, trust store,\n"
	    "        officer accounts (Argon2id hashes, never passwords). Each version\n"
	    "        is signed by the centre's publisher key and checked before it\n"
	    "        replaces the old one atomically; a refused pull keeps the old.\n"
	    "        Files go to --lists (default DIR/lists with --dir, else var/lists):\n"
	    "        sltd.idx, watchlist.csv, trust -> trust.vN.TIME/.\n"
	    "status  the backlog: records not yet acknowledged, age of the oldest;\n"
	    "        each list's version, when it was published and pulled; with\n"
	    "        --dir or --cert the certificate's serial and expiry\n"
	    "serve   the central end: accept batches and pulls from checkpoints whose\n"
	    "        client certificate (CN = checkpoint id) is signed by --ca, store\n"
	    "        them in --db (normally postgres:...); with --enrol-ca-key (or --dir)\n"
	    "        also enrol new checkpoints (tdverify-setup(1)). Prints the port.\n"
	    "        Serves --workers connections at once (default 4), each worker with\n"
	    "        its own database connection; up to --queue more wait (default\n"
	    "        4 x workers), beyond that a checkpoint is told 503 busy and sends\n"
	    "        again later.\n"
	    "        --dir D: the directory made by 'tdverify setup central'.\n"
	    "publish (central) sign and store the next version of a list; checkpoints\n"
	    "        get it at their next pull. --officers publishes the accounts when\n"
	    "        they changed (serve also does that on each pull); each checkpoint\n"
	    "        gets the accounts assigned to it (tdverify officer assign).\n"
	    "renew   (checkpoint) new key pair and certificate, requested with the\n"
	    "        current certificate before it expires; the old certificate is\n"
	    "        refused once the centre has seen the new one used.\n"
	    "revoke  (central) cut a checkpoint (all its certificates) or one\n"
	    "        certificate off: the server refuses it from the next connection.\n"
	    "certs   (central) the certificates issued, their expiry and revocation.\n"
	    "prune   (central) delete old published versions: keep the last N\n"
	    "        (--keep, default 20) of each list and every version from its\n"
	    "        latest full one on (what a checkpoint may still need). publish\n"
	    "        and serve prune the list they publish the same way (--keep).\n\n"
	    "exit status: push/pull: 0 done, 1 link failure (retry later), 2 usage or\n"
	    "refused; status: 0; serve: 0 after --max-requests or SIGTERM\n");
}

struct sync_opts {
	const char *db, *checkpoint, *server, *cert, *key, *ca, *listen;
	const char *dir, *lists, *kinds, *pub_cert, *pub_key, *enrol_key;
	const char *sltd, *sltd_delta, *watchlist, *trust_dir, *serial, *reason, *by;
	int batch, batch_max, timeout_ms, interval, max_requests, cert_days, keep, renew_before;
	int workers, queue;
	bool daemon, json, officers;
	char pathbuf[8][PATH_MAX];
};

/* --dir D fills the file options that were not given. */
static const char *
in_dir(struct sync_opts *o, int slot, const char *name)
{
	snprintf(o->pathbuf[slot], sizeof(o->pathbuf[slot]), "%s/%s", o->dir, name);
	return o->pathbuf[slot];
}

static void
apply_dir(struct sync_opts *o, bool central)
{
	if (o->dir == NULL)
		return;
	if (o->ca == NULL)
		o->ca = in_dir(o, 0, "ca.crt");
	if (o->cert == NULL)
		o->cert = in_dir(o, 1, central ? "central.crt" : "checkpoint.crt");
	if (o->key == NULL)
		o->key = in_dir(o, 2, central ? "central.key" : "checkpoint.key");
	if (central && o->pub_cert == NULL)
		o->pub_cert = in_dir(o, 3, "publisher.crt");
	if (central && o->pub_key == NULL)
		o->pub_key = in_dir(o, 4, "publisher.key");
	if (central && o->enrol_key == NULL)
		o->enrol_key = in_dir(o, 5, "ca.key");
	if (!central && o->lists == NULL)
		o->lists = in_dir(o, 6, "lists");
}

static int
parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return cli_error("%s: expected a number %d..%d", opt, lo, hi);
	*out = (int)v;
	return CLI_OK;
}

static int
split_host_port(const char *s, char *host, size_t hostsz, int *port)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || (size_t)(colon - s) >= hostsz)
		return cli_error("expected HOST:PORT, got '%s'", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	return parse_int("port", colon + 1, 0, 65535, port);
}

static void
print_backlog(const char *cp, const tdv_sync_backlog *b, bool json)
{
	long age = b->oldest_pending_ms
	    ? (long)((tdv_store_now_ms() - b->oldest_pending_ms) / 1000) : 0;
	if (json)
		printf("{\"checkpoint\":\"%s\",\"audit_pending\":%lld,"
		       "\"movements_pending\":%lld,\"oldest_pending_age_s\":%ld}\n",
		    cp, (long long)b->audit_pending, (long long)b->movements_pending,
		    b->oldest_pending_ms ? age : -1);
	else if (b->oldest_pending_ms)
		printf("%s: %lld audit entries and %lld movements unsent; oldest %ld s old\n",
		    cp, (long long)b->audit_pending, (long long)b->movements_pending, age);
	else
		printf("%s: nothing unsent\n", cp);
}

static const char *const pull_kinds[] = {"sltd", "watchlist", "trust", "officers"};

static void
print_lists(tdv_store *st, bool json)
{
	int64_t now = tdv_store_now_ms();
	for (size_t i = 0; i < sizeof(pull_kinds) / sizeof(pull_kinds[0]); i++) {
		tdv_pull_state ps;
		if (tdv_store_pull_state_get(st, pull_kinds[i], &ps) != TDV_OK)
			continue;
		long pub_age = ps.version ? (long)((now - ps.published_ms) / 1000) : -1;
		long pull_age = ps.version ? (long)((now - ps.pulled_ms) / 1000) : -1;
		if (json)
			printf("{\"list\":\"%s\",\"version\":%lld,\"published_age_s\":%ld,"
			       "\"pulled_age_s\":%ld}\n",
			    pull_kinds[i], (long long)ps.version, pub_age, pull_age);
		else if (ps.version)
			printf("%s: version %lld, published %ld s ago, pulled %ld s ago\n",
			    pull_kinds[i], (long long)ps.version, pub_age, pull_age);
		else
			printf("%s: never pulled\n", pull_kinds[i]);
	}
}

/* Pull every asked-for list. CLI_OK, CLI_INVALID (link), CLI_USAGE
 * (refused). */
static int
pull_pass(tdv_store *st, const struct sync_opts *o, const tdv_sync_tls *tls,
    const char *host, int port, bool quiet)
{
	int code = CLI_OK;
	for (size_t i = 0; i < sizeof(pull_kinds) / sizeof(pull_kinds[0]); i++) {
		const char *k = pull_kinds[i];
		if (o->kinds != NULL) {
			const char *f = strstr(o->kinds, k);
			size_t kl = strlen(k);
			if (f == NULL || (f != o->kinds && f[-1] != ',') || (f[kl] != ',' && f[kl] != '\0'))
				continue;
		}
		tdv_sync_pull_result r;
		char err[320] = "";
		int rc = tdv_sync_pull(st, tls, host, port, o->checkpoint, k, o->lists,
		    o->timeout_ms, &r, err, sizeof(err));
		if (rc != TDV_OK) {
			fprintf(stderr, "tdverify: sync pull %s: %s%s%s\n", k, tdv_strerror(rc),
			    err[0] ? ": " : "", err);
			int c = rc == TDV_EIO || rc == TDV_ETIMEOUT ? CLI_INVALID : CLI_USAGE;
			if (c > code)
				code = c;
			continue;
		}
		if (quiet && r.items == 0)
			continue;
		if (o->json)
			printf("{\"list\":\"%s\",\"from\":%lld,\"to\":%lld,\"versions\":%d,"
			       "\"bytes\":%zu,\"changed\":%d}\n",
			    k, (long long)r.from_version, (long long)r.to_version, r.items, r.bytes,
			    r.changed);
		else if (r.items == 0)
			printf("%s: version %lld, up to date\n", k, (long long)r.to_version);
		else
			printf("%s: version %lld -> %lld (%d version%s, %zu bytes%s)\n", k,
			    (long long)r.from_version, (long long)r.to_version, r.items,
			    r.items == 1 ? "" : "s", r.bytes,
			    strcmp(k, "officers") == 0 ? (r.changed ? ", accounts changed" : ", no change") : "");
	}
	fflush(stdout);
	return code;
}

static int
ensure_dir(const char *d)
{
	if (d == NULL)
		return CLI_OK;
	if (mkdir(d, 0750) != 0 && errno != EEXIST)
		return cli_error("cannot create %s: %s", d, strerror(errno));
	return CLI_OK;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pass_count {
	long sent;
	int batches, largest;
};

/* One pass: send batches until none is left, their size following the
 * link (tdv_sync_next_batch_size). CLI_OK, CLI_INVALID (link), CLI_USAGE
 * (refused). */
static int
push_pass(tdv_store *st, const struct sync_opts *o, const tdv_sync_tls *tls,
    const char *host, int port, struct pass_count *n)
{
	tdv_buf batch, reply;
	tdv_buf_init(&batch, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_buf_init(&reply, 1 << 16);
	int code = CLI_OK, size = o->batch;
	for (;;) {
		tdv_sync_batch_info info;
		int rc = tdv_sync_build_batch(st, o->checkpoint, size, &batch, &info);
		if (rc != TDV_OK) {
			code = cli_error("sync: cannot build a batch: %s", tdv_strerror(rc));
			break;
		}
		if (info.naudit + info.nmovements == 0)
			break;
		int status = 0;
		char err[256];
		int64_t t0 = mono_ms();
		rc = tdv_sync_client_post(tls, host, port, (const char *)batch.data, batch.len,
		    o->timeout_ms, &reply, &status, err, sizeof(err));
		int64_t took = mono_ms() - t0;
		if (rc != TDV_OK) {
			fprintf(stderr, "tdverify: sync: %s\n", err);
			code = rc == TDV_EIO ? CLI_INVALID : CLI_USAGE;
			break;
		}
		if (status == 503) {
			fprintf(stderr, "tdverify: sync: centre unavailable: %s\n",
			    tdv_buf_cstr(&reply));
			code = CLI_INVALID;
			break;
		}
		if (status == 403 && strstr(tdv_buf_cstr(&reply), "\"status\":\"revoked\"")) {
			cli_error("sync: this checkpoint's certificate has been revoked by"
				  " headquarters, nothing was sent: %s",
			    tdv_buf_cstr(&reply));
			code = CLI_USAGE;
			break;
		}
		if (status != 200) {
			cli_error("sync: batch refused (HTTP %d): %s", status, tdv_buf_cstr(&reply));
			code = CLI_USAGE;
			break;
		}
		rc = tdv_sync_ack(st, o->checkpoint, &info);
		if (rc != TDV_OK) {
			code = cli_error("sync: cannot record the acknowledgement: %s",
			    tdv_strerror(rc));
			break;
		}
		int records = info.naudit + info.nmovements;
		n->sent += records;
		n->batches++;
		n->largest = records > n->largest ? records : n->largest;
		size = tdv_sync_next_batch_size(size, o->batch, o->batch_max, records >= size, took,
		    o->timeout_ms);
	}
	tdv_buf_free(&batch);
	tdv_buf_free(&reply);
	return code;
}

static void
iso_ms(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

static void
daemon_renew(struct sync_opts *o, const tdv_sync_tls *tls, const char *host, int port,
    int64_t *renewed_ms)
{
	tdv_cert_rec cur, got;
	if (tdv_sync_pki_cert_info(o->cert, &cur) != TDV_OK)
		return;
	int64_t left = cur.not_after_ms - tdv_store_now_ms();
	if (left >= (int64_t)o->renew_before * 86400000LL)
		return;
	char err[320] = "";
	int rc = tdv_sync_renew(tls, host, port, o->checkpoint, o->timeout_ms, &got, err,
	    sizeof(err));
	if (rc != TDV_OK) {
		fprintf(stderr, "tdverify: sync: certificate renewal (%lld days left): %s%s%s\n",
		    (long long)(left / 86400000LL), tdv_strerror(rc), err[0] ? ": " : "", err);
		return;
	}
	*renewed_ms = tdv_store_now_ms();
	tdv_buf reply;
	tdv_buf_init(&reply, 4096);
	int status = 0;
	char err2[256];
	(void)tdv_sync_client_request(tls, host, port, "GET", "/v1/whoami", NULL, 0, o->timeout_ms,
	    &reply, &status, err2, sizeof(err2));
	tdv_buf_free(&reply);
	char until[32];
	iso_ms(got.not_after_ms, until);
	fprintf(stderr, "sync: certificate renewed: serial %s (was %s), valid until %s\n",
	    got.serial, cur.serial, until);
}

static int
do_push(struct sync_opts *o)
{
	apply_dir(o, false);
	if (!o->checkpoint || !o->server || !o->cert || !o->key || !o->ca)
		return cli_error("sync push: --checkpoint, --server and --dir (or --cert, --key, --ca) are required");
	char host[256];
	int port = 0;
	if (split_host_port(o->server, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_sync_tls tls = {o->cert, o->key, o->ca};
	int code;
	int64_t renewed_ms = 0;
	for (;;) {
		/* the daemon renews its certificate before it expires (at most
		 * once a day, so a validity shorter than --renew-before does
		 * not mean a renewal at every pass) */
		if (o->daemon && o->renew_before > 0 &&
		    tdv_store_now_ms() - renewed_ms > 86400000LL)
			daemon_renew(o, &tls, host, port, &renewed_ms);
		struct pass_count n = {0, 0, 0};
		code = push_pass(st, o, &tls, host, port, &n);
		tdv_sync_backlog b;
		if (tdv_sync_backlog_get(st, o->checkpoint, &b) == TDV_OK) {
			if (n.sent > 0)
				fprintf(stderr, "sync: %ld records sent in %d batch%s (largest %d)\n",
				    n.sent, n.batches, n.batches == 1 ? "" : "es", n.largest);
			else if (!o->daemon)
				fprintf(stderr, "sync: 0 records sent\n");
			if (!o->daemon)
				print_backlog(o->checkpoint, &b, o->json);
		}
		if (o->daemon && o->lists != NULL && code != CLI_USAGE && !stop_requested &&
		    ensure_dir(o->lists) == CLI_OK)
			(void)pull_pass(st, o, &tls, host, port, true);
		if (!o->daemon || stop_requested || code == CLI_USAGE)
			break;
		for (int i = 0; i < o->interval && !stop_requested; i++)
			sleep(1);
		if (stop_requested)
			break;
	}
	tdv_store_free(&st);
	return code;
}

static int
do_pull(struct sync_opts *o)
{
	apply_dir(o, false);
	if (!o->checkpoint || !o->server || !o->cert || !o->key || !o->ca)
		return cli_error("sync pull: --checkpoint, --server and --dir (or --cert, --key, --ca) are required");
	if (o->lists == NULL)
		o->lists = "var/lists";
	char host[256];
	int port = 0;
	if (split_host_port(o->server, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	if ((strncmp(o->lists, "var/", 4) == 0 && ensure_dir("var") != CLI_OK) ||
	    ensure_dir(o->lists) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_sync_tls tls = {o->cert, o->key, o->ca};
	int code = pull_pass(st, o, &tls, host, port, false);
	tdv_store_free(&st);
	return code;
}

static int
do_publish(struct sync_opts *o)
{
	apply_dir(o, true);
	int what = (o->sltd != NULL) + (o->sltd_delta != NULL) + (o->watchlist != NULL) +
	    (o->trust_dir != NULL) + o->officers;
	if (o->db == NULL || o->pub_cert == NULL || o->pub_key == NULL || what != 1)
		return cli_error("sync publish: --db, --dir (or --publisher-cert/--publisher-key) and exactly one list are required");
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	char err[320] = "";
	int64_t version = 0;
	int rc;
	const char *kind = "trust";
	bool published = true;
	if (o->trust_dir != NULL) {
		rc = tdv_sync_publish_trust_dir(st, o->trust_dir, o->pub_cert, o->pub_key, &version,
		    err, sizeof(err));
	} else if (o->officers) {
		kind = "officers";
		rc = tdv_sync_publish_officers(st, o->pub_cert, o->pub_key, &published, &version,
		    err, sizeof(err));
	} else {
		const char *file = o->sltd ? o->sltd : o->sltd_delta ? o->sltd_delta : o->watchlist;
		kind = o->watchlist ? "watchlist" : "sltd";
		tdv_buf data;
		tdv_buf_init(&data, TDV_SYNC_MAX_PULL_BYTES / 2);
		FILE *f = fopen(file, "rb");
		rc = f ? TDV_OK : TDV_EIO;
		char chunk[65536];
		size_t n;
		while (rc == TDV_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			rc = tdv_buf_append(&data, chunk, n);
		if (f != NULL)
			fclose(f);
		if (rc != TDV_OK)
			snprintf(err, sizeof(err), "cannot read %s", file);
		else
			rc = tdv_sync_publish(st, kind, o->sltd_delta ? "delta" : "full",
			    data.data ? (const void *)data.data : "", data.len, o->pub_cert,
			    o->pub_key, &version, err, sizeof(err));
		tdv_buf_free(&data);
	}
	/* old versions of what was published: the officers lists are one per
	 * checkpoint, so all kinds then */
	int64_t pruned = 0;
	if (rc == TDV_OK && published) {
		rc = tdv_store_pub_prune(st, o->officers ? NULL : kind,
		    o->keep ? o->keep : TDV_SYNC_KEEP_VERSIONS, &pruned);
		if (rc != TDV_OK)
			snprintf(err, sizeof(err), "published, but old versions not pruned");
	}
	tdv_store_free(&st);
	if (rc != TDV_OK)
		return cli_error("sync publish: %s%s%s", tdv_strerror(rc), err[0] ? ": " : "", err);
	if (o->json)
		printf("{\"list\":\"%s\",\"version\":%lld,\"published\":%s,\"pruned\":%lld}\n",
		    kind, (long long)version, published ? "true" : "false", (long long)pruned);
	else
		printf("%s: version %lld%s%s\n", kind, (long long)version,
		    published ? " published" : " (unchanged, nothing published)",
		    pruned > 0 ? "; old versions pruned" : "");
	return CLI_OK;
}

/*
 * sync serve: the publisher key that signs the officers lists it
 * republishes on pulls. When it is missing and the sync CA's key is at
 * hand (--dir, or --enrol-ca-key), it is made now (audited); without
 * either, serving is refused if checkpoints already get officers lists
 * from here (they would silently stop getting account changes).
 */
static int
serve_publisher(struct sync_opts *o, tdv_store *st, tdv_sync_server_opts *so)
{
	if (so->publisher_cert != NULL && access(so->publisher_cert, R_OK) == 0 &&
	    so->publisher_key != NULL && access(so->publisher_key, R_OK) == 0)
		return CLI_OK;
	char err[512] = "";
	if (o->pub_cert != NULL && o->pub_key != NULL && o->enrol_key != NULL &&
	    access(o->enrol_key, R_OK) == 0) {
		bool created = false;
		int rc = tdv_sync_publisher_ensure(st, o->ca, o->enrol_key, o->pub_cert, o->pub_key,
		    0, "sync", &created, err, sizeof(err));
		if (rc != TDV_OK)
			return cli_error("sync serve: publisher key: %s", err[0] ? err : tdv_strerror(rc));
		if (created)
			fprintf(stderr, "sync serve: no publisher key was there: made %s and %s "
					"(signed by the sync CA; audited sync.publisher_key)\n",
			    o->pub_key, o->pub_cert);
		so->publisher_cert = o->pub_cert;
		so->publisher_key = o->pub_key;
		return CLI_OK;
	}
	if (so->publisher_cert != NULL || so->publisher_key != NULL)
		return cli_error("sync serve: cannot read the publisher certificate or key (%s, %s)",
		    so->publisher_cert ? so->publisher_cert : "-",
		    so->publisher_key ? so->publisher_key : "-");
	bool any = false;
	int rc = tdv_sync_officers_published(st, &any);
	if (rc != TDV_OK)
		return cli_error("sync serve: %s", tdv_strerror(rc));
	if (any)
		return cli_error("sync serve: checkpoints get officer lists from this centre, but "
				 "there is no publisher key to keep them current (and to sign them "
				 "again after an upgrade): start it with --publisher-cert FILE "
				 "--publisher-key FILE (the pair 'sync publish' uses), or with --dir D "
				 "made by 'tdverify setup central' (a missing publisher key is made "
				 "there from the CA key)");
	return CLI_OK;
}

#define RENEW_WARN_DAYS 30

/* This checkpoint's certificate: serial and expiry. */
static int
print_cert(const char *file, bool json)
{
	tdv_cert_rec c;
	int rc = tdv_sync_pki_cert_info(file, &c);
	if (rc != TDV_OK)
		return cli_error("sync status: certificate %s: %s", file, tdv_strerror(rc));
	char until[32];
	iso_ms(c.not_after_ms, until);
	long days = (long)((c.not_after_ms - tdv_store_now_ms()) / 86400000);
	if (json)
		printf("{\"certificate\":\"%s\",\"serial\":\"%s\",\"subject\":\"%s\","
		       "\"not_after\":\"%s\",\"days_left\":%ld,\"renew\":%s}\n",
		    file, c.serial, c.checkpoint, until, days,
		    days < RENEW_WARN_DAYS ? "true" : "false");
	else
		printf("certificate: %s, serial %s, expires %s (%ld days%s)\n", c.checkpoint,
		    c.serial, until, days,
		    days < 0 ? ": EXPIRED, enrol again" :
		    days < RENEW_WARN_DAYS ? ": renew now with 'tdverify sync renew'" : "");
	return CLI_OK;
}

static int
do_renew(struct sync_opts *o)
{
	apply_dir(o, false);
	if (!o->checkpoint || !o->server || !o->cert || !o->key || !o->ca)
		return cli_error("sync renew: --checkpoint, --server and --dir (or --cert, --key, --ca) are required");
	char host[256];
	int port = 0;
	if (split_host_port(o->server, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	tdv_cert_rec old, got;
	if (tdv_sync_pki_cert_info(o->cert, &old) != TDV_OK)
		memset(&old, 0, sizeof(old));
	tdv_sync_tls tls = {o->cert, o->key, o->ca};
	char err[320] = "";
	int rc = tdv_sync_renew(&tls, host, port, o->checkpoint, o->timeout_ms, &got, err,
	    sizeof(err));
	if (rc != TDV_OK) {
		fprintf(stderr, "tdverify: sync renew: %s%s%s\n", tdv_strerror(rc), err[0] ? ": " : "",
		    err);
		return rc == TDV_EIO || rc == TDV_ETIMEOUT ? CLI_INVALID : CLI_USAGE;
	}
	/* one request with the new certificate: the centre then retires the
	 * old one */
	tdv_buf reply;
	tdv_buf_init(&reply, 4096);
	int status = 0;
	char err2[256] = "";
	rc = tdv_sync_client_request(&tls, host, port, "GET", "/v1/whoami", NULL, 0, o->timeout_ms,
	    &reply, &status, err2, sizeof(err2));
	bool confirmed = rc == TDV_OK && status == 200 && strstr(tdv_buf_cstr(&reply), got.serial);
	tdv_buf_free(&reply);
	char until[32];
	iso_ms(got.not_after_ms, until);
	if (o->json) {
		printf("{\"checkpoint\":\"%s\",\"old_serial\":\"%s\",\"serial\":\"%s\","
		       "\"not_after\":\"%s\",\"confirmed\":%s}\n",
		    o->checkpoint, old.serial, got.serial, until, confirmed ? "true" : "false");
	} else {
		printf("%s: certificate renewed%s: serial %s, valid until %s\n", o->checkpoint,
		    err[0] ? " (an interrupted renewal finished)" : "", got.serial, until);
		if (confirmed)
			printf("%s: the centre accepted it; the old certificate (serial %s) is no"
			       " longer accepted\n",
			    o->checkpoint, old.serial[0] ? old.serial : "?");
	}
	if (!confirmed) {
		fprintf(stderr, "tdverify: sync renew: the new certificate is in place but the centre"
				" has not confirmed it yet (%s); the next push confirms it\n",
		    err2[0] ? err2 : "no answer");
		return CLI_INVALID;
	}
	return CLI_OK;
}

static int
do_revoke(struct sync_opts *o)
{
	if (o->db == NULL || (o->checkpoint == NULL) == (o->serial == NULL))
		return cli_error("sync revoke: --db and one of --checkpoint or --serial are required");
	char serial[TDV_CERT_SERIAL_MAX + 1] = "";
	if (o->serial != NULL) {
		/* as printed by openssl x509 -serial: hex, ':' allowed,
		 * upper or lower case; stored lowercase without leading 0s */
		size_t n = 0;
		const char *p = o->serial;
		if (strncasecmp(p, "serial=", 7) == 0)
			p += 7;
		for (; *p != '\0'; p++) {
			char c = *p;
			if (c == ':')
				continue;
			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n >= TDV_CERT_SERIAL_MAX)
				return cli_error("sync revoke: --serial: hexadecimal, at most %d digits",
				    TDV_CERT_SERIAL_MAX);
			if (n == 0 && c == '0')
				continue;
			serial[n++] = c;
		}
		if (n == 0)
			serial[n++] = '0';
		serial[n] = '\0';
	}
	const char *reason = o->reason ? o->reason : "unspecified";
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	int count = 0;
	int rc = tdv_store_cert_revoke(st, o->checkpoint, o->serial ? serial : NULL, reason, o->by,
	    &count);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("sync revoke: %s%s%s", tdv_strerror(rc),
		    tdv_store_errmsg(st)[0] ? ": " : "", tdv_store_errmsg(st));
	else if (o->json)
		printf("{\"%s\":\"%s\",\"revoked\":%d,\"reason\":\"%s\"}\n",
		    o->checkpoint ? "checkpoint" : "serial", o->checkpoint ? o->checkpoint : serial,
		    count, reason);
	else if (o->checkpoint)
		printf("checkpoint %s revoked (%d registered certificate%s, and any other issued"
		       " before now): %s\n",
		    o->checkpoint, count, count == 1 ? "" : "s", reason);
	else
		printf("certificate %s revoked%s: %s\n", serial, count ? "" : " (already)", reason);
	tdv_store_free(&st);
	return code;
}

struct certs_ctx {
	bool json;
	int n;
};

static int
cert_line(void *ctx, const tdv_cert_rec *c)
{
	struct certs_ctx *x = ctx;
	char until[32], revoked[32] = "";
	iso_ms(c->not_after_ms, until);
	if (c->revoked_ms)
		iso_ms(c->revoked_ms, revoked);
	long days = (long)((c->not_after_ms - tdv_store_now_ms()) / 86400000);
	const char *state = c->revoked_ms ? "revoked" : days < 0 ? "expired"
	    : c->first_used_ms || c->replaces[0] == '\0' ? "valid" : "issued, not yet used";
	if (x->json)
		printf("{\"checkpoint\":\"%s\",\"serial\":\"%s\",\"not_after\":\"%s\","
		       "\"days_left\":%ld,\"state\":\"%s\",\"renews\":\"%s\",\"revoked\":\"%s\","
		       "\"reason\":\"%s\"}\n",
		    c->checkpoint, c->serial, c->not_after_ms ? until : "", days, state, c->replaces,
		    revoked, c->revoked_reason);
	else
		printf("%-12s %-34s %s  %s%s%s%s\n", c->checkpoint[0] ? c->checkpoint : "?",
		    c->serial, c->not_after_ms ? until : "(unknown expiry)    ", state,
		    c->revoked_ms ? " " : "", revoked, c->revoked_ms ? "" : "");
	if (!x->json && c->revoked_ms)
		printf("%-12s   reason: %s (by %s)\n", "", c->revoked_reason, c->revoked_by);
	x->n++;
	return 0;
}

static int
do_certs(struct sync_opts *o)
{
	if (o->db == NULL)
		return cli_error("sync certs: --db is required");
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	struct certs_ctx x = {o->json, 0};
	int rc = tdv_store_cert_list(st, o->checkpoint, cert_line, &x);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("sync certs: %s", tdv_strerror(rc));
	else if (x.n == 0 && !o->json)
		printf("no certificates registered\n");
	tdv_store_free(&st);
	return code;
}

static int
do_prune(struct sync_opts *o)
{
	if (o->db == NULL)
		return cli_error("sync prune: --db is required");
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	int keep = o->keep ? o->keep : TDV_SYNC_KEEP_VERSIONS;
	int64_t deleted = 0;
	int rc = tdv_store_pub_prune(st, o->kinds, keep, &deleted);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("sync prune: %s%s%s", tdv_strerror(rc),
		    tdv_store_errmsg(st)[0] ? ": " : "", tdv_store_errmsg(st));
	else if (o->json)
		printf("{\"kind\":\"%s\",\"keep\":%d,\"deleted\":%lld}\n", o->kinds ? o->kinds : "*",
		    keep, (long long)deleted);
	else
		printf("%lld old version%s deleted (kept the last %d of each list and each list's"
		       " latest full version on)\n",
		    (long long)deleted, deleted == 1 ? "" : "s", keep);
	tdv_store_free(&st);
	return code;
}

static int
do_status(struct sync_opts *o)
{
	if (o->checkpoint == NULL)
		return cli_error("sync status: --checkpoint is required");
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_sync_backlog b;
	int rc = tdv_sync_backlog_get(st, o->checkpoint, &b);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("sync status: %s", tdv_strerror(rc));
	else {
		print_backlog(o->checkpoint, &b, o->json);
		print_lists(st, o->json);
		apply_dir(o, false);
		if (o->cert != NULL)
			code = print_cert(o->cert, o->json);
	}
	tdv_store_free(&st);
	return code;
}

/* Workers of sync serve when --workers is not given: requests mostly
 * wait on the network and on PostgreSQL, not on a CPU, so a few more
 * than this machine's 2 cores; each holds one database connection. */
#define SERVE_WORKERS_DEFAULT 4

/* One line per connection; called by the server's worker threads at
 * once (each fprintf to stderr is one locked write). */
static void
serve_log(void *arg, int rc, const tdv_sync_served *info)
{
	(void)arg;
	if (strcmp(info->route, "POST /v1/batch") == 0)
		fprintf(stderr, "sync: %s: %s (+%d new, %d already stored)\n",
		    info->peer[0] ? info->peer : "?",
		    info->message[0] ? info->message : tdv_strerror(rc), info->result.inserted,
		    info->result.duplicates);
	else
		fprintf(stderr, "sync: %s: %s: %s\n", info->peer[0] ? info->peer : "?",
		    info->route[0] ? info->route : "-",
		    info->message[0] ? info->message : tdv_strerror(rc));
}

static int
do_serve(struct sync_opts *o)
{
	apply_dir(o, true);
	if (!o->db || !o->listen || !o->cert || !o->key || !o->ca)
		return cli_error("sync serve: --db, --listen and --dir (or --cert, --key, --ca) are required");
	char host[64];
	int port = 0;
	if (split_host_port(o->listen, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_sync_tls tls = {o->cert, o->key, o->ca};
	tdv_sync_server *srv = NULL;
	char err[256];
	int rc = tdv_sync_server_new(&tls, host, port, st, &srv, err, sizeof(err));
	if (rc != TDV_OK) {
		tdv_store_free(&st);
		return cli_error("sync serve: %s", err);
	}
	tdv_sync_server_opts so = {o->pub_cert, o->pub_key, o->enrol_key ? o->ca : NULL,
	    o->enrol_key, o->cert_days, o->keep, 0, 0};
	if (o->dir != NULL) {
		/* files of 'setup central' that are absent are simply not used */
		if (access(so.publisher_cert, R_OK) != 0 || access(so.publisher_key, R_OK) != 0)
			so.publisher_cert = so.publisher_key = NULL;
		if (access(so.ca_key, R_OK) != 0)
			so.ca_cert = so.ca_key = NULL;
	}
	if (serve_publisher(o, st, &so) != CLI_OK) {
		tdv_sync_server_free(&srv);
		tdv_store_free(&st);
		return CLI_USAGE;
	}
	rc = tdv_sync_server_configure(srv, &so, err, sizeof(err));
	if (rc != TDV_OK) {
		tdv_sync_server_free(&srv);
		tdv_store_free(&st);
		return cli_error("sync serve: %s", err[0] ? err : tdv_strerror(rc));
	}
	/* one store connection per worker (the first is the server's own):
	 * a libpq connection is never shared between threads */
	int nworkers = o->workers > 0 ? o->workers : SERVE_WORKERS_DEFAULT;
	tdv_store *stores[TDV_SYNC_MAX_WORKERS] = {st};
	int code = CLI_OK;
	for (int i = 1; i < nworkers && code == CLI_OK; i++)
		if ((stores[i] = cli_store_open(o->db)) == NULL)
			code = CLI_USAGE;
	if (code == CLI_OK) {
		printf("listening on %s:%d\n", host, tdv_sync_server_port(srv));
		fflush(stdout);
		fprintf(stderr, "sync: serving with %d workers, up to %d waiting\n", nworkers,
		    o->queue > 0 ? o->queue : 4 * nworkers);
		tdv_sync_run_opts ro = {nworkers, stores, o->queue, o->max_requests,
		    &stop_requested, serve_log, NULL};
		rc = tdv_sync_server_run(srv, &ro);
		tdv_sync_server_stats ss;
		tdv_sync_server_get_stats(srv, &ss);
		fprintf(stderr,
		    "sync: stopped: %ld connections served, %ld refused busy, %ld closed unserved"
		    " (at most %d at once, %d waiting)\n",
		    ss.served, ss.busy, ss.dropped, ss.peak_active, ss.peak_queued);
		if (rc != TDV_OK)
			code = cli_error("sync serve: %s", tdv_strerror(rc));
	}
	tdv_sync_server_free(&srv);
	for (int i = nworkers - 1; i >= 0; i--)
		tdv_store_free(&stores[i]);
	return code;
}

int
cmd_sync(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		sync_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	struct sync_opts o;
	memset(&o, 0, sizeof(o));
	o.batch = 500;
	o.batch_max = TDV_SYNC_MAX_RECORDS;
	o.timeout_ms = 15000;
	o.interval = 30;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		int *num = NULL, lo = 1, hi = 1000000;
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			sync_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--daemon")) {
			o.daemon = true;
		} else if (cli_flag(a, "--json")) {
			o.json = true;
		} else if (cli_flag(a, "--db")) {
			val = &o.db;
		} else if (cli_flag(a, "--checkpoint")) {
			val = &o.checkpoint;
		} else if (cli_flag(a, "--server")) {
			val = &o.server;
		} else if (cli_flag(a, "--listen")) {
			val = &o.listen;
		} else if (cli_flag(a, "--cert")) {
			val = &o.cert;
		} else if (cli_flag(a, "--key")) {
			val = &o.key;
		} else if (cli_flag(a, "--ca")) {
			val = &o.ca;
		} else if (cli_flag(a, "--dir")) {
			val = &o.dir;
		} else if (cli_flag(a, "--lists")) {
			val = &o.lists;
		} else if (cli_flag(a, "--kind")) {
			val = &o.kinds;
		} else if (cli_flag(a, "--publisher-cert")) {
			val = &o.pub_cert;
		} else if (cli_flag(a, "--publisher-key")) {
			val = &o.pub_key;
		} else if (cli_flag(a, "--enrol-ca-key")) {
			val = &o.enrol_key;
		} else if (cli_flag(a, "--sltd")) {
			val = &o.sltd;
		} else if (cli_flag(a, "--sltd-delta")) {
			val = &o.sltd_delta;
		} else if (cli_flag(a, "--watchlist")) {
			val = &o.watchlist;
		} else if (cli_flag(a, "--trust-dir")) {
			val = &o.trust_dir;
		} else if (cli_flag(a, "--serial")) {
			val = &o.serial;
		} else if (cli_flag(a, "--reason")) {
			val = &o.reason;
		} else if (cli_flag(a, "--by")) {
			val = &o.by;
		} else if (cli_flag(a, "--officers")) {
			o.officers = true;
		} else if (cli_flag(a, "--renew-before")) {
			num = &o.renew_before;
			hi = 3650;
		} else if (cli_flag(a, "--keep")) {
			num = &o.keep;
			hi = 1000000;
		} else if (cli_flag(a, "--cert-days")) {
			num = &o.cert_days;
			hi = 3650;
		} else if (cli_flag(a, "--batch")) {
			num = &o.batch;
			hi = TDV_SYNC_MAX_RECORDS;
		} else if (cli_flag(a, "--batch-max")) {
			num = &o.batch_max;
			hi = TDV_SYNC_MAX_RECORDS;
		} else if (cli_flag(a, "--timeout")) {
			num = &o.timeout_ms;
			lo = 100;
			hi = 600000;
		} else if (cli_flag(a, "--interval")) {
			num = &o.interval;
			hi = 86400;
		} else if (cli_flag(a, "--max-requests")) {
			num = &o.max_requests;
		} else if (cli_flag(a, "--workers")) {
			num = &o.workers;
			hi = TDV_SYNC_MAX_WORKERS;
		} else if (cli_flag(a, "--queue")) {
			num = &o.queue;
			hi = TDV_SYNC_MAX_QUEUE;
		} else {
			return cli_error("sync: unknown option '%s' (try --help)", a);
		}
		if (val != NULL || num != NULL) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			if (val != NULL)
				*val = argv[++i];
			else if (parse_int(a, argv[++i], lo, hi, num) != CLI_OK)
				return CLI_USAGE;
		}
	}
	if (o.batch_max < o.batch)
		o.batch_max = o.batch;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "push") == 0)
		return do_push(&o);
	if (strcmp(argv[1], "pull") == 0)
		return do_pull(&o);
	if (strcmp(argv[1], "publish") == 0)
		return do_publish(&o);
	if (strcmp(argv[1], "status") == 0)
		return do_status(&o);
	if (strcmp(argv[1], "serve") == 0)
		return do_serve(&o);
	if (strcmp(argv[1], "renew") == 0)
		return do_renew(&o);
	if (strcmp(argv[1], "revoke") == 0)
		return do_revoke(&o);
	if (strcmp(argv[1], "certs") == 0)
		return do_certs(&o);
	if (strcmp(argv[1], "prune") == 0)
		return do_prune(&o);
	return cli_error("sync: unknown subcommand '%s' (push, pull, status, serve, publish,"
			 " renew, revoke, certs, prune)",
	    argv[1]);
}
