/*
 * Building an exercise set: specimen data pages (tdv/specimen.h), chips
 * personalised by the test PKI (tdv/pki.h) with the personalisation
 * defects, and the page-level and list-level defects applied here the way
 * a forger or the lists would: an altered MRZ character painted over the
 * printed one, a visual zone that disagrees with the MRZ, a substituted
 * photo, an expired document, a cloned chip (no private keys), the
 * document on the set's lost/stolen list, the holder on its watchlist.
 * Layout of the output: include/tdv/train.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/json.h"
#include "tdv/mrz.h"
#include "tdv/pki.h"
#include "tdv/screen.h"
#include "tdv/specimen.h"
#include "tdv/train.h"

#define BIT(d) (1u << (d))
/* Defects made by personalisation: one per chip. */
#define CHIP_PA_DEFECTS                                                        \
	(BIT(TDV_TRAIN_CHIP_DG1) | BIT(TDV_TRAIN_CHIP_DG2) |                   \
	    BIT(TDV_TRAIN_FORGED_SOD) | BIT(TDV_TRAIN_UNKNOWN_CSCA) |          \
	    BIT(TDV_TRAIN_REVOKED_DS))
#define DECOYS_SLTD 24
#define DECOYS_WATCH 12

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int
popcount(uint32_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

/* A key drawn from the seed: every allowed type in turn (shuffled), about
 * a quarter genuine, a second compatible defect on some second-line
 * documents. */
static void
draw_key(uint64_t seed, int n, tdv_train_level level, tdv_train_defects *key)
{
	int types[TDV_TRAIN_NDEFECTS], nt = 0;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++)
		if (level == TDV_TRAIN_SECOND_LINE ||
		    tdv_train_defect_level((tdv_train_defect)d) ==
			TDV_TRAIN_FIRST_LINE)
			types[nt++] = d;
	uint64_t x = mix(seed ^ 0x5eedULL);
	for (int i = nt - 1; i > 0; i--) {
		x = mix(x);
		int j = (int)(x % (uint64_t)(i + 1));
		int t = types[i];
		types[i] = types[j];
		types[j] = t;
	}
	int next = 0;
	for (int i = 0; i < n; i++) {
		x = mix(x);
		if (x % 4 == 0 || (n >= 3 && i == (int)(seed % (uint64_t)n))) {
			key[i] = 0;
			continue;
		}
		key[i] = BIT(types[next++ % nt]);
		x = mix(x);
		if (level == TDV_TRAIN_SECOND_LINE && x % 4 == 0) {
			int extra = types[(next + 3) % nt];
			tdv_train_defects k2 = key[i] | BIT(extra);
			if (popcount(k2 & CHIP_PA_DEFECTS) <= 1)
				key[i] = k2;
		}
	}
}

static void
put_px(tdv_image *img, int x, int y, const uint8_t c[3])
{
	if (x < 0 || y < 0 || x >= img->width || y >= img->height)
		return;
	uint8_t *p = img->data + (size_t)y * img->stride +
	    (size_t)x * (size_t)img->channels;
	for (int k = 0; k < img->channels; k++)
		p[k] = c[k < 3 ? k : 0];
}

static void
get_px(const tdv_image *img, int x, int y, uint8_t c[3])
{
	if (x < 0)
		x = 0;
	if (y < 0)
		y = 0;
	if (x >= img->width)
		x = img->width - 1;
	if (y >= img->height)
		y = img->height - 1;
	const uint8_t *p = img->data + (size_t)y * img->stride +
	    (size_t)x * (size_t)img->channels;
	for (int k = 0; k < 3; k++)
		c[k] = p[img->channels == 3 ? k : 0];
}

/*
 * Where the specimen page keeps its portrait (tdv/specimen.h gives the MRZ
 * quad; the portrait sits left, from 9.5 mm below the top to 2.5 mm above
 * the MRZ, 0.78 as wide as high). Written to page.json for the photo check.
 */
