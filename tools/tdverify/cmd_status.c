/*
 * tdverify status: the health of a checkpoint or of headquarters —
 * version, store and schema, store size, and for each checkpoint the
 * records held, the sync backlog and the age of the oldest unsent record,
 * and the age of the lists and trust store in use. Human text, one JSON
 * object (--json) or Prometheus text exposition (--metrics).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_ops.h"
#include "cli_store.h"
#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/ops.h"
#include "tdv/sync_transport.h"

#define STATUS_MAX_CHECKPOINTS 4096
#define STATUS_MAX_FILES 16

static void
status_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify status [--db sqlite:PATH|postgres:CONNINFO] [--checkpoint ID]...\n"
	    "                       [--sltd INDEX] [--trust DIR] [--sync-cert FILE]\n"
	    "                       [--json|--metrics|--metrics-listen ADDR:PORT]\n\n"
	    "Show version, store, schema and size, and for each checkpoint the\n"
	    "movements held, the sync backlog (recorded but not yet delivered to\n"
	    "headquarters) and the age of the oldest unsent movement; with --sltd and\n"
	    "--trust the age of the list and of the trust store. Without --checkpoint:\n"
	    "every checkpoint with movements in the store (headquarters: all of them).\n"
	    "Certificate expiry: with --sync-cert this checkpoint's sync client\n"
	    "certificate; at headquarters, for each checkpoint in the certificate\n"
	    "register, the certificate in use (tdverify sync certs).\n\n"
	    "options:\n"
	    "  --db URI         store (default " CLI_DEFAULT_DB ")\n"
	    "  --checkpoint ID  this checkpoint (repeatable)\n"
	    "  --sltd FILE      lost/stolen index in use: its age\n"
	    "  --trust DIR      trust store in use: age of its newest file\n"
	    "  --sync-cert FILE this checkpoint's sync client certificate: its expiry\n"
	    "  --json           one JSON object\n"
	    "  --metrics        Prometheus text exposition format\n"
	    "  --metrics-listen A:P  serve the metrics at http://A:P/metrics (IPv4)\n"
	    "                   until SIGTERM; the store is read at each scrape\n\n"
	    "exit status: 0 shown, 2 usage or store error\n");
}

struct ids {
	char (*id)[TDV_ID_MAX + 1];
	int n;
	int rc;
};

static int
collect_checkpoint(void *ctx, const tdv_checkpoint *cp)
{
	struct ids *c = ctx;
	if (c->n >= STATUS_MAX_CHECKPOINTS) {
		c->rc = TDV_ELIMIT;
		return 1;
	}
	snprintf(c->id[c->n++], TDV_ID_MAX + 1, "%s", cp->id);
	return 0;
}

/* Newest modification time (s) of a file, or of the files in a directory. */
static long long
newest_mtime(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return -1;
	long long t = (long long)sb.st_mtime;
	if (!S_ISDIR(sb.st_mode))
		return t;
	DIR *d = opendir(path);
	if (d == NULL)
		return t;
	struct dirent *e;
	char p[4200];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p))
			continue;
		if (stat(p, &sb) == 0 && (long long)sb.st_mtime > t)
			t = (long long)sb.st_mtime;
	}
	closedir(d);
	return t;
}

static long long
file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

struct list_age {
	const char *name, *path;
	long long age_s;
};

