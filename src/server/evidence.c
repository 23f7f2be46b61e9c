/*
 * The station's evidence sources: the trust store (CSCA, master lists,
 * CRLs) for Passive Authentication, the lost/stolen index and the
 * watchlist for screening, and the chip reader (PC/SC, or the demo's
 * virtual chips served in-process by the emulator, tdv/emu.h).
 *
 * Resources are swapped under a read-write lock when an administrator
 * uploads a new version; inspections hold the read side while they use
 * them.
 *
 * The lost/stolen index is opened once and preloaded (tdv_sltd_preload:
 * no page faults, first level in memory); the watchlist is used as a
 * compiled file mapped with tdv_watchlist_open (a configured CSV list is
 * compiled once into "<list>.tdvwl", next to it, and compiled again only
 * when the CSV's SHA-256 changes). A pull or an import replaces a list
 * file by rename: before an inspection and the lists report, at most once
 * a second, the files are compared with the ones in use (device, inode,
 * size, modification time) and a changed list is opened and switched in
 * under the write lock, by one request thread while the others go on
 * with the lists they have.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_int.h"
#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"
#include "tdv/inspect_pa.h"
#include "tdv/inspect_screen.h"
#include "tdv/lds.h"

int
tdv__srv_trust_reload(tdv_server *s)
{
	if (s->cfg.trust_dir == NULL)
		return TDV_OK;
	tdv_trust *t = tdv_trust_new();
	if (t == NULL)
		return TDV_ENOMEM;
	int bad = 0;
	int rc = tdv_trust_load_dir(t, s->cfg.trust_dir, &bad);
	if (rc != TDV_OK && rc != TDV_ENOENT) {
		tdv_trust_free(&t);
		return rc;
	}
	pthread_rwlock_wrlock(&s->res_lock);
	tdv_trust *old = s->trust;
	s->trust = t;
	s->trust_loaded_ms = tdv__srv_now_ms();
	pthread_rwlock_unlock(&s->res_lock);
	tdv_trust_free(&old);
	return TDV_OK;
}

/* How often the list files are compared with the ones in use. */
#define SRV_LISTS_CHECK_MS 1000

/* Identity of a list file (a replacement by rename changes it); false
 * when there is none. */
static bool
file_sig(const char *path, uint64_t sig[4])
{
	struct stat sb;
	if (path == NULL || stat(path, &sb) != 0)
		return false;
	sig[0] = (uint64_t)sb.st_dev;
	sig[1] = (uint64_t)sb.st_ino;
	sig[2] = (uint64_t)sb.st_size;
	sig[3] = (uint64_t)sb.st_mtim.tv_sec * 1000000000u + (uint64_t)sb.st_mtim.tv_nsec;
	return true;
}

/* Caller holds lists_mu. */
static int
sltd_reopen_locked(tdv_server *s)
{
	if (s->cfg.sltd_path == NULL)
		return TDV_OK;
	uint64_t sig[4] = {0, 0, 0, 0};
	(void)file_sig(s->cfg.sltd_path, sig); /* before opening: a later
	                                        * replacement is seen next time */
	tdv_sltd *idx = NULL;
	int rc = tdv_sltd_open(s->cfg.sltd_path, &idx);
	if (rc == TDV_OK)
		rc = tdv_sltd_preload(idx);
	if (rc != TDV_OK) {
		tdv_sltd_free(&idx);
		return rc;
	}
	pthread_rwlock_wrlock(&s->res_lock);
	tdv_sltd *old = s->sltd;
	s->sltd = idx;
	pthread_rwlock_unlock(&s->res_lock);
	memcpy(s->sltd_sig, sig, sizeof(sig));
	tdv_sltd_free(&old); /* no reader left: they hold the read lock */
	return TDV_OK;
}

