/*
 * tdverify sync push|status|serve: forward a checkpoint's records to the
 * central store over HTTPS with mutual TLS, show the backlog, and run the
 * central receiving end.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	    "usage: tdverify sync push --checkpoint ID --server HOST:PORT --cert F --key F --ca F\n"
	    "                          [--db URI] [--batch N] [--timeout MS] [--daemon [--interval S]]\n"
	    "       tdverify sync status --checkpoint ID [--db URI] [--json]\n"
	    "       tdverify sync serve --db URI --listen IP:PORT --cert F --key F --ca F\n"
	    "                           [--max-requests N]\n\n"
	    "push    send the checkpoint's unsent audit entries and movements in\n"
	    "        batches (default 500 records) until none are left; a batch is\n"
	    "        marked sent only when the centre acknowledged it, so a cut link\n"
	    "        or a restart just means it is sent again (ingest is idempotent).\n"
	    "        --daemon keeps pushing every --interval seconds (default 30).\n"
	    "status  the backlog: records not yet acknowledged, age of the oldest\n"
	    "serve   the central end: accept batches from checkpoints whose client\n"
	    "        certificate (CN = checkpoint id) is signed by --ca, store them\n"
	    "        in --db (normally postgres:...). Prints the port it listens on.\n\n"
	    "exit status: push: 0 all sent, 1 link failure (backlog left), 2 usage\n"
	    "or batch refused; status: 0; serve: 0 after --max-requests or SIGTERM\n");
}

struct sync_opts {
	const char *db, *checkpoint, *server, *cert, *key, *ca, *listen;
	int batch, timeout_ms, interval, max_requests;
	bool daemon, json;
};

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

/* One pass: send batches until none is left. CLI_OK, CLI_INVALID (link),
 * CLI_USAGE (refused). */
static int
push_pass(tdv_store *st, const struct sync_opts *o, const tdv_sync_tls *tls,
    const char *host, int port, long *sent)
{
	tdv_buf batch, reply;
	tdv_buf_init(&batch, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_buf_init(&reply, 1 << 16);
	int code = CLI_OK;
	for (;;) {
		tdv_sync_batch_info info;
		int rc = tdv_sync_build_batch(st, o->checkpoint, o->batch, &batch, &info);
		if (rc != TDV_OK) {
			code = cli_error("sync: cannot build a batch: %s", tdv_strerror(rc));
			break;
		}
		if (info.naudit + info.nmovements == 0)
			break;
		int status = 0;
		char err[256];
		rc = tdv_sync_client_post(tls, host, port, (const char *)batch.data, batch.len,
		    o->timeout_ms, &reply, &status, err, sizeof(err));
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
		*sent += info.naudit + info.nmovements;
	}
	tdv_buf_free(&batch);
	tdv_buf_free(&reply);
	return code;
}

static int
do_push(const struct sync_opts *o)
{
	if (!o->checkpoint || !o->server || !o->cert || !o->key || !o->ca)
		return cli_error("sync push: --checkpoint, --server, --cert, --key and --ca are required");
	char host[256];
	int port = 0;
	if (split_host_port(o->server, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_sync_tls tls = {o->cert, o->key, o->ca};
	int code;
	for (;;) {
		long sent = 0;
		code = push_pass(st, o, &tls, host, port, &sent);
		tdv_sync_backlog b;
		if (tdv_sync_backlog_get(st, o->checkpoint, &b) == TDV_OK) {
			if (sent > 0 || !o->daemon)
				fprintf(stderr, "sync: %ld records sent\n", sent);
			if (!o->daemon)
				print_backlog(o->checkpoint, &b, o->json);
		}
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
do_status(const struct sync_opts *o)
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
	else
		print_backlog(o->checkpoint, &b, o->json);
	tdv_store_free(&st);
	return code;
}

static int
do_serve(const struct sync_opts *o)
{
	if (!o->db || !o->listen || !o->cert || !o->key || !o->ca)
		return cli_error("sync serve: --db, --listen, --cert, --key and --ca are required");
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
	printf("listening on %s:%d\n", host, tdv_sync_server_port(srv));
	fflush(stdout);
	int served = 0;
	while (!stop_requested && (o->max_requests == 0 || served < o->max_requests)) {
		tdv_sync_served info;
		rc = tdv_sync_server_serve_one(srv, 500, &info);
		if (rc == TDV_ETIMEOUT && info.peer[0] == '\0' && info.message[0] == '\0')
			continue;
		served++;
		fprintf(stderr, "sync: %s: %s (+%d new, %d already stored)\n",
		    info.peer[0] ? info.peer : "?", info.message[0] ? info.message : tdv_strerror(rc),
		    info.result.inserted, info.result.duplicates);
	}
	tdv_sync_server_free(&srv);
	tdv_store_free(&st);
	return CLI_OK;
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
		} else if (cli_flag(a, "--batch")) {
			num = &o.batch;
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
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "push") == 0)
		return do_push(&o);
	if (strcmp(argv[1], "status") == 0)
		return do_status(&o);
	if (strcmp(argv[1], "serve") == 0)
		return do_serve(&o);
	return cli_error("sync: unknown subcommand '%s' (push, status, serve)", argv[1]);
}
