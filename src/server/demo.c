/*
 * The demo station (tdverify serve --demo): a test country's PKI, specimen
 * passports of generated people with their chips (virtual, served by the
 * emulator) and data-page images, a lost/stolen list, a watchlist, one
 * account per role, and a few weeks of generated movements so the
 * supervisor's dashboard has something to show. Nobody in it is real:
 * the one named person is the ICAO specimen ERIKSSON ANNA MARIA of the
 * fictional state Utopia (UTO).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "server_int.h"
#include "tdv/error.h"
#include "tdv/pki.h"
#include "tdv/specimen.h"
#include "tdv/train.h"

static const tdv_demo_account accounts[] = {
    {"officer1", "officer", "officer-demo-1"},
    {"examiner1", "examiner", "examiner-demo-1"},
    {"supervisor1", "supervisor", "supervisor-demo-1"},
    {"trainer1", "trainer", "trainer-demo-1"},
    {"trainee1", "trainee", "trainee-demo-1"},
    {"admin1", "admin", "admin-demo-1"},
};
static const char *const account_names[] = {
    "Demo Officer", "Demo Examiner", "Demo Supervisor", "Demo Trainer",
    "Demo Trainee", "Demo Administrator"};

const tdv_demo_account *
tdv_demo_accounts(int *n)
{
	*n = (int)(sizeof(accounts) / sizeof(accounts[0]));
	return accounts;
}

/* The demo documents: what an officer will put on the reader. */
struct demo_doc {
	const char *label;
	const char *expect;
	const char *surname, *given;
	char sex;
	int birth_y, birth_m, birth_d;
	int expiry_offset_days; /* from today */
	tdv_defect defect;
	bool clone;
	const char *number;
};

static const struct demo_doc docs[] = {
    {"genuine passport", "PASS", "ERIKSSON", "ANNA MARIA", 'F', 1974, 8, 12,
	5 * 365, TDV_DEFECT_NONE, false, "UT1000001"},
    {"expired passport", "FAIL", "MARTIN", "LUCA", 'M', 1981, 3, 2, -40,
	TDV_DEFECT_NONE, false, "UT1000002"},
    {"reported stolen", "FAIL", "OKAFOR", "GRACE", 'F', 1990, 11, 23,
	4 * 365, TDV_DEFECT_NONE, false, "UT1000003"},
    {"tampered chip (DG1 altered)", "FAIL", "SILVA", "JOAO PEDRO", 'M', 1969,
	6, 30, 3 * 365, TDV_DEFECT_TAMPERED_DG1, false, "UT1000004"},
    {"cloned chip", "FAIL", "NGUYEN", "THI LAN", 'F', 1995, 1, 15, 6 * 365,
	TDV_DEFECT_NONE, true, "UT1000005"},
    {"name on the watchlist", "REFER", "PETROV", "IVAN", 'M', 1970, 4, 4,
	2 * 365, TDV_DEFECT_NONE, false, "UT1000006"},
};
#define NDOCS ((int)(sizeof(docs) / sizeof(docs[0])))

static void
note_add(char *note, size_t sz, const char *what, int rc)
{
	if (note == NULL)
		return;
	size_t n = strlen(note);
	if (n >= sz)
		return;
	snprintf(note + n, sz - n, "%s: %s; ", what, tdv_strerror(rc));
}

static int
mkdir_p(const char *path)
{
	char tmp[512];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return TDV_ELIMIT;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return TDV_EIO;
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return TDV_EIO;
	return TDV_OK;
}

static int
copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	if (in == NULL)
		return TDV_EIO;
	FILE *out = fopen(to, "wb");
	if (out == NULL) {
		fclose(in);
		return TDV_EIO;
	}
	char buf[8192];
	size_t n;
	bool ok = true;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n && ok;
	fclose(in);
	ok = fclose(out) == 0 && ok;
	return ok ? TDV_OK : TDV_EIO;
}

