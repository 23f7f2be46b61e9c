/*
 * Internals of the checkpoint station server (src/server/), shared by its
 * files: the request context, sessions, pending inspections, the movement
 * index and the audit queue. Nothing here is public API.
 */
#ifndef TDV_SERVER_INT_H
#define TDV_SERVER_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/inspect.h"
#include "tdv/json.h"
#include "tdv/pa.h"
#include "tdv/screen.h"
#include "tdv/server.h"
#include "tdv/store.h"
#include "tdv/train.h"

#define SRV_MAX_SESSIONS 4096
#define SRV_SESSION_ABSOLUTE_S (12 * 3600)
#define SRV_MAX_PENDING 512
#define SRV_PENDING_TTL_MS (30 * 60 * 1000)
#define SRV_THROTTLE_SLOTS 512
#define SRV_JSON_BODY_MAX (64 * 1024)
#define SRV_UPLOAD_MAX (8u * 1024 * 1024)
#define SRV_LIST_UPLOAD_MAX (16u * 1024 * 1024)
#define SRV_OUT_MAX (8u * 1024 * 1024)
#define SRV_NOTES_MAX 500
#define SRV_PHOTO_MAX (256 * 1024)
#define SRV_INDEX_MAX 200000
#define SRV_IDS_MAX 4096

#define SRV_AUDIT_QUEUE_MAX 65536
#define SRV_STATIC_MAX_FILES 256
#define SRV_STATIC_FILE_MAX (2u * 1024 * 1024)

/* role bits for the route table */
#define RB(r) (1u << (r))
#define R_OFFICER RB(TDV_ROLE_OFFICER)
#define R_EXAMINER RB(TDV_ROLE_EXAMINER)
#define R_SUPERVISOR RB(TDV_ROLE_SUPERVISOR)
#define R_TRAINER RB(TDV_ROLE_TRAINER)
#define R_TRAINEE RB(TDV_ROLE_TRAINEE)
#define R_ADMIN RB(TDV_ROLE_ADMIN)
#define R_ANY (R_OFFICER | R_EXAMINER | R_SUPERVISOR | R_TRAINER | R_TRAINEE | R_ADMIN)

typedef struct srv_session {
	bool used;
	char id[65];   /* hex of 32 random bytes */
	char csrf[65]; /* hex of 32 random bytes */
	char officer[TDV_ID_MAX + 1];
	char name[TDV_NAME_MAX + 1];
	tdv_role role;
	int64_t created_ms;
	int64_t last_ms;
} srv_session;

typedef struct srv_throttle {
	char key[72];
	int count;
	int64_t window_ms;  /* start of the counting window */
	int64_t locked_until_ms;
} srv_throttle;

/* An inspection run but not yet decided: what a decision will record. */
typedef struct srv_pending {
	bool used;
	char id[33];
	char officer[TDV_ID_MAX + 1];
	int64_t time_ms;
	bool live; /* false: a trainer's or trainee's dry run (never recorded) */
	tdv_movement *m;
	uint8_t *photo; /* chip portrait (JPEG), may be NULL */
	size_t photo_len;
} srv_pending;

/* One movement as the station keeps it in memory (queue, history). */
typedef struct srv_mv {
	char id[TDV_ULID_LEN + 1];
	char checkpoint[TDV_ID_MAX + 1];
	int64_t seq;
	int64_t time_ms;
	tdv_direction direction;
	tdv_decision decision;
	char officer[TDV_ID_MAX + 1];
	char state[4];
	char number[32];
	char nationality[4];
	char surname[TDV_NAME_MAX + 1];
	char given[TDV_NAME_MAX + 1];
	char verdict[8];
	char fraud[TDV_ID_MAX + 1];
	char reason[TDV_REASON_MAX + 1];
	/* secondary inspection outcome of a referral: 0 pending */
	int outcome; /* 0, TDV_DECISION_ADMITTED or TDV_DECISION_REFUSED */
	char outcome_by[TDV_ID_MAX + 1];
	int64_t outcome_ms;
	char outcome_notes[SRV_NOTES_MAX + 1];
} srv_mv;

typedef struct srv_audit_item {
	char actor[TDV_ID_MAX + 1];
	char action[TDV_AUDIT_ACTION_MAX + 1];
	char object[TDV_AUDIT_OBJECT_MAX + 1];
	char detail[256];
} srv_audit_item;

typedef struct srv_file {
	char path[128];
	uint8_t *data;
	size_t len;
	const char *ctype;
} srv_file;

