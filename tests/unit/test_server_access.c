/*
 * The station's access control from outside, over real HTTP: every API
 * route x every role x no session, with the expected allow/deny written
 * here independently of the server's route table (so opening a route by
 * mistake fails this test); CSRF, cross-origin, session fixation, logout,
 * login rate limiting and account lockout.
 */
#include "tdv_test.h"
#include "test_server_http.h"

enum { OFF = 1, EXA = 2, SUP = 4, TRR = 8, TRE = 16, ADM = 32, ALL = 63, PUB = 64 };
enum { GET, JSON, UPLOAD };

static const struct expect {
	const char *method, *path;
	int kind;
	int roles;
} matrix[] = {
    {"GET", "/api/health", GET, PUB},
    {"GET", "/api/session", GET, ALL},
    {"POST", "/api/inspections", JSON, OFF | EXA | TRR | TRE},
    {"POST", "/api/inspections/image", UPLOAD, OFF | EXA | TRR | TRE},
    {"GET", "/api/inspections/0123456789abcdef/photo", GET, OFF | EXA | TRR | TRE},
    {"POST", "/api/decisions", JSON, OFF | EXA},
    {"GET", "/api/demo/documents", GET, OFF | EXA | TRR | TRE},
    {"GET", "/api/demo/images/1.png", GET, OFF | EXA | TRR | TRE},
    {"GET", "/api/referrals", GET, EXA | SUP},
    {"POST", "/api/referrals/01ARZ3NDEKTSV4RRFFQ69G5FAV/decision", JSON, EXA},
    {"GET", "/api/movements", GET, EXA | SUP},
    {"GET", "/api/movements/01ARZ3NDEKTSV4RRFFQ69G5FAV", GET, EXA | SUP},
    {"GET", "/api/stats", GET, SUP},
    {"GET", "/api/stats.csv", GET, SUP},
    {"GET", "/api/sync", GET, SUP | ADM},
    {"GET", "/api/lists", GET, SUP | ADM},
    {"GET", "/api/audit/verify", GET, SUP | ADM},
    {"GET", "/api/officers", GET, ADM},
    {"POST", "/api/officers", JSON, ADM},
    {"POST", "/api/officers/nobody", JSON, ADM},
    {"GET", "/api/checkpoints", GET, ADM | SUP},
    {"POST", "/api/checkpoints", JSON, ADM},
    {"GET", "/api/trust", GET, ADM},
    {"POST", "/api/trust", UPLOAD, ADM},
    {"POST", "/api/lists/sltd", UPLOAD, ADM},
    {"POST", "/api/lists/watchlist", UPLOAD, ADM},
    {"GET", "/api/train/records/trainee1", GET, TRR | TRE | SUP},
    {"POST", "/api/train/drill", JSON, TRR | TRE | SUP},
    /* last: it ends the session */
    {"POST", "/api/logout", JSON, ALL},
};
#define NMATRIX (sizeof(matrix) / sizeof(matrix[0]))

static ts_station st;
static int checked;

static void
one(const struct expect *e, const ts_client *c, int role_bit)
{
	ts_resp r;
	const char *ctype = e->kind == JSON ? "application/json"
	    : e->kind == UPLOAD		    ? "application/octet-stream"
					    : NULL;
	const char *body = e->kind == JSON ? "{}" : e->kind == UPLOAD ? "xx" : NULL;
	if (ts_call(&st, c, e->method, e->path, ctype, body, &r) != 0) {
		fprintf(stderr, "%s %s: no answer\n", e->method, e->path);
		tdv_test_failures++;
		return;
	}
	bool allowed = (e->roles & PUB) != 0 || (role_bit != 0 && (e->roles & role_bit));
	int want_deny = role_bit == 0 ? 401 : 403;
	if (allowed) {
		if (r.status == 401 || r.status == 403 || r.status >= 500) {
			fprintf(stderr, "%s %s as role bit %d: %d, expected allowed: %s\n",
			    e->method, e->path, role_bit, r.status, r.body);
			tdv_test_failures++;
		}
	} else if (r.status != want_deny) {
		fprintf(stderr, "%s %s as role bit %d: %d, expected %d\n", e->method,
		    e->path, role_bit, r.status, want_deny);
		tdv_test_failures++;
	}
	/* every answer carries the security headers */
	CHECK(strstr(r.headers, "Content-Security-Policy: default-src 'none'; script-src 'self';") != NULL);
	CHECK(strstr(r.headers, "unsafe-inline") == NULL);
	CHECK(strstr(r.headers, "X-Content-Type-Options: nosniff") != NULL);
	CHECK(strstr(r.headers, "X-Frame-Options: DENY") != NULL);
	CHECK(strstr(r.headers, "Cache-Control: no-store") != NULL);
	checked++;
	ts_resp_free(&r);
}

