/*
 * Hostile input at the station's API: oversized bodies (declared and
 * streamed), non-image uploads, malformed and deeply nested JSON, very
 * long fields, wrong types, script in names and notes (stored as text and
 * served as JSON under a no-inline-script policy), SQL metacharacters
 * (stored and read back unchanged), a broken image; the server must
 * answer each with a 4xx and stay up.
 */
#include "tdv_test.h"
#include "test_server_http.h"

/* a string literal and its length */
#define LIT(s) (s), strlen(s)

static ts_station st;
static ts_client off, adm;

static int
status_of(const ts_client *c, const char *method, const char *path,
    const char *ctype, const char *body, size_t blen)
{
	char extra[512] = "";
	if (c != NULL)
		snprintf(extra, sizeof(extra),
		    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\n", c->cookie, c->csrf);
	ts_resp r;
	if (ts_request(&st, method, path, extra, ctype, body, blen, &r) != 0)
		return -1;
	int s = r.status;
	ts_resp_free(&r);
	return s;
}

static void
alive(void)
{
	CHECK_INT(status_of(NULL, "GET", "/api/health", NULL, NULL, 0), 200);
}

static void
test_server_oversized_bodies_refused(void)
{
	/* a declared length over the route's bound: refused before reading */
	size_t big = 70 * 1024;
	char *body = malloc(big);
	memset(body, 'A', big);
	CHECK_INT(status_of(&off, "POST", "/api/inspections", "application/json", body, big), 413);
	/* an image upload over 8 MiB */
	size_t huge = 9u * 1024 * 1024;
	char *img = malloc(huge);
	memset(img, 0, huge);
	memcpy(img, LIT("\x89PNG\r\n\x1a\n"));
	CHECK_INT(status_of(&off, "POST", "/api/inspections/image", "image/png", img, huge), 413);
	free(img);
	/* a streamed (chunked) body that grows past the bound */
	char head[1024];
	int hn = snprintf(head, sizeof(head),
	    "POST /api/inspections HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    st.port, off.cookie, off.csrf);
	size_t cap = 20 * (4096 + 16) + 16, clen = 0;
	char *chunked = malloc(cap);
	for (int i = 0; i < 20; i++)
		clen += (size_t)snprintf(chunked + clen, cap - clen, "1000\r\n%.*s\r\n",
		    4096, body);
	clen += (size_t)snprintf(chunked + clen, cap - clen, "0\r\n\r\n");
	ts_resp r;
	CHECK_INT(ts_raw(&st, head, (size_t)hn, chunked, clen, &r), 0);
	CHECK_INT(r.status, 413);
	ts_resp_free(&r);
	free(chunked);
	free(body);
	alive();
}

static void
test_server_bad_uploads_refused(void)
{
	const char *text = "this is not an image at all";
	CHECK_INT(status_of(&off, "POST", "/api/inspections/image", "image/png", text,
	    strlen(text)), 415);
	/* PNG signature, garbage after it */
	char fake[256];
	memset(fake, 0x41, sizeof(fake));
	memcpy(fake, LIT("\x89PNG\r\n\x1a\n"));
	int s = status_of(&off, "POST", "/api/inspections/image", "image/png", fake,
	    sizeof(fake));
	CHECK(s == 422);
	/* a JPEG marker and nothing else */
	CHECK(status_of(&off, "POST", "/api/inspections/image", "image/jpeg",
	    LIT("\xff\xd8\xff\xe0")) == 422);
	/* empty */
	CHECK_INT(status_of(&off, "POST", "/api/inspections/image", "image/png", LIT("")), 415);
	/* trust store: not a certificate; bad file names */
	CHECK_INT(status_of(&adm, "POST", "/api/trust?name=../../etc/passwd", "application/octet-stream",
	    LIT("x")), 400);
	CHECK_INT(status_of(&adm, "POST", "/api/trust?name=a.exe", "application/octet-stream",
	    LIT("x")), 400);
	alive();
}

static void
test_server_malformed_json_refused(void)
{
	static const char *const bad[] = {
	    "", "{", "[]", "null", "\"mrz\"", "{\"mrz\":}", "{\"mrz\":\"a\",\"mrz\":\"b\"}",
	    "{\"mrz\":123}", "{\"mrz\":[\"P<UTO\"]}", "{\"mrz\":\"x\",\"chip\":\"../../x\"}",
	    "{\"mrz\":\"x\",\"chip\":\"demo-999\"}", "{\"mrz\":\"a\\u0000b\"}",
	    "\xff\xfe{}", "{\"mrz\":\"\xc3\x28\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int s = status_of(&off, "POST", "/api/inspections", "application/json",
		    bad[i], strlen(bad[i]));
		if (s != 400)
			fprintf(stderr, "body %zu: %d\n", i, s);
		CHECK_INT(s, 400);
	}
	/* deeply nested */
	char deep[4000];
	memset(deep, '[', 2000);
	memset(deep + 2000, ']', 2000);
	CHECK_INT(status_of(&off, "POST", "/api/inspections", "application/json", deep,
	    sizeof(deep)), 400);
	/* a very long MRZ field */
	char longf[1200];
	int n = snprintf(longf, sizeof(longf), "{\"mrz\":\"");
	memset(longf + n, 'P', 1000);
	snprintf(longf + n + 1000, sizeof(longf) - (size_t)n - 1000, "\"}");
	CHECK_INT(status_of(&off, "POST", "/api/inspections", "application/json", longf,
	    strlen(longf)), 400);
	/* decisions with wrong values */
	CHECK_INT(status_of(&off, "POST", "/api/decisions", "application/json",
	    LIT("{\"inspection\":\"x\",\"decision\":\"maybe\"}")), 400);
	CHECK_INT(status_of(&off, "POST", "/api/decisions", "application/json",
	    LIT("{\"inspection\":\"x\",\"decision\":\"admit\",\"direction\":\"sideways\"}")), 400);
	/* login with a non-id */
	CHECK_INT(status_of(NULL, "POST", "/api/login", "application/json",
	    LIT("{\"officer\":\"' OR 1=1 --\",\"password\":\"x\"}")), 400);
	alive();
}

static void
test_server_garbage_mrz_gives_fail_not_error(void)
{
	const char *b = "{\"mrz\":\"'; DROP TABLE movements; --\\n<script>alert(1)</script>\"}";
	ts_resp r;
	CHECK_INT(ts_call(&st, &off, "POST", "/api/inspections", "application/json", b, &r), 0);
	CHECK(r.status == 200 || r.status == 400);
	if (r.status == 200)
		CHECK(strstr(r.body, "\"verdict\":\"FAIL\"") != NULL);
	ts_resp_free(&r);
	alive();
}

static void
test_server_script_and_sql_stored_as_text(void)
{
	const char *name = "Robert'); DROP TABLE officers;-- <img src=x onerror=alert(1)>";
	char body[512];
	snprintf(body, sizeof(body),
	    "{\"id\":\"bobby\",\"name\":\"%s\",\"role\":\"officer\",\"password\":\"long-enough-pw\"}",
	    name);
	ts_resp r;
	CHECK_INT(ts_call(&st, &adm, "POST", "/api/officers", "application/json", body, &r), 0);
	CHECK_INT(r.status, 201);
	ts_resp_free(&r);
	CHECK_INT(ts_call(&st, &adm, "GET", "/api/officers", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.headers, "Content-Type: application/json") != NULL);
	json_t *o = json_loads(r.body, 0, NULL);
	json_t *list = json_object_get(o, "officers");
	bool found = false;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "id")), "bobby") == 0) {
			found = true;
			CHECK_STR(json_string_value(json_object_get(v, "name")), name);
		}
	}
	CHECK(found);
	/* every account is still there: nothing was dropped */
	CHECK_INT((long long)json_array_size(list), TS_NROLES + 1);
	json_decref(o);
	ts_resp_free(&r);
	/* the new account works with its password; SQL in a password is text */
	CHECK_INT(status_of(NULL, "POST", "/api/login", "application/json",
	    LIT("{\"officer\":\"bobby\",\"password\":\"' OR '1'='1\"}")), 401);
	/* an id with SQL metacharacters is refused as an id */
	CHECK_INT(status_of(&adm, "POST", "/api/officers", "application/json",
	    LIT("{\"id\":\"x'; --\",\"name\":\"n\",\"role\":\"officer\",\"password\":\"long-enough-pw\"}")), 400);
	/* a name longer than the store's field */
	char longname[400];
	int n = snprintf(longname, sizeof(longname), "{\"id\":\"longname\",\"name\":\"");
	memset(longname + n, 'N', 200);
	snprintf(longname + n + 200, sizeof(longname) - (size_t)n - 200,
	    "\",\"role\":\"officer\",\"password\":\"long-enough-pw\"}");
	CHECK_INT(status_of(&adm, "POST", "/api/officers", "application/json", longname,
	    strlen(longname)), 400);
	/* an unknown role */
	CHECK_INT(status_of(&adm, "POST", "/api/officers", "application/json",
	    LIT("{\"id\":\"r1\",\"name\":\"n\",\"role\":\"root\",\"password\":\"long-enough-pw\"}")), 400);
	/* a checkpoint with script in its name */
	CHECK_INT(status_of(&adm, "POST", "/api/checkpoints", "application/json",
	    LIT("{\"id\":\"X-2\",\"name\":\"<script>alert(1)</script>\",\"country\":\"UTO\"}")),
	    200);
	CHECK_INT(status_of(&adm, "POST", "/api/checkpoints", "application/json",
	    LIT("{\"id\":\"X-3\",\"name\":\"n\",\"country\":\"u'--\"}")), 400);
	alive();
}

