/*
 * Sync pulls: the centre publishes signed versions of the lists and the
 * officer accounts; a checkpoint pulls what is newer than what it holds
 * and applies it atomically (see tdv/sync.h).
 *
 * A pull reply is hostile input to the checkpoint: it is bounded
 * (TDV_SYNC_MAX_PULL_BYTES), parsed with duplicate keys refused, every
 * item's signature, signer, digest and place in the version chain are
 * checked before anything is written, and the screening module must
 * accept every row of a list.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"
#include "sync/sync_int.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/pa.h"
#include "tdv/screen.h"
#include "tdv/sync_transport.h"

#define MAX_ITEMS 10000
#define TRUST_MAX_FILES 256

static bool
kind_known(const char *k)
{
	return k != NULL && (strcmp(k, "sltd") == 0 || strcmp(k, "watchlist") == 0 ||
	    strcmp(k, "trust") == 0 || strcmp(k, "officers") == 0);
}

/*
 * What the publisher signs for one version.
 *
 * Format 2 (this version) names who the version is for: the checkpoint
 * id for an officers list (each checkpoint has its own), "*" for the
 * lists every checkpoint gets. Together with kind, version, type, base,
 * digest and time this leaves nothing a replay could swap: a list
 * published for checkpoint A does not verify as a list for B, nor as
 * another kind or version.
 *
 * Format 1 (earlier versions) had no "for". A checkpoint of this version
 * still accepts it for the lists every checkpoint receives (sltd, watchlist,
 * trust: kind and version were already signed, and nothing else varies
 * between checkpoints) -- so lists published before the centre's upgrade
 * keep applying, and the centre signs those lists in both formats so
 * checkpoints of the previous version keep verifying them during a
 * rollout. An officers list signed in format 1 is refused: the centre
 * re-signs it (tdv_sync_publish_officers_for, done by sync serve on each
 * pull and at start).
 */
#define PUB_FORMAT_V2 "v2 " /* prefix of the stored signature column */

static int
pub_message(char *out, size_t outsz, const char *kind, int64_t version, const char *type,
    int64_t base, const char *sha256, int64_t published_ms)
{
	int n = snprintf(out, outsz, "tdverify-pub-v1\n%s\n%lld\n%s\n%lld\n%s\n%lld\n", kind,
	    (long long)version, type, (long long)base, sha256, (long long)published_ms);
	return n > 0 && (size_t)n < outsz ? n : -1;
}

static int
pub_message_v2(char *out, size_t outsz, const char *kind, const char *audience,
    int64_t version, const char *type, int64_t base, const char *sha256,
    int64_t published_ms)
{
	int n = snprintf(out, outsz, "tdverify-pub-v2\n%s\n%s\n%lld\n%s\n%lld\n%s\n%lld\n",
	    kind, audience, (long long)version, type, (long long)base, sha256,
	    (long long)published_ms);
	return n > 0 && (size_t)n < outsz ? n : -1;
}

/* The stored signature column: format 1 "SIG1" (earlier versions), or
 * "v2 SIG2" / "v2 SIG2 SIG1" (base64 has no spaces). */
struct sigs {
	const char *v1, *v2;
	size_t v1len, v2len;
};

static void
sigs_split(const char *stored, struct sigs *out)
{
	memset(out, 0, sizeof(*out));
	if (stored == NULL)
		return;
	if (strncmp(stored, PUB_FORMAT_V2, strlen(PUB_FORMAT_V2)) != 0) {
		out->v1 = stored;
		out->v1len = strlen(stored);
		return;
	}
	out->v2 = stored + strlen(PUB_FORMAT_V2);
	const char *sp = strchr(out->v2, ' ');
	out->v2len = sp ? (size_t)(sp - out->v2) : strlen(out->v2);
	if (sp != NULL) {
		out->v1 = sp + 1;
		out->v1len = strlen(out->v1);
	}
}

/* Who a stored kind is for: "officers@CP1" -> "CP1", else "*". */
static const char *
pub_audience(const char *store_kind)
{
	const char *at = strchr(store_kind, '@');
	return at != NULL && at[1] != '\0' ? at + 1 : "*";
}

static void
set_err(char *err, size_t errsz, const char *msg)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", msg);
}

/* Publish under store_kind ("officers@CP1" for one checkpoint's
 * accounts) what is signed as kind; floor: the version the new one must
 * exceed besides the store kind's latest. */
static int
publish_as(tdv_store *central, const char *store_kind, const char *kind, int64_t floor,
    const char *type, const void *data, size_t len, const char *signer_cert,
    const char *signer_key, int64_t *version, char *err, size_t errsz);

int
tdv_sync_publish(tdv_store *central, const char *kind, const char *type, const void *data,
    size_t len, const char *signer_cert, const char *signer_key, int64_t *version,
    char *err, size_t errsz)
{
	return publish_as(central, kind, kind, 0, type, data, len, signer_cert, signer_key,
	    version, err, errsz);
}

