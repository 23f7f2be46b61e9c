/*
 * The station's HTTP server on libmicrohttpd: lifecycle, the request
 * state machine (headers, bounded body, access control, handler,
 * response with security headers) and the static assets.
 *
 * Order of the checks on an API request, each refusing before the next:
 * route exists (404/405) -> declared body size (413) -> content type
 * (415) -> session (401) -> role (403) -> same-origin and CSRF token on
 * every state-changing request (403) -> handler.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "server_int.h"
#include "tdv/error.h"

#define CSP                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; "            \
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "    \
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; "           \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

int64_t
tdv__srv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tdv__srv_today(const tdv_server *s, tdv_date *out)
{
	if (s->cfg.today.year != 0) {
		*out = s->cfg.today;
		return;
	}
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

void
tdv__srv_log(tdv_server *s, const char *fmt, ...)
{
	if (s->cfg.log == NULL)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_ctx, line);
}

void
tdv__srv_json(srv_ctx *c, tdv_json *j)
{
	tdv_buf_reset(&c->out);
	c->ctype = "application/json; charset=utf-8";
	tdv_json_init(j, &c->out);
}

int
tdv__srv_error(srv_ctx *c, int status, const char *code, const char *msg)
{
	tdv_json j;
	tdv__srv_json(c, &j);
	c->status = status;
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "error");
	tdv_json_string(&j, code);
	tdv_json_key(&j, "message");
	tdv_json_string(&j, msg);
	tdv_json_object_end(&j);
	return TDV_OK;
}

json_t *
tdv__srv_body_json(srv_ctx *c)
{
	json_error_t err;
	if (c->body.len == 0) {
		tdv__srv_error(c, 400, "bad_json", "a JSON object is required");
		return NULL;
	}
	json_t *o = json_loadb((const char *)c->body.data, c->body.len,
	    JSON_REJECT_DUPLICATES, &err);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		tdv__srv_error(c, 400, "bad_json",
		    "the body is not a well-formed JSON object");
		return NULL;
	}
	return o;
}

const char *
tdv__srv_jstr(json_t *o, const char *key, size_t max, bool *bad)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

const char *
tdv__srv_query(srv_ctx *c, const char *key)
{
	const char *v = MHD_lookup_connection_value(c->conn,
	    MHD_GET_ARGUMENT_KIND, key);
	return v != NULL ? v : "";
}

/* ---- static assets ---- */

static const char *
content_type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".json", "application/json; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	if (dot == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static int
load_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return TDV_EIO;
	uint8_t *p = malloc(SRV_STATIC_FILE_MAX + 1);
	if (p == NULL) {
		fclose(f);
		return TDV_ENOMEM;
	}
	size_t n = fread(p, 1, SRV_STATIC_FILE_MAX + 1, f);
	fclose(f);
	if (n > SRV_STATIC_FILE_MAX) {
		free(p);
		return TDV_ELIMIT;
	}
	*data = p;
	*len = n;
	return TDV_OK;
}

/* Load every servable file under dir (two levels) into memory: the
 * station serves only what was there at start, never a path the client
 * names. */
static void
load_static_dir(tdv_server *s, const char *root, const char *rel, int depth)
{
	char dirpath[512];
	if (snprintf(dirpath, sizeof(dirpath), "%s%s", root, rel) >=
	    (int)sizeof(dirpath))
		return;
	DIR *d = opendir(dirpath);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && s->nfiles < SRV_STATIC_MAX_FILES) {
		if (e->d_name[0] == '.')
			continue;
		char relpath[128], full[640];
		if (snprintf(relpath, sizeof(relpath), "%s/%s", rel, e->d_name) >=
			(int)sizeof(relpath) ||
		    snprintf(full, sizeof(full), "%s%s", root, relpath) >=
			(int)sizeof(full))
			continue;
		struct stat st;
		if (lstat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 2 && strcmp(e->d_name, "node_modules") != 0)
				load_static_dir(s, root, relpath, depth + 1);
			continue;
		}
		const char *ct = content_type_of(e->d_name);
		if (!S_ISREG(st.st_mode) || ct == NULL)
			continue;
		srv_file *f = &s->files[s->nfiles];
		if (load_file(full, &f->data, &f->len) != TDV_OK)
			continue;
		snprintf(f->path, sizeof(f->path), "%s", relpath);
		f->ctype = ct;
		s->nfiles++;
	}
	closedir(d);
}

