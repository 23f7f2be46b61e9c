/*
 * tdverify serve: run the checkpoint station (web interface and JSON API)
 * until interrupted. --demo seeds a fresh demo station under var/demo.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/server.h"
#include "tdv/store.h"

#ifndef TDV_DATADIR
#define TDV_DATADIR "/usr/local/share/tdverify"
#endif

#define DEMO_DIR "var/demo"
#define DEMO_CHECKPOINT "DEMO-01"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify serve [--db sqlite:PATH|postgres:CONNINFO]\n"
	    "                      [--listen ADDR:PORT] [--tls-cert F --tls-key F]\n"
	    "                      [--demo] [--checkpoint ID] [--web DIR]\n"
	    "                      [--trust DIR] [--sltd INDEX] [--watchlist CSV]\n"
	    "                      [--pcsc] [--threads N] [--today YYYY-MM-DD]\n"
	    "                      [--train DIR] [--insecure-cookie]\n\n"
	    "Run the checkpoint station: the officers' web interface and the JSON\n"
	    "API (docs/openapi.yaml) until interrupted.\n\n"
	    "options:\n"
	    "  --db URI         store (default sqlite:var/tdverify.db; with --demo\n"
	    "                   a fresh sqlite:" DEMO_DIR "/station.db)\n"
	    "  --listen A:P     address and port (default 127.0.0.1:8080)\n"
	    "  --tls-cert F, --tls-key F  serve HTTPS with this PEM certificate/key\n"
	    "  --demo           seed a fresh demo station in " DEMO_DIR "/: accounts for\n"
	    "                   every role, test PKI, specimen passports with\n"
	    "                   virtual chips, lists, a month of movements\n"
	    "  --checkpoint ID  this station's checkpoint (registered in the store)\n"
	    "  --web DIR        static assets (default ./web, else " TDV_DATADIR "/web)\n"
	    "  --trust DIR      CSCA certificates, master lists and CRLs\n"
	    "  --sltd INDEX     lost/stolen index (tdverify sltd import)\n"
	    "  --watchlist CSV  watchlist\n"
	    "  --pcsc           offer the PC/SC chip reader attached to the station\n"
	    "  --train DIR      serve /api/train/ with DIR/train.db (tdverify train),\n"
	    "                   sets built in DIR/train-sets with the PKI DIR/train-pki\n"
	    "  --threads N      worker threads (default 2)\n"
	    "  --today DATE     fix the inspection day (tests)\n"
	    "  --insecure-cookie  session cookie without the Secure flag even off\n"
	    "                   loopback without TLS (not for production)\n\n"
	    "exit status: 0 stopped by a signal, 2 usage or start-up error\n");
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = malloc(1u << 20);
	size_t n = buf ? fread(buf, 1, (1u << 20) - 1, f) : 0;
	fclose(f);
	if (buf == NULL || n == (1u << 20) - 1) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	char t[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s tdverify serve: %s\n", t, line);
}

static bool
is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cmd_serve(int argc, char **argv)
{
	const char *db = NULL, *listen = "127.0.0.1:8080", *cert = NULL,
		   *key = NULL, *checkpoint = NULL, *web = NULL, *trust = NULL,
		   *sltd = NULL, *watchlist = NULL, *threads = NULL, *train = NULL;
	bool demo = false, pcsc = false, insecure = false;
	tdv_date today = {0, 0, 0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			serve_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--demo")) {
			demo = true;
		} else if (cli_flag(a, "--pcsc")) {
			pcsc = true;
		} else if (cli_flag(a, "--insecure-cookie")) {
			insecure = true;
		} else if (cli_flag(a, "--today")) {
			if (i + 1 >= argc)
				return cli_error("--today needs a value");
			if (cli_parse_today(argv[++i], &today) != CLI_OK)
				return CLI_USAGE;
		} else if (cli_flag(a, "--db")) {
			val = &db;
		} else if (cli_flag(a, "--listen")) {
			val = &listen;
		} else if (cli_flag(a, "--tls-cert")) {
			val = &cert;
		} else if (cli_flag(a, "--tls-key")) {
			val = &key;
		} else if (cli_flag(a, "--checkpoint")) {
			val = &checkpoint;
		} else if (cli_flag(a, "--web")) {
			val = &web;
		} else if (cli_flag(a, "--trust")) {
			val = &trust;
		} else if (cli_flag(a, "--sltd")) {
			val = &sltd;
		} else if (cli_flag(a, "--watchlist")) {
			val = &watchlist;
		} else if (cli_flag(a, "--threads")) {
			val = &threads;
		} else if (cli_flag(a, "--train")) {
			val = &train;
		} else {
			return cli_error("serve: unknown option '%s' (try --help)", a);
		}
		if (val != NULL) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			*val = argv[++i];
		}
	}
	if ((cert == NULL) != (key == NULL))
		return cli_error("serve: --tls-cert and --tls-key go together");

	tdv_server_config cfg;
	tdv_server_config_default(&cfg);
	/* --listen ADDR:PORT */
	char addr[64];
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(addr) ||
	    colon == listen)
		return cli_error("--listen: expected ADDR:PORT, e.g. 127.0.0.1:8080");
	memcpy(addr, listen, (size_t)(colon - listen));
	addr[colon - listen] = '\0';
	char *end = NULL;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 ||
	    port > 65535)
		return cli_error("--listen: bad port '%s'", colon + 1);
	cfg.listen_addr = addr;
	cfg.port = (int)port;
	if (threads != NULL) {
		long n = strtol(threads, &end, 10);
		if (*end != '\0' || n < 1 || n > 64)
			return cli_error("--threads: 1 to 64");
		cfg.threads = (int)n;
	}
	cfg.today = today;
	cfg.pcsc = pcsc;
	cfg.log = log_line;
	bool loopback = strncmp(addr, "127.", 4) == 0;
	cfg.cookie_secure = cert != NULL || !(loopback || insecure);
	if (cert == NULL && !loopback)
		fprintf(stderr, "tdverify serve: warning: plain HTTP on %s; use "
				"--tls-cert/--tls-key off the loopback address\n",
		    addr);

	if (web == NULL)
		web = is_dir("web") ? "web" : TDV_DATADIR "/web";
	cfg.web_root = web;

	char *cert_pem = NULL, *key_pem = NULL;
	if (cert != NULL) {
		cert_pem = slurp(cert);
		key_pem = slurp(key);
		if (cert_pem == NULL || key_pem == NULL) {
			free(cert_pem);
			free(key_pem);
			return cli_error("cannot read %s or %s", cert, key);
		}
		cfg.tls_cert_pem = cert_pem;
		cfg.tls_key_pem = key_pem;
	}

	int exit_code = CLI_USAGE;
	tdv_store *store = NULL;
	tdv_server *srv = NULL;
	char err[512] = "";
	if (demo) {
		/* a fresh demo every start */
		if (mkdir("var", 0750) != 0 && errno != EEXIST) {
			cli_error("cannot create var/: %s", strerror(errno));
			goto out;
		}
		if (is_dir(DEMO_DIR))
			nftw(DEMO_DIR, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (mkdir(DEMO_DIR, 0750) != 0) {
			cli_error("cannot create " DEMO_DIR ": %s", strerror(errno));
			goto out;
		}
		if (db == NULL)
			db = "sqlite:" DEMO_DIR "/station.db";
		if (checkpoint == NULL)
			checkpoint = DEMO_CHECKPOINT;
	} else if (db == NULL) {
		if (mkdir("var", 0750) != 0 && errno != EEXIST) {
			cli_error("cannot create var/: %s", strerror(errno));
			goto out;
		}
		db = "sqlite:var/tdverify.db";
	}
	if (checkpoint == NULL) {
		cli_error("serve: --checkpoint ID is required (tdverify checkpoint add), "
			  "or use --demo");
		goto out;
	}
	int rc = tdv_store_open(db, &store, err, sizeof(err));
	if (rc != TDV_OK) {
		const char *kind = strncmp(db, "postgres:", 9) == 0 ? "postgres" : db;
		cli_error("cannot open store %s: %s%s%s", kind, tdv_strerror(rc),
		    err[0] ? ": " : "", err);
		goto out;
	}
	if (demo) {
		tdv_date d = today;
		if (d.year == 0)
			cli_today(&d);
		char note[1024];
		fprintf(stderr, "tdverify serve: seeding the demo station in "
				DEMO_DIR "/ ...\n");
		rc = tdv_demo_seed(DEMO_DIR, store, checkpoint, &d, note, sizeof(note));
		if (rc != TDV_OK) {
			cli_error("demo: %s: %s", tdv_strerror(rc), tdv_store_errmsg(store));
			goto out;
		}
		if (note[0] != '\0')
			fprintf(stderr, "tdverify serve: demo: not everything could be "
					"made: %s\n",
			    note);
		cfg.trust_dir = DEMO_DIR "/trust";
		cfg.sltd_path = DEMO_DIR "/sltd.idx";
		cfg.watchlist_path = DEMO_DIR "/watchlist.csv";
		cfg.demo_chips_dir = DEMO_DIR "/chips";
		cfg.demo_docs_json = DEMO_DIR "/documents.json";
		cfg.demo_images_dir = DEMO_DIR "/images";
	}
	char train_db[512], train_sets[512], train_pki[512];
	if (demo && train == NULL)
		train = DEMO_DIR;
	if (train != NULL) {
		snprintf(train_db, sizeof(train_db), "%s/train.db", train);
		snprintf(train_sets, sizeof(train_sets), "%s/train-sets", train);
		snprintf(train_pki, sizeof(train_pki), "%s/train-pki", train);
		mkdir(train_sets, 0750);
		cfg.train_db = train_db;
		cfg.train_sets_dir = train_sets;
		cfg.train_pki_dir = train_pki;
	}
	if (trust != NULL)
		cfg.trust_dir = trust;
	if (sltd != NULL)
		cfg.sltd_path = sltd;
	if (watchlist != NULL)
		cfg.watchlist_path = watchlist;
	cfg.checkpoint_id = checkpoint;

	rc = tdv_server_new(&cfg, store, &srv);
	if (rc == TDV_ENOENT) {
		cli_error("checkpoint '%s' is not registered (tdverify checkpoint add)",
		    checkpoint);
		goto out;
	} else if (rc != TDV_OK) {
		cli_error("cannot start the station: %s", tdv_strerror(rc));
		goto out;
	}
	if ((rc = tdv_server_start(srv)) != TDV_OK) {
		cli_error("cannot listen on %s: %s (is the port in use?)", listen,
		    tdv_strerror(rc));
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("tdverify station for checkpoint %s: %s://%s:%d/\n", checkpoint,
	    cert ? "https" : "http", addr, tdv_server_port(srv));
	if (demo) {
		int n;
		const tdv_demo_account *acc = tdv_demo_accounts(&n);
		printf("demo logins (officer id / password):\n");
		for (int i = 0; i < n; i++)
			printf("  %-11s %-12s %s\n", acc[i].role, acc[i].id,
			    acc[i].password);
	}
	printf("press Ctrl-C to stop\n");
	fflush(stdout);
	while (!stop_flag)
		pause();
	fprintf(stderr, "tdverify serve: stopping\n");
	exit_code = CLI_OK;
out:
	tdv_server_free(&srv);
	tdv_store_free(&store);
	free(cert_pem);
	free(key_pem);
	return exit_code;
}