static int
publish_as(tdv_store *central, const char *store_kind, const char *kind, int64_t floor,
    const char *type, const void *data, size_t len, const char *signer_cert,
    const char *signer_key, int64_t *version, char *err, size_t errsz)
{
	if (central == NULL || !kind_known(kind) || type == NULL || data == NULL ||
	    signer_cert == NULL || signer_key == NULL || version == NULL)
		return TDV_EINVAL;
	set_err(err, errsz, "");
	bool delta = strcmp(type, "delta") == 0;
	if ((!delta && strcmp(type, "full") != 0) || (delta && strcmp(kind, "sltd") != 0)) {
		set_err(err, errsz, "only sltd has deltas");
		return TDV_EINVAL;
	}
	if (len > TDV_SYNC_MAX_PULL_BYTES / 2) {
		set_err(err, errsz, "publication larger than a pull may carry");
		return TDV_ELIMIT;
	}
	tdv_buf signer, sig, sig1, b64;
	tdv_buf_init(&signer, 1 << 16);
	tdv_buf_init(&sig, 8192);
	tdv_buf_init(&sig1, 4096);
	tdv_buf_init(&b64, TDV_SYNC_MAX_PULL_BYTES);
	int64_t latest = 0;
	char sha[65], msg[512];
	int rc = tdv__sync_read_file(signer_cert, signer.max, &signer);
	if (rc != TDV_OK)
		set_err(err, errsz, "cannot read the publisher certificate");
	if (rc == TDV_OK)
		rc = tdv_store_pub_latest(central, store_kind, &latest, NULL);
	if (rc == TDV_OK && latest < floor)
		latest = floor;
	if (rc == TDV_OK && delta && latest == 0) {
		set_err(err, errsz, "a delta needs a full list published first");
		rc = TDV_EINVAL;
	}
	tdv_pub p;
	memset(&p, 0, sizeof(p));
	if (rc == TDV_OK)
		rc = tdv__sync_sha256_hex(data, len, sha);
	if (rc == TDV_OK) {
		snprintf(p.kind, sizeof(p.kind), "%s", store_kind);
		snprintf(p.type, sizeof(p.type), "%s", type);
		memcpy(p.sha256, sha, sizeof(p.sha256));
		p.version = latest + 1;
		p.base = delta ? latest : 0;
		p.published_ms = tdv_store_now_ms();
		/* format 2, and for the lists every checkpoint gets format 1
		 * too (checkpoints of the previous version verify that one) */
		int n = pub_message_v2(msg, sizeof(msg), kind, pub_audience(store_kind), p.version,
		    type, p.base, sha, p.published_ms);
		rc = n < 0 ? TDV_EINTERNAL : tdv__sync_sign(signer_key, msg, (size_t)n, &sig1);
		if (rc == TDV_OK)
			rc = tdv_buf_puts(&sig, PUB_FORMAT_V2);
		if (rc == TDV_OK)
			rc = tdv_buf_append(&sig, sig1.data, sig1.len);
		if (rc == TDV_OK && strcmp(kind, "officers") != 0) {
			n = pub_message(msg, sizeof(msg), kind, p.version, type, p.base, sha,
			    p.published_ms);
			rc = n < 0 ? TDV_EINTERNAL : tdv__sync_sign(signer_key, msg, (size_t)n, &sig1);
			if (rc == TDV_OK)
				rc = tdv_buf_putc(&sig, ' ');
			if (rc == TDV_OK)
				rc = tdv_buf_append(&sig, sig1.data, sig1.len);
		}
		if (rc != TDV_OK)
			set_err(err, errsz, "cannot sign with the publisher key");
	}
	if (rc == TDV_OK)
		rc = tdv__sync_b64_encode(data, len, &b64);
	if (rc == TDV_OK) {
		p.signature = tdv_buf_cstr(&sig);
		p.signer = tdv_buf_cstr(&signer);
		p.data = tdv_buf_cstr(&b64);
		rc = tdv_store_pub_add(central, &p);
		if (rc != TDV_OK)
			set_err(err, errsz, tdv_store_errmsg(central)[0] ? tdv_store_errmsg(central)
									 : tdv_strerror(rc));
	}
	if (rc == TDV_OK)
		*version = p.version;
	tdv_buf_free(&signer);
	tdv_buf_free(&sig);
	tdv_buf_free(&sig1);
	tdv_buf_free(&b64);
	return rc;
}

static bool
file_name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 128 || n[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int
tdv_sync_publish_trust_dir(tdv_store *central, const char *dir, const char *signer_cert,
    const char *signer_key, int64_t *version, char *err, size_t errsz)
{
	if (central == NULL || dir == NULL)
		return TDV_EINVAL;
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		set_err(err, errsz, "cannot read the trust directory");
		return TDV_EIO;
	}
	tdv_buf out, file, b64;
	tdv_buf_init(&out, TDV_SYNC_MAX_PULL_BYTES / 2);
	tdv_buf_init(&file, TDV_SYNC_MAX_PULL_BYTES / 4);
	tdv_buf_init(&b64, TDV_SYNC_MAX_PULL_BYTES / 2);
	tdv_json j;
	tdv_json_init(&j, &out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "files");
	tdv_json_array_begin(&j);
	int rc = TDV_OK, files = 0;
	for (int i = 0; i < n && rc == TDV_OK; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!file_name_ok(names[i]->d_name) || ++files > TRUST_MAX_FILES) {
			set_err(err, errsz, "trust file name not allowed, or too many files");
			rc = TDV_EINVAL;
			break;
		}
		rc = tdv__sync_read_file(path, file.max, &file);
		if (rc == TDV_OK)
			rc = tdv__sync_b64_encode(file.data, file.len, &b64);
		if (rc != TDV_OK) {
			set_err(err, errsz, "cannot read a trust file");
			break;
		}
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "name");
		tdv_json_string(&j, names[i]->d_name);
		tdv_json_key(&j, "data");
		tdv_json_string_n(&j, (const char *)b64.data, b64.len);
		tdv_json_object_end(&j);
	}
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == TDV_OK && files == 0) {
		set_err(err, errsz, "no trust files in the directory");
		rc = TDV_EINVAL;
	}
	if (rc == TDV_OK && tdv_json_error(&j) != TDV_OK)
		rc = tdv_json_error(&j);
	if (rc == TDV_OK)
		rc = tdv_sync_publish(central, "trust", "full", out.data, out.len, signer_cert,
		    signer_key, version, err, errsz);
	tdv_buf_free(&out);
	tdv_buf_free(&file);
	tdv_buf_free(&b64);
	return rc;
}

static int
officer_json(void *ctx, const tdv_officer *o, const char *hash)
{
	tdv_json *j = ctx;
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, o->id);
	tdv_json_key(j, "name");
	tdv_json_string(j, o->name);
	tdv_json_key(j, "role");
	tdv_json_string(j, tdv_role_name(o->role));
	tdv_json_key(j, "active");
	tdv_json_bool(j, o->active);
	tdv_json_key(j, "password_hash");
	tdv_json_string(j, hash);
	tdv_json_object_end(j);
	return tdv_json_error(j);
}

/* Where a checkpoint's officers publications are stored. */
static int
officers_kind(const char *checkpoint, char out[TDV_PUB_KIND_MAX + 1])
{
	if (!tdv__id_ok(checkpoint))
		return TDV_EINVAL;
	snprintf(out, TDV_PUB_KIND_MAX + 1, "officers@%s", checkpoint);
	return TDV_OK;
}

/* The first list of a checkpoint's own continues the numbering of the
 * list every checkpoint got before assignments existed. */
static int
officers_floor(tdv_store *central, const char *skind, int64_t *floor)
{
	int64_t own = 0;
	*floor = 0;
	int rc = tdv_store_pub_latest(central, skind, &own, NULL);
	if (rc == TDV_OK && own == 0)
		rc = tdv_store_pub_latest(central, "officers", floor, NULL);
	return rc;
}