int
tdv__srv_sltd_reopen(tdv_server *s)
{
	pthread_mutex_lock(&s->lists_mu);
	int rc = sltd_reopen_locked(s);
	pthread_mutex_unlock(&s->lists_mu);
	return rc;
}

struct csv_err {
	char *msg;
	size_t msgsz;
	unsigned long n;
};

static void
on_csv_error(void *ctx, unsigned long line, int code, const char *msg)
{
	struct csv_err *e = ctx;
	if (e->n++ == 0 && e->msg != NULL)
		snprintf(e->msg, e->msgsz, "line %lu: %s (%s)", line, msg,
		    tdv_strerror(code));
}

/* SHA-256 (hex) of a file's contents. */
static int
file_sha256(FILE *f, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t d[32];
	unsigned int dl = 0;
	int rc = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ?
	    TDV_OK : TDV_ECRYPTO;
	char *buf = malloc(1 << 16);
	if (buf == NULL)
		rc = TDV_ENOMEM;
	size_t n;
	while (rc == TDV_OK && (n = fread(buf, 1, 1 << 16, f)) > 0)
		if (EVP_DigestUpdate(md, buf, n) != 1)
			rc = TDV_ECRYPTO;
	if (rc == TDV_OK && ferror(f))
		rc = TDV_EIO;
	if (rc == TDV_OK && (EVP_DigestFinal_ex(md, d, &dl) != 1 || dl != 32))
		rc = TDV_ECRYPTO;
	free(buf);
	EVP_MD_CTX_free(md);
	for (int i = 0; rc == TDV_OK && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return rc;
}

/* The SHA-256 recorded next to the compiled list: of the CSV it was
 * made from. */
static bool
sidecar_matches(const char *side, const char *hex)
{
	char got[80] = "";
	FILE *f = fopen(side, "r");
	if (f == NULL)
		return false;
	bool ok = fgets(got, sizeof(got), f) != NULL && strncmp(got, hex, 64) == 0;
	fclose(f);
	return ok;
}

static void
sidecar_write(const char *side, const char *hex)
{
	char tmp[PATH_MAX + 8];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", side) >= (int)sizeof(tmp))
		return;
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	bool ok = fprintf(f, "%s\n", hex) > 0;
	ok = fflush(f) == 0 && ok && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, side) != 0)
		unlink(tmp);
}

/*
 * The watchlist to use: csv/len (an upload), or the configured file, a
 * compiled list (mapped as it is) or a CSV list (compiled into
 * "<path>.tdvwl" unless that was made from the same CSV). Caller holds
 * lists_mu.
 */