static int
write_text(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return TDV_EIO;
	bool ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok ? TDV_OK : TDV_EIO;
}

static tdv_date
day_offset(const tdv_date *today, long days)
{
	time_t t = (time_t)(tdv_date_to_days(today) + days) * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	tdv_date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return d;
}

/* Personalise one document, save its chip and render its data page. */
static int
make_doc(const char *dir, const char *pki, int n, const struct demo_doc *d,
    const tdv_date *today, tdv_font *font, tdv_buf *list, char *note,
    size_t notesz)
{
	tdv_person p;
	memset(&p, 0, sizeof(p));
	p.surname = d->surname;
	p.given_names = d->given;
	p.document_number = d->number;
	p.issuing_state = "UTO";
	p.nationality = "UTO";
	p.birth_date = (tdv_date){d->birth_y, d->birth_m, d->birth_d};
	p.expiry_date = day_offset(today, d->expiry_offset_days);
	p.issue_date = day_offset(today, d->expiry_offset_days - 10 * 365);
	p.sex = d->sex;
	tdv_personalise_options po;
	memset(&po, 0, sizeof(po));
	po.ds = "rsa";
	po.defect = d->defect;
	po.today = *today;
	tdv_issued doc;
	int rc = tdv_personalise_build(pki, &p, &po, &doc);
	if (rc != TDV_OK) {
		note_add(note, notesz, "personalise", rc);
		return rc;
	}
	char path[600];
	snprintf(path, sizeof(path), "%s/chips/%d", dir, n);
	rc = tdv_issued_save(&doc, &po, path);
	if (rc == TDV_OK && d->clone) {
		snprintf(path, sizeof(path), "%s/chips/%d/clone", dir, n);
		rc = write_text(path, "clone\n", 6);
	}
	/* the data page image, printing the chip's MRZ */
	char lines[2][TDV_MRZ_LINE_MAX + 1] = {"", ""};
	const char *nl = strchr(doc.printed_mrz, '\n');
	if (nl != NULL) {
		snprintf(lines[0], sizeof(lines[0]), "%.*s",
		    (int)(nl - doc.printed_mrz), doc.printed_mrz);
		snprintf(lines[1], sizeof(lines[1]), "%.44s", nl + 1);
	}
	bool have_image = false;
	if (rc == TDV_OK && font != NULL) {
		const char *lp[2] = {lines[0], lines[1]};
		tdv_specimen_opts so;
		memset(&so, 0, sizeof(so));
		so.format = TDV_MRZ_TD3;
		so.seed = (uint64_t)(1000 + n);
		so.dpi = 200;
		so.lines = lp;
		so.nlines = 2;
		tdv_specimen sp;
		memset(&sp, 0, sizeof(sp));
		int irc = tdv_specimen_generate(font, &so, today, &sp);
		if (irc == TDV_OK) {
			tdv_buf png;
			tdv_buf_init(&png, 16u << 20);
			irc = tdv_specimen_encode(&sp, &so.distortion, &png);
			snprintf(path, sizeof(path), "%s/images/%d.png", dir, n);
			if (irc == TDV_OK)
				irc = write_text(path, png.data, png.len);
			have_image = irc == TDV_OK;
			tdv_buf_free(&png);
			tdv_specimen_clear(&sp);
		}
		if (irc != TDV_OK)
			note_add(note, notesz, "specimen image", irc);
	}
	if (rc == TDV_OK) {
		tdv_buf item;
		tdv_buf_init(&item, 4096);
		tdv_json j;
		tdv_json_init(&j, &item);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "n");
		tdv_json_int(&j, n);
		tdv_json_key(&j, "label");
		tdv_json_string(&j, d->label);
		tdv_json_key(&j, "expect");
		tdv_json_string(&j, d->expect);
		tdv_json_key(&j, "mrz");
		tdv_json_array_begin(&j);
		tdv_json_string(&j, lines[0]);
		tdv_json_string(&j, lines[1]);
		tdv_json_array_end(&j);
		tdv_json_key(&j, "chip");
		char chip[16];
		snprintf(chip, sizeof(chip), "demo-%d", n);
		tdv_json_string(&j, chip);
		tdv_json_key(&j, "image");
		if (have_image) {
			char url[64];
			snprintf(url, sizeof(url), "/api/demo/images/%d.png", n);
			tdv_json_string(&j, url);
		} else {
			tdv_json_null(&j);
		}
		tdv_json_object_end(&j);
		/* list is an open array written by the caller */
		if (list->len > 1)
			tdv_buf_putc(list, ',');
		tdv_buf_append(list, item.data, item.len);
		tdv_buf_free(&item);
	}
	tdv_issued_free(&doc);
	return rc;
}