static int
portrait_rect(const tdv_image *page, double mrz_top, int dpi,
    int r[4])
{
	double mm = dpi / 25.4;
	double top = 9.5 * mm, bottom = mrz_top - 2.5 * mm;
	double ph = bottom - top, pw = ph * 0.78;
	if (pw > page->width * 0.32)
		pw = page->width * 0.32;
	r[0] = (int)(4 * mm);
	r[1] = (int)top;
	r[2] = (int)(4 * mm + pw);
	r[3] = (int)bottom;
	if (ph < 8 || pw < 8 || r[2] >= page->width || r[3] >= page->height)
		return TDV_EINVAL;
	return TDV_OK;
}

/* Paste a JPEG portrait into the page's portrait area (bilinear). */
static int
paste_portrait(tdv_image *page, const tdv_buf *jpeg, const int r[4])
{
	tdv_image *ph = NULL;
	int rc = tdv_image_decode(jpeg->data, jpeg->len, NULL, 3, &ph);
	if (rc != TDV_OK)
		return rc;
	int w = r[2] - r[0], h = r[3] - r[1];
	for (int y = 0; y < h; y++) {
		double sy = (y + 0.5) * ph->height / h - 0.5;
		int y0 = sy < 0 ? 0 : (int)sy;
		int y1 = y0 + 1 < ph->height ? y0 + 1 : y0;
		double fy = sy - y0 < 0 ? 0 : sy - y0;
		for (int x = 0; x < w; x++) {
			double sx = (x + 0.5) * ph->width / w - 0.5;
			int x0 = sx < 0 ? 0 : (int)sx;
			int x1 = x0 + 1 < ph->width ? x0 + 1 : x0;
			double fx = sx - x0 < 0 ? 0 : sx - x0;
			uint8_t a[3], b[3], c[3], d[3], o[3];
			get_px(ph, x0, y0, a);
			get_px(ph, x1, y0, b);
			get_px(ph, x0, y1, c);
			get_px(ph, x1, y1, d);
			for (int k = 0; k < 3; k++) {
				double v = (a[k] * (1 - fx) + b[k] * fx) * (1 - fy) +
				    (c[k] * (1 - fx) + d[k] * fx) * fy;
				o[k] = (uint8_t)(v + 0.5);
			}
			put_px(page, r[0] + x, r[1] + y, o);
		}
	}
	tdv_image_free(&ph);
	return TDV_OK;
}

/* Paint over the MRZ characters that differ between `from` (printed by
 * the generator) and `to`, and print the new ones in OCR-B on the same
 * pitch: an altered MRZ as a forger would make it. */
static int
repaint_mrz(tdv_font *font, tdv_specimen *s, int dpi, const tdv_mrz *to)
{
	double mm = dpi / 25.4;
	double cap = 2.4 * mm, spacing = 4.2 * mm;
	double em = cap / tdv_font_cap_height(font);
	int nl = s->mrz.nlines;
	double base_last = s->quad[3][1];
	double x0 = s->quad[0][0];
	uint8_t paper[3], ink[3] = {20, 20, 28};
	get_px(s->image, (int)(x0 - 2 * mm), (int)(base_last - cap / 2), paper);
	for (int l = 0; l < nl && l < to->nlines; l++) {
		double by = base_last - (nl - 1 - l) * spacing;
		size_t len = strlen(s->mrz.lines[l]);
		for (size_t c = 0; c < len; c++) {
			char nc = to->lines[l][c];
			if (nc == s->mrz.lines[l][c])
				continue;
			double cx = x0 + (double)c * s->pitch_px;
			for (int y = (int)(by - cap - 0.7 * mm);
			    y <= (int)(by + 0.7 * mm); y++)
				for (int x = (int)cx; x < (int)(cx + s->pitch_px);
				    x++)
					put_px(s->image, x, y, paper);
			char txt[2] = {nc, '\0'};
			int rc = tdv_font_draw(font, s->image, txt, cx, by, em, 0,
			    ink, NULL);
			if (rc != TDV_OK)
				return rc;
		}
	}
	return TDV_OK;
}