static int
watchlist_load_locked(tdv_server *s, const char *csv, size_t len, char *msg,
    size_t msgsz)
{
	const char *path = s->cfg.watchlist_path;
	if (csv == NULL && path == NULL)
		return TDV_OK;
	uint64_t sig[4] = {0, 0, 0, 0};
	if (csv == NULL)
		(void)file_sig(path, sig);
	char magic[8] = {0};
	FILE *f;
	if (csv != NULL)
		f = len ? fmemopen((void *)(uintptr_t)csv, len, "r") : NULL;
	else
		f = fopen(path, "r");
	if (f == NULL)
		return csv != NULL ? TDV_ESCREEN_CSV : TDV_EIO;
	tdv_watchlist *wl = NULL;
	int rc = TDV_OK;
	char cpath[PATH_MAX], side[PATH_MAX + 8], hex[65] = "";
	bool have_cpath = path != NULL &&
	    snprintf(cpath, sizeof(cpath), "%s.tdvwl", path) < (int)sizeof(cpath) &&
	    snprintf(side, sizeof(side), "%s.sha256", cpath) < (int)sizeof(side);
	if (csv == NULL && fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TDVWLST", 7) == 0) {
		fclose(f); /* a compiled list configured */
		rc = tdv_watchlist_open(path, &wl);
		if (rc != TDV_OK)
			return rc;
		goto swap;
	}
	rewind(f);
	if (have_cpath) {
		/* the compiled list made from this very CSV, if there is one */
		if (file_sha256(f, hex) == TDV_OK && sidecar_matches(side, hex) &&
		    tdv_watchlist_open(cpath, &wl) == TDV_OK) {
			fclose(f);
			goto swap;
		}
		rewind(f);
	}
	struct csv_err e = {msg, msgsz, 0};
	tdv_watch_stats st;
	rc = tdv_watchlist_load_csv(f, 0, on_csv_error, &e, &wl, &st);
	fclose(f);
	if (rc != TDV_OK)
		return rc;
	/* Compiled and mapped back; where the directory is not writable the
	 * list is used from memory. */
	if (have_cpath) {
		tdv_watchlist *m = NULL;
		unlink(side); /* the compiled file changes first */
		if (tdv_watchlist_save(wl, cpath, NULL) == TDV_OK &&
		    tdv_watchlist_open(cpath, &m) == TDV_OK) {
			tdv_watchlist_free(&wl);
			wl = m;
			if (hex[0] != '\0')
				sidecar_write(side, hex);
		} else {
			tdv__srv_log(s, "watchlist: cannot write the compiled list %s; "
			    "using the list from memory", cpath);
		}
	}
swap:
	pthread_rwlock_wrlock(&s->res_lock);
	tdv_watchlist *old = s->watchlist;
	s->watchlist = wl;
	s->watchlist_loaded_ms = tdv__srv_now_ms();
	pthread_rwlock_unlock(&s->res_lock);
	if (csv == NULL)
		memcpy(s->wl_sig, sig, sizeof(sig));
	tdv_watchlist_free(&old);
	return TDV_OK;
}

int
tdv__srv_watchlist_reload(tdv_server *s, const char *csv, size_t len,
    char *msg, size_t msgsz)
{
	pthread_mutex_lock(&s->lists_mu);
	int rc = watchlist_load_locked(s, csv, len, msg, msgsz);
	pthread_mutex_unlock(&s->lists_mu);
	return rc;
}

void
tdv__srv_lists_refresh(tdv_server *s)
{
	if (!s->lists_mu_ok || pthread_mutex_trylock(&s->lists_mu) != 0)
		return; /* another thread is at it: go on with the current lists */
	int64_t now = tdv__srv_now_ms();
	if (now - s->lists_checked_ms >= SRV_LISTS_CHECK_MS) {
		s->lists_checked_ms = now;
		uint64_t sig[4];
		int rc;
		char msg[200] = "";
		if (file_sig(s->cfg.sltd_path, sig) && memcmp(sig, s->sltd_sig, sizeof(sig)) != 0) {
			if ((rc = sltd_reopen_locked(s)) != TDV_OK) {
				memcpy(s->sltd_sig, sig, sizeof(sig)); /* not again and again */
				tdv__srv_log(s, "lost/stolen index %s changed but cannot be used: %s; "
				    "the previous version stays in use", s->cfg.sltd_path, tdv_strerror(rc));
			} else {
				tdv__srv_log(s, "lost/stolen index %s: new version in use", s->cfg.sltd_path);
			}
		}
		if (file_sig(s->cfg.watchlist_path, sig) && memcmp(sig, s->wl_sig, sizeof(sig)) != 0) {
			if ((rc = watchlist_load_locked(s, NULL, 0, msg, sizeof(msg))) != TDV_OK) {
				memcpy(s->wl_sig, sig, sizeof(sig));
				tdv__srv_log(s, "watchlist %s changed but cannot be used: %s %s; "
				    "the previous version stays in use", s->cfg.watchlist_path,
				    tdv_strerror(rc), msg);
			} else {
				tdv__srv_log(s, "watchlist %s: new version in use", s->cfg.watchlist_path);
			}
		}
	}
	pthread_mutex_unlock(&s->lists_mu);
}

