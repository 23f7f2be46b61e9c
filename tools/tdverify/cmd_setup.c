/*
 * tdverify setup central|token|checkpoint: set up headquarters (database,
 * sync CA, server and publisher certificates, first administrator), issue
 * one-time enrolment tokens, and enrol a checkpoint (its key pair and
 * certificate request made here, the certificate from the centre, then
 * officers, lists and trust store pulled).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"

static void
setup_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify setup central --db URI --dir DIR [--admin ID] [--admin-name NAME]\n"
	    "                              [--host NAME|IP ...] [--days N]   (password on stdin)\n"
	    "       tdverify setup token --db URI --checkpoint ID [--name NAME --country CODE]\n"
	    "                            [--ttl N[s|m|h|d]] [--json]\n"
	    "       tdverify setup checkpoint --central HOST:PORT --enrol TOKEN --id ID\n"
	    "                            (--ca-fingerprint SHA256 | --ca FILE) [--dir DIR] [--db URI]\n"
	    "                            [--lists DIR] [--no-pull] [--timeout MS]\n\n"
	    "central     creates (migrates) the central database, the sync CA, the\n"
	    "            central server's TLS certificate (names from --host; default\n"
	    "            127.0.0.1 and localhost), the publisher certificate that signs\n"
	    "            lists and accounts, and the first administrator (default id\n"
	    "            admin). Files in DIR: ca.crt ca.key central.crt central.key\n"
	    "            publisher.crt publisher.key. Prints the CA's SHA-256\n"
	    "            fingerprint, to give to checkpoints out of band.\n"
	    "token       registers the checkpoint centrally (--name/--country when\n"
	    "            new) and prints a one-time enrolment token for it (stored\n"
	    "            hashed; default validity 24h).\n"
	    "checkpoint  makes the checkpoint's key pair and request here (the key\n"
	    "            never leaves), fetches the CA (checked against the\n"
	    "            fingerprint) unless --ca is given, sends the request with the\n"
	    "            token, stores the certificate (CN = ID) in DIR (default\n"
	    "            var/sync), records the checkpoint in the local store, then\n"
	    "            pulls officers, lists and trust store into --lists (default\n"
	    "            DIR/lists; the sync daemon must be able to write there).\n"
	    "            Then: tdverify sync push|pull --dir DIR --checkpoint ID ...\n\n"
	    "exit status: 0 done, 1 the centre could not be reached, 2 usage or refused\n");
}

struct setup_opts {
	const char *db, *dir, *admin, *admin_name, *checkpoint, *name, *country, *ttl;
	const char *central, *token, *id, *ca_fp, *ca, *lists;
	const char *hosts[16];
	int nhosts, days, timeout_ms;
	bool json, no_pull;
};

static int
path_join(char *out, size_t outsz, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, outsz, "%s/%s", dir, name) >= outsz)
		return cli_error("path too long: %s/%s", dir, name);
	return CLI_OK;
}

static int
make_dir(const char *d)
{
	if (mkdir(d, 0750) != 0 && errno != EEXIST)
		return cli_error("cannot create %s: %s", d, strerror(errno));
	return CLI_OK;
}

static int
write_file_new(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return cli_error("cannot create %s: %s", path, strerror(errno));
	bool ok = write(fd, p, n) == (ssize_t)n && fsync(fd) == 0;
	if (close(fd) != 0 || !ok) {
		unlink(path);
		return cli_error("cannot write %s", path);
	}
	return CLI_OK;
}

static int
pki_step(int rc, const char *what, const char *path)
{
	if (rc == TDV_OK)
		return CLI_OK;
	return cli_error("setup: %s (%s): %s", what, path,
	    rc == TDV_EEXIST ? "file exists already" : tdv_strerror(rc));
}

static int
print_fingerprint(const char *ca_path, char fp[65])
{
	FILE *f = fopen(ca_path, "r");
	char pem[65536];
	size_t n = f ? fread(pem, 1, sizeof(pem), f) : 0;
	if (f)
		fclose(f);
	if (n == 0 || tdv_sync_pki_fingerprint(pem, n, fp) != TDV_OK)
		return cli_error("cannot read %s", ca_path);
	return CLI_OK;
}

static int
do_central(const struct setup_opts *o)
{
	if (o->db == NULL || o->dir == NULL)
		return cli_error("setup central: --db and --dir are required");
	const char *admin = o->admin ? o->admin : "admin";
	char ca_key[PATH_MAX], ca_crt[PATH_MAX], srv_key[PATH_MAX], srv_crt[PATH_MAX],
	    pub_key[PATH_MAX], pub_crt[PATH_MAX];
	if (path_join(ca_key, sizeof(ca_key), o->dir, "ca.key") ||
	    path_join(ca_crt, sizeof(ca_crt), o->dir, "ca.crt") ||
	    path_join(srv_key, sizeof(srv_key), o->dir, "central.key") ||
	    path_join(srv_crt, sizeof(srv_crt), o->dir, "central.crt") ||
	    path_join(pub_key, sizeof(pub_key), o->dir, "publisher.key") ||
	    path_join(pub_crt, sizeof(pub_crt), o->dir, "publisher.crt"))
		return CLI_USAGE;
	if (access(ca_key, F_OK) == 0)
		return cli_error("setup central: %s exists: this centre is set up already", ca_key);
	char san[1024] = "";
	size_t used = 0;
	for (int i = 0; i < (o->nhosts ? o->nhosts : 2); i++) {
		const char *h = o->nhosts ? o->hosts[i] : (i == 0 ? "127.0.0.1" : "localhost");
		bool ip = strspn(h, "0123456789.") == strlen(h) || strchr(h, ':') != NULL;
		int w = snprintf(san + used, sizeof(san) - used, "%s%s:%s", used ? "," : "",
		    ip ? "IP" : "DNS", h);
		if (w < 0 || (size_t)w >= sizeof(san) - used)
			return cli_error("setup central: too many --host names");
		used += (size_t)w;
	}
	char pw[TDV_PASSWORD_MAX + 2];
	long pwlen = cli_read_secret(pw, sizeof(pw));
	if (pwlen < 0)
		return CLI_USAGE;
	if (make_dir(o->dir) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	int code = CLI_OK;
	tdv_officer off;
	memset(&off, 0, sizeof(off));
	int64_t v = 0;
	int rc = tdv_store_pub_latest(st, "officers", &v, NULL); /* sync's tables */
	if (rc == TDV_OK && (strlen(admin) >= sizeof(off.id) ||
				strlen(o->admin_name ? o->admin_name : "Administrator") >= sizeof(off.name)))
		rc = TDV_ELIMIT;
	if (rc == TDV_OK) {
		snprintf(off.id, sizeof(off.id), "%s", admin);
		snprintf(off.name, sizeof(off.name), "%s", o->admin_name ? o->admin_name : "Administrator");
		off.role = TDV_ROLE_ADMIN;
		off.active = true;
		rc = tdv_store_officer_add(st, &off, pw, (size_t)pwlen, "setup", NULL);
	}
	memset(pw, 0, sizeof(pw));
	if (rc != TDV_OK) {
		code = cli_error("setup central: first administrator '%s': %s%s%s", admin,
		    tdv_strerror(rc), tdv_store_errmsg(st)[0] ? ": " : "", tdv_store_errmsg(st));
		goto out;
	}
	int days = o->days ? o->days : 825;
	if ((code = pki_step(tdv_sync_pki_ca_new(ca_key, ca_crt, "tdverify sync CA", 3650),
		 "sync CA", ca_key)) != CLI_OK ||
	    (code = pki_step(tdv_sync_pki_key_new(srv_key), "server key", srv_key)) != CLI_OK ||
	    (code = pki_step(tdv_sync_pki_issue(ca_crt, ca_key, srv_key, "tdverify central", san,
			     true, days, srv_crt),
		 "server certificate", srv_crt)) != CLI_OK ||
	    (code = pki_step(tdv_sync_pki_key_new(pub_key), "publisher key", pub_key)) != CLI_OK ||
	    (code = pki_step(tdv_sync_pki_issue(ca_crt, ca_key, pub_key, TDV_SYNC_PUBLISHER_CN,
			     NULL, false, days, pub_crt),
		 "publisher certificate", pub_crt)) != CLI_OK)
		goto out;
	bool published = false;
	char err[256] = "";
	rc = tdv_sync_publish_officers(st, pub_crt, pub_key, &published, &v, err, sizeof(err));
	if (rc != TDV_OK) {
		code = cli_error("setup central: publishing the accounts: %s", err[0] ? err : tdv_strerror(rc));
		goto out;
	}
	(void)tdv_store_audit_append(st, NULL, "setup", "central.setup", admin, san, NULL);
	char fp[65];
	if ((code = print_fingerprint(ca_crt, fp)) != CLI_OK)
		goto out;
	if (o->json)
		printf("{\"dir\":\"%s\",\"admin\":\"%s\",\"server_names\":\"%s\","
		       "\"ca_fingerprint\":\"%s\"}\n", o->dir, admin, san, fp);
	else
		printf("central set up in %s (administrator %s, server names %s)\n"
		       "CA fingerprint (SHA-256): %s\n", o->dir, admin, san, fp);