static void
mrz_text(const tdv_mrz *m, char *out, size_t outsz)
{
	size_t n = 0;
	out[0] = '\0';
	for (int l = 0; l < m->nlines; l++) {
		int w = snprintf(out + n, outsz - n, "%s\n", m->lines[l]);
		if (w < 0 || (size_t)w >= outsz - n)
			return;
		n += (size_t)w;
	}
}

static int
mrz_from_text(const char *text, const tdv_date *today, tdv_mrz *out)
{
	const char *lines[3];
	size_t lens[3];
	int n = 0;
	const char *p = text;
	while (*p && n < 3) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		lines[n] = p;
		lens[n++] = l;
		p += l + (e ? 1 : 0);
	}
	tdv_mrz_parse(lines, lens, n, today, out);
	return out->nlines > 0 ? TDV_OK : TDV_EPARSE;
}

static tdv_defect
pki_defect(tdv_train_defects k)
{
	if (k & BIT(TDV_TRAIN_CHIP_DG1))
		return TDV_DEFECT_TAMPERED_DG1;
	if (k & BIT(TDV_TRAIN_CHIP_DG2))
		return TDV_DEFECT_TAMPERED_DG2;
	if (k & BIT(TDV_TRAIN_FORGED_SOD))
		return TDV_DEFECT_BAD_SOD_SIGNATURE;
	if (k & BIT(TDV_TRAIN_UNKNOWN_CSCA))
		return TDV_DEFECT_UNKNOWN_CSCA;
	if (k & BIT(TDV_TRAIN_REVOKED_DS))
		return TDV_DEFECT_REVOKED_DS;
	return TDV_DEFECT_NONE;
}

static int
copy_file(const char *from, const char *to)
{
	tdv_buf b;
	int rc = tdv__train_read(from, TDV__TRAIN_FILE_MAX, &b);
	if (rc != TDV_OK)
		return rc;
	rc = tdv__train_write(to, b.data, b.len);
	tdv_buf_free(&b);
	return rc;
}

static int
write_json(const char *path, tdv_buf *b)
{
	int rc = tdv_buf_putc(b, '\n');
	if (rc == TDV_OK)
		rc = tdv__train_write(path, b->data, b->len);
	return rc;
}

static double
face_similarity(const tdv_buf *a, const tdv_buf *b)
{
	tdv_image *ia = NULL, *ib = NULL;
	double c = 1.0;
	if (tdv_image_decode(a->data, a->len, NULL, 1, &ia) == TDV_OK &&
	    tdv_image_decode(b->data, b->len, NULL, 1, &ib) == TDV_OK) {
		double va[TDV__PHOTO_CELLS], vb[TDV__PHOTO_CELLS];
		int ra[4] = {0, 0, ia->width, ia->height};
		int rb[4] = {0, 0, ib->width, ib->height};
		tdv__train_shrink(ia, ra, va);
		tdv__train_shrink(ib, rb, vb);
		c = tdv__train_correlation(va, vb, TDV__PHOTO_CELLS);
	}
	tdv_image_free(&ia);
	tdv_image_free(&ib);
	return c;
}

static int
substitute_face(uint64_t seed, const tdv_buf *orig, tdv_buf *out)
{
	for (int attempt = 1; attempt <= 32; attempt++) {
		tdv_buf_reset(out);
		int rc = tdv__train_face(mix(seed + (uint64_t)attempt * 7919u),
		    240, 320, out);
		if (rc != TDV_OK)
			return rc;
		if (face_similarity(orig, out) < 0.6)
			return TDV_OK;
	}
	return TDV_EINTERNAL;
}

