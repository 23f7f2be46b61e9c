/*
 * Specimen generation: a generated person (names from several regions in
 * their own scripts, transliterated by the MRZ engine per Doc 9303-3 §6),
 * the data page (page.c), the capture distortion (distort.c), and the
 * truth record written beside each image.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "specimen/specimen_internal.h"
#include "tdv/error.h"
#include "tdv/json.h"

/* Invented combinations of common names; no real person is meant. */
struct region {
	const char *nationality;
	const char *const *given;
	size_t ngiven;
	const char *const *surnames;
	size_t nsurnames;
};

static const char *const g_nordic[] = {"Anna", "Maria", "Erik", "Lars", "Ingrid", "Sven", "Åsa", "Björn"};
static const char *const s_nordic[] = {"Eriksson", "Lindqvist", "Ødegård", "Håkansson", "Berg", "Nyström"};
static const char *const g_german[] = {"Jürgen", "Käthe", "Lukas", "Sophie", "Matthias", "Grete"};
static const char *const s_german[] = {"Müller", "Schäfer", "Groß", "Becker", "Köhler", "Weiß"};
static const char *const g_romance[] = {"José", "María José", "François", "Inès", "João", "Chiara", "Hélène"};
static const char *const s_romance[] = {"García Márquez", "Lefèvre", "Gonçalves", "D'Angelo", "Núñez", "Dubois"};
static const char *const g_slavic[] = {"Анна", "Дмитрий", "Ольга", "Сергей", "Zuzana", "Łukasz"};
static const char *const s_slavic[] = {"Иванова", "Смирнов", "Кузнецов", "Dvořák", "Wójcik", "Novák"};
static const char *const g_greek[] = {"Γεώργιος", "Ελένη", "Νίκος", "Μαρία"};
static const char *const s_greek[] = {"Παπαδόπουλος", "Οικονόμου", "Γεωργίου"};
static const char *const g_arabic[] = {"محمد", "فاطمة", "Ahmed", "Layla", "Omar"};
static const char *const s_arabic[] = {"حسن", "Al-Sayed", "Haddad", "Mansour"};
static const char *const g_other[] = {"Wei", "Mei Ling", "Kwame", "Amara", "Hiroshi", "Priya", "Ngozi"};
static const char *const s_other[] = {"Chen", "Okafor", "Tanaka", "Sharma", "Mensah", "Nakamura-Lee"};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct region regions[] = {
    {"UTO", g_nordic, N(g_nordic), s_nordic, N(s_nordic)},
    {"D", g_german, N(g_german), s_german, N(s_german)},
    {"ESP", g_romance, N(g_romance), s_romance, N(s_romance)},
    {"RUS", g_slavic, N(g_slavic), s_slavic, N(s_slavic)},
    {"GRC", g_greek, N(g_greek), s_greek, N(s_greek)},
    {"EGY", g_arabic, N(g_arabic), s_arabic, N(s_arabic)},
    {"UTO", g_other, N(g_other), s_other, N(s_other)},
};

void
tdv_specimen_distortion_for_level(int level, uint64_t seed, tdv_specimen_distortion *d)
{
	memset(d, 0, sizeof(*d));
	if (level <= 0)
		return;
	if (level > 3)
		level = 3;
	tdv__rng r;
	tdv__rng_seed(&r, seed ^ 0x6469737430727421ULL);
	static const double rot[] = {0, 3, 10, 20}, persp[] = {0, 0.02, 0.05, 0.08},
			    blur[] = {0, 0.6, 1.1, 1.6}, mot[] = {0, 1.5, 3, 5},
			    noise[] = {0, 4, 8, 12}, light[] = {0, 0.15, 0.3, 0.45},
			    glare[] = {0, 0.1, 0.3, 0.5};
	static const int qmin[] = {0, 70, 50, 30}, up[] = {0, 0, 8, 6};
	d->rotate_deg = tdv__rng_range(&r, -rot[level], rot[level]);
	d->upside_down = up[level] > 0 && tdv__rng_int(&r, up[level]) == 0;
	d->perspective = tdv__rng_range(&r, 0, persp[level]);
	if (tdv__rng_int(&r, 3) == 0) {
		d->motion = tdv__rng_range(&r, 0, mot[level]);
		d->motion_deg = tdv__rng_range(&r, 0, 180);
	} else {
		d->defocus = tdv__rng_range(&r, 0, blur[level]);
	}
	d->noise = tdv__rng_range(&r, 0, noise[level]);
	d->lighting = tdv__rng_range(&r, 0, light[level]);
	d->glare = tdv__rng_int(&r, 2) ? tdv__rng_range(&r, 0, glare[level]) : 0;
	d->clutter = level >= 2 && tdv__rng_int(&r, 10) < 3 + 2 * (level - 1);
	if (tdv__rng_int(&r, 10) < 5 + level)
		d->jpeg_quality = qmin[level] + tdv__rng_int(&r, 96 - qmin[level]);
}