static const srv_file *
find_static(const tdv_server *s, const char *path)
{
	char idx[160];
	size_t n = strlen(path);
	/* a directory: its index.html */
	if (n > 0 && n < 100 && path[n - 1] == '/') {
		snprintf(idx, sizeof(idx), "%sindex.html", path);
		path = idx;
	}
	for (int i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

/* ---- requests ---- */

static void
ctx_free(srv_ctx *c)
{
	if (c == NULL)
		return;
	tdv_buf_free(&c->body);
	tdv_buf_free(&c->out);
	OPENSSL_cleanse(&c->sess, sizeof(c->sess));
	free(c);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	ctx_free(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result
send_response(srv_ctx *c)
{
	tdv_server *s = c->srv;
	struct MHD_Response *r;
	if (c->file != NULL)
		r = MHD_create_response_from_buffer(c->file->len,
		    (void *)c->file->data, MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(c->out.len,
		    c->out.len ? (void *)c->out.data : (void *)"",
		    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
	    c->ctype != NULL ? c->ctype : "application/json; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy",
	    "camera=(self), microphone=(), geolocation=(), usb=()");
	MHD_add_response_header(r, "Cache-Control",
	    c->file != NULL ? "no-cache" : "no-store");
	if (s->cfg.tls_cert_pem != NULL)
		MHD_add_response_header(r, "Strict-Transport-Security",
		    "max-age=31536000");
	if (c->cookie[0] != '\0')
		MHD_add_response_header(r, "Set-Cookie", c->cookie);
	if (c->disposition[0] != '\0')
		MHD_add_response_header(r, "Content-Disposition", c->disposition);
	if (c->status == 429)
		MHD_add_response_header(r, "Retry-After", "60");
	enum MHD_Result ret = MHD_queue_response(c->conn,
	    (unsigned)(c->status ? c->status : 200), r);
	MHD_destroy_response(r);
	return ret;
}

static bool
header_is(struct MHD_Connection *conn, const char *name, const char *prefix)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	return v != NULL && strncasecmp(v, prefix, strlen(prefix)) == 0;
}

/* Same-origin check for state-changing requests: an Origin header, when
 * sent, must name this host; Sec-Fetch-Site must not be cross-site. */
static bool
same_origin(srv_ctx *c)
{
	const char *site = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
	    "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return false;
	const char *origin = MHD_lookup_connection_value(c->conn,
	    MHD_HEADER_KIND, "Origin");
	if (origin == NULL)
		return true;
	const char *host = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
	    "Host");
	if (host == NULL)
		return false;
	const char *p = strstr(origin, "://");
	return p != NULL && strcmp(p + 3, host) == 0;
}

static bool
csrf_ok(srv_ctx *c)
{
	const char *tok = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
	    "X-CSRF-Token");
	if (tok == NULL || strlen(tok) != 64)
		return false;
	return CRYPTO_memcmp(tok, c->sess.csrf, 64) == 0;
}

static enum MHD_Result
process(srv_ctx *c)
{
	tdv_server *s = c->srv;
	if (c->route < 0) {
		/* static asset (GET/HEAD checked at the first call) */
		if (c->file == NULL)
			tdv__srv_error(c, 404, "not_found", "not found");
		else
			c->ctype = c->file->ctype;
		return send_response(c);
	}
	unsigned roles = 0;
	bool allowed;
	size_t maxb;
	int kind;
	char arg[96];
	tdv__srv_dispatch_find(c->method, c->url, arg, sizeof(arg), &roles,
	    &allowed, &maxb, &kind);
	if (c->too_large) {
		tdv__srv_error(c, 413, "too_large", "the request body is too large");
		return send_response(c);
	}
	const char *cookie = MHD_lookup_connection_value(c->conn,
	    MHD_COOKIE_KIND, "tdv_session");
	if (cookie != NULL)
		c->have_session = tdv__srv_session_lookup(s, cookie, &c->sess);
	if (roles != 0 && !c->have_session) {
		tdv__srv_error(c, 401, "unauthenticated", "log in first");
		return send_response(c);
	}
	if (roles != 0 && (roles & RB(c->sess.role)) == 0) {
		tdv__srv_error(c, 403, "forbidden",
		    "your role may not use this function");
		return send_response(c);
	}
	if (strcmp(c->method, "GET") != 0) {
		if (!same_origin(c)) {
			tdv__srv_error(c, 403, "cross_origin",
			    "cross-site request refused");
			return send_response(c);
		}
		if (roles != 0 && !csrf_ok(c)) {
			tdv__srv_error(c, 403, "csrf",
			    "missing or wrong X-CSRF-Token");
			return send_response(c);
		}
		if (c->bad_type) {
			tdv__srv_error(c, 415, "content_type",
			    kind == 1 ? "send application/json"
				      : "this content type is not accepted");
			return send_response(c);
		}
	}
	c->status = 200;
	int rc = tdv__srv_dispatch_run(c);
	if (rc != TDV_OK && c->status < 400)
		tdv__srv_error(c, 500, "internal", tdv_strerror(rc));
	if (c->status >= 500)
		tdv__srv_log(s, "%s %s -> %d", c->method, c->url, c->status);
	return send_response(c);
}

/* Content types a cross-site form could send without a CORS preflight are
 * refused for every state-changing route (defence beside the token). */
static bool
type_ok(struct MHD_Connection *conn, int kind)
{
	if (kind == 1)
		return header_is(conn, "Content-Type", "application/json");
	if (kind == 2) {
		const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Type");
		if (v == NULL)
			return false;
		return strncasecmp(v, "multipart/form-data", 19) != 0 &&
		    strncasecmp(v, "application/x-www-form-urlencoded", 33) != 0 &&
		    strncasecmp(v, "text/plain", 10) != 0;
	}
	return true;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	(void)version;
	tdv_server *s = cls;
	srv_ctx *c = *con_cls;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return MHD_NO;
		*con_cls = c;
		c->srv = s;
		c->conn = conn;
		c->url = url;
		c->method = method;
		c->route = -1;
		tdv_buf_init(&c->out, SRV_OUT_MAX);
		tdv_buf_init(&c->body, 0);
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL &&
		    ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET,
			    &((const struct sockaddr_in *)(const void *)ci->client_addr)
				 ->sin_addr,
			    c->addr, sizeof(c->addr));
		else if (ci != NULL && ci->client_addr != NULL &&
		    ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)ci->client_addr)
				 ->sin6_addr,
			    c->addr, sizeof(c->addr));

		if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0) {
			if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
				tdv__srv_error(c, 405, "method", "method not allowed");
				return send_response(c);
			}
			c->file = find_static(s, url);
			return MHD_YES;
		}
		unsigned roles;
		bool allowed;
		size_t maxb = 0;
		int kind = 0;
		c->route = tdv__srv_dispatch_find(method, url, c->arg,
		    sizeof(c->arg), &roles, &allowed, &maxb, &kind);
		if (c->route < 0) {
			if (allowed)
				tdv__srv_error(c, 405, "method", "method not allowed");
			else
				tdv__srv_error(c, 404, "not_found", "no such route");
			return send_response(c);
		}
		c->body.max = maxb;
		const char *cl = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL) {
			char *end = NULL;
			errno = 0;
			unsigned long long n = strtoull(cl, &end, 10);
			if (errno != 0 || end == cl || *end != '\0' || n > maxb) {
				tdv__srv_error(c, 413, "too_large",
				    "the request body is too large");
				return send_response(c);
			}
		}
		if (strcmp(method, "GET") != 0 && !type_ok(conn, kind))
			c->bad_type = true;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!c->too_large && tdv_buf_append(&c->body, upload_data,
					 *upload_data_size) != TDV_OK)
			c->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return process(c);
}

