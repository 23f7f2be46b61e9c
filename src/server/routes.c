/*
 * The API route table: for every route, the method, the path (one '*'
 * segment at most), the roles allowed, the body it takes and its bound.
 * Access control happens here, once, before any handler runs; the
 * access-control test (tests/unit/test_server_access.c) walks this same
 * matrix from outside.
 */
#include <string.h>

#include "server_int.h"
#include "tdv/error.h"

enum { K_GET = 0, K_JSON = 1, K_UPLOAD = 2 };

struct route {
	const char *method;
	const char *path;
	unsigned roles; /* 0: no session needed */
	int kind;
	size_t max_body;
	srv_handler fn;
};

#define LIVE (R_OFFICER | R_EXAMINER)
#define INSPECT (R_OFFICER | R_EXAMINER | R_TRAINER | R_TRAINEE)
#define REVIEW (R_EXAMINER | R_SUPERVISOR)

static const struct route routes[] = {
    {"GET", "/api/health", 0, K_GET, 0, tdv__api_health},
    {"POST", "/api/login", 0, K_JSON, 4096, tdv__api_login},
    {"POST", "/api/logout", R_ANY, K_JSON, 4096, tdv__api_logout},
    {"GET", "/api/session", R_ANY, K_GET, 0, tdv__api_session_get},

    {"POST", "/api/inspections", INSPECT, K_JSON, 4096, tdv__api_inspect},
    {"POST", "/api/inspections/image", INSPECT, K_UPLOAD, SRV_UPLOAD_MAX,
	tdv__api_inspect_image},
    {"GET", "/api/inspections/*/photo", INSPECT, K_GET, 0,
	tdv__api_inspection_photo},
    {"POST", "/api/decisions", LIVE, K_JSON, 4096, tdv__api_decision},
    {"GET", "/api/demo/documents", INSPECT, K_GET, 0, tdv__api_demo_documents},
    {"GET", "/api/demo/images/*", INSPECT, K_GET, 0, tdv__api_demo_image},

    {"GET", "/api/referrals", REVIEW, K_GET, 0, tdv__api_referrals},
    {"POST", "/api/referrals/*/decision", R_EXAMINER, K_JSON, 4096,
	tdv__api_referral_decide},
    {"GET", "/api/movements", REVIEW, K_GET, 0, tdv__api_movements_recent},
    {"GET", "/api/movements/*", REVIEW, K_GET, 0, tdv__api_movement_get},

    {"GET", "/api/stats", R_SUPERVISOR, K_GET, 0, tdv__api_stats},
    {"GET", "/api/stats.csv", R_SUPERVISOR, K_GET, 0, tdv__api_stats_csv},
    {"GET", "/api/sync", R_SUPERVISOR | R_ADMIN, K_GET, 0, tdv__api_sync},
    {"GET", "/api/lists", R_SUPERVISOR | R_ADMIN, K_GET, 0, tdv__api_lists},
    {"GET", "/api/audit/verify", R_SUPERVISOR | R_ADMIN, K_GET, 0,
	tdv__api_audit_verify},

    {"GET", "/api/officers", R_ADMIN, K_GET, 0, tdv__api_officers_list},
    {"POST", "/api/officers", R_ADMIN, K_JSON, 4096, tdv__api_officer_add},
    {"POST", "/api/officers/*", R_ADMIN, K_JSON, 4096, tdv__api_officer_update},
    {"GET", "/api/checkpoints", R_ADMIN | R_SUPERVISOR, K_GET, 0,
	tdv__api_checkpoints_list},
    {"POST", "/api/checkpoints", R_ADMIN, K_JSON, 4096, tdv__api_checkpoint_put},
    {"GET", "/api/trust", R_ADMIN, K_GET, 0, tdv__api_trust_get},
    {"POST", "/api/trust", R_ADMIN, K_UPLOAD, 4u * 1024 * 1024,
	tdv__api_trust_upload},
    {"POST", "/api/lists/sltd", R_ADMIN, K_UPLOAD, SRV_LIST_UPLOAD_MAX,
	tdv__api_sltd_upload},
    {"POST", "/api/lists/watchlist", R_ADMIN, K_UPLOAD, SRV_LIST_UPLOAD_MAX,
	tdv__api_watchlist_upload},

    /* training (tdv_train_api_handle decides who may do what inside) */
    {"GET", "/api/train/**", R_TRAINER | R_TRAINEE | R_SUPERVISOR, K_GET, 0,
	tdv__api_train},
    {"POST", "/api/train/**", R_TRAINER | R_TRAINEE | R_SUPERVISOR, K_JSON,
	TDV_TRAIN_API_BODY_MAX, tdv__api_train},
};
#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))

static bool
id_chars(const char *p, size_t n, bool slash)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			(ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
			ch == '-' || (slash && ch == '/')))
			return false;
	}
	return true;
}

/* Match path against pattern; '*' takes one non-empty segment of at most
 * argsz-1 bytes of [A-Za-z0-9_.-]; a final "**" takes the rest of the path
 * (segments of the same characters, no "..": the handler parses it). */
static bool
match(const char *pattern, const char *path, char *arg, size_t argsz)
{
	size_t pl = strlen(pattern);
	if (pl >= 2 && strcmp(pattern + pl - 2, "**") == 0) {
		size_t pre = pl - 2, n = strlen(path);
		if (strncmp(pattern, path, pre) != 0 || n == pre || n - pre > 200 ||
		    strstr(path + pre, "..") != NULL ||
		    !id_chars(path + pre, n - pre, true))
			return false;
		arg[0] = '\0';
		return true;
	}
	const char *star = strchr(pattern, '*');
	if (star == NULL)
		return strcmp(pattern, path) == 0;
	size_t pre = (size_t)(star - pattern);
	if (strncmp(pattern, path, pre) != 0)
		return false;
	const char *p = path + pre;
	size_t n = 0;
	while (p[n] != '\0' && p[n] != '/')
		n++;
	if (n == 0 || n >= argsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			(ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
			ch == '-'))
			return false;
	}
	if (strcmp(star + 1, p + n) != 0)
		return false;
	memcpy(arg, p, n);
	arg[n] = '\0';
	return true;
}

int
tdv__srv_dispatch_find(const char *method, const char *path, char *arg,
    size_t argsz, unsigned *roles, bool *allowed_method, size_t *max_body,
    int *kind)
{
	*allowed_method = false;
	for (int i = 0; i < NROUTES; i++) {
		if (!match(routes[i].path, path, arg, argsz))
			continue;
		/* /api/stats.csv must not be taken for /api/stats: exact paths
		 * only, so no ambiguity */
		*allowed_method = true;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		*roles = routes[i].roles;
		*max_body = routes[i].max_body;
		*kind = routes[i].kind;
		return i;
	}
	return -1;
}

int
tdv__srv_dispatch_run(srv_ctx *c)
{
	if (c->route < 0 || c->route >= NROUTES)
		return tdv__srv_error(c, 404, "not_found", "no such route");
	return routes[c->route].fn(c);
}