out:
	tdv_store_free(&st);
	return code;
}

static int
parse_ttl(const char *s, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	int64_t mul = 3600;
	if (end != NULL && *end != '\0') {
		if (end[1] != '\0')
			return cli_error("--ttl: expected N, Ns, Nm, Nh or Nd");
		mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
	}
	if (errno || end == s || mul == 0 || v < 1 || v > 30LL * 86400 || v * mul > 30LL * 86400)
		return cli_error("--ttl: between 1 second and 30 days");
	*out = v * mul;
	return CLI_OK;
}

static int
do_token(const struct setup_opts *o)
{
	if (o->db == NULL || o->checkpoint == NULL)
		return cli_error("setup token: --db and --checkpoint are required");
	int64_t ttl = 86400;
	if (o->ttl != NULL && parse_ttl(o->ttl, &ttl) != CLI_OK)
		return CLI_USAGE;
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	int code = CLI_OK;
	tdv_checkpoint cp;
	int rc = tdv_store_checkpoint_get(st, o->checkpoint, &cp);
	if (o->name != NULL || o->country != NULL) {
		memset(&cp, 0, sizeof(cp));
		if (o->name == NULL || o->country == NULL || strlen(o->checkpoint) >= sizeof(cp.id) ||
		    strlen(o->name) >= sizeof(cp.name) || strlen(o->country) >= sizeof(cp.country)) {
			code = cli_error("setup token: --name and --country go together (and must fit)");
			goto out;
		}
		snprintf(cp.id, sizeof(cp.id), "%s", o->checkpoint);
		snprintf(cp.name, sizeof(cp.name), "%s", o->name);
		snprintf(cp.country, sizeof(cp.country), "%s", o->country);
		rc = tdv_store_checkpoint_put(st, &cp);
	}
	if (rc == TDV_ENOENT) {
		code = cli_error("setup token: checkpoint %s is not registered: give --name and --country",
		    o->checkpoint);
		goto out;
	}
	char token[64];
	if (rc == TDV_OK)
		rc = tdv_sync_token_new(st, o->checkpoint, ttl, token);
	if (rc != TDV_OK) {
		code = cli_error("setup token: %s", tdv_strerror(rc));
		goto out;
	}
	if (o->json)
		printf("{\"checkpoint\":\"%s\",\"token\":\"%s\",\"valid_s\":%lld}\n", o->checkpoint,
		    token, (long long)ttl);
	else
		printf("%s\n", token);
out:
	tdv_store_free(&st);
	return code;
}