/* One document. */
static int
build_doc(tdv_font *font, const tdv_train_build_opts *o, int i,
    tdv_train_defects k, FILE *sltd, FILE *watch)
{
	char dir[TDV__TRAIN_PATH_MAX], path[TDV__TRAIN_PATH_MAX];
	int rc;
	uint64_t seed = mix(o->seed * (uint64_t)1000003 + (uint64_t)i);
	int dpi = o->dpi ? o->dpi : 150;
	if ((rc = tdv__train_path(dir, sizeof(dir), "%s/doc-%02d", o->out_dir,
		 i + 1)) != TDV_OK || (rc = tdv__train_mkdir(dir)) != TDV_OK)
		return rc;

	/* an expired document was issued eleven years ago (ten-year
	 * validity at most) */
	tdv_date issued_on = o->today;
	if (k & BIT(TDV_TRAIN_EXPIRED)) {
		issued_on.year -= 11;
		if (issued_on.month == 2 && issued_on.day == 29)
			issued_on.day = 28;
	}
	tdv_specimen_opts so;
	memset(&so, 0, sizeof(so));
	so.format = TDV_MRZ_TD3;
	so.seed = seed;
	so.dpi = dpi;
	tdv_specimen s;
	/* the generator draws expiry dates on both sides of its day: take the
	 * first person whose document is valid (or, for an expired document,
	 * already expired) on the exercise day, with a month to spare */
	long day0 = tdv_date_to_days(&o->today);
	for (int attempt = 0;; attempt++) {
		if ((rc = tdv_specimen_generate(font, &so, &issued_on, &s)) !=
		    TDV_OK)
			return rc;
		long exp = tdv_date_to_days(&s.mrz.expiry_date);
		bool want_expired = (k & BIT(TDV_TRAIN_EXPIRED)) != 0;
		if (s.mrz.expiry_date.year != 0 &&
		    (want_expired ? exp < day0 - 30 : exp > day0 + 30))
			break;
		tdv_specimen_clear(&s);
		if (attempt == 64)
			return TDV_EINTERNAL;
		so.seed = mix(so.seed);
	}
	const tdv_mrz *P = &s.mrz;

	/* the data the MRZ and chip carry: the person, or for a visual-zone
	 * mismatch the same person with another birth date (valid check
	 * digits: only the comparison with the visual zone shows it) */
	tdv_mrz chipm = *P;
	tdv_issued doc;
	memset(&doc, 0, sizeof(doc));
	tdv_buf photo, photo2, b;
	tdv_buf_init(&photo, 1u << 20);
	tdv_buf_init(&photo2, 1u << 20);
	tdv_buf_init(&b, 1u << 20);
	if (k & BIT(TDV_TRAIN_VIZ_MISMATCH)) {
		tdv_mrz_input in;
		memset(&in, 0, sizeof(in));
		in.format = TDV_MRZ_TD3;
		in.issuing_state = P->issuing_state;
		in.surname = P->surname;
		in.given_names = P->given_names;
		in.document_number = P->document_number;
		in.nationality = P->nationality;
		in.birth_date = P->birth_date;
		in.birth_date.year += in.birth_date.year > o->today.year - 30 ?
		    -9 : 7;
		if (in.birth_date.month == 2 && in.birth_date.day == 29)
			in.birth_date.day = 28;
		in.expiry_date = P->expiry_date;
		in.sex = P->sex;
		in.optional_data = P->optional_data[0] ? P->optional_data : NULL;
		if ((rc = tdv_mrz_generate(&in, &issued_on, &chipm)) != TDV_OK)
			goto out;
	}

	/* the photo printed on the page, and the chip's */
	if ((rc = tdv__train_face(seed, 240, 320, &photo)) != TDV_OK)
		goto out;
	tdv_person p;
	memset(&p, 0, sizeof(p));
	p.surname = chipm.surname;
	p.given_names = chipm.given_names;
	p.document_number = chipm.document_number;
	p.issuing_state = chipm.issuing_state;
	p.nationality = chipm.nationality;
	p.birth_date = chipm.birth_date;
	p.expiry_date = chipm.expiry_date;
	p.sex = chipm.sex;
	p.personal_number = chipm.optional_data[0] ? chipm.optional_data : NULL;
	p.photo = photo.data;
	p.photo_len = photo.len;
	tdv_personalise_options po;
	memset(&po, 0, sizeof(po));
	po.ds = "rsa";
	po.defect = pki_defect(k);
	po.today = o->today;
	if ((rc = tdv_personalise_build(o->pki_dir, &p, &po, &doc)) != TDV_OK)
		goto out;

	/* the printed MRZ: the chip's, except that a tampered DG1 leaves the
	 * page as it was (the forger changed only the chip) */
	tdv_mrz printed;
	if (k & BIT(TDV_TRAIN_CHIP_DG1))
		printed = chipm;
	else if ((rc = mrz_from_text(doc.printed_mrz, &o->today, &printed)) !=
	    TDV_OK)
		goto out;
	if (k & BIT(TDV_TRAIN_MRZ_CHECK_DIGIT)) {
		/* the document number's check digit (TD3 line 2, column 10) */
		char *cd = &printed.lines[1][9];
		int v = (*cd >= '0' && *cd <= '9') ? *cd - '0' : 0;
		*cd = (char)('0' + (v + 1 + (int)(seed % 8)) % 10);
	}
	if ((rc = repaint_mrz(font, &s, dpi, &printed)) != TDV_OK)
		goto out;

	int rect[4];
	if ((rc = portrait_rect(s.image, s.quad[0][1], dpi,
		 rect)) != TDV_OK)
		goto out;
	const tdv_buf *page_photo = &photo;
	if (k & BIT(TDV_TRAIN_PHOTO_SUBSTITUTION)) {
		/* another person: a face that differs clearly from the chip's */
		if ((rc = substitute_face(seed, &photo, &photo2)) != TDV_OK)
			goto out;
		page_photo = &photo2;
	}
	if ((rc = paste_portrait(s.image, page_photo, rect)) != TDV_OK)
		goto out;

	/* files */
	tdv_buf_reset(&b);
	if ((rc = tdv_image_encode_png(s.image, &b)) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/page.png", dir)) !=
		TDV_OK ||
	    (rc = tdv__train_write(path, b.data, b.len)) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/portrait.jpg", dir)) !=
		TDV_OK ||
	    (rc = tdv__train_write(path, page_photo->data, page_photo->len)) !=
		TDV_OK)
		goto out;
	char text[3 * 48];
	mrz_text(&printed, text, sizeof(text));
	if ((rc = tdv__train_path(path, sizeof(path), "%s/mrz.txt", dir)) !=
		TDV_OK ||
	    (rc = tdv__train_write(path, text, strlen(text))) != TDV_OK)
		goto out;
	if ((rc = tdv__train_path(path, sizeof(path), "%s/chip", dir)) !=
		TDV_OK ||
	    (rc = tdv_issued_save(&doc, &po, path)) != TDV_OK)
		goto out;

	/* the visual zone as printed (the generator's person) */
	tdv_buf_reset(&b);
	tdv_json j;
	tdv_json_init(&j, &b);
	char iso[11];
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "surname");
	tdv_json_string(&j, s.surname_utf8);
	tdv_json_key(&j, "given_names");
	tdv_json_string(&j, s.given_names_utf8);
	tdv_json_key(&j, "nationality");
	tdv_json_string(&j, P->nationality);
	tdv_json_key(&j, "birth_date");
	tdv_date_format_iso(&P->birth_date, iso);
	tdv_json_string(&j, iso);
	tdv_json_key(&j, "sex");
	tdv_json_string_n(&j, &P->sex, 1);
	tdv_json_key(&j, "document_number");
	tdv_json_string(&j, P->document_number);
	tdv_json_key(&j, "expiry_date");
	tdv_date_format_iso(&P->expiry_date, iso);
	tdv_json_string(&j, iso);
	tdv_json_object_end(&j);
	if ((rc = tdv_json_error(&j)) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/viz.json", dir)) !=
		TDV_OK ||
	    (rc = write_json(path, &b)) != TDV_OK)
		goto out;
	/* page layout the photo check needs (not an answer) */
	tdv_buf_reset(&b);
	if ((rc = tdv_buf_printf(&b, "{\"dpi\":%d,\"portrait\":[%d,%d,%d,%d]}",
		 dpi, rect[0], rect[1], rect[2], rect[3])) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/page.json", dir)) !=
		TDV_OK ||
	    (rc = write_json(path, &b)) != TDV_OK)
		goto out;
	const char *chipj = (k & BIT(TDV_TRAIN_CLONED_CHIP)) ?
	    "{\"clone\":true}\n" : "{\"clone\":false}\n";
	if ((rc = tdv__train_path(path, sizeof(path), "%s/chip.json", dir)) !=
		TDV_OK ||
	    (rc = tdv__train_write(path, chipj, strlen(chipj))) != TDV_OK)
		goto out;

	/* the lists */
	tdv_date_format_iso(&o->today, iso);
	if (k & BIT(TDV_TRAIN_LOST_STOLEN))
		fprintf(sltd, "%s,%s,P,%s,%s,training\n", printed.issuing_state,
		    printed.document_number, seed % 2 ? "stolen" : "lost", iso);
	if (k & BIT(TDV_TRAIN_WATCHLIST)) {
		char dob[11];
		tdv_date_format_iso(&P->birth_date, dob);
		fprintf(watch, "W%02d,%s %s,%s,%s,%c,,training exercise,"
		    "refer to second line\n", i + 1, P->given_names, P->surname,
		    dob, P->nationality, P->sex);
	}
	rc = TDV_OK;