static void
age_text(long long s, char *out, size_t n)
{
	if (s < 0)
		snprintf(out, n, "never");
	else if (s < 120)
		snprintf(out, n, "%llds", s);
	else if (s < 7200)
		snprintf(out, n, "%lldmin", s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lldh", s / 3600);
	else
		snprintf(out, n, "%lldd", s / 86400);
}

/* A certificate's expiry as status shows it. */
struct cert_exp {
	char checkpoint[TDV_ID_MAX + 1];
	char serial[TDV_CERT_SERIAL_MAX + 1];
	int64_t not_after_ms;
	bool used;
};

struct cert_collect {
	struct cert_exp *v;
	int n;
	char (*want)[TDV_ID_MAX + 1];
	int nwant;
	int rc;
};

/*
 * The register lists each checkpoint's certificates newest first. The
 * one in use is the newest not revoked that has been used; a renewal not
 * used yet does not count while an older one is (the post may never have
 * received it), but a checkpoint with no used one shows its newest.
 */
static int
collect_cert(void *ctx, const tdv_cert_rec *c)
{
	struct cert_collect *a = ctx;
	if (c->revoked_ms != 0)
		return 0;
	if (a->nwant > 0) {
		bool wanted = false;
		for (int i = 0; i < a->nwant && !wanted; i++)
			wanted = strcmp(a->want[i], c->checkpoint) == 0;
		if (!wanted)
			return 0;
	}
	struct cert_exp *last = a->n > 0 ? &a->v[a->n - 1] : NULL;
	if (last != NULL && strcmp(last->checkpoint, c->checkpoint) == 0) {
		if (!last->used && c->first_used_ms > 0) {
			snprintf(last->serial, sizeof(last->serial), "%s", c->serial);
			last->not_after_ms = c->not_after_ms;
			last->used = true;
		}
		return 0;
	}
	if (a->n >= STATUS_MAX_CHECKPOINTS) {
		a->rc = TDV_ELIMIT;
		return 1;
	}
	struct cert_exp *e = &a->v[a->n++];
	snprintf(e->checkpoint, sizeof(e->checkpoint), "%s", c->checkpoint);
	snprintf(e->serial, sizeof(e->serial), "%s", c->serial);
	e->not_after_ms = c->not_after_ms;
	e->used = c->first_used_ms > 0;
	return 0;
}

static void
iso_s(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

static void
cert_json(tdv_json *j, const struct cert_exp *e, const char *file, int64_t now)
{
	char when[32];
	iso_s(e->not_after_ms, when);
	tdv_json_object_begin(j);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, e->checkpoint);
	if (file != NULL) {
		tdv_json_key(j, "file");
		tdv_json_string(j, file);
	}
	tdv_json_key(j, "serial");
	tdv_json_string(j, e->serial);
	tdv_json_key(j, "not_after");
	tdv_json_string(j, when);
	tdv_json_key(j, "expiry_timestamp_s");
	tdv_json_int(j, e->not_after_ms / 1000);
	tdv_json_key(j, "expires_in_s");
	tdv_json_int(j, (e->not_after_ms - now) / 1000);
	tdv_json_object_end(j);
}

#define CERT_RENEW_DAYS 30

static void
cert_text(FILE *out, const char *what, const struct cert_exp *e, int64_t now)
{
	char when[32];
	iso_s(e->not_after_ms, when);
	long long left = (e->not_after_ms - now) / 1000;
	fprintf(out, "%s %-12s serial %s, expires %s (%s%lld days%s)%s\n", what, e->checkpoint,
	    e->serial, when, left < 0 ? "expired " : "in ",
	    (left < 0 ? -left : left) / 86400, left < 0 ? " ago" : "",
	    left < (long long)CERT_RENEW_DAYS * 86400 ? ": renew now" : "");
}

struct status_opts {
	const char *db;
	const char *sync_cert;
	bool json, metrics;
	char want[64][TDV_ID_MAX + 1];
	int nwant;
	struct list_age lists[STATUS_MAX_FILES];
	int nlists;
};

/* Gather everything and print it to out (text, JSON or metrics). */
static int
status_run(struct status_opts *o, FILE *out)
{
	const char *db = o->db;
	bool json = o->json, metrics = o->metrics;
	int nwant = o->nwant, nlists = o->nlists;
	char (*want)[TDV_ID_MAX + 1] = o->want;
	struct list_age *lists = o->lists;
	tdv_store *s = cli_store_open(db);
	if (s == NULL)
		return CLI_USAGE;
	const char *uri = db ? db : CLI_DEFAULT_DB;
	bool sqlite = tdv_store_backend_of(s) == TDV_STORE_SQLITE;
	long long size = -1;
	if (sqlite) {
		/* the file without a read-only suffix ("?readonly=1", "?mode=ro") */
		char path[4200], wal[4220];
		if (snprintf(path, sizeof(path), "%s", uri + 7) < (int)sizeof(path)) {
			char *q = strrchr(path, '?');
			if (q != NULL && tdv_store_is_readonly(s))
				*q = '\0';
			size = file_size(path);
			snprintf(wal, sizeof(wal), "%s-wal", path);
			size += file_size(wal);
		}
	}
	int schema = 0;
	int rc = tdv_store_schema_version(s, &schema);

	struct ids ids = {NULL, 0, TDV_OK};
	ids.id = calloc(STATUS_MAX_CHECKPOINTS, sizeof(*ids.id));
	if (ids.id == NULL) {
		tdv_store_free(&s);
		return cli_error("out of memory");
	}
	if (rc == TDV_OK && nwant > 0) {
		for (int i = 0; i < nwant; i++)
			memcpy(ids.id[ids.n++], want[i], sizeof(want[i]));
	} else if (rc == TDV_OK) {
		rc = tdv_store_checkpoint_list(s, collect_checkpoint, &ids);
		if (rc == TDV_OK)
			rc = ids.rc;
	}
	/* certificate expiry: the register (headquarters), this checkpoint's
	 * own certificate file (a post) */
	struct cert_collect certs = {NULL, 0, want, nwant, TDV_OK};
	if (rc == TDV_OK && (certs.v = calloc(STATUS_MAX_CHECKPOINTS, sizeof(*certs.v))) == NULL)
		rc = TDV_ENOMEM;
	if (rc == TDV_OK)
		rc = tdv_store_cert_list(s, NULL, collect_cert, &certs);
	if (rc == TDV_OK)
		rc = certs.rc;
	struct cert_exp own;
	memset(&own, 0, sizeof(own));
	if (rc == TDV_OK && o->sync_cert != NULL) {
		tdv_cert_rec c;
		int crc = tdv_sync_pki_cert_info(o->sync_cert, &c);
		if (crc != TDV_OK) {
			cli_error("status: sync certificate %s: %s", o->sync_cert, tdv_strerror(crc));
			free(certs.v);
			free(ids.id);
			tdv_store_free(&s);
			return CLI_USAGE;
		}
		snprintf(own.checkpoint, sizeof(own.checkpoint), "%s", c.checkpoint);
		snprintf(own.serial, sizeof(own.serial), "%s", c.serial);
		own.not_after_ms = c.not_after_ms;
	}
	tdv_ops_checkpoint_status *st = NULL;
	if (rc == TDV_OK && ids.n > 0) {
		st = calloc((size_t)ids.n, sizeof(*st));
		if (st == NULL)
			rc = TDV_ENOMEM;
	}
	for (int i = 0; rc == TDV_OK && i < ids.n; i++)
		rc = tdv_ops_checkpoint_status_get(s, ids.id[i], &st[i]);
	if (rc != TDV_OK) {
		cli_error("status: %s%s%s", tdv_strerror(rc),
		    tdv_store_errmsg(s)[0] ? ": " : "", tdv_store_errmsg(s));
		free(st);
		free(certs.v);
		free(ids.id);
		tdv_store_free(&s);
		return CLI_USAGE;
	}
	tdv_store_free(&s);
	int64_t now = tdv_store_now_ms();
	for (int i = 0; i < nlists; i++) {
		long long t = newest_mtime(lists[i].path);
		lists[i].age_s = t < 0 ? -1 : (long long)(now / 1000) - t;
		if (lists[i].age_s < -1)
			lists[i].age_s = 0;
	}

	if (metrics) {
		fprintf(out, "# HELP tdverify_info tdverify version and store schema.\n"
		       "# TYPE tdverify_info gauge\n"
		       "tdverify_info{version=\"%s\",backend=\"%s\",schema=\"%d\"} 1\n",
		    TDV_VERSION, sqlite ? "sqlite" : "postgres", schema);
		if (size >= 0)
			fprintf(out, "# HELP tdverify_store_bytes Size of the store files.\n"
			       "# TYPE tdverify_store_bytes gauge\n"
			       "tdverify_store_bytes %lld\n", size);
		static const char *const names[][2] = {
		    {"movements", "Movements held."},
		    {"sync_backlog", "Movements recorded but not yet delivered."},
		    {"oldest_unsent_age_seconds", "Age of the oldest undelivered movement."},
		    {"last_movement_age_seconds", "Age of the newest movement."},
		    {"audit_seq", "Head of the checkpoint's audit chain."},
		};
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			fprintf(out, "# HELP tdverify_checkpoint_%s %s\n"
			       "# TYPE tdverify_checkpoint_%s gauge\n",
			    names[k][0], names[k][1], names[k][0]);
			for (int i = 0; i < ids.n; i++) {
				long long v = 0;
				switch (k) {
				case 0: v = st[i].movements; break;
				case 1: v = st[i].backlog; break;
				case 2: v = st[i].oldest_unsent_ms ? (now - st[i].oldest_unsent_ms) / 1000 : 0; break;
				case 3: v = st[i].last_movement_ms ? (now - st[i].last_movement_ms) / 1000 : -1; break;
				default: v = st[i].audit_seq; break;
				}
				fprintf(out, "tdverify_checkpoint_%s{checkpoint=\"%s\"} %lld\n",
				    names[k][0], st[i].id, v);
			}
		}
		if (nlists > 0)
			fprintf(out, "# HELP tdverify_list_age_seconds Age of a list or trust store in use.\n"
			       "# TYPE tdverify_list_age_seconds gauge\n");
		for (int i = 0; i < nlists; i++)
			fprintf(out, "tdverify_list_age_seconds{list=\"%s\"} %lld\n",
			    lists[i].name, lists[i].age_s);
		/* expiry as a Unix time, the usual form: alert on
		 * expiry - time() < 14 days (tdverify-status(1)) */
		if (o->sync_cert != NULL)
			fprintf(out, "# HELP tdverify_sync_cert_expiry_timestamp_seconds Expiry (notAfter) "
				     "of this checkpoint's sync client certificate, Unix time.\n"
				     "# TYPE tdverify_sync_cert_expiry_timestamp_seconds gauge\n"
				     "tdverify_sync_cert_expiry_timestamp_seconds{checkpoint=\"%s\","
				     "serial=\"%s\"} %lld\n",
			    own.checkpoint, own.serial, (long long)(own.not_after_ms / 1000));
		if (certs.n > 0)
			fprintf(out, "# HELP tdverify_checkpoint_cert_expiry_timestamp_seconds Expiry "
				     "(notAfter) of the certificate a checkpoint uses, from the "
				     "register, Unix time.\n"
				     "# TYPE tdverify_checkpoint_cert_expiry_timestamp_seconds gauge\n");
		for (int i = 0; i < certs.n; i++)
			fprintf(out, "tdverify_checkpoint_cert_expiry_timestamp_seconds{checkpoint=\"%s\","
				     "serial=\"%s\"} %lld\n",
			    certs.v[i].checkpoint, certs.v[i].serial,
			    (long long)(certs.v[i].not_after_ms / 1000));
	} else if (json) {
		tdv_buf b;
		tdv_buf_init(&b, 1 << 22);
		tdv_json j;
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "version");
		tdv_json_string(&j, TDV_VERSION);
		tdv_json_key(&j, "backend");
		tdv_json_string(&j, sqlite ? "sqlite" : "postgres");
		tdv_json_key(&j, "schema");
		tdv_json_int(&j, schema);
		tdv_json_key(&j, "store_bytes");
		if (size >= 0)
			tdv_json_int(&j, size);
		else
			tdv_json_null(&j);
		tdv_json_key(&j, "checkpoints");
		tdv_json_array_begin(&j);
		for (int i = 0; i < ids.n; i++)
			tdv_ops_checkpoint_status_to_json(&st[i], now, &j);
		tdv_json_array_end(&j);
		tdv_json_key(&j, "lists");
		tdv_json_object_begin(&j);
		for (int i = 0; i < nlists; i++) {
			tdv_json_key(&j, lists[i].name);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "path");
			tdv_json_string(&j, lists[i].path);
			tdv_json_key(&j, "age_s");
			tdv_json_int(&j, lists[i].age_s);
			tdv_json_object_end(&j);
		}
		tdv_json_object_end(&j);
		tdv_json_key(&j, "sync_cert");
		if (o->sync_cert != NULL)
			cert_json(&j, &own, o->sync_cert, now);
		else
			tdv_json_null(&j);
		tdv_json_key(&j, "certificates");
		tdv_json_array_begin(&j);
		for (int i = 0; i < certs.n; i++)
			cert_json(&j, &certs.v[i], NULL, now);
		tdv_json_array_end(&j);
		tdv_json_object_end(&j);
		if (tdv_json_error(&j) == 0)
			fprintf(out, "%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
	} else {
		char age[32];
		fprintf(out, "tdverify %s, store %s (schema %d)", TDV_VERSION,
		    sqlite ? "sqlite" : "postgres", schema);
		if (size >= 0)
			fprintf(out, ", %lld bytes", size);
		fprintf(out, "\n");
		if (ids.n == 0)
			fprintf(out, "no checkpoint has movements in this store\n");
		for (int i = 0; i < ids.n; i++) {
			age_text(st[i].oldest_unsent_ms
				? (now - st[i].oldest_unsent_ms) / 1000 : -1,
			    age, sizeof(age));
			fprintf(out, "checkpoint %-12s movements %lld (seq %lld), sent to %lld, "
			       "backlog %lld%s%s%s\n",
			    st[i].id, (long long)st[i].movements,
			    (long long)st[i].last_seq, (long long)st[i].sent_seq,
			    (long long)st[i].backlog,
			    st[i].backlog ? " (oldest unsent " : "",
			    st[i].backlog ? age : "", st[i].backlog ? " old)" : "");
		}
		for (int i = 0; i < nlists; i++) {
			age_text(lists[i].age_s, age, sizeof(age));
			fprintf(out, "%-5s %s: %s%s\n", lists[i].name, lists[i].path, age,
			    lists[i].age_s < 0 ? " (missing)" : " old");
		}
		if (o->sync_cert != NULL)
			cert_text(out, "sync certificate", &own, now);
		for (int i = 0; i < certs.n; i++)
			cert_text(out, "certificate", &certs.v[i], now);
	}
	free(st);
	free(certs.v);
	free(ids.id);
	return CLI_OK;
}