static int
split_central(const char *s, char *host, size_t hostsz, int *port)
{
	if (strncmp(s, "https://", 8) == 0)
		s += 8;
	size_t n = strcspn(s, "/");
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon == NULL || colon == s || (size_t)(colon - s) >= hostsz)
		return cli_error("--central: expected HOST:PORT or https://HOST:PORT");
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end = NULL;
	long p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || end != s + n || p < 1 || p > 65535)
		return cli_error("--central: bad port");
	*port = (int)p;
	return CLI_OK;
}

static int
do_checkpoint(const struct setup_opts *o)
{
	if (o->central == NULL || o->token == NULL || o->id == NULL ||
	    (o->ca_fp == NULL) == (o->ca == NULL))
		return cli_error("setup checkpoint: --central, --enrol, --id and one of --ca-fingerprint or --ca are required");
	char host[256];
	int port = 0;
	if (split_central(o->central, host, sizeof(host), &port) != CLI_OK)
		return CLI_USAGE;
	const char *dir = o->dir ? o->dir : "var/sync";
	char ca[PATH_MAX], key[PATH_MAX], crt[PATH_MAX], lists[PATH_MAX];
	if (path_join(ca, sizeof(ca), dir, "ca.crt") || path_join(key, sizeof(key), dir, "checkpoint.key") ||
	    path_join(crt, sizeof(crt), dir, "checkpoint.crt") ||
	    path_join(lists, sizeof(lists), dir, "lists"))
		return CLI_USAGE;
	if (o->lists != NULL && (size_t)snprintf(lists, sizeof(lists), "%s", o->lists) >= sizeof(lists))
		return cli_error("--lists: path too long");
	if (access(crt, F_OK) == 0)
		return cli_error("setup checkpoint: %s exists: this checkpoint is enrolled already", crt);
	if (strncmp(dir, "var/", 4) == 0 && make_dir("var") != CLI_OK)
		return CLI_USAGE;
	if (make_dir(dir) != CLI_OK || make_dir(lists) != CLI_OK)
		return CLI_USAGE;
	char err[320] = "";
	tdv_buf pem, csr;
	tdv_buf_init(&pem, 1 << 16);
	tdv_buf_init(&csr, 1 << 16);
	int code = CLI_OK, rc;
	bool made_key = false, made_ca = false;
	/* the CA: given as a file, or fetched and checked by fingerprint */
	if (o->ca != NULL) {
		FILE *f = fopen(o->ca, "r");
		char buf[65536];
		size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
		if (f)
			fclose(f);
		char fp[65];
		if (n == 0 || n == sizeof(buf) || tdv_sync_pki_fingerprint(buf, n, fp) != TDV_OK) {
			code = cli_error("setup checkpoint: %s is not a PEM certificate", o->ca);
			goto out;
		}
		rc = tdv_buf_append(&pem, buf, n);
	} else {
		rc = tdv_sync_fetch_ca(host, port, o->ca_fp, o->timeout_ms, &pem, err, sizeof(err));
		if (rc != TDV_OK) {
			code = cli_error("setup checkpoint: CA: %s", err[0] ? err : tdv_strerror(rc));
			if (rc == TDV_EIO || rc == TDV_ETIMEOUT)
				code = CLI_INVALID;
			goto out;
		}
	}
	if (access(ca, F_OK) != 0) {
		if ((code = write_file_new(ca, pem.data, pem.len, 0644)) != CLI_OK)
			goto out;
		made_ca = true;
	}
	/* the key pair and request, made here */
	if (access(key, F_OK) != 0) {
		if ((code = pki_step(tdv_sync_pki_key_new(key), "checkpoint key", key)) != CLI_OK)
			goto out;
		made_key = true;
	}
	if ((code = pki_step(tdv_sync_pki_csr_new(key, o->id, &csr), "certificate request", key)) !=
	    CLI_OK)
		goto out;
	tdv_checkpoint cp;
	tdv_buf_reset(&pem);
	rc = tdv_sync_enrol(ca, host, port, o->id, o->token, tdv_buf_cstr(&csr), o->timeout_ms, &pem,
	    &cp, err, sizeof(err));
	if (rc != TDV_OK) {
		code = cli_error("setup checkpoint: %s", err[0] ? err : tdv_strerror(rc));
		if (rc == TDV_EIO || rc == TDV_ETIMEOUT)
			code = CLI_INVALID;
		goto out;
	}
	if ((code = write_file_new(crt, pem.data, pem.len, 0644)) != CLI_OK)
		goto out;
	made_key = made_ca = false; /* enrolled: keep them */
	fprintf(stderr, "setup: %s enrolled; certificate in %s\n", o->id, crt);
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL) {
		code = CLI_USAGE;
		goto out;
	}
	if (cp.name[0] == '\0')
		snprintf(cp.name, sizeof(cp.name), "%s", cp.id);
	rc = tdv_store_checkpoint_put(st, &cp);
	if (rc != TDV_OK)
		code = cli_error("setup checkpoint: recording the checkpoint locally: %s", tdv_strerror(rc));
	static const char *const kinds[] = {"officers", "sltd", "watchlist", "trust"};
	tdv_sync_tls tls = {crt, key, ca};
	for (size_t i = 0; code == CLI_OK && !o->no_pull && i < 4; i++) {
		tdv_sync_pull_result r;
		rc = tdv_sync_pull(st, &tls, host, port, o->id, kinds[i], lists, o->timeout_ms, &r, err,
		    sizeof(err));
		if (rc != TDV_OK) {
			code = cli_error("setup checkpoint: pull %s: %s%s%s", kinds[i], tdv_strerror(rc),
			    err[0] ? ": " : "", err);
			if (rc == TDV_EIO || rc == TDV_ETIMEOUT)
				code = CLI_INVALID;
		} else if (o->json) {
			printf("{\"list\":\"%s\",\"version\":%lld,\"bytes\":%zu}\n", kinds[i],
			    (long long)r.to_version, r.bytes);
		} else {
			printf("%s: version %lld%s\n", kinds[i], (long long)r.to_version,
			    r.to_version == 0 ? " (nothing published yet)" : "");
		}
	}
	tdv_store_free(&st);
	if (code == CLI_OK && !o->json)
		printf("checkpoint %s (%s, %s) enrolled; sync files in %s\n", cp.id, cp.name,
		    cp.country, dir);