int
tdv_sync_publish_for(tdv_store *central, const char *kind, const char *checkpoint,
    const char *type, const void *data, size_t len, const char *signer_cert,
    const char *signer_key, int64_t *version, char *err, size_t errsz)
{
	char skind[TDV_PUB_KIND_MAX + 1];
	int64_t floor = 0;
	if (central == NULL || kind == NULL || strcmp(kind, "officers") != 0 ||
	    officers_kind(checkpoint, skind) != TDV_OK)
		return TDV_EINVAL;
	int rc = officers_floor(central, skind, &floor);
	if (rc == TDV_OK)
		rc = publish_as(central, skind, kind, floor, type, data, len, signer_cert, signer_key,
		    version, err, errsz);
	return rc;
}

static int
latest_sig_v2(void *ctx, const tdv_pub *p)
{
	struct sigs sg;
	sigs_split(p->signature, &sg);
	*(bool *)ctx = sg.v2 != NULL;
	return 0;
}

static int
publish_officers_locked(tdv_store *central, const char *checkpoint, const char *skind,
    const char *signer_cert, const char *signer_key, bool *published, int64_t *version,
    char *err, size_t errsz)
{
	tdv_buf out;
	tdv_buf_init(&out, TDV_SYNC_MAX_PULL_BYTES / 4);
	tdv_json j;
	tdv_json_init(&j, &out);
	tdv_json_array_begin(&j);
	int rc = tdv_store_officer_export_for(central, checkpoint, officer_json, &j);
	tdv_json_array_end(&j);
	if (rc == TDV_OK)
		rc = tdv_json_error(&j);
	char sha[65];
	tdv_pub meta;
	int64_t shared = 0;
	bool v2 = false;
	if (rc == TDV_OK)
		rc = tdv__sync_sha256_hex(out.data, out.len, sha);
	if (rc == TDV_OK)
		rc = tdv_store_pub_latest(central, skind, version, &meta);
	if (rc == TDV_OK)
		rc = officers_floor(central, skind, &shared);
	/* a list signed by an earlier version (without the checkpoint it is
	 * for) is signed again as a new version, even when unchanged:
	 * checkpoints of this version refuse the old signature */
	if (rc == TDV_OK && *version > 0)
		rc = tdv_store_pub_since(central, skind, *version - 1, latest_sig_v2, &v2);
	if (rc == TDV_OK && (*version == 0 || !v2 || strcmp(meta.sha256, sha) != 0)) {
		rc = publish_as(central, skind, "officers", shared, "full", out.data, out.len,
		    signer_cert, signer_key, version, err, errsz);
		*published = rc == TDV_OK;
	}
	tdv_buf_free(&out);
	return rc;
}

/* The check and the publication in one transaction, one checkpoint's list
 * at a time: two pulls of one checkpoint at once (two server workers)
 * would otherwise both find the list stale and both number a new version
 * (one refused as a conflict, or two versions for one change). SQLite's
 * write transaction serialises by itself; PostgreSQL takes a lock per
 * list kind, held to the commit. */
int
tdv_sync_publish_officers_for(tdv_store *central, const char *checkpoint,
    const char *signer_cert, const char *signer_key, bool *published, int64_t *version,
    char *err, size_t errsz)
{
	char skind[TDV_PUB_KIND_MAX + 1];
	if (central == NULL || published == NULL || version == NULL ||
	    officers_kind(checkpoint, skind) != TDV_OK)
		return TDV_EINVAL;
	*published = false;
	int rc = tdv__tx_begin(central);
	if (rc == TDV_OK && tdv_store_backend_of(central) == TDV_STORE_POSTGRES) {
		tdv__param k[] = {TDV__TEXT(skind)};
		rc = tdv__exec(central, "SELECT pg_advisory_xact_lock(7304, hashtext($1))", k, 1,
		    NULL, NULL);
		if (rc != TDV_OK)
			(void)tdv__tx_end(central, rc);
	}
	if (rc != TDV_OK) {
		set_err(err, errsz, tdv_strerror(rc));
		return rc;
	}
	rc = publish_officers_locked(central, checkpoint, skind, signer_cert, signer_key,
	    published, version, err, errsz);
	rc = tdv__tx_end(central, rc);
	if (rc != TDV_OK)
		*published = false;
	return rc;
}

struct cp_ids {
	char (*ids)[TDV_ID_MAX + 1];
	size_t n, cap;
};

static int
cp_id(void *ctx, const tdv_checkpoint *cp)
{
	struct cp_ids *a = ctx;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		if (nc > 100000)
			return TDV_ELIMIT;
		void *p = realloc(a->ids, nc * sizeof(*a->ids));
		if (p == NULL)
			return TDV_ENOMEM;
		a->ids = p;
		a->cap = nc;
	}
	snprintf(a->ids[a->n++], sizeof(a->ids[0]), "%s", cp->id);
	return 0;
}

int
tdv_sync_publish_officers(tdv_store *central, const char *signer_cert,
    const char *signer_key, bool *published, int64_t *version, char *err, size_t errsz)
{
	if (central == NULL || published == NULL || version == NULL)
		return TDV_EINVAL;
	*published = false;
	*version = 0;
	struct cp_ids a = {NULL, 0, 0};
	int rc = tdv_store_checkpoint_list(central, cp_id, &a);
	for (size_t i = 0; i < a.n && rc == TDV_OK; i++) {
		bool p = false;
		int64_t v = 0;
		rc = tdv_sync_publish_officers_for(central, a.ids[i], signer_cert, signer_key, &p,
		    &v, err, errsz);
		*published = *published || p;
		*version = v > *version ? v : *version;
	}
	free(a.ids);
	return rc;
}

/* ---- central: the publisher key ---- */

static bool
readable(const char *path)
{
	return path != NULL && access(path, R_OK) == 0;
}