/* A small deterministic generator for the demo history. */
static uint32_t
lcg(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static int
seed_movements(tdv_store *store, const char *cp, const tdv_date *today)
{
	static const char *const nat[] = {"UTO", "UTO", "UTO", "D", "FRA", "GBR",
	    "LAO", "LAO", "THA", "VNM", "USA", "JPN"};
	static const char *const sur[] = {"ANDERSSON", "BAKER", "CHANTHAVONG",
	    "DUBOIS", "ESPOSITO", "FISCHER", "GARCIA", "HOANG", "INTHAVONG",
	    "JONES", "KOWALSKI", "LAMBERT", "MULLER", "NAKAMURA", "OLSEN",
	    "PHOMMACHANH", "ROSSI", "SATO", "TRAN", "WONG"};
	static const char *const giv[] = {"ALEX", "BOUNMY", "CLAIRE", "DAVID",
	    "EMMA", "KHAMPHONE", "LENA", "MARCO", "NOY", "OMAR", "PAUL",
	    "SOMSAK", "TOMAS", "VIENGKHAM", "YUKI"};
	static const char *const fraud[] = {"expired", "lost_stolen",
	    "chip_forged", "mrz", "data_mismatch"};
	uint64_t st = 20260101;
	int rc = tdv_store_begin(store);
	if (rc != TDV_OK)
		return rc;
	tdv_movement *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		tdv_store_rollback(store);
		return TDV_ENOMEM;
	}
	int64_t day0 = (int64_t)tdv_date_to_days(today) * 86400000;
	for (int i = 0; i < 240 && rc == TDV_OK; i++) {
		memset(m, 0, sizeof(*m));
		int back = (int)(lcg(&st) % 28) + 1;
		m->time_ms = day0 - (int64_t)back * 86400000 +
		    (int64_t)(lcg(&st) % 86400) * 1000;
		snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", cp);
		snprintf(m->officer_id, sizeof(m->officer_id), "officer1");
		m->direction = lcg(&st) % 2 ? TDV_DIR_ENTRY : TDV_DIR_EXIT;
		snprintf(m->document_code, sizeof(m->document_code), "P");
		const char *n = nat[lcg(&st) % (sizeof(nat) / sizeof(nat[0]))];
		snprintf(m->issuing_state, sizeof(m->issuing_state), "%s", n);
		snprintf(m->nationality, sizeof(m->nationality), "%s", n);
		snprintf(m->document_number, sizeof(m->document_number), "X%07u",
		    lcg(&st) % 10000000);
		snprintf(m->surname, sizeof(m->surname), "%s",
		    sur[lcg(&st) % (sizeof(sur) / sizeof(sur[0]))]);
		snprintf(m->given_names, sizeof(m->given_names), "%s",
		    giv[lcg(&st) % (sizeof(giv) / sizeof(giv[0]))]);
		m->sex = lcg(&st) % 2 ? 'F' : 'M';
		snprintf(m->birth_date, sizeof(m->birth_date), "%04u-%02u-%02u",
		    1940 + lcg(&st) % 80, 1 + lcg(&st) % 12, 1 + lcg(&st) % 28);
		unsigned ey = ((unsigned)today->year + 1u + lcg(&st) % 8) % 10000u;
		snprintf(m->expiry_date, sizeof(m->expiry_date), "%04u-06-30", ey);
		uint32_t r = lcg(&st) % 100;
		if (r < 88) {
			snprintf(m->verdict, sizeof(m->verdict), "PASS");
			m->decision = TDV_DECISION_ADMITTED;
		} else if (r < 94) {
			snprintf(m->verdict, sizeof(m->verdict), "REFER");
			m->decision = TDV_DECISION_ADMITTED;
			snprintf(m->reason, sizeof(m->reason),
			    "admitted after secondary inspection");
		} else {
			snprintf(m->verdict, sizeof(m->verdict), "FAIL");
			m->decision = TDV_DECISION_REFUSED;
			const char *f = fraud[lcg(&st) % 5];
			snprintf(m->fraud_type, sizeof(m->fraud_type), "%s", f);
			snprintf(m->reason, sizeof(m->reason), "refused: %s", f);
		}
		snprintf(m->checks_json, sizeof(m->checks_json), "[]");
		rc = tdv_store_record_movement(store, m);
	}
	free(m);
	if (rc == TDV_OK)
		return tdv_store_commit(store);
	tdv_store_rollback(store);
	return rc;
}