out:
	/* refused: leave nothing half-made behind (a new try makes a new key) */
	if (made_key)
		unlink(key);
	if (made_ca)
		unlink(ca);
	tdv_buf_free(&pem);
	tdv_buf_free(&csr);
	return code;
}

int
cmd_setup(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		setup_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	struct setup_opts o;
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 15000;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			setup_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			o.json = true;
			continue;
		} else if (cli_flag(a, "--no-pull")) {
			o.no_pull = true;
			continue;
		} else if (cli_flag(a, "--db")) {
			val = &o.db;
		} else if (cli_flag(a, "--dir")) {
			val = &o.dir;
		} else if (cli_flag(a, "--admin")) {
			val = &o.admin;
		} else if (cli_flag(a, "--admin-name")) {
			val = &o.admin_name;
		} else if (cli_flag(a, "--checkpoint")) {
			val = &o.checkpoint;
		} else if (cli_flag(a, "--name")) {
			val = &o.name;
		} else if (cli_flag(a, "--country")) {
			val = &o.country;
		} else if (cli_flag(a, "--ttl")) {
			val = &o.ttl;
		} else if (cli_flag(a, "--central")) {
			val = &o.central;
		} else if (cli_flag(a, "--enrol")) {
			val = &o.token;
		} else if (cli_flag(a, "--id")) {
			val = &o.id;
		} else if (cli_flag(a, "--ca-fingerprint")) {
			val = &o.ca_fp;
		} else if (cli_flag(a, "--ca")) {
			val = &o.ca;
		} else if (cli_flag(a, "--lists")) {
			val = &o.lists;
		} else if (cli_flag(a, "--host")) {
			if (o.nhosts >= 16)
				return cli_error("at most 16 --host names");
			val = &o.hosts[o.nhosts++];
		} else if (cli_flag(a, "--days") || cli_flag(a, "--timeout")) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			char *end = NULL;
			long v = strtol(argv[++i], &end, 10);
			bool days = cli_flag(a, "--days");
			if (*end != '\0' || v < (days ? 1 : 100) || v > (days ? 3650 : 600000))
				return cli_error("%s: out of range", a);
			if (days)
				o.days = (int)v;
			else
				o.timeout_ms = (int)v;
			continue;
		} else {
			return cli_error("setup: unknown option '%s' (try --help)", a);
		}
		if (i + 1 >= argc)
			return cli_error("%s needs a value", a);
		*val = argv[++i];
	}
	if (strcmp(argv[1], "central") == 0)
		return do_central(&o);
	if (strcmp(argv[1], "token") == 0)
		return do_token(&o);
	if (strcmp(argv[1], "checkpoint") == 0)
		return do_checkpoint(&o);
	return cli_error("setup: unknown subcommand '%s' (central, token, checkpoint)", argv[1]);
}