int
tdv_sync_publisher_ensure(tdv_store *central, const char *ca_cert, const char *ca_key,
    const char *pub_cert, const char *pub_key, int days, const char *actor, bool *created,
    char *err, size_t errsz)
{
	if (central == NULL || pub_cert == NULL || pub_key == NULL || created == NULL)
		return TDV_EINVAL;
	*created = false;
	set_err(err, errsz, "");
	bool have_cert = access(pub_cert, F_OK) == 0, have_key = access(pub_key, F_OK) == 0;
	if (have_cert && have_key)
		return readable(pub_cert) && readable(pub_key) ? TDV_OK : TDV_EIO;
	if (have_cert || have_key) {
		/* never overwrite half of a pair: someone put it there */
		snprintf(err, errsz, "%s exists without %s: move it away or restore the pair",
		    have_cert ? pub_cert : pub_key, have_cert ? pub_key : pub_cert);
		return TDV_EEXIST;
	}
	if (!readable(ca_cert) || !readable(ca_key)) {
		set_err(err, errsz, "no publisher key, and no CA key to make one");
		return TDV_ENOENT;
	}
	int rc = tdv_sync_pki_key_new(pub_key);
	if (rc == TDV_OK) {
		rc = tdv_sync_pki_issue(ca_cert, ca_key, pub_key, TDV_SYNC_PUBLISHER_CN, NULL, false,
		    days > 0 ? days : 825, pub_cert);
		if (rc != TDV_OK) {
			unlink(pub_key);
			unlink(pub_cert);
		}
	}
	if (rc != TDV_OK) {
		snprintf(err, errsz, "cannot make the publisher key %s: %s", pub_key,
		    tdv_strerror(rc));
		return rc;
	}
	*created = true;
	tdv_cert_rec info;
	char detail[TDV_AUDIT_DETAIL_MAX + 1];
	if (tdv_sync_pki_cert_info(pub_cert, &info) != TDV_OK)
		memset(&info, 0, sizeof(info));
	snprintf(detail, sizeof(detail),
	    "publisher key made (none was there): %s, certificate %s serial=%s sha256=%s", pub_key,
	    pub_cert, info.serial, info.sha256);
	rc = tdv_store_audit_append(central, NULL, actor ? actor : "sync", "sync.publisher_key",
	    TDV_SYNC_PUBLISHER_CN, detail, NULL);
	if (rc != TDV_OK)
		snprintf(err, errsz, "publisher key made, but not audited: %s", tdv_strerror(rc));
	return rc;
}

int
tdv_sync_officers_published(tdv_store *central, bool *any)
{
	if (central == NULL || any == NULL)
		return TDV_EINVAL;
	*any = false;
	int64_t v = 0;
	int rc = tdv_store_pub_latest(central, "officers", &v, NULL);
	struct cp_ids a = {NULL, 0, 0};
	if (rc == TDV_OK && v == 0)
		rc = tdv_store_checkpoint_list(central, cp_id, &a);
	for (size_t i = 0; i < a.n && rc == TDV_OK && v == 0; i++) {
		char skind[TDV_PUB_KIND_MAX + 1];
		if (officers_kind(a.ids[i], skind) == TDV_OK)
			rc = tdv_store_pub_latest(central, skind, &v, NULL);
	}
	free(a.ids);
	*any = rc == TDV_OK && v > 0;
	return rc;
}

/* ---- central: the pull reply ---- */

struct reply_ctx {
	tdv_buf *items;  /* the items array's content, without brackets */
	tdv_buf tmp;
	int count;
	int64_t base_ok; /* first delta must apply to this version */
	bool broken;
};

static int
reply_item(void *ctx, const tdv_pub *p)
{
	struct reply_ctx *c = ctx;
	if (strcmp(p->type, "full") == 0) {
		tdv_buf_reset(c->items); /* a full version replaces all before it */
		c->count = 0;
		c->broken = false;
	} else if (c->count == 0 && p->base != c->base_ok) {
		c->broken = true;
	}
	tdv_buf_reset(&c->tmp);
	tdv_json j;
	tdv_json_init(&j, &c->tmp);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "version");
	tdv_json_int(&j, p->version);
	tdv_json_key(&j, "type");
	tdv_json_string(&j, p->type);
	tdv_json_key(&j, "base");
	tdv_json_int(&j, p->base);
	tdv_json_key(&j, "sha256");
	tdv_json_string(&j, p->sha256);
	tdv_json_key(&j, "published_ms");
	tdv_json_int(&j, p->published_ms);
	/* format 2 with who it is for; format 1 for checkpoints of the
	 * previous version (lists every checkpoint gets) or when the version
	 * was published before the upgrade */
	struct sigs sg;
	sigs_split(p->signature, &sg);
	if (sg.v2 != NULL) {
		tdv_json_key(&j, "for");
		tdv_json_string(&j, pub_audience(p->kind));
		tdv_json_key(&j, "signature_v2");
		tdv_json_string_n(&j, sg.v2, sg.v2len);
	}
	if (sg.v1 != NULL) {
		tdv_json_key(&j, "signature");
		tdv_json_string_n(&j, sg.v1, sg.v1len);
	}
	tdv_json_key(&j, "signer");
	tdv_json_string(&j, p->signer);
	tdv_json_key(&j, "data");
	tdv_json_string(&j, p->data);
	tdv_json_object_end(&j);
	int rc = tdv_json_error(&j);
	if (rc == TDV_OK && c->count > 0)
		rc = tdv_buf_putc(c->items, ',');
	if (rc == TDV_OK)
		rc = tdv_buf_append(c->items, c->tmp.data, c->tmp.len);
	c->count++;
	return rc;
}

int
tdv_sync_pull_reply(tdv_store *central, const char *kind, int64_t since, tdv_buf *out)
{
	return tdv_sync_pull_reply_for(central, kind, NULL, since, out);
}

int
tdv_sync_pull_reply_for(tdv_store *central, const char *kind, const char *checkpoint,
    int64_t since, tdv_buf *out)
{
	if (central == NULL || !kind_known(kind) || out == NULL)
		return TDV_EINVAL;
	char skind[TDV_PUB_KIND_MAX + 1];
	snprintf(skind, sizeof(skind), "%s", kind);
	if (checkpoint != NULL && strcmp(kind, "officers") == 0 &&
	    officers_kind(checkpoint, skind) != TDV_OK)
		return TDV_EINVAL;
	int64_t latest = 0;
	int rc = tdv_store_pub_latest(central, skind, &latest, NULL);
	if (rc != TDV_OK)
		return rc;
	tdv_buf items;
	tdv_buf_init(&items, out->max);
	struct reply_ctx c = {&items, {0}, 0, 0, false};
	tdv_buf_init(&c.tmp, out->max);
	if (latest > 0 && since != latest) {
		int64_t full = 0;
		rc = tdv_store_pub_latest_full(central, skind, &full);
		/* the deltas since the checkpoint's version, or else the
		 * latest full version and what follows it */
		int64_t from = since > 0 && since < latest && since >= full ? since : full - 1;
		if (rc == TDV_OK && from < 0)
			rc = TDV_ESYNC; /* deltas without a full version */
		c.base_ok = from;
		if (rc == TDV_OK)
			rc = tdv_store_pub_since(central, skind, from, reply_item, &c);
		if (rc == TDV_OK && c.broken)
			rc = TDV_ESYNC;
	}
	if (rc == TDV_OK) {
		tdv_buf_reset(out);
		rc = tdv_buf_printf(out, "{\"kind\":\"%s\",\"latest\":%lld,\"items\":[", kind,
		    (long long)latest);
		if (rc == TDV_OK && items.len > 0)
			rc = tdv_buf_append(out, items.data, items.len);
		if (rc == TDV_OK)
			rc = tdv_buf_puts(out, "]}");
	}
	tdv_buf_free(&items);
	tdv_buf_free(&c.tmp);
	return rc;
}