out:
	tdv_issued_free(&doc);
	tdv_buf_free(&photo);
	tdv_buf_free(&photo2);
	tdv_buf_free(&b);
	tdv_specimen_clear(&s);
	return rc;
}

static const char *const syll[] = {"KA", "RO", "MI", "TE", "SU", "LA", "NO",
    "VI", "DA", "PE", "GO", "RI", "BE", "TU", "SAN", "LEN"};

static void
decoy_name(uint64_t *x, char *out, size_t outsz)
{
	size_t n = 0;
	for (int part = 0; part < 2; part++) {
		int ns = 2 + (int)((*x = mix(*x)) % 2);
		for (int k = 0; k < ns && n + 4 < outsz; k++) {
			const char *s = syll[(*x = mix(*x)) % 16];
			size_t l = strlen(s);
			memcpy(out + n, s, l);
			n += l;
		}
		if (part == 0 && n + 1 < outsz)
			out[n++] = ' ';
	}
	out[n] = '\0';
}

static int
write_lists_decoys(FILE *sltd, FILE *watch, uint64_t seed,
    const tdv_date *today)
{
	char iso[11];
	tdv_date_format_iso(today, iso);
	uint64_t x = mix(seed ^ 0xdec0ULL);
	fprintf(sltd, "issuing_state,document_number,document_type,status,"
		      "date_reported,source\n");
	for (int i = 0; i < DECOYS_SLTD; i++) {
		char num[10];
		for (int c = 0; c < 9; c++)
			num[c] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"[(x = mix(x)) % 33];
		num[9] = '\0';
		fprintf(sltd, "UTO,%s,P,%s,%s,training\n", num,
		    i % 3 ? "stolen" : "lost", iso);
	}
	for (int i = 0; i < DECOYS_WATCH; i++) {
		char name[64];
		char num[10];
		decoy_name(&x, name, sizeof(name));
		for (int c = 0; c < 9; c++)
			num[c] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"[(x = mix(x)) % 33];
		num[9] = '\0';
		x = mix(x);
		fprintf(watch, "D%02d,%s,%d-0%d-1%d,UTO,%c,%s,training decoy,"
		    "refer\n", i + 1, name, 1950 + (int)(x % 50),
		    1 + (int)(x % 9), (int)((x >> 8) % 9), i % 2 ? 'M' : 'F', num);
	}
	return (ferror(sltd) || ferror(watch)) ? TDV_EIO : TDV_OK;
}