int
tdv__srv_resources_load(tdv_server *s)
{
	int rc;
	if (!s->lists_mu_ok) {
		if (pthread_mutex_init(&s->lists_mu, NULL) != 0)
			return TDV_ENOMEM;
		s->lists_mu_ok = true;
	}
	s->lists_checked_ms = tdv__srv_now_ms();
	if ((rc = tdv__srv_trust_reload(s)) != TDV_OK)
		tdv__srv_log(s, "trust store %s: %s", s->cfg.trust_dir,
		    tdv_strerror(rc));
	if ((rc = tdv__srv_sltd_reopen(s)) != TDV_OK)
		tdv__srv_log(s, "lost/stolen index %s: %s", s->cfg.sltd_path,
		    tdv_strerror(rc));
	char msg[200] = "";
	if ((rc = tdv__srv_watchlist_reload(s, NULL, 0, msg, sizeof(msg))) != TDV_OK)
		tdv__srv_log(s, "watchlist %s: %s %s", s->cfg.watchlist_path,
		    tdv_strerror(rc), msg);
	return TDV_OK;
}

void
tdv__srv_resources_free(tdv_server *s)
{
	tdv_trust_free(&s->trust);
	tdv_sltd_free(&s->sltd);
	tdv_watchlist_free(&s->watchlist);
	if (s->lists_mu_ok) {
		pthread_mutex_destroy(&s->lists_mu);
		s->lists_mu_ok = false;
	}
}

/* Caller holds res_lock for reading until tdv_inspection_run is done. */
void
tdv__srv_attach_screening(tdv_server *s, tdv_inspection *ins)
{
	if (s->sltd != NULL)
		tdv_inspection_set_sltd(ins, s->sltd);
	if (s->watchlist == NULL)
		return;
	const tdv_mrz *m = tdv_inspection_mrz(ins);
	if (m == NULL || (m->surname[0] == '\0' && m->given_names[0] == '\0'))
		return;
	/* The pipeline takes a module's own check by id: the traveller is
	 * screened here with the screening module's matcher and handed in. */
	char name[2 * TDV_MRZ_LINE_MAX + 4];
	snprintf(name, sizeof(name), "%s<<%s", m->surname, m->given_names);
	for (char *p = name; *p; p++)
		if (*p == ' ')
			*p = '<';
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = name;
	t.birth = m->birth_date;
	t.nationality = m->nationality;
	t.sex = m->sex;
	t.document_number = m->document_number;
	tdv_watch_hit *hits = calloc(3, sizeof(*hits));
	size_t n = 0;
	if (hits == NULL || tdv_watchlist_match(s->watchlist, &t, hits, 3, &n) != TDV_OK) {
		free(hits);
		tdv_inspection_add_check(ins, "screen.watchlist", TDV_INSPECT_WARN,
		    "the watchlist could not be searched for this name", NULL);
		return;
	}
	char msg[TDV_CHECK_MSG_MAX + 1];
	if (n == 0) {
		snprintf(msg, sizeof(msg), "no match among %zu watchlist entries",
		    tdv_watchlist_size(s->watchlist));
		tdv_inspection_add_check(ins, "screen.watchlist", TDV_INSPECT_PASS,
		    msg, NULL);
		free(hits);
		return;
	}
	tdv_buf ex;
	tdv_buf_init(&ex, 200);
	tdv_name_explain(&hits[0].detail, &ex);
	snprintf(msg, sizeof(msg),
	    "possible match with watchlist entry %s \"%s\" (score %.2f; %s%s%s); "
	    "reason: %s; action: %s",
	    hits[0].id ? hits[0].id : "?",
	    hits[0].matched_name ? hits[0].matched_name : "?", hits[0].score,
	    tdv_buf_cstr(&ex), hits[0].evidence[0] ? "; " : "", hits[0].evidence,
	    hits[0].reason ? hits[0].reason : "", hits[0].action ? hits[0].action : "refer");
	tdv_buf_free(&ex);
	free(hits);
	tdv_inspection_add_check(ins, "screen.watchlist", TDV_INSPECT_WARN, msg,
	    "watchlist");
}