int
tdv__sync_route_pull(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out,
    int *code, const char **ctype, tdv_sync_served *info)
{
	(void)ctype;
	const char *kind = rq->path + strlen("/v1/pull/");
	if (!kind_known(kind)) {
		*code = 404;
		tdv__sync_json_error(out, "not_found", "unknown list");
		return TDV_ENOENT;
	}
	int64_t since = 0;
	if (rq->query[0] != '\0') {
		char *end = NULL;
		errno = 0;
		long long v = strncmp(rq->query, "since=", 6) == 0
		    ? strtoll(rq->query + 6, &end, 10) : -1;
		if (v < 0 || errno != 0 || end == NULL || *end != '\0' || end == rq->query + 6) {
			*code = 400;
			tdv__sync_json_error(out, "bad_request", "expected ?since=VERSION");
			return TDV_EPARSE;
		}
		since = v;
	}
	int rc = TDV_OK;
	char err[200] = "";
	if (strcmp(kind, "officers") == 0 && s->publisher_key != NULL) {
		bool published = false;
		int64_t v = 0;
		rc = tdv_sync_publish_officers_for(s->central, rq->peer, s->publisher_cert,
		    s->publisher_key, &published, &v, err, sizeof(err));
		char skind[TDV_PUB_KIND_MAX + 1];
		if (rc == TDV_OK && published && officers_kind(rq->peer, skind) == TDV_OK)
			rc = tdv_store_pub_prune(s->central, skind, s->keep_versions, NULL);
	}
	/* officers: the accounts assigned to the asking checkpoint only */
	if (rc == TDV_OK)
		rc = tdv_sync_pull_reply_for(s->central, kind, rq->peer, since, out);
	if (rc != TDV_OK) {
		*code = 503;
		tdv__sync_json_error(out, tdv_strerror_name(rc), err[0] ? err : tdv_strerror(rc));
		snprintf(info->message, sizeof(info->message), "503 pull %s: %s", kind,
		    err[0] ? err : tdv_strerror(rc));
		return rc;
	}
	*code = 200;
	snprintf(info->message, sizeof(info->message), "200 pull %s since %lld (%zu bytes)",
	    kind, (long long)since, out->len);
	return TDV_OK;
}

/* ---- checkpoint: applying a pull ---- */

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return TDV_EIO;
	int rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	return rc;
}

/* Write p to path via path.tmp + fsync + rename. */
static int
write_replace(const char *path, const void *p, size_t n)
{
	char tmp[4200];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return TDV_ELIMIT;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return TDV_EIO;
	const char *c = p;
	int rc = TDV_OK;
	while (n > 0 && rc == TDV_OK) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = TDV_EIO;
		else {
			c += w;
			n -= (size_t)w;
		}
	}
	if (rc == TDV_OK && fsync(fd) != 0)
		rc = TDV_EIO;
	if (close(fd) != 0 && rc == TDV_OK)
		rc = TDV_EIO;
	if (rc == TDV_OK && rename(tmp, path) != 0)
		rc = TDV_EIO;
	if (rc != TDV_OK)
		unlink(tmp);
	return rc;
}

struct item {
	int64_t version, base, published_ms;
	const char *type, *sha256;
	tdv_buf data; /* decoded */
};

static int
get_int(json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		return TDV_EPARSE;
	*out = (int64_t)json_integer_value(v);
	return TDV_OK;
}

static const char *
get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

struct rej_count {
	unsigned long n;
};

static void
count_rejects(void *ctx, unsigned long line, int code, const char *msg)
{
	(void)line;
	(void)code;
	(void)msg;
	((struct rej_count *)ctx)->n++;
}