static int
setup_pki(const tdv_train_build_opts *o)
{
	char path[TDV__TRAIN_PATH_MAX];
	struct stat st;
	int rc = tdv__train_path(path, sizeof(path), "%s/pki.json", o->pki_dir);
	if (rc != TDV_OK)
		return rc;
	if (stat(path, &st) == 0)
		return TDV_OK;
	tdv_pki_options po;
	memset(&po, 0, sizeof(po));
	po.today = o->today;
	return tdv_pki_init(o->pki_dir, &po);
}

static int
write_trust(const tdv_train_build_opts *o)
{
	static const char *const files[][2] = {
	    {"csca/csca-rsa.pem", "csca-rsa.pem"},
	    {"csca/csca-ec.pem", "csca-ec.pem"},
	    {"crl/csca-rsa.crl", "csca-rsa.crl"},
	    {"crl/csca-ec.crl", "csca-ec.crl"},
	};
	char from[TDV__TRAIN_PATH_MAX], to[TDV__TRAIN_PATH_MAX];
	int rc = tdv__train_path(to, sizeof(to), "%s/trust", o->out_dir);
	if (rc != TDV_OK || (rc = tdv__train_mkdir(to)) != TDV_OK)
		return rc;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((rc = tdv__train_path(from, sizeof(from), "%s/%s",
			 o->pki_dir, files[i][0])) != TDV_OK ||
		    (rc = tdv__train_path(to, sizeof(to), "%s/trust/%s",
			 o->out_dir, files[i][1])) != TDV_OK ||
		    (rc = copy_file(from, to)) != TDV_OK)
			return rc;
	}
	return TDV_OK;
}