/* Demo chip source "demo-N": N in 1..99, a directory under the chips
 * dir. */
static int
open_demo_chip(tdv_server *s, const char *source, tdv_emu **emu)
{
	if (s->cfg.demo_chips_dir == NULL)
		return TDV_ENOENT;
	const char *n = source + 5;
	size_t len = strlen(n);
	if (len == 0 || len > 2 || strspn(n, "0123456789") != len)
		return TDV_EINVAL;
	char dir[512];
	if (snprintf(dir, sizeof(dir), "%s/%s", s->cfg.demo_chips_dir, n) >=
	    (int)sizeof(dir))
		return TDV_ELIMIT;
	tdv_emu_options o;
	tdv_emu_options_default(&o);
	/* a "clone" marker: the demo's copied chip without its private keys */
	char marker[600];
	snprintf(marker, sizeof(marker), "%s/clone", dir);
	FILE *f = fopen(marker, "r");
	if (f != NULL) {
		o.clone = true;
		fclose(f);
	}
	return tdv_emu_load_dir(emu, dir, &o);
}

static const char *
access_name(tdv_chip_access a)
{
	return a == TDV_CHIP_ACCESS_PACE ? "PACE"
	    : a == TDV_CHIP_ACCESS_BAC   ? "BAC"
					 : "no access control";
}