static int
path_in(char *out, size_t outsz, const char *dir, const char *name)
{
	return (size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz ? TDV_OK : TDV_ELIMIT;
}

static int
apply_sltd(const char *dir, struct item *items, size_t n, int64_t *local_version,
    char *err, size_t errsz)
{
	char live[4096], staging[4096];
	if (path_in(live, sizeof(live), dir, "sltd.idx") != TDV_OK ||
	    path_in(staging, sizeof(staging), dir, ".sltd.idx.pull") != TDV_OK)
		return TDV_ELIMIT;
	unlink(staging);
	int rc = TDV_OK;
	if (strcmp(items[0].type, "delta") == 0) {
		tdv_buf cur;
		tdv_buf_init(&cur, (size_t)1 << 33);
		rc = tdv__sync_read_file(live, cur.max, &cur);
		if (rc == TDV_OK)
			rc = write_replace(staging, cur.data, cur.len);
		tdv_buf_free(&cur);
		if (rc != TDV_OK) {
			set_err(err, errsz, "cannot copy the current SLTD index");
			return rc;
		}
	}
	for (size_t i = 0; i < n && rc == TDV_OK; i++) {
		FILE *f = fmemopen(items[i].data.data, items[i].data.len, "r");
		if (f == NULL) {
			rc = TDV_ENOMEM;
			break;
		}
		struct rej_count rej = {0};
		tdv_sltd_import_opts opts;
		memset(&opts, 0, sizeof(opts));
		opts.on_error = count_rejects;
		opts.ctx = &rej;
		tdv_sltd_import_stats st;
		memset(&st, 0, sizeof(st));
		rc = strcmp(items[i].type, "full") == 0 ? tdv_sltd_import(f, staging, &opts, &st)
							: tdv_sltd_update(staging, f, &opts, &st);
		fclose(f);
		if (rc == TDV_OK && (rej.n > 0 || st.rejected > 0))
			rc = TDV_ESCREEN_CSV;
		if (rc != TDV_OK)
			snprintf(err, errsz, "SLTD version %lld refused by the screening module: %s",
			    (long long)items[i].version, tdv_strerror(rc));
	}
	tdv_sltd *idx = NULL;
	if (rc == TDV_OK && (rc = tdv_sltd_open(staging, &idx)) == TDV_OK) {
		rc = tdv_sltd_verify(idx);
		tdv_sltd_info info;
		tdv_sltd_info_get(idx, &info);
		*local_version = (int64_t)info.version;
		tdv_sltd_free(&idx);
	}
	if (rc == TDV_OK && rename(staging, live) != 0)
		rc = TDV_EIO;
	if (rc == TDV_OK)
		rc = fsync_dir(dir);
	if (rc != TDV_OK) {
		unlink(staging);
		if (err[0] == '\0')
			snprintf(err, errsz, "SLTD index not replaced: %s", tdv_strerror(rc));
		return rc == TDV_ESCREEN_CSV || rc == TDV_ESCREEN_INDEX ? TDV_ESYNC : rc;
	}
	return TDV_OK;
}

static int
apply_watchlist(const char *dir, const struct item *it, char *err, size_t errsz)
{
	FILE *f = fmemopen(it->data.data, it->data.len, "r");
	if (f == NULL)
		return TDV_ENOMEM;
	struct rej_count rej = {0};
	tdv_watchlist *wl = NULL;
	tdv_watch_stats st;
	memset(&st, 0, sizeof(st));
	int rc = tdv_watchlist_load_csv(f, 0, count_rejects, &rej, &wl, &st);
	fclose(f);
	tdv_watchlist_free(&wl);
	if (rc == TDV_OK && (rej.n > 0 || st.rejected > 0))
		rc = TDV_ESCREEN_CSV;
	if (rc != TDV_OK) {
		snprintf(err, errsz, "watchlist version %lld refused by the screening module: %s",
		    (long long)it->version, tdv_strerror(rc));
		return TDV_ESYNC;
	}
	char live[4096];
	if (path_in(live, sizeof(live), dir, "watchlist.csv") != TDV_OK)
		return TDV_ELIMIT;
	rc = write_replace(live, it->data.data, it->data.len);
	if (rc == TDV_OK)
		rc = fsync_dir(dir);
	if (rc != TDV_OK)
		snprintf(err, errsz, "cannot write %s", live);
	return rc;
}

static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[4400];
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
apply_trust(const char *dir, const struct item *it, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root = json_loadb((const char *)it->data.data, it->data.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	json_t *files = json_object_get(root, "files");
	if (!json_is_array(files) || json_array_size(files) == 0 ||
	    json_array_size(files) > TRUST_MAX_FILES) {
		json_decref(root);
		set_err(err, errsz, "trust bundle malformed");
		return TDV_EPARSE;
	}
	/* a directory name of its own even when this version is pulled
	 * again, so the live one is never touched before the switch */
	char name[64], stage[4200], final[4200], link_tmp[4200], link_live[4200];
	snprintf(name, sizeof(name), "trust.v%lld.%lld", (long long)it->version,
	    (long long)tdv_store_now_ms());
	if (path_in(final, sizeof(final), dir, name) != TDV_OK ||
	    path_in(link_live, sizeof(link_live), dir, "trust") != TDV_OK ||
	    path_in(link_tmp, sizeof(link_tmp), dir, ".trust.link") != TDV_OK ||
	    (size_t)snprintf(stage, sizeof(stage), "%s/.%s.pull", dir, name) >= sizeof(stage)) {
		json_decref(root);
		return TDV_ELIMIT;
	}
	remove_tree(stage);
	int rc = mkdir(stage, 0750) == 0 ? TDV_OK : TDV_EIO;
	tdv_buf raw;
	tdv_buf_init(&raw, TDV_SYNC_MAX_PULL_BYTES);
	for (size_t i = 0; i < json_array_size(files) && rc == TDV_OK; i++) {
		json_t *f = json_array_get(files, i);
		const char *fn = get_str(f, "name"), *data = get_str(f, "data");
		char p[4400];
		if (fn == NULL || data == NULL || !file_name_ok(fn) ||
		    (size_t)snprintf(p, sizeof(p), "%s/%s", stage, fn) >= sizeof(p)) {
			set_err(err, errsz, "trust bundle: bad file entry");
			rc = TDV_EPARSE;
			break;
		}
		rc = tdv__sync_b64_decode(data, strlen(data), &raw);
		if (rc == TDV_OK) {
			struct stat st;
			rc = stat(p, &st) == 0 ? TDV_EPARSE /* same name twice */
					       : write_replace(p, raw.data, raw.len);
		}
	}
	tdv_buf_free(&raw);
	json_decref(root);
	if (rc == TDV_OK) {
		tdv_trust *t = tdv_trust_new();
		int bad = 0;
		rc = t == NULL ? TDV_ENOMEM : tdv_trust_load_dir(t, stage, &bad);
		if (rc == TDV_OK && (bad > 0 || tdv_trust_csca_count(t) == 0)) {
			snprintf(err, errsz, "trust store version %lld refused: %d unusable files, %d CSCAs",
			    (long long)it->version, bad, tdv_trust_csca_count(t));
			rc = TDV_ESYNC;
		}
		tdv_trust_free(&t);
	}
	if (rc == TDV_OK)
		rc = fsync_dir(stage);
	/* switch: trust -> trust.vN through a new symlink renamed over it */
	char old[4200] = "";
	if (rc == TDV_OK) {
		ssize_t l = readlink(link_live, old, sizeof(old) - 1);
		old[l > 0 ? l : 0] = '\0';
		if (strcmp(old, name) == 0)
			old[0] = '\0';
		remove_tree(final);
		unlink(link_tmp);
		if (rename(stage, final) != 0 || symlink(name, link_tmp) != 0 ||
		    rename(link_tmp, link_live) != 0)
			rc = TDV_EIO;
	}
	if (rc == TDV_OK)
		rc = fsync_dir(dir);
	if (rc != TDV_OK) {
		remove_tree(stage);
		unlink(link_tmp);
		if (err[0] == '\0')
			snprintf(err, errsz, "trust store not switched: %s", tdv_strerror(rc));
		return rc;
	}
	if (old[0] != '\0' && strncmp(old, "trust.v", 7) == 0 && strchr(old, '/') == NULL) {
		char p[4400];
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, old) < sizeof(p))
			remove_tree(p);
	}
	return TDV_OK;
}