int
tdv_demo_seed(const char *dir, tdv_store *store, const char *checkpoint_id,
    const tdv_date *today, char *note, size_t notesz)
{
	if (dir == NULL || store == NULL || checkpoint_id == NULL || today == NULL)
		return TDV_EINVAL;
	if (note != NULL && notesz > 0)
		note[0] = '\0';
	char path[600], pki[600];
	int rc;
	if ((rc = mkdir_p(dir)) != TDV_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/images", dir);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/chips", dir);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/trust", dir);
	mkdir_p(path);

	/* the store: checkpoint, accounts, history */
	tdv_checkpoint cp;
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.id, sizeof(cp.id), "%s", checkpoint_id);
	snprintf(cp.name, sizeof(cp.name), "Demo International Airport, lane 1");
	snprintf(cp.country, sizeof(cp.country), "UTO");
	if ((rc = tdv_store_checkpoint_put(store, &cp)) != TDV_OK)
		return rc;
	for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
		tdv_officer o;
		memset(&o, 0, sizeof(o));
		snprintf(o.id, sizeof(o.id), "%s", accounts[i].id);
		snprintf(o.name, sizeof(o.name), "%s", account_names[i]);
		if ((rc = tdv_role_parse(accounts[i].role, &o.role)) != TDV_OK)
			return rc;
		o.active = true;
		rc = tdv_store_officer_add(store, &o, accounts[i].password,
		    strlen(accounts[i].password), NULL, checkpoint_id);
		if (rc != TDV_OK && rc != TDV_EEXIST)
			return rc;
	}
	if ((rc = seed_movements(store, checkpoint_id, today)) != TDV_OK)
		return rc;

	/* the test PKI and the trust store made from it */
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	tdv_pki_options po;
	memset(&po, 0, sizeof(po));
	po.country = "UTO";
	po.today = *today;
	int prc = tdv_pki_init(pki, &po);
	if (prc != TDV_OK && prc != TDV_EEXIST) {
		note_add(note, notesz, "test PKI", prc);
	} else {
		static const char *const files[][2] = {
		    {"csca/csca-rsa.pem", "csca-rsa.pem"},
		    {"csca/csca-ec.pem", "csca-ec.pem"},
		    {"crl/csca-rsa.crl", "csca-rsa.crl"},
		    {"crl/csca-ec.crl", "csca-ec.crl"},
		};
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char from[700], to[700];
			snprintf(from, sizeof(from), "%s/%s", pki, files[i][0]);
			snprintf(to, sizeof(to), "%s/trust/%s", dir, files[i][1]);
			copy_file(from, to);
		}
	}

	/* the documents */
	tdv_font *font = NULL;
	int frc = tdv_font_open(NULL, &font);
	if (frc != TDV_OK)
		note_add(note, notesz, "OCR-B font", frc);
	tdv_buf list;
	tdv_buf_init(&list, 1 << 20);
	tdv_buf_putc(&list, '[');
	for (int i = 0; prc == TDV_OK && i < NDOCS; i++)
		make_doc(dir, pki, i + 1, &docs[i], today, font, &list, note,
		    notesz);
	tdv_buf_puts(&list, "]\n");
	tdv_font_free(&font);
	snprintf(path, sizeof(path), "%s/documents.json", dir);
	rc = write_text(path, list.data, list.len);
	tdv_buf_free(&list);
	if (rc != TDV_OK)
		return rc;

	/* training: the demo trainer (a master trainer) and trainee */
	snprintf(path, sizeof(path), "%s/train.db", dir);
	tdv_train_db *tdb = NULL;
	int trc = tdv_train_db_open(path, &tdb);
	if (trc == TDV_OK) {
		tdv_train_person tp;
		memset(&tp, 0, sizeof(tp));
		snprintf(tp.id, sizeof(tp.id), "trainer1");
		snprintf(tp.name, sizeof(tp.name), "Demo Trainer");
		snprintf(tp.checkpoint, sizeof(tp.checkpoint), "%s", checkpoint_id);
		tp.role = TDV_TRAIN_MASTER;
		tp.level = TDV_TRAIN_SECOND_LINE;
		trc = tdv_train_db_person_add(tdb, &tp);
		if (trc == TDV_OK || trc == TDV_EEXIST) {
			snprintf(tp.id, sizeof(tp.id), "trainee1");
			snprintf(tp.name, sizeof(tp.name), "Demo Trainee");
			snprintf(tp.trainer, sizeof(tp.trainer), "trainer1");
			tp.role = TDV_TRAIN_TRAINEE;
			tp.level = TDV_TRAIN_FIRST_LINE;
			trc = tdv_train_db_person_add(tdb, &tp);
		}
		tdv_train_db_free(&tdb);
	}
	if (trc != TDV_OK && trc != TDV_EEXIST)
		note_add(note, notesz, "training database", trc);

	/* the lists: one document reported stolen, one watched name */
	char day[11], csv[1024];
	tdv_date rep = day_offset(today, -12);
	tdv_date_format_iso(&rep, day);
	int n = snprintf(csv, sizeof(csv),
	    "issuing_state,document_number,document_type,status,date_reported,source\n"
	    "UTO,%s,P,stolen,%s,UTO-POLICE-DEMO\n"
	    "UTO,UT9000001,P,lost,%s,UTO-POLICE-DEMO\n"
	    "D,C01X00T47,P,stolen,%s,DEMO\n",
	    docs[2].number, day, day, day);
	FILE *f = fmemopen(csv, (size_t)n, "r");
	if (f != NULL) {
		tdv_sltd_import_opts so;
		memset(&so, 0, sizeof(so));
		so.list_date = *today;
		tdv_sltd_import_stats sst;
		snprintf(path, sizeof(path), "%s/sltd.idx", dir);
		int src = tdv_sltd_import(f, path, &so, &sst);
		fclose(f);
		if (src != TDV_OK)
			note_add(note, notesz, "lost/stolen list", src);
	}
	static const char wl[] =
	    "id,names,birth_date,nationality,sex,document_numbers,reason,action\n"
	    "WL-0001,PETROV<<IVAN|Иван Петров,1970-04-04,UTO,M,,demo entry: "
	    "wanted for questioning (fictitious),refer to secondary\n"
	    "WL-0002,KHAMSING<<NOUANTHONG,1985,LAO,F,,demo entry (fictitious),"
	    "refer to secondary\n";
	snprintf(path, sizeof(path), "%s/watchlist.csv", dir);
	return write_text(path, wl, sizeof(wl) - 1);
}