static void
test_server_access_matrix(void)
{
	for (size_t i = 0; i < NMATRIX; i++)
		one(&matrix[i], NULL, 0);
	for (int k = 0; k < TS_NROLES; k++) {
		ts_client c;
		CHECK_INT(ts_login(&st, ts_roles[k], &c), 0);
		for (size_t i = 0; i < NMATRIX; i++)
			one(&matrix[i], &c, 1 << k);
	}
	printf("access matrix: %d requests (%zu routes x %d roles + no session)\n",
	    checked, NMATRIX, TS_NROLES);
	CHECK_INT(checked, (int)NMATRIX * (TS_NROLES + 1));
}

static void
test_server_unknown_route_and_method(void)
{
	ts_resp r;
	CHECK_INT(ts_call(&st, NULL, "GET", "/api/nope", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 404);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, NULL, "GET", "/api/login", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 405);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, NULL, "DELETE", "/api/session", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 405);
	ts_resp_free(&r);
	/* a path segment that is not an id never reaches a handler */
	ts_client c;
	CHECK_INT(ts_login(&st, "examiner", &c), 0);
	CHECK_INT(ts_call(&st, &c, "GET", "/api/movements/..%2f..%2fetc", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 404);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &c, "GET", "/../../etc/passwd", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 404);
	ts_resp_free(&r);
}

static void
test_server_csrf_refused(void)
{
	ts_client c;
	CHECK_INT(ts_login(&st, "officer", &c), 0);
	const char *body = "{\"mrz\":\"P<UTO\"}";
	char extra[512];
	ts_resp r;
	/* no token */
	snprintf(extra, sizeof(extra), "Cookie: tdv_session=%s\r\n", c.cookie);
	CHECK_INT(ts_request(&st, "POST", "/api/inspections", extra,
	    "application/json", body, strlen(body), &r), 0);
	CHECK_INT(r.status, 403);
	CHECK(strstr(r.body, "csrf") != NULL);
	ts_resp_free(&r);
	/* a wrong token (another session's) */
	ts_client other;
	CHECK_INT(ts_login(&st, "examiner", &other), 0);
	snprintf(extra, sizeof(extra), "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\n",
	    c.cookie, other.csrf);
	CHECK_INT(ts_request(&st, "POST", "/api/inspections", extra,
	    "application/json", body, strlen(body), &r), 0);
	CHECK_INT(r.status, 403);
	ts_resp_free(&r);
	/* right token, but from another site */
	snprintf(extra, sizeof(extra),
	    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\nOrigin: http://evil.example\r\n",
	    c.cookie, c.csrf);
	CHECK_INT(ts_request(&st, "POST", "/api/inspections", extra,
	    "application/json", body, strlen(body), &r), 0);
	CHECK_INT(r.status, 403);
	CHECK(strstr(r.body, "cross_origin") != NULL);
	ts_resp_free(&r);
	snprintf(extra, sizeof(extra),
	    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\nSec-Fetch-Site: cross-site\r\n",
	    c.cookie, c.csrf);
	CHECK_INT(ts_request(&st, "POST", "/api/inspections", extra,
	    "application/json", body, strlen(body), &r), 0);
	CHECK_INT(r.status, 403);
	ts_resp_free(&r);
	/* a form post (a type cross-site forms can send) */
	CHECK_INT(ts_call(&st, &c, "POST", "/api/inspections", "text/plain", body, &r), 0);
	CHECK_INT(r.status, 415);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &c, "POST", "/api/inspections",
	    "application/x-www-form-urlencoded", "mrz=x", &r), 0);
	CHECK_INT(r.status, 415);
	ts_resp_free(&r);
	/* login from another site */
	CHECK_INT(ts_request(&st, "POST", "/api/login", "Origin: http://evil.example\r\n",
	    "application/json", "{\"officer\":\"officer1\",\"password\":\"x\"}", 37, &r), 0);
	CHECK_INT(r.status, 403);
	ts_resp_free(&r);
	/* same origin with the token goes through */
	snprintf(extra, sizeof(extra),
	    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\nOrigin: http://127.0.0.1:%d\r\n",
	    c.cookie, c.csrf, st.port);
	CHECK_INT(ts_request(&st, "POST", "/api/inspections", extra,
	    "application/json", body, strlen(body), &r), 0);
	CHECK_INT(r.status, 200);
	ts_resp_free(&r);
}