static int
write_set_files(const tdv_train_build_opts *o, const tdv_train_defects *key)
{
	char path[TDV__TRAIN_PATH_MAX], iso[11];
	tdv_buf b;
	tdv_json j;
	int rc;
	tdv_date_format_iso(&o->today, iso);

	/* set.json: what anyone may see */
	tdv_buf_init(&b, 1u << 20);
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "format");
	tdv_json_string(&j, "tdverify-training-set/1");
	tdv_json_key(&j, "day");
	tdv_json_string(&j, iso);
	tdv_json_key(&j, "level");
	tdv_json_string(&j, tdv_train_level_name(o->level));
	tdv_json_key(&j, "seed");
	tdv_json_int(&j, (int64_t)(o->seed & 0x7fffffffffffffffULL));
	tdv_json_key(&j, "documents");
	tdv_json_array_begin(&j);
	for (int i = 0; i < o->ndocs; i++) {
		char d[16];
		snprintf(d, sizeof(d), "doc-%02d", i + 1);
		tdv_json_string(&j, d);
	}
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	if ((rc = tdv_json_error(&j)) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/set.json",
		 o->out_dir)) != TDV_OK ||
	    (rc = write_json(path, &b)) != TDV_OK)
		goto out;

	/* answers.json: the key, for the trainer and the scorer only */
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "key");
	tdv_json_array_begin(&j);
	for (int i = 0; i < o->ndocs; i++) {
		char names[400];
		if ((rc = tdv_train_defects_format(key[i], names,
			 sizeof(names))) != TDV_OK)
			goto out;
		tdv_json_string(&j, names);
	}
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	if ((rc = tdv_json_error(&j)) != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/answers.json",
		 o->out_dir)) != TDV_OK ||
	    (rc = write_json(path, &b)) != TDV_OK)
		goto out;
	chmod(path, 0600);