int
tdv__srv_read_chip(tdv_server *s, const char *source, const tdv_mrz *mrz,
    const tdv_date *today, tdv_inspection *ins, uint8_t **photo,
    size_t *photo_len)
{
	*photo = NULL;
	*photo_len = 0;
	tdv_emu *emu = NULL;
	tdv_chip_transport *t = NULL;
	tdv_chip *chip = NULL;
	tdv_lds *lds = NULL;
	tdv_pa_result *pa = NULL;
	int rc;
	char msg[TDV_CHECK_MSG_MAX + 1];

	if (mrz == NULL) {
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_SKIP,
		    "the chip needs the MRZ (its access key); none was read", NULL);
		return TDV_OK;
	}
	tdv_chip_mrz_key key;
	if (tdv_chip_mrz_key_from_mrz(&key, mrz) != TDV_OK) {
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN,
		    "the MRZ does not give a usable chip access key", NULL);
		return TDV_OK;
	}
	if (strncmp(source, "demo-", 5) == 0) {
		rc = open_demo_chip(s, source, &emu);
		if (rc == TDV_OK)
			rc = tdv_emu_transport(emu, &t);
	} else if (strcmp(source, "pcsc") == 0 && s->cfg.pcsc) {
		rc = tdv_chip_transport_open_pcsc(&t, NULL, 3000);
	} else {
		rc = TDV_EINVAL;
	}
	if (rc != TDV_OK) {
		snprintf(msg, sizeof(msg), "no chip could be reached (%s)",
		    tdv_strerror(rc));
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN, msg, NULL);
		rc = TDV_OK;
		goto out;
	}
	lds = tdv_lds_new();
	pa = calloc(1, sizeof(*pa));
	if (lds == NULL || pa == NULL || tdv_chip_new(&chip, t) != TDV_OK) {
		rc = TDV_ENOMEM;
		goto out;
	}
	tdv_chip_read_options ro;
	memset(&ro, 0, sizeof(ro));
	ro.mrz = &key;
	tdv_chip_report rep;
	memset(&rep, 0, sizeof(rep));
	rc = tdv_chip_read_document(chip, &ro, lds, &rep);
	if (rc != TDV_OK) {
		snprintf(msg, sizeof(msg),
		    "the chip did not open with this document's MRZ key (%s): the "
		    "printed MRZ and the chip do not belong together, or the "
		    "reading failed",
		    tdv_strerror(rc));
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_FAIL, msg,
		    "data_mismatch");
		rc = TDV_OK;
		goto out;
	}
	snprintf(msg, sizeof(msg), "chip read with %s: %d files, %zu bytes",
	    access_name(rep.access), rep.nfiles, rep.bytes);
	tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_PASS, msg, NULL);

	/* Active / Chip Authentication: a copied chip cannot answer */
	if (rep.aa_rc == TDV_ECHIP_AUTH || rep.ca_rc == TDV_ECHIP_AUTH)
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_FAIL,
		    rep.aa_rc == TDV_ECHIP_AUTH
			? "Active Authentication failed: the chip does not hold "
			  "the private key of this document (cloned chip)"
			: "Chip Authentication failed: the chip does not hold the "
			  "private key of this document (cloned chip)",
		    "chip_clone");
	else if (rep.aa_rc == TDV_OK || rep.ca_rc == TDV_OK)
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_PASS,
		    rep.aa_rc == TDV_OK && rep.ca_rc == TDV_OK
			? "Active and Chip Authentication passed: the chip is genuine"
		    : rep.aa_rc == TDV_OK
			? "Active Authentication passed: the chip is genuine"
			: "Chip Authentication passed: the chip is genuine",
		    NULL);
	else
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_SKIP,
		    "the chip offers neither Active nor Chip Authentication", NULL);

	/* DG1 against the printed MRZ */
	const uint8_t *d;
	size_t dlen;
	if (tdv_lds_get(lds, TDV_EF_DG1, &d, &dlen) == TDV_OK) {
		tdv_lds_dg1 *dg1 = calloc(1, sizeof(*dg1));
		if (dg1 != NULL && tdv_lds_parse_dg1(d, dlen, today, dg1) == TDV_OK)
			tdv_inspection_set_chip_dg1(ins, &dg1->mrz);
		free(dg1);
	}

	/* Passive Authentication against the trust store */
	char printed[3 * (TDV_MRZ_LINE_MAX + 1) + 1];
	size_t plen = 0;
	for (int i = 0; i < mrz->nlines && i < TDV_MRZ_MAX_LINES; i++) {
		int w = snprintf(printed + plen, sizeof(printed) - plen, "%s%s",
		    i ? "\n" : "", mrz->lines[i]);
		if (w < 0 || (size_t)w >= sizeof(printed) - plen)
			break;
		plen += (size_t)w;
	}
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = *today;
	po.printed_mrz = printed;
	po.printed_mrz_len = plen;
	pthread_rwlock_rdlock(&s->res_lock);
	if (s->trust != NULL) {
		rc = tdv_pa_verify(s->trust, lds, &po, pa);
		if (rc == TDV_OK)
			tdv_inspection_add_pa(ins, pa);
	}
	pthread_rwlock_unlock(&s->res_lock);
	rc = TDV_OK;

	/* the portrait, when it is a JPEG a browser can show */
	if (tdv_lds_get(lds, TDV_EF_DG2, &d, &dlen) == TDV_OK) {
		tdv_lds_dg2 dg2;
		if (tdv_lds_parse_dg2(d, dlen, &dg2) == TDV_OK && dg2.nfaces > 0 &&
		    dg2.faces[0].image_kind == TDV_LDS_IMAGE_JPEG &&
		    dg2.faces[0].image_len <= SRV_PHOTO_MAX) {
			*photo = malloc(dg2.faces[0].image_len);
			if (*photo != NULL) {
				memcpy(*photo, dg2.faces[0].image,
				    dg2.faces[0].image_len);
				*photo_len = dg2.faces[0].image_len;
			}
		}
	}
out:
	free(pa);
	tdv_lds_free(&lds);
	tdv_chip_free(&chip);
	tdv_chip_transport_free(&t);
	tdv_emu_free(&emu);
	return rc;
}
