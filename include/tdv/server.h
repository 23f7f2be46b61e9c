/*
 * The checkpoint station: the HTTP server behind the officers' web
 * interface and the documented JSON API (docs/openapi.yaml).
 *
 * libmicrohttpd serves static assets from a directory (web/) and the API
 * under /api/. Every API route names the roles allowed to call it; a
 * request without a valid session, or from another role, is refused
 * before its handler runs. Sessions are random 256-bit ids in an
 * HttpOnly, SameSite=Strict cookie (Secure unless configured off);
 * state-changing requests need the session's CSRF token in the
 * X-CSRF-Token header and a JSON or declared upload content type; login
 * is rate limited per client address and locks an account for a while
 * after repeated failures. Bodies are bounded per route. Every response
 * carries security headers, with a Content-Security-Policy that allows no
 * inline script.
 *
 * Officer accounts and movements live in the tdv_store given to the
 * server (borrowed; the server serialises its use). Reading stored
 * personal data and running an inspection are written to the store's
 * audit log.
 *
 * The library never prints: log lines go to the log callback.
 */
#ifndef TDV_SERVER_H
#define TDV_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "tdv/date.h"
#include "tdv/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_server tdv_server;

/* Log sink (may be NULL): one line, no newline. */
typedef void (*tdv_server_log_fn)(void *ctx, const char *line);

typedef struct tdv_server_config {
	const char *listen_addr;   /* IPv4 address, default "127.0.0.1" */
	int port;                  /* default 8080; 0 picks a free port */
	const char *web_root;      /* directory of the static assets (web/) */
	const char *checkpoint_id; /* this station's checkpoint (must exist) */

	/* TLS (PEM text, not paths); both NULL: plain HTTP */
	const char *tls_cert_pem;
	const char *tls_key_pem;

	/* Secure flag on the session cookie. Default true; the CLI clears
	 * it only for plain HTTP on a loopback address. */
	bool cookie_secure;

	/* Resources (any may be NULL: the checks say what is missing) */
	const char *trust_dir;      /* CSCA certificates, master lists, CRLs */
	const char *sltd_path;      /* lost/stolen index (tdverify sltd import) */
	const char *watchlist_path; /* watchlist CSV */
	const char *demo_chips_dir; /* virtual chips: <dir>/<n>/ personalised */
	const char *demo_docs_json; /* demo documents list (served to officers) */
	const char *demo_images_dir; /* <dir>/<n>.png data-page images */
	bool pcsc;                  /* offer the PC/SC reader */

	/* Training (tdv/train.h): /api/train/ is served when train_db is
	 * set; sets are built in train_sets_dir with the PKI train_pki_dir */
	const char *train_db;
	const char *train_sets_dir;
	const char *train_pki_dir;

	tdv_date today;     /* year 0: the real date (UTC) of each request */
	int threads;        /* worker threads, default 2 */
	int session_idle_s; /* default 1800 */
	int login_max_failures;  /* per account before lockout, default 5 */
	int lockout_s;           /* default 900 */
	int login_per_minute;    /* per client address, default 20 */

	tdv_server_log_fn log;
	void *log_ctx;
} tdv_server_config;

/* Defaults for every field (addresses and paths NULL except listen). */
void tdv_server_config_default(tdv_server_config *c);

/*
 * Create a server over an open store (borrowed: it must outlive the
 * server). Loads the resources named in cfg and the movement index.
 * TDV_ENOENT when the checkpoint is not registered, TDV_EINVAL for a bad
 * configuration.
 */
int tdv_server_new(const tdv_server_config *cfg, tdv_store *store,
    tdv_server **out);

/* Start listening. TDV_EHTTP when the address cannot be bound. */
int tdv_server_start(tdv_server *s);

/* The port listened on (useful with port 0). */
int tdv_server_port(const tdv_server *s);

/* Stop listening and wait for requests in progress. */
void tdv_server_stop(tdv_server *s);

/* Stop if needed, flush the audit queue, free; sets *s to NULL. */
void tdv_server_free(tdv_server **s);

/* ---- demo data (tdverify serve --demo) ---- */

typedef struct tdv_demo_account {
	const char *id;
	const char *role;
	const char *password;
} tdv_demo_account;

/* The demo accounts, one per role; *n receives their number. */
const tdv_demo_account *tdv_demo_accounts(int *n);

/*
 * Seed a fresh demo station in directory dir (created): a test PKI
 * (dir/pki, trust store dir/trust), specimen passports
 * with virtual chips (dir/chips/<n>/) and data-page images
 * (dir/images/<n>.png), a lost/stolen list (dir/sltd.idx) naming one of
 * them, a watchlist (dir/watchlist.csv), the demo documents list
 * (dir/documents.json), and in the store: the checkpoint `checkpoint_id`,
 * the demo accounts, and a few weeks of generated movements for the
 * dashboard, and the training database dir/train.db with the demo trainer
 * (a master trainer) and trainee. `today` fixes every date. Parts whose module fails are
 * described in note (may be NULL) and skipped; TDV_OK unless the store
 * itself fails.
 */
int tdv_demo_seed(const char *dir, tdv_store *store, const char *checkpoint_id,
    const tdv_date *today, char *note, size_t notesz);

#ifdef __cplusplus
}
#endif
#endif