out:
	tdv_buf_free(&b);
	return rc;
}

int
tdv_train_build_set(const tdv_train_build_opts *o, tdv_train_defects *key_out)
{
	if (o == NULL || o->pki_dir == NULL || o->out_dir == NULL ||
	    o->ndocs < 1 || o->ndocs > TDV_TRAIN_MAX_DOCS ||
	    (o->level != TDV_TRAIN_FIRST_LINE &&
		o->level != TDV_TRAIN_SECOND_LINE) ||
	    (o->dpi != 0 && (o->dpi < 100 || o->dpi > 600)) ||
	    !tdv_date_valid(o->today.year, o->today.month, o->today.day))
		return TDV_EINVAL;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	if (o->key != NULL) {
		for (int i = 0; i < o->ndocs; i++) {
			key[i] = o->key[i];
			if ((key[i] & ~TDV_TRAIN_ALL_DEFECTS) != 0 ||
			    popcount(key[i] & CHIP_PA_DEFECTS) > 1)
				return TDV_EINVAL;
		}
	} else {
		draw_key(o->seed, o->ndocs, o->level, key);
	}
	if (mkdir(o->out_dir, 0755) != 0)
		return TDV_EEXIST;
	int rc = setup_pki(o);
	if (rc != TDV_OK)
		return rc;
	tdv_font *font = NULL;
	if ((rc = tdv_font_open(NULL, &font)) != TDV_OK)
		return rc;
	char spath[TDV__TRAIN_PATH_MAX], wpath[TDV__TRAIN_PATH_MAX],
	    ipath[TDV__TRAIN_PATH_MAX];
	FILE *sltd = NULL, *watch = NULL;
	if ((rc = tdv__train_path(spath, sizeof(spath), "%s/sltd.csv",
		 o->out_dir)) != TDV_OK ||
	    (rc = tdv__train_path(wpath, sizeof(wpath), "%s/watchlist.csv",
		 o->out_dir)) != TDV_OK ||
	    (rc = tdv__train_path(ipath, sizeof(ipath), "%s/sltd.idx",
		 o->out_dir)) != TDV_OK)
		goto out;
	sltd = fopen(spath, "w");
	watch = fopen(wpath, "w");
	if (sltd == NULL || watch == NULL) {
		rc = TDV_EIO;
		goto out;
	}
	if ((rc = write_lists_decoys(sltd, watch, o->seed, &o->today)) != TDV_OK)
		goto out;
	for (int i = 0; i < o->ndocs; i++)
		if ((rc = build_doc(font, o, i, key[i], sltd, watch)) != TDV_OK)
			goto out;
	if (fclose(sltd) != 0 || fclose(watch) != 0) {
		sltd = watch = NULL;
		rc = TDV_EIO;
		goto out;
	}
	sltd = watch = NULL;
	/* the lost/stolen index the station screens against */
	FILE *in = fopen(spath, "r");
	if (in == NULL) {
		rc = TDV_EIO;
		goto out;
	}
	tdv_sltd_import_opts io;
	memset(&io, 0, sizeof(io));
	io.list_date = o->today;
	tdv_sltd_import_stats st;
	rc = tdv_sltd_import(in, ipath, &io, &st);
	fclose(in);
	if (rc != TDV_OK || (rc = write_trust(o)) != TDV_OK ||
	    (rc = write_set_files(o, key)) != TDV_OK)
		goto out;
	if (key_out != NULL)
		memcpy(key_out, key, sizeof(key[0]) * (size_t)o->ndocs);
out:
	if (sltd != NULL)
		fclose(sltd);
	if (watch != NULL)
		fclose(watch);
	tdv_font_free(&font);
	return rc;
}