/* libmicrohttpd's messages: its own format strings */
static void mhd_logger(void *cls, const char *fm, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
mhd_logger(void *cls, const char *fm, va_list ap)
{
	tdv_server *s = cls;
	if (s->cfg.log == NULL)
		return;
	char line[512];
	vsnprintf(line, sizeof(line), fm, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	s->cfg.log(s->cfg.log_ctx, line);
}

/* ---- lifecycle ---- */

void
tdv_server_config_default(tdv_server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_addr = "127.0.0.1";
	c->port = 8080;
	c->cookie_secure = true;
	c->threads = 2;
	c->session_idle_s = 1800;
	c->login_max_failures = 5;
	c->lockout_s = 900;
	c->login_per_minute = 20;
}

static const char *
own(tdv_server *s, const char *v)
{
	if (v == NULL || s->nstrings >= (int)(sizeof(s->strings) / sizeof(s->strings[0])))
		return NULL;
	char *p = strdup(v);
	if (p != NULL)
		s->strings[s->nstrings++] = p;
	return p;
}

int
tdv_server_new(const tdv_server_config *cfg, tdv_store *store,
    tdv_server **out)
{
	if (cfg == NULL || store == NULL || out == NULL || cfg->checkpoint_id == NULL ||
	    strlen(cfg->checkpoint_id) > TDV_ID_MAX || cfg->port < 0 ||
	    cfg->port > 65535 ||
	    (cfg->tls_cert_pem == NULL) != (cfg->tls_key_pem == NULL))
		return TDV_EINVAL;
	*out = NULL;
	tdv_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TDV_ENOMEM;
	s->cfg = *cfg;
	s->cfg.listen_addr = own(s, cfg->listen_addr ? cfg->listen_addr : "127.0.0.1");
	s->cfg.web_root = own(s, cfg->web_root);
	s->cfg.checkpoint_id = own(s, cfg->checkpoint_id);
	s->cfg.tls_cert_pem = own(s, cfg->tls_cert_pem);
	s->cfg.tls_key_pem = own(s, cfg->tls_key_pem);
	s->cfg.trust_dir = own(s, cfg->trust_dir);
	s->cfg.sltd_path = own(s, cfg->sltd_path);
	s->cfg.watchlist_path = own(s, cfg->watchlist_path);
	s->cfg.demo_chips_dir = own(s, cfg->demo_chips_dir);
	s->cfg.demo_docs_json = own(s, cfg->demo_docs_json);
	s->cfg.demo_images_dir = own(s, cfg->demo_images_dir);
	s->cfg.train_db = own(s, cfg->train_db);
	s->cfg.train_sets_dir = own(s, cfg->train_sets_dir);
	s->cfg.train_pki_dir = own(s, cfg->train_pki_dir);
	if (s->cfg.threads < 1 || s->cfg.threads > 64)
		s->cfg.threads = 2;
	if (s->cfg.session_idle_s <= 0)
		s->cfg.session_idle_s = 1800;
	if (s->cfg.login_max_failures <= 0)
		s->cfg.login_max_failures = 5;
	if (s->cfg.lockout_s <= 0)
		s->cfg.lockout_s = 900;
	if (s->cfg.login_per_minute <= 0)
		s->cfg.login_per_minute = 20;
	snprintf(s->checkpoint, sizeof(s->checkpoint), "%s", cfg->checkpoint_id);
	s->store = store;
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_mutex_init(&s->sess_mu, NULL);
	pthread_mutex_init(&s->pend_mu, NULL);
	pthread_mutex_init(&s->idx_mu, NULL);
	pthread_mutex_init(&s->aq_mu, NULL);
	pthread_cond_init(&s->aq_cv, NULL);
	pthread_rwlock_init(&s->res_lock, NULL);
	pthread_mutex_init(&s->train_mu, NULL);
	tdv_buf_init(&s->demo_docs, 1 << 20);

	int rc;
	tdv_checkpoint cp;
	if ((rc = tdv_store_checkpoint_get(store, s->checkpoint, &cp)) != TDV_OK ||
	    (rc = tdv__srv_sessions_init(s)) != TDV_OK ||
	    (rc = tdv__srv_index_load(s)) != TDV_OK ||
	    (rc = tdv__srv_resources_load(s)) != TDV_OK ||
	    (s->cfg.train_db != NULL &&
		(rc = tdv_train_db_open(s->cfg.train_db, &s->train)) != TDV_OK)) {
		tdv_server_free(&s);
		return rc;
	}
	if (s->cfg.web_root != NULL)
		load_static_dir(s, s->cfg.web_root, "", 0);
	if (s->cfg.demo_docs_json != NULL) {
		uint8_t *d;
		size_t n;
		if (load_file(s->cfg.demo_docs_json, &d, &n) == TDV_OK) {
			tdv_buf_append(&s->demo_docs, d, n);
			free(d);
		}
	}
	*out = s;
	return TDV_OK;
}

int
tdv_server_start(tdv_server *s)
{
	if (s == NULL || s->daemon != NULL)
		return TDV_EINVAL;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->cfg.port);
	if (inet_pton(AF_INET, s->cfg.listen_addr, &sa.sin_addr) != 1)
		return TDV_EINVAL;
	int rc = tdv__srv_audit_start(s);
	if (rc != TDV_OK)
		return rc;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (s->cfg.tls_cert_pem != NULL)
		flags |= MHD_USE_TLS;
#ifdef MHD_USE_EPOLL
	flags |= MHD_USE_EPOLL;
#endif
	if (s->cfg.tls_cert_pem != NULL)
		s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
		    MHD_OPTION_CONNECTION_LIMIT, 1024u,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		    MHD_OPTION_HTTPS_MEM_CERT, s->cfg.tls_cert_pem,
		    MHD_OPTION_HTTPS_MEM_KEY, s->cfg.tls_key_pem,
		    MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
		    MHD_OPTION_CONNECTION_LIMIT, 1024u,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		    MHD_OPTION_END);
	if (s->daemon == NULL) {
		tdv__srv_audit_stop(s);
		return TDV_EHTTP;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon,
	    MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? di->port : s->cfg.port;
	return TDV_OK;
}

int
tdv_server_port(const tdv_server *s)
{
	return s != NULL ? s->port : -1;
}

void
tdv_server_stop(tdv_server *s)
{
	if (s == NULL || s->daemon == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	tdv__srv_audit_stop(s);
}

void
tdv_server_free(tdv_server **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	tdv_server *s = *sp;
	tdv_server_stop(s);
	tdv__srv_audit_stop(s);
	tdv__srv_pending_free_all(s);
	tdv__srv_sessions_free(s);
	tdv__srv_index_free(s);
	tdv__srv_resources_free(s);
	tdv_train_db_free(&s->train);
	for (int i = 0; i < s->nfiles; i++)
		free(s->files[i].data);
	for (int i = 0; i < s->nstrings; i++) {
		OPENSSL_cleanse(s->strings[i], strlen(s->strings[i]));
		free(s->strings[i]);
	}
	tdv_buf_free(&s->demo_docs);
	free(s->aq);
	pthread_mutex_destroy(&s->store_mu);
	pthread_mutex_destroy(&s->sess_mu);
	pthread_mutex_destroy(&s->pend_mu);
	pthread_mutex_destroy(&s->idx_mu);
	pthread_mutex_destroy(&s->aq_mu);
	pthread_cond_destroy(&s->aq_cv);
	pthread_rwlock_destroy(&s->res_lock);
	pthread_mutex_destroy(&s->train_mu);
	free(s);
	*sp = NULL;
}