/* ---- --metrics-listen: the same metrics over HTTP, for Prometheus ---- */

static enum MHD_Result
metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	(void)version;
	(void)upload_data;
	(void)req_cls;
	struct status_opts *o = cls;
	if (*upload_data_size != 0)
		return MHD_NO;
	unsigned code = MHD_HTTP_OK;
	char *text = NULL;
	size_t len = 0;
	if (strcmp(method, "GET") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") != 0) {
		code = MHD_HTTP_NOT_FOUND;
	} else {
		FILE *out = open_memstream(&text, &len);
		if (out == NULL || status_run(o, out) != CLI_OK)
			code = MHD_HTTP_SERVICE_UNAVAILABLE;
		if (out != NULL)
			fclose(out);
	}
	if (code != MHD_HTTP_OK) {
		free(text);
		text = NULL;
		len = 0;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
	    text ? text : (void *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Serve GET /metrics on listen (IPv4 ADDR:PORT) until SIGTERM or SIGINT;
 * the store is opened for each scrape, so a station restart or a
 * database failover needs nothing here. */
static int
status_serve_metrics(struct status_opts *o, const char *listen)
{
	const char *colon = strrchr(listen, ':');
	char host[64];
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host))
		return cli_error("--metrics-listen: expected ADDR:PORT");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
		return cli_error("--metrics-listen: bad port '%s'", colon + 1);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return cli_error("--metrics-listen: bad IPv4 address '%s'", host);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD,
	    0, NULL, NULL, metrics_request, o, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (d == NULL)
		return cli_error("--metrics-listen: cannot listen on %s", listen);
	fprintf(stderr, "tdverify status: metrics on http://%s/metrics\n", listen);
	int sig = 0;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return CLI_OK;
}