struct tdv_server {
	tdv_server_config cfg;
	char *strings[16]; /* owned copies of the configuration strings */
	int nstrings;
	char checkpoint[TDV_ID_MAX + 1];

	tdv_store *store;
	pthread_mutex_t store_mu;

	struct MHD_Daemon *daemon;
	int port;

	pthread_mutex_t sess_mu;
	srv_session *sessions;
	srv_throttle accounts[SRV_THROTTLE_SLOTS];
	srv_throttle addresses[SRV_THROTTLE_SLOTS];

	pthread_mutex_t pend_mu;
	srv_pending pending[SRV_MAX_PENDING];

	pthread_rwlock_t res_lock;
	tdv_trust *trust;
	tdv_sltd *sltd;
	tdv_watchlist *watchlist;
	int64_t watchlist_loaded_ms;
	int64_t trust_loaded_ms;
	/* list files in use (evidence.c): one refresh at a time */
	pthread_mutex_t lists_mu;
	bool lists_mu_ok;
	uint64_t sltd_sig[4], wl_sig[4]; /* device, inode, size, mtime */
	int64_t lists_checked_ms;

	pthread_mutex_t idx_mu;
	srv_mv *mv;
	size_t nmv, capmv;
	char (*officer_ids)[TDV_ID_MAX + 1]; /* known from the audit log */
	size_t nofficers;
	char (*cp_ids)[TDV_ID_MAX + 1];      /* checkpoints known */
	size_t ncp;

	pthread_mutex_t aq_mu;
	pthread_cond_t aq_cv;
	srv_audit_item *aq;
	size_t aq_len;
	bool aq_stop;
	bool aq_running;
	pthread_t aq_thread;
	uint64_t audit_dropped;

	pthread_mutex_t train_mu;
	tdv_train_db *train;

	srv_file files[SRV_STATIC_MAX_FILES];
	int nfiles;
	tdv_buf demo_docs;
};

/* One request from first call to response. */
typedef struct srv_ctx {
	tdv_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	int route; /* -1 static or not found */
	char arg[96]; /* the '*' segment of the route */
	tdv_buf body;
	bool too_large;
	bool bad_type;
	bool have_session;
	srv_session sess; /* a copy */
	char addr[64];

	int status;
	const char *ctype;
	tdv_buf out;
	char cookie[256];
	char disposition[128];
	const srv_file *file;
} srv_ctx;

/* route handlers */
typedef int (*srv_handler)(srv_ctx *c);