static void
test_server_session_fixation_refused(void)
{
	const char *planted =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char extra[256], body[128];
	snprintf(extra, sizeof(extra), "Cookie: tdv_session=%s\r\n", planted);
	snprintf(body, sizeof(body),
	    "{\"officer\":\"officer1\",\"password\":\"officer-password-1\"}");
	ts_resp r;
	CHECK_INT(ts_request(&st, "POST", "/api/login", extra, "application/json",
	    body, strlen(body), &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(r.cookie[0] != '\0' && strcmp(r.cookie, planted) != 0);
	CHECK(strstr(r.set_cookie, "HttpOnly") != NULL);
	CHECK(strstr(r.set_cookie, "SameSite=Strict") != NULL);
	CHECK(strstr(r.set_cookie, "Path=/") != NULL);
	char fresh[80];
	snprintf(fresh, sizeof(fresh), "%s", r.cookie);
	ts_resp_free(&r);
	/* the planted id is worth nothing */
	CHECK_INT(ts_request(&st, "GET", "/api/session", extra, NULL, NULL, 0, &r), 0);
	CHECK_INT(r.status, 401);
	ts_resp_free(&r);
	/* a second login replaces the first session */
	snprintf(extra, sizeof(extra), "Cookie: tdv_session=%s\r\n", fresh);
	CHECK_INT(ts_request(&st, "POST", "/api/login", extra, "application/json",
	    body, strlen(body), &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(strcmp(r.cookie, fresh) != 0);
	ts_resp_free(&r);
	CHECK_INT(ts_request(&st, "GET", "/api/session", extra, NULL, NULL, 0, &r), 0);
	CHECK_INT(r.status, 401);
	ts_resp_free(&r);
}

static void
test_server_logout_ends_session(void)
{
	ts_client c;
	CHECK_INT(ts_login(&st, "supervisor", &c), 0);
	ts_resp r;
	CHECK_INT(ts_call(&st, &c, "GET", "/api/stats", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 200);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &c, "POST", "/api/logout", "application/json", "{}", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.set_cookie, "Max-Age=0") != NULL);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &c, "GET", "/api/stats", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 401);
	ts_resp_free(&r);
}

static void
test_server_account_lockout(void)
{
	/* 5 failures lock the account: then even the right password waits */
	const char *bad = "{\"officer\":\"trainee1\",\"password\":\"wrong-password\"}";
	ts_resp r;
	for (int i = 0; i < 5; i++) {
		CHECK_INT(ts_request(&st, "POST", "/api/login", NULL,
		    "application/json", bad, strlen(bad), &r), 0);
		CHECK_INT(r.status, 401);
		CHECK(r.cookie[0] == '\0');
		ts_resp_free(&r);
	}
	ts_client c;
	CHECK(ts_login(&st, "trainee", &c) != 0);
	const char *good = "{\"officer\":\"trainee1\",\"password\":\"trainee-password-1\"}";
	CHECK_INT(ts_request(&st, "POST", "/api/login", NULL, "application/json",
	    good, strlen(good), &r), 0);
	CHECK_INT(r.status, 429);
	CHECK(strstr(r.headers, "Retry-After:") != NULL);
	ts_resp_free(&r);
	/* another account is not affected */
	CHECK_INT(ts_login(&st, "trainer", &c), 0);
}

static ts_station st2;

static void
tune_rate(tdv_server_config *cfg)
{
	cfg->login_per_minute = 3;
}

static void
test_server_login_rate_limited_per_address(void)
{
	CHECK_INT(ts_start(&st2, tune_rate), 0);
	const char *body = "{\"officer\":\"nobody\",\"password\":\"x\"}";
	int s401 = 0, s429 = 0;
	for (int i = 0; i < 6; i++) {
		ts_resp r;
		CHECK_INT(ts_request(&st2, "POST", "/api/login", NULL,
		    "application/json", body, strlen(body), &r), 0);
		s401 += r.status == 401;
		s429 += r.status == 429;
		ts_resp_free(&r);
	}
	CHECK_INT(s401, 3);
	CHECK_INT(s429, 3);
	ts_stop(&st2);
}

static void
test_server_disabled_account_loses_session(void)
{
	ts_client adm, ex;
	CHECK_INT(ts_login(&st, "admin", &adm), 0);
	CHECK_INT(ts_login(&st, "examiner", &ex), 0);
	ts_resp r;
	CHECK_INT(ts_call(&st, &adm, "POST", "/api/officers/examiner1", "application/json",
	    "{\"active\":false}", &r), 0);
	CHECK_INT(r.status, 200);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &ex, "GET", "/api/session", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 401);
	ts_resp_free(&r);
	CHECK(ts_login(&st, "examiner", &ex) != 0);
	/* an administrator cannot lock themselves out */
	CHECK_INT(ts_call(&st, &adm, "POST", "/api/officers/admin1", "application/json",
	    "{\"active\":false}", &r), 0);
	CHECK_INT(r.status, 409);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &adm, "POST", "/api/officers/examiner1", "application/json",
	    "{\"active\":true}", &r), 0);
	CHECK_INT(r.status, 200);
	ts_resp_free(&r);
	CHECK_INT(ts_login(&st, "examiner", &ex), 0);
}

int
main(void)
{
	if (ts_start(&st, NULL) != 0) {
		fprintf(stderr, "cannot start the station\n");
		return 1;
	}
	RUN(test_server_access_matrix);
	RUN(test_server_unknown_route_and_method);
	RUN(test_server_csrf_refused);
	RUN(test_server_session_fixation_refused);
	RUN(test_server_logout_ends_session);
	RUN(test_server_account_lockout);
	RUN(test_server_disabled_account_loses_session);
	RUN(test_server_login_rate_limited_per_address);
	ts_stop(&st);
	TEST_EXIT();
}