static void
random_chars(tdv__rng *r, char *out, int n, const char *set)
{
	size_t k = strlen(set);
	for (int i = 0; i < n; i++)
		out[i] = set[tdv__rng_int(r, (int)k)];
	out[n] = '\0';
}

static tdv_date
random_date(tdv__rng *r, int y0, int y1)
{
	tdv_date d;
	d.year = y0 + tdv__rng_int(r, y1 - y0 + 1);
	d.month = 1 + tdv__rng_int(r, 12);
	d.day = 1 + tdv__rng_int(r, 28);
	return d;
}

static int
make_person(const tdv_specimen_opts *o, const tdv_date *today, tdv__rng *r, tdv_specimen *s)
{
	int rc = TDV_EINTERNAL;
	for (int attempt = 0; attempt < 8; attempt++) {
		const struct region *g = &regions[tdv__rng_int(r, (int)N(regions))];
		const char *given = g->given[tdv__rng_int(r, (int)g->ngiven)];
		const char *sur = g->surnames[tdv__rng_int(r, (int)g->nsurnames)];
		char given2[64];
		if (tdv__rng_int(r, 3) == 0) {
			const char *second = g->given[tdv__rng_int(r, (int)g->ngiven)];
			snprintf(given2, sizeof(given2), "%s %s", given, second);
		} else {
			snprintf(given2, sizeof(given2), "%s", given);
		}
		char docno[16], personal[16];
		random_chars(r, docno, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		/* Many states use letters then digits; keep a mix. */
		if (tdv__rng_int(r, 2))
			random_chars(r, docno + 2, 7, "0123456789");
		personal[0] = '\0';
		if (tdv__rng_int(r, 3) == 0)
			random_chars(r, personal, 6 + tdv__rng_int(r, 6), "0123456789");
		tdv_mrz_input in;
		memset(&in, 0, sizeof(in));
		in.format = o->format;
		in.issuing_state = "UTO";
		in.surname = sur;
		in.given_names = given2;
		in.document_number = docno;
		in.nationality = tdv__rng_int(r, 3) == 0 ? "UTO" : g->nationality;
		in.birth_date = random_date(r, today->year - 90, today->year - 1);
		in.expiry_date = random_date(r, today->year - 1, today->year + 10);
		static const char sexes[] = {'M', 'F', 'M', 'F', 'X'};
		in.sex = sexes[tdv__rng_int(r, 5)];
		in.optional_data = personal[0] ? personal : NULL;
		rc = tdv_mrz_generate(&in, today, &s->mrz);
		if (rc == TDV_OK && s->mrz.nlines > 0) {
			snprintf(s->surname_utf8, sizeof(s->surname_utf8), "%s", s->mrz.surname);
			snprintf(s->given_names_utf8, sizeof(s->given_names_utf8), "%s",
			    s->mrz.given_names);
			/* The VIZ prints the name as written when it is ASCII. */
			int ascii = 1;
			for (const unsigned char *p = (const unsigned char *)sur; *p; p++)
				ascii &= *p < 0x80;
			for (const unsigned char *p = (const unsigned char *)given2; *p; p++)
				ascii &= *p < 0x80;
			if (ascii) {
				snprintf(s->surname_utf8, sizeof(s->surname_utf8), "%s", sur);
				snprintf(s->given_names_utf8, sizeof(s->given_names_utf8), "%s", given2);
			}
			return TDV_OK;
		}
	}
	return rc;
}

void
tdv_specimen_clear(tdv_specimen *s)
{
	if (s == NULL)
		return;
	tdv_image_free(&s->image);
	memset(s, 0, sizeof(*s));
}

int
tdv_specimen_generate(tdv_font *font, const tdv_specimen_opts *opts,
    const tdv_date *today, tdv_specimen *out)
{
	if (font == NULL || opts == NULL || out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if (opts->format != TDV_MRZ_TD1 && opts->format != TDV_MRZ_TD2 &&
	    opts->format != TDV_MRZ_TD3)
		return TDV_EINVAL;
	tdv_specimen_opts o = *opts;
	if (o.dpi == 0)
		o.dpi = 300;
	if (o.dpi < 100 || o.dpi > 600)
		return TDV_EINVAL;
	tdv_date def = {2026, 1, 1};
	if (today == NULL)
		today = &def;
	tdv__rng rng;
	tdv__rng_seed(&rng, o.seed);
	int want_lines = o.format == TDV_MRZ_TD1 ? 3 : 2;
	int want_len = o.format == TDV_MRZ_TD1 ? 30 : o.format == TDV_MRZ_TD2 ? 36 : 44;
	int rc;
	if (o.lines != NULL) {
		if (o.nlines != want_lines)
			return TDV_EINVAL;
		out->mrz.format = o.format;
		out->mrz.nlines = o.nlines;
		for (int i = 0; i < o.nlines; i++) {
			if (o.lines[i] == NULL || strlen(o.lines[i]) != (size_t)want_len)
				return TDV_EINVAL;
			memcpy(out->mrz.lines[i], o.lines[i], (size_t)want_len + 1);
		}
	} else if ((rc = make_person(&o, today, &rng, out)) != TDV_OK) {
		return rc;
	}
	if (out->mrz.nlines != want_lines || strlen(out->mrz.lines[0]) != (size_t)want_len)
		return TDV_EINTERNAL;

	tdv_image *page = NULL;
	tdv__page_layout lay;
	rc = tdv__page_render(font, out, &o, &rng, &page, &lay);
	if (rc == TDV_OK) {
		tdv__hmat fwd;
		rc = tdv__distort(font, page, &o.distortion, &rng, &out->image, &fwd);
		if (rc == TDV_OK) {
			double x0 = lay.mrz_x0, x1 = lay.mrz_x0 + lay.nchars * lay.pitch;
			double pts[4][2] = {{x0, lay.mrz_top}, {x1, lay.mrz_top},
			    {x1, lay.mrz_bottom}, {x0, lay.mrz_bottom}};
			for (int i = 0; i < 4; i++)
				tdv__hmat_apply(&fwd, pts[i][0], pts[i][1], &out->quad[i][0],
				    &out->quad[i][1]);
			double dx = out->quad[1][0] - out->quad[0][0];
			double dy = out->quad[1][1] - out->quad[0][1];
			out->pitch_px = sqrt(dx * dx + dy * dy) / lay.nchars;
		}
	}
	tdv_image_free(&page);
	if (rc != TDV_OK)
		tdv_specimen_clear(out);
	return rc;
}

int
tdv_specimen_encode(const tdv_specimen *s, const tdv_specimen_distortion *d, tdv_buf *out)
{
	if (s == NULL || s->image == NULL || d == NULL || out == NULL)
		return TDV_EINVAL;
	if (d->jpeg_quality > 0)
		return tdv_image_encode_jpeg(s->image, d->jpeg_quality, out);
	return tdv_image_encode_png(s->image, out);
}

int
tdv_specimen_truth_json(const tdv_specimen *s, const tdv_specimen_opts *o, tdv_buf *out)
{
	if (s == NULL || o == NULL || out == NULL || s->image == NULL)
		return TDV_EINVAL;
	const tdv_specimen_distortion *d = &o->distortion;
	const tdv_mrz *m = &s->mrz;
	tdv_json j;
	tdv_json_init(&j, out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "format");
	tdv_json_string(&j, tdv_mrz_format_name(o->format));
	tdv_json_key(&j, "lines");
	tdv_json_array_begin(&j);
	for (int i = 0; i < m->nlines; i++)
		tdv_json_string(&j, m->lines[i]);
	tdv_json_array_end(&j);
	if (o->lines == NULL) {
		char iso[11];
		tdv_json_key(&j, "fields");
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "document_code");
		tdv_json_string(&j, m->document_code);
		tdv_json_key(&j, "issuing_state");
		tdv_json_string(&j, m->issuing_state);
		tdv_json_key(&j, "surname");
		tdv_json_string(&j, m->surname);
		tdv_json_key(&j, "given_names");
		tdv_json_string(&j, m->given_names);
		tdv_json_key(&j, "surname_printed");
		tdv_json_string(&j, s->surname_utf8);
		tdv_json_key(&j, "given_names_printed");
		tdv_json_string(&j, s->given_names_utf8);
		tdv_json_key(&j, "document_number");
		tdv_json_string(&j, m->document_number);
		tdv_json_key(&j, "nationality");
		tdv_json_string(&j, m->nationality);
		tdv_date_format_iso(&m->birth_date, iso);
		tdv_json_key(&j, "birth_date");
		tdv_json_string(&j, iso);
		tdv_date_format_iso(&m->expiry_date, iso);
		tdv_json_key(&j, "expiry_date");
		tdv_json_string(&j, iso);
		char sex[2] = {m->sex, '\0'};
		tdv_json_key(&j, "sex");
		tdv_json_string(&j, sex);
		tdv_json_key(&j, "optional_data");
		tdv_json_string(&j, m->optional_data);
		tdv_json_object_end(&j);
	}
	tdv_json_key(&j, "quad");
	tdv_json_array_begin(&j);
	for (int i = 0; i < 4; i++) {
		tdv_json_array_begin(&j);
		tdv_json_double(&j, round(s->quad[i][0] * 10) / 10);
		tdv_json_double(&j, round(s->quad[i][1] * 10) / 10);
		tdv_json_array_end(&j);
	}
	tdv_json_array_end(&j);
	tdv_json_key(&j, "pitch");
	tdv_json_double(&j, round(s->pitch_px * 100) / 100);
	tdv_json_key(&j, "width");
	tdv_json_int(&j, s->image->width);
	tdv_json_key(&j, "height");
	tdv_json_int(&j, s->image->height);
	tdv_json_key(&j, "seed");
	tdv_json_int(&j, (int64_t)o->seed);
	tdv_json_key(&j, "dpi");
	tdv_json_int(&j, o->dpi ? o->dpi : 300);
	tdv_json_key(&j, "distortion");
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "rotate_deg");
	tdv_json_double(&j, round(d->rotate_deg * 100) / 100);
	tdv_json_key(&j, "upside_down");
	tdv_json_bool(&j, d->upside_down);
	tdv_json_key(&j, "perspective");
	tdv_json_double(&j, round(d->perspective * 1000) / 1000);
	tdv_json_key(&j, "defocus");
	tdv_json_double(&j, round(d->defocus * 100) / 100);
	tdv_json_key(&j, "motion");
	tdv_json_double(&j, round(d->motion * 100) / 100);
	tdv_json_key(&j, "motion_deg");
	tdv_json_double(&j, round(d->motion_deg));
	tdv_json_key(&j, "noise");
	tdv_json_double(&j, round(d->noise * 100) / 100);
	tdv_json_key(&j, "lighting");
	tdv_json_double(&j, round(d->lighting * 100) / 100);
	tdv_json_key(&j, "glare");
	tdv_json_double(&j, round(d->glare * 100) / 100);
	tdv_json_key(&j, "clutter");
	tdv_json_bool(&j, d->clutter);
	tdv_json_key(&j, "jpeg_quality");
	tdv_json_int(&j, d->jpeg_quality);
	tdv_json_object_end(&j);
	tdv_json_object_end(&j);
	tdv_buf_putc(out, '\n');
	return tdv_json_error(&j);
}