static void
test_server_static_assets_only_from_web_root(void)
{
	CHECK_INT(status_of(NULL, "GET", "/index.html", NULL, NULL, 0), 200);
	CHECK_INT(status_of(NULL, "GET", "/../CMakeLists.txt", NULL, NULL, 0), 404);
	CHECK_INT(status_of(NULL, "GET", "/%2e%2e/CMakeLists.txt", NULL, NULL, 0), 404);
	CHECK_INT(status_of(NULL, "POST", "/index.html", "application/json", LIT("{}")), 405);
	ts_resp r;
	CHECK_INT(ts_request(&st, "GET", "/", NULL, NULL, NULL, 0, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.headers, "Content-Type: text/html") != NULL);
	CHECK(strstr(r.body, "<script>") == NULL); /* no inline script */
	ts_resp_free(&r);
}

static void
tune(tdv_server_config *cfg)
{
	cfg->web_root = TDV_TEST_DATA "/../../web";
	cfg->trust_dir = st.dir; /* filled by ts_start before tuning */
}

int
main(void)
{
	if (ts_start(&st, tune) != 0 || ts_login(&st, "officer", &off) != 0 ||
	    ts_login(&st, "admin", &adm) != 0) {
		fprintf(stderr, "cannot start the station\n");
		return 1;
	}
	RUN(test_server_oversized_bodies_refused);
	RUN(test_server_bad_uploads_refused);
	RUN(test_server_malformed_json_refused);
	RUN(test_server_garbage_mrz_gives_fail_not_error);
	RUN(test_server_script_and_sql_stored_as_text);
	RUN(test_server_static_assets_only_from_web_root);
	ts_stop(&st);
	TEST_EXIT();
}