static int
apply_officers(tdv_store *local, const char *checkpoint, const struct item *it,
    const tdv_pull_state *st, int *changed, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root = json_loadb((const char *)it->data.data, it->data.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	size_t n = json_is_array(root) ? json_array_size(root) : 0;
	if (!json_is_array(root) || n > 100000) {
		json_decref(root);
		set_err(err, errsz, "officer list malformed");
		return TDV_EPARSE;
	}
	tdv_officer *list = calloc(n ? n : 1, sizeof(*list));
	const char **hashes = calloc(n ? n : 1, sizeof(*hashes));
	int rc = list && hashes ? TDV_OK : TDV_ENOMEM;
	for (size_t i = 0; i < n && rc == TDV_OK; i++) {
		json_t *o = json_array_get(root, i);
		const char *id = get_str(o, "id"), *name = get_str(o, "name"),
			   *role = get_str(o, "role"), *hash = get_str(o, "password_hash");
		json_t *active = json_object_get(o, "active");
		if (id == NULL || name == NULL || role == NULL || hash == NULL ||
		    !json_is_boolean(active) ||
		    tdv__copy_str(list[i].id, sizeof(list[i].id), id) != TDV_OK ||
		    tdv__copy_str(list[i].name, sizeof(list[i].name), name) != TDV_OK ||
		    tdv_role_parse(role, &list[i].role) != TDV_OK) {
			snprintf(err, errsz, "officer list: entry %zu malformed", i);
			rc = TDV_EPARSE;
			break;
		}
		list[i].active = json_is_true(active);
		hashes[i] = hash;
	}
	if (rc == TDV_OK)
		rc = tdv_store_begin(local);
	if (rc == TDV_OK) {
		rc = tdv_store_officers_replace(local, list, hashes, n, checkpoint, changed);
		if (rc == TDV_OK)
			rc = tdv_store_pull_state_set(local, "officers", st);
		if (rc == TDV_OK)
			rc = tdv_store_commit(local);
		else
			(void)tdv_store_rollback(local);
		if (rc != TDV_OK && err[0] == '\0')
			snprintf(err, errsz, "officer accounts not applied: %s (%s)", tdv_strerror(rc),
			    tdv_store_errmsg(local));
	}
	free(list);
	free(hashes);
	json_decref(root);
	return rc;
}

int
tdv_sync_pull_since(tdv_store *local, const char *kind, const char *lists_dir,
    int64_t *since)
{
	if (local == NULL || !kind_known(kind) || since == NULL)
		return TDV_EINVAL;
	tdv_pull_state st;
	int rc = tdv_store_pull_state_get(local, kind, &st);
	if (rc != TDV_OK)
		return rc;
	*since = st.version;
	if (st.version == 0 || strcmp(kind, "officers") == 0)
		return TDV_OK;
	if (lists_dir == NULL) {
		*since = 0;
		return TDV_OK;
	}
	char p[4096];
	if (path_in(p, sizeof(p), lists_dir, strcmp(kind, "sltd") == 0 ? "sltd.idx"
				      : strcmp(kind, "watchlist") == 0 ? "watchlist.csv" : "trust") != TDV_OK)
		return TDV_ELIMIT;
	/* the files must still be what was recorded, else start over */
	if (strcmp(kind, "sltd") == 0) {
		tdv_sltd *idx = NULL;
		tdv_sltd_info info;
		if (tdv_sltd_open(p, &idx) != TDV_OK)
			*since = 0;
		else {
			tdv_sltd_info_get(idx, &info);
			if ((int64_t)info.version != st.local_version)
				*since = 0;
			tdv_sltd_free(&idx);
		}
	} else if (strcmp(kind, "watchlist") == 0) {
		tdv_buf b;
		char sha[65];
		tdv_buf_init(&b, TDV_SYNC_MAX_PULL_BYTES);
		if (tdv__sync_read_file(p, b.max, &b) != TDV_OK ||
		    tdv__sync_sha256_hex(b.data, b.len, sha) != TDV_OK || strcmp(sha, st.sha256) != 0)
			*since = 0;
		tdv_buf_free(&b);
	} else {
		char target[256], want[64];
		ssize_t l = readlink(p, target, sizeof(target) - 1);
		int wl = snprintf(want, sizeof(want), "trust.v%lld.", (long long)st.version);
		if (l <= 0 || wl <= 0 || (target[l] = '\0', strncmp(target, want, (size_t)wl) != 0))
			*since = 0;
	}
	return TDV_OK;
}

int
tdv_sync_pull_apply(tdv_store *local, const char *checkpoint, const char *kind,
    const char *body, size_t len, const char *ca_file, const char *lists_dir,
    tdv_sync_pull_result *res, char *err, size_t errsz)
{
	bool officers = kind != NULL && strcmp(kind, "officers") == 0;
	if (local == NULL || !kind_known(kind) || body == NULL || ca_file == NULL ||
	    res == NULL || err == NULL || (lists_dir == NULL && !officers) ||
	    (officers && !tdv__id_ok(checkpoint)))
		return TDV_EINVAL;
	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (len > TDV_SYNC_MAX_PULL_BYTES) {
		set_err(err, errsz, "pull reply too large");
		return TDV_ELIMIT;
	}
	int64_t since = 0;
	int rc = tdv_sync_pull_since(local, kind, lists_dir, &since);
	if (rc != TDV_OK)
		return rc;
	res->from_version = res->to_version = since;
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *arr = json_object_get(root, "items");
	const char *rkind = get_str(root, "kind");
	int64_t latest = -1;
	if (root == NULL || rkind == NULL || strcmp(rkind, kind) != 0 ||
	    get_int(root, "latest", &latest) != TDV_OK || latest < 0 || !json_is_array(arr) ||
	    json_array_size(arr) > MAX_ITEMS) {
		json_decref(root);
		set_err(err, errsz, "not a pull reply of this list");
		return TDV_EPARSE;
	}
	size_t n = json_array_size(arr);
	if (n == 0) {
		json_decref(root);
		if (latest == since)
			return TDV_OK;
		snprintf(err, errsz, "centre announces version %lld but sent nothing (we hold %lld)",
		    (long long)latest, (long long)since);
		return TDV_ESYNC;
	}
	struct item *items = calloc(n, sizeof(*items));
	if (items == NULL) {
		json_decref(root);
		return TDV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		tdv_buf_init(&items[i].data, TDV_SYNC_MAX_PULL_BYTES);
	int64_t prev = since;
	for (size_t i = 0; i < n && rc == TDV_OK; i++) {
		json_t *o = json_array_get(arr, i);
		struct item *it = &items[i];
		const char *sig1 = get_str(o, "signature"), *sig2 = get_str(o, "signature_v2"),
			   *audience = get_str(o, "for"), *signer = get_str(o, "signer"),
			   *data = get_str(o, "data");
		it->type = get_str(o, "type");
		it->sha256 = get_str(o, "sha256");
		char msg[512], sha[65];
		int mlen = -1;
		if (get_int(o, "version", &it->version) != TDV_OK ||
		    get_int(o, "base", &it->base) != TDV_OK ||
		    get_int(o, "published_ms", &it->published_ms) != TDV_OK || it->type == NULL ||
		    it->sha256 == NULL || strlen(it->sha256) != 64 || signer == NULL ||
		    data == NULL || (sig1 == NULL && sig2 == NULL) ||
		    (sig2 != NULL && (audience == NULL || (strcmp(audience, "*") != 0 &&
							      !tdv__id_ok(audience)))) ||
		    (strcmp(it->type, "full") != 0 && strcmp(it->type, "delta") != 0)) {
			snprintf(err, errsz, "item %zu malformed", i);
			rc = TDV_EPARSE;
			break;
		}
		if (sig2 == NULL && officers) {
			/* format 1 does not say which checkpoint the list is for */
			snprintf(err, errsz,
			    "officer list version %lld is signed without the checkpoint it is for "
			    "(published by a centre of an earlier version): refused, nothing "
			    "applied; the centre must sign it again: restart 'tdverify sync serve' "
			    "there with its publisher key, or run 'tdverify sync publish --officers'",
			    (long long)it->version);
			rc = TDV_EAUTH;
			break;
		}
		mlen = sig2 != NULL
		    ? pub_message_v2(msg, sizeof(msg), kind, audience, it->version, it->type,
			  it->base, it->sha256, it->published_ms)
		    : pub_message(msg, sizeof(msg), kind, it->version, it->type, it->base,
			  it->sha256, it->published_ms);
		if (mlen < 0) {
			snprintf(err, errsz, "item %zu malformed", i);
			rc = TDV_EPARSE;
			break;
		}
		if (tdv__sync_verify(signer, ca_file, TDV_SYNC_PUBLISHER_CN, msg, (size_t)mlen,
			sig2 != NULL ? sig2 : sig1) != TDV_OK) {
			snprintf(err, errsz, "version %lld: signature or signer not trusted",
			    (long long)it->version);
			rc = TDV_EAUTH;
			break;
		}
		/* signed: now who it is for counts */
		if (sig2 != NULL && officers && strcmp(audience, checkpoint) != 0) {
			snprintf(err, errsz,
			    "officer list version %lld was published for %s%s, not for this "
			    "checkpoint (%s): refused, nothing applied",
			    (long long)it->version, strcmp(audience, "*") == 0 ? "every checkpoint"
									 : "checkpoint ",
			    strcmp(audience, "*") == 0 ? "" : audience, checkpoint);
			rc = TDV_EAUTH;
			break;
		}
		if (sig2 != NULL && !officers && strcmp(audience, "*") != 0) {
			snprintf(err, errsz, "%s version %lld was published for checkpoint %s only: "
					     "refused, nothing applied",
			    kind, (long long)it->version, audience);
			rc = TDV_EAUTH;
			break;
		}
		rc = tdv__sync_b64_decode(data, strlen(data), &it->data);
		if (rc == TDV_OK)
			rc = tdv__sync_sha256_hex(it->data.data, it->data.len, sha);
		if (rc != TDV_OK || strcmp(sha, it->sha256) != 0) {
			snprintf(err, errsz, "version %lld: content does not match its signed digest",
			    (long long)it->version);
			rc = TDV_EAUTH;
			break;
		}
		bool full = strcmp(it->type, "full") == 0;
		bool chained = full ? (i == 0 || it->version == prev + 1)
				    : (strcmp(kind, "sltd") == 0 && it->base == prev &&
					  it->version == prev + 1);
		if (!chained || it->version <= 0 || (i == 0 && full && it->version < since)) {
			snprintf(err, errsz, "version %lld does not follow version %lld",
			    (long long)it->version, (long long)prev);
			rc = TDV_ESYNC;
			break;
		}
		prev = it->version;
		res->bytes += it->data.len;
	}
	if (rc == TDV_OK && prev != latest) {
		snprintf(err, errsz, "centre announces version %lld, items end at %lld",
		    (long long)latest, (long long)prev);
		rc = TDV_ESYNC;
	}
	/* only the last full version and what follows matter */
	size_t first = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].type ? items[i].type : "", "full") == 0)
			first = i;
	tdv_pull_state st;
	memset(&st, 0, sizeof(st));
	if (rc == TDV_OK) {
		st.version = latest;
		snprintf(st.sha256, sizeof(st.sha256), "%s", items[n - 1].sha256);
		st.published_ms = items[n - 1].published_ms;
		st.pulled_ms = tdv_store_now_ms();
		if (strcmp(kind, "sltd") == 0)
			rc = apply_sltd(lists_dir, items + first, n - first, &st.local_version, err,
			    errsz);
		else if (strcmp(kind, "watchlist") == 0)
			rc = apply_watchlist(lists_dir, &items[n - 1], err, errsz);
		else if (strcmp(kind, "trust") == 0)
			rc = apply_trust(lists_dir, &items[n - 1], err, errsz);
		else
			rc = apply_officers(local, checkpoint, &items[n - 1], &st, &res->changed,
			    err, errsz);
		if (rc == TDV_OK && strcmp(kind, "officers") != 0) {
			rc = tdv_store_pull_state_set(local, kind, &st);
			if (rc != TDV_OK)
				snprintf(err, errsz, "list applied but its version not recorded: %s",
				    tdv_strerror(rc));
		}
	}
	if (rc == TDV_OK) {
		res->to_version = latest;
		res->items = (int)n;
	}
	for (size_t i = 0; i < n; i++)
		tdv_buf_free(&items[i].data);
	free(items);
	json_decref(root);
	return rc;
}