int
cmd_status(int argc, char **argv)
{
	static struct status_opts o;
	memset(&o, 0, sizeof(o));
	const char *listen = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			status_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			o.json = true;
		} else if (cli_flag(a, "--metrics")) {
			o.metrics = true;
		} else if (cli_flag(a, "--metrics-listen")) {
			if (++i >= argc)
				return cli_error("%s needs a value", a);
			listen = argv[i];
		} else if (cli_flag(a, "--db") || cli_flag(a, "--checkpoint") ||
		    cli_flag(a, "--sltd") || cli_flag(a, "--trust") || cli_flag(a, "--sync-cert")) {
			if (++i >= argc)
				return cli_error("%s needs a value", a);
			if (cli_flag(a, "--db")) {
				o.db = argv[i];
			} else if (cli_flag(a, "--sync-cert")) {
				o.sync_cert = argv[i];
			} else if (cli_flag(a, "--checkpoint")) {
				if (o.nwant >= 64)
					return cli_error("at most 64 --checkpoint");
				if (strlen(argv[i]) > TDV_ID_MAX)
					return cli_error("--checkpoint: id too long");
				snprintf(o.want[o.nwant++], TDV_ID_MAX + 1, "%s", argv[i]);
			} else {
				if (o.nlists >= STATUS_MAX_FILES)
					return cli_error("too many --sltd/--trust");
				o.lists[o.nlists].name = cli_flag(a, "--sltd") ? "sltd" : "trust";
				o.lists[o.nlists++].path = argv[i];
			}
		} else {
			status_usage(stderr);
			return cli_error("unknown argument %s", a);
		}
	}
	if (o.json && o.metrics)
		return cli_error("--json or --metrics, not both");
	if (listen != NULL) {
		if (o.json)
			return cli_error("--metrics-listen serves the metrics format");
		o.metrics = true;
		return status_serve_metrics(&o, listen);
	}
	return status_run(&o, stdout);
}