/* ---- server.c ---- */
int64_t tdv__srv_now_ms(void);
void tdv__srv_today(const tdv_server *s, tdv_date *out);
void tdv__srv_log(tdv_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON error body {"error":code,"message":msg}; returns TDV_OK. */
int tdv__srv_error(srv_ctx *c, int status, const char *code, const char *msg);
/* Start a JSON body: j writes into c->out. */
void tdv__srv_json(srv_ctx *c, tdv_json *j);
/* Parse the body as a JSON object (NULL with a 400 response set). */
json_t *tdv__srv_body_json(srv_ctx *c);
/* A string member: NULL when absent; sets *bad when present but not a
 * string or longer than max bytes. */
const char *tdv__srv_jstr(json_t *o, const char *key, size_t max, bool *bad);
/* A query argument ("" when absent). */
const char *tdv__srv_query(srv_ctx *c, const char *key);

/* ---- session.c ---- */
int tdv__srv_random_hex(char *out, size_t nbytes);
int tdv__srv_sessions_init(tdv_server *s);
void tdv__srv_sessions_free(tdv_server *s);
/* Find the session named by the cookie; copies it into c->sess. */
bool tdv__srv_session_lookup(tdv_server *s, const char *cookie_value,
    srv_session *out);
/* A new session (a fresh id: never one the client offered). */
int tdv__srv_session_create(tdv_server *s, const tdv_officer *o,
    srv_session *out);
void tdv__srv_session_destroy(tdv_server *s, const char *id);
/* End every session of an officer (account disabled). */
void tdv__srv_session_destroy_officer(tdv_server *s, const char *officer);
/* Login throttling: TDV_EBUSY with *retry_s when the address or the
 * account is blocked. */
int tdv__srv_login_allowed(tdv_server *s, const char *addr,
    const char *account, int *retry_s);
void tdv__srv_login_result(tdv_server *s, const char *addr,
    const char *account, bool ok);
/* Pending inspections. */
int tdv__srv_pending_put(tdv_server *s, const char *officer, bool live,
    tdv_movement *m, uint8_t *photo, size_t photo_len, char id_out[33]);
/* Take it out (the caller frees m and photo) when it belongs to officer. */
int tdv__srv_pending_take(tdv_server *s, const char *id, const char *officer,
    srv_pending *out);
/* Copy the photo of a pending inspection. */
int tdv__srv_pending_photo(tdv_server *s, const char *id, const char *officer,
    tdv_buf *out);
void tdv__srv_pending_free_all(tdv_server *s);

/* ---- index.c ---- */
int tdv__srv_index_load(tdv_server *s);
int tdv__srv_index_add(tdv_server *s, const tdv_movement *m);
void tdv__srv_index_free(tdv_server *s);
/* Queue an audit entry (written in batches by the audit thread). */
void tdv__srv_audit(tdv_server *s, const char *actor, const char *action,
    const char *object, const char *detail);
int tdv__srv_audit_start(tdv_server *s);
void tdv__srv_audit_stop(tdv_server *s);
void tdv__srv_mv_to_json(const srv_mv *m, tdv_json *j);
/* Remember an id (officer or checkpoint) in a list; no duplicates. */
void tdv__srv_id_add(char (**ids)[TDV_ID_MAX + 1], size_t *n, const char *id);
/* Record a referral's outcome in memory (the audit entry is the caller's). */
int tdv__srv_index_outcome(tdv_server *s, const char *movement_id, int decision,
    const char *by, int64_t when_ms, const char *notes);

/* ---- evidence.c (OCR, chip, screening, resources) ---- */
int tdv__srv_resources_load(tdv_server *s);
void tdv__srv_resources_free(tdv_server *s);
int tdv__srv_trust_reload(tdv_server *s);
int tdv__srv_sltd_reopen(tdv_server *s);
/* Read a chip ("pcsc" or "demo-N") with the MRZ's keys into ins. The
 * DG2 portrait (JPEG) is returned in photo (caller frees). */
int tdv__srv_read_chip(tdv_server *s, const char *source, const tdv_mrz *mrz,
    const tdv_date *today, tdv_inspection *ins, uint8_t **photo,
    size_t *photo_len);
int tdv__srv_watchlist_reload(tdv_server *s, const char *csv, size_t len,
    char *msg, size_t msgsz);
/* Screening resources attached under the read lock (held by caller). */
void tdv__srv_attach_screening(tdv_server *s, tdv_inspection *ins);
/* Switch to list files replaced since (a pull, an import): at most once a
 * second, by one thread; call without res_lock held. */
void tdv__srv_lists_refresh(tdv_server *s);

/* ---- routes ---- */
int tdv__srv_dispatch_find(const char *method, const char *path, char *arg,
    size_t argsz, unsigned *roles, bool *allowed_method, size_t *max_body,
    int *kind);
int tdv__srv_dispatch_run(srv_ctx *c);

/* handlers (api_*.c) */
int tdv__api_session_get(srv_ctx *c);
int tdv__api_login(srv_ctx *c);
int tdv__api_logout(srv_ctx *c);
int tdv__api_health(srv_ctx *c);
int tdv__api_inspect(srv_ctx *c);
int tdv__api_inspect_image(srv_ctx *c);
int tdv__api_inspection_photo(srv_ctx *c);
int tdv__api_decision(srv_ctx *c);
int tdv__api_demo_documents(srv_ctx *c);
int tdv__api_demo_image(srv_ctx *c);
int tdv__api_referrals(srv_ctx *c);
int tdv__api_referral_decide(srv_ctx *c);
int tdv__api_movement_get(srv_ctx *c);
int tdv__api_movements_recent(srv_ctx *c);
int tdv__api_stats(srv_ctx *c);
int tdv__api_stats_csv(srv_ctx *c);
int tdv__api_sync(srv_ctx *c);
int tdv__api_lists(srv_ctx *c);
int tdv__api_officers_list(srv_ctx *c);
int tdv__api_officer_add(srv_ctx *c);
int tdv__api_officer_update(srv_ctx *c);
int tdv__api_checkpoints_list(srv_ctx *c);
int tdv__api_checkpoint_put(srv_ctx *c);
int tdv__api_trust_get(srv_ctx *c);
int tdv__api_trust_upload(srv_ctx *c);
int tdv__api_sltd_upload(srv_ctx *c);
int tdv__api_watchlist_upload(srv_ctx *c);
int tdv__api_audit_verify(srv_ctx *c);
int tdv__api_train(srv_ctx *c);

#endif
