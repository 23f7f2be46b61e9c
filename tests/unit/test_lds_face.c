/*
 * DG2 face records: ISO/IEC 39794-5 (DER, the FaceImageDataBlock of the
 * standard's ASN.1 module ISO-IEC-39794-5-ed-1-v1) and ISO/IEC 19794-5
 * versions "010" (2005) and "030" (2011), built here from the standards'
 * structures (the field layout is in src/lds/dg2.c), parsed back field by
 * field; every truncation and a set of malformed records give an error,
 * never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issue/issue_int.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/lds.h"
#include "tdv/pki.h"
#include "tdv_test.h"

/* ------------------------------------------------------------ DER helpers */

/* [tag] INTEGER content (minimal two's complement). */
static void
dint(tdv_buf *b, uint32_t tag, long v)
{
	uint8_t c[8];
	size_t n = 0;
	unsigned long u = (unsigned long)v;
	for (int i = 7; i >= 0; i--)
		c[7 - i] = (uint8_t)(u >> (8 * i));
	/* strip redundant leading bytes */
	while (n < 7 && ((c[n] == 0x00 && !(c[n + 1] & 0x80)) ||
			    (c[n] == 0xFF && (c[n + 1] & 0x80))))
		n++;
	CHECK_INT(tdv__derw(b, tag, c + n, 8 - n), TDV_OK);
}

/* tag { inner } appended to b; inner reset. */
static void
wrap(tdv_buf *b, uint32_t tag, tdv_buf *inner)
{
	CHECK_INT(tdv__derw_wrap(b, tag, inner), TDV_OK);
	tdv_buf_reset(inner);
}

/* tag { [0] code } — an explicitly tagged code CHOICE. */
static void
dcode(tdv_buf *b, uint32_t tag, long code)
{
	tdv_buf t;
	tdv_buf_init(&t, 64);
	dint(&t, 0x80, code);
	wrap(b, tag, &t);
	tdv_buf_free(&t);
}

struct rec39794 {
	bool no_version, bad_top, shape3d, bad_pose, bad_score, no_format;
};

/* A whole 39794-5 FaceImageDataBlock (tag 65) around img. */
static void
build_39794(tdv_buf *out, const uint8_t *img, size_t imglen, const struct rec39794 *o)
{
	tdv_buf a, b, c, d, e, rep;
	tdv_buf_init(&a, 1 << 20);
	tdv_buf_init(&b, 1 << 20);
	tdv_buf_init(&c, 1 << 20);
	tdv_buf_init(&d, 4096);
	tdv_buf_init(&e, 4096);
	tdv_buf_init(&rep, 1 << 20);

	/* representationId [0] */
	dint(&rep, 0x80, 0);
	/* imageInformation2DBlock */
	if (!o->no_format)
		dcode(&b, 0xA0, 2);           /* imageDataFormat: JPEG */
	dcode(&b, 0xA1, 0);                   /* faceImageKind2D: MRTD */
	dcode(&b, 0xA3, 1);                   /* lossyTransformationAttempts */
	dint(&d, 0x80, 413);
	dint(&d, 0x81, 531);
	wrap(&b, 0xA7, &d);                   /* imageSizeBlock */
	dcode(&b, 0xA9, 2);                   /* imageColourSpace */
	/* ImageRepresentation2DBlock { [0] data, [1] info } */
	CHECK_INT(tdv__derw(&c, 0x80, img, imglen), TDV_OK);
	wrap(&c, 0xA1, &b);
	if (o->shape3d) {
		wrap(&a, 0xA1, &c);           /* base [1]: not a 2D block */
	} else {
		wrap(&a, 0xA0, &c);           /* imageRepresentation2DBlock [0] */
	}
	wrap(&b, 0xA0, &a);                   /* base [0] */
	wrap(&rep, 0xA1, &b);                 /* imageRepresentation [1] */
	/* captureDateTimeBlock [2] */
	dint(&a, 0x80, 2026);
	dint(&a, 0x81, 11);
	dint(&a, 0x82, 23);
	dint(&a, 0x83, 12);
	dint(&a, 0x84, 30);
	dint(&a, 0x85, 5);
	wrap(&rep, 0xA2, &a);
	/* qualityBlocks [3]: a score and a failure to assess */
	dint(&d, 0x80, 0x0101);
	dint(&d, 0x81, 1);
	wrap(&a, 0xA0, &d);
	dint(&d, 0x80, o->bad_score ? 101 : 87);
	wrap(&a, 0xA1, &d);
	wrap(&b, 0x30, &a);
	dint(&d, 0x80, 2);
	dint(&d, 0x81, 5);
	wrap(&a, 0xA0, &d);
	dcode(&d, 0xA1, 0);                   /* error [1] { [0] failureToAssess } */
	wrap(&a, 0xA1, &d);
	wrap(&b, 0x30, &a);
	wrap(&rep, 0xA3, &b);
	/* identityMetadataBlock [8] */
	dcode(&a, 0xA0, 2);                   /* gender */
	dcode(&a, 0xA1, 3);                   /* eye colour */
	dcode(&a, 0xA2, 4);                   /* hair colour */
	dint(&a, 0x83, 175);                  /* subject height */
	dint(&d, 0x80, o->bad_pose ? 200 : -5);
	dint(&d, 0x81, 2);
	wrap(&e, 0xA0, &d);                   /* yaw */
	dint(&d, 0x80, 3);
	wrap(&e, 0xA1, &d);                   /* pitch, no uncertainty */
	dint(&d, 0x80, 0);
	dint(&d, 0x81, 1);
	wrap(&e, 0xA2, &d);                   /* roll */
	wrap(&a, 0xA6, &e);                   /* poseAngleBlock */
	wrap(&rep, 0xA8, &a);
	/* landmarkBlocks [9]: MPEG-4 point with 2D coordinates, an
	 * anthropometric point id with coordinates, one without coordinates */
	dint(&d, 0x80, 0x0301);
	wrap(&e, 0xA0, &d);                   /* mpeg4 [0] { code } */
	wrap(&d, 0xA0, &e);                   /* base [0] */
	wrap(&a, 0xA0, &d);                   /* landmarkKind [0] */
	dint(&d, 0x80, 200);
	dint(&d, 0x81, 256);
	wrap(&e, 0xA0, &d);                   /* cartesian2D [0] */
	wrap(&d, 0xA0, &e);                   /* base [0] */
	wrap(&a, 0xA1, &d);                   /* landmarkCoordinates [1] */
	wrap(&b, 0x30, &a);
	dint(&d, 0x82, 7);                    /* anthropometricLandmarkPointId [2] */
	wrap(&e, 0xA0, &d);                   /* base [0] */
	wrap(&d, 0xA1, &e);                   /* anthropometric [1] */
	wrap(&e, 0xA0, &d);                   /* base [0] */
	wrap(&a, 0xA0, &e);                   /* landmarkKind [0] */
	dint(&d, 0x80, 210);
	dint(&d, 0x81, 300);
	wrap(&e, 0xA0, &d);
	wrap(&d, 0xA0, &e);
	wrap(&a, 0xA1, &d);
	wrap(&b, 0x30, &a);
	dint(&d, 0x80, 0x0302);
	wrap(&e, 0xA0, &d);
	wrap(&d, 0xA0, &e);
	wrap(&a, 0xA0, &d);
	wrap(&b, 0x30, &a);
	wrap(&rep, 0xA9, &b);

	/* FaceImageDataBlock ::= [APPLICATION 5] { [0] version, [1] reps } */
	if (!o->no_version) {
		dint(&d, 0x80, 1);
		dint(&d, 0x81, 2019);
		wrap(&a, 0xA0, &d);
	}
	wrap(&b, 0x30, &rep);
	wrap(&a, 0xA1, &b);
	wrap(out, o->bad_top ? 0x30 : 0x65, &a);
	tdv_buf_free(&a);
	tdv_buf_free(&b);
	tdv_buf_free(&c);
	tdv_buf_free(&d);
	tdv_buf_free(&e);
	tdv_buf_free(&rep);
}

/* DG2 file: 75 { 7F61 { 02 01, 7F60 { A1 {87, 88}, bdbtag { record } } } } */
static void
build_dg2(tdv_buf *out, uint32_t bdbtag, int ftype, const tdv_buf *record)
{
	tdv_buf h, bit, grp, dg;
	tdv_buf_init(&h, 64);
	tdv_buf_init(&bit, 1 << 20);
	tdv_buf_init(&grp, 1 << 20);
	tdv_buf_init(&dg, 1 << 20);
	CHECK_INT(tdv__derw(&h, 0x87, "\x01\x01", 2), TDV_OK);
	uint8_t ft[2] = {(uint8_t)(ftype >> 8), (uint8_t)ftype};
	CHECK_INT(tdv__derw(&h, 0x88, ft, 2), TDV_OK);
	wrap(&bit, 0xA1, &h);
	CHECK_INT(tdv__derw_wrap(&bit, bdbtag, record), TDV_OK);
	CHECK_INT(tdv__derw(&grp, 0x02, "\x01", 1), TDV_OK);
	wrap(&grp, 0x7F60, &bit);
	wrap(&dg, 0x7F61, &grp);
	tdv_buf_reset(out);
	wrap(out, 0x75, &dg);
	tdv_buf_free(&h);
	tdv_buf_free(&bit);
	tdv_buf_free(&grp);
	tdv_buf_free(&dg);
}

static tdv_buf
portrait(void)
{
	tdv_buf j;
	tdv_buf_init(&j, 1 << 20);
	CHECK_INT(tdv_issue_portrait(5, 120, 160, 80, &j), TDV_OK);
	return j;
}

/* With TDV_FACE_SEED_DIR set, the records are written there too (the
 * seed corpus of fuzz/fuzz_lds_face.c is made this way). */
static void
seed(const char *name, const tdv_buf *rec)
{
	const char *dir = getenv("TDV_FACE_SEED_DIR");
	char path[512];
	if (dir == NULL || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return;
	FILE *f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(rec->data, 1, rec->len, f);
		fclose(f);
	}
}

/* every prefix of the file: an error code, never a crash or OK */
static void
truncations(const tdv_buf *file)
{
	tdv_lds_dg2 d;
	int ok = 0;
	for (size_t n = 0; n < file->len; n++)
		if (tdv_lds_parse_dg2(file->data, n, &d) == TDV_OK)
			ok++;
	CHECK_INT(ok, 0);
}

static void
test_39794_fields(void)
{
	tdv_buf jpg = portrait(), rec, file;
	tdv_buf_init(&rec, 1 << 20);
	tdv_buf_init(&file, 1 << 20);
	struct rec39794 o = {0};
	build_39794(&rec, jpg.data, jpg.len, &o);
	seed("39794-5.der", &rec);
	build_dg2(&file, 0x7F2E, 0x002A, &rec);

	tdv_lds_dg2 d;
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_OK);
	CHECK_INT(d.nfaces, 1);
	const tdv_lds_face *f = &d.faces[0];
	CHECK_INT(f->format, TDV_FACE_ISO39794_5);
	CHECK_INT(f->bdb_format_owner, 0x0101);
	CHECK_INT(f->bdb_format_type, 0x002A);
	CHECK_INT(f->version_generation, 1);
	CHECK_INT(f->version_year, 2019);
	CHECK_INT(f->representation_id, 0);
	CHECK_INT(f->image_data_type, 2);
	CHECK_INT(f->face_image_type, 0);
	CHECK_INT(f->lossy_attempts, 1);
	CHECK_INT(f->width, 413);
	CHECK_INT(f->height, 531);
	CHECK_INT(f->colour_space, 2);
	CHECK_STR(f->capture_date, "2026-11-23T12:30:05");
	CHECK_INT(f->nquality, 2);
	CHECK_INT(f->quality[0].organization, 0x0101);
	CHECK_INT(f->quality[0].algorithm, 1);
	CHECK_INT(f->quality[0].score, 87);
	CHECK_INT(f->quality[1].organization, 2);
	CHECK_INT(f->quality[1].algorithm, 5);
	CHECK_INT(f->quality[1].score, -1);
	CHECK_INT(f->gender, 2);
	CHECK_INT(f->eye_colour, 3);
	CHECK_INT(f->hair_colour, 4);
	CHECK_INT(f->subject_height, 175);
	CHECK(f->have_pose);
	CHECK_INT(f->pose_yaw, -5);
	CHECK_INT(f->pose_yaw_unc, 2);
	CHECK_INT(f->pose_pitch, 3);
	CHECK_INT(f->pose_pitch_unc, -1);
	CHECK_INT(f->pose_roll, 0);
	CHECK_INT(f->pose_roll_unc, 1);
	CHECK_INT(f->feature_points, 3);
	CHECK_INT(f->nlandmarks, 3);
	CHECK_INT(f->landmarks[0].kind, 0);
	CHECK_INT(f->landmarks[0].code, 0x0301);
	CHECK_INT(f->landmarks[0].x, 200);
	CHECK_INT(f->landmarks[0].y, 256);
	CHECK_INT(f->landmarks[1].kind, 1);
	CHECK_INT(f->landmarks[1].code, 7);
	CHECK_INT(f->landmarks[1].x, 210);
	CHECK_INT(f->landmarks[1].y, 300);
	CHECK_INT(f->landmarks[2].kind, 0);
	CHECK_INT(f->landmarks[2].code, 0x0302);
	CHECK_INT(f->landmarks[2].x, -1);
	CHECK_INT(f->image_kind, TDV_LDS_IMAGE_JPEG);
	CHECK_INT(f->image_len, jpg.len);
	CHECK(f->image != NULL && memcmp(f->image, jpg.data, jpg.len) == 0);
	/* the image itself decodes (what the station shows) */
	uint8_t *px = NULL;
	int w = 0, h = 0, ch = 0;
	CHECK_INT(tdv_lds_image_decode(f->image, f->image_len, &px, &w, &h, &ch), TDV_OK);
	CHECK_INT(w, 120);
	CHECK_INT(h, 160);
	free(px);

	/* the JSON dump carries the header fields */
	tdv_lds *lds = tdv_lds_new();
	CHECK_INT(tdv_lds_set(lds, TDV_EF_DG2, file.data, file.len), TDV_OK);
	tdv_buf out;
	tdv_json j;
	tdv_buf_init(&out, 1 << 22);
	tdv_json_init(&j, &out);
	tdv_date today = {2026, 11, 23};
	CHECK_INT(tdv_lds_to_json(lds, &today, &j), TDV_OK);
	tdv_buf_putc(&out, '\0');
	const char *s = (const char *)out.data;
	CHECK(strstr(s, "\"format\":\"ISO/IEC 39794-5\"") != NULL);
	CHECK(strstr(s, "\"version_year\":2019") != NULL);
	CHECK(strstr(s, "\"capture_date\":\"2026-11-23T12:30:05\"") != NULL);
	CHECK(strstr(s, "\"pose_degrees\":{\"yaw\":-5,\"pitch\":3,\"roll\":0}") != NULL);
	CHECK(strstr(s, "\"score\":87") != NULL);
	CHECK(strstr(s, "\"landmarks\":3") != NULL);
	tdv_buf_free(&out);
	tdv_lds_free(&lds);

	truncations(&file);
	tdv_buf_free(&jpg);
	tdv_buf_free(&rec);
	tdv_buf_free(&file);
}

static void
test_39794_malformed(void)
{
	tdv_buf jpg = portrait(), rec, file;
	tdv_buf_init(&rec, 1 << 20);
	tdv_buf_init(&file, 1 << 20);
	struct {
		struct rec39794 o;
		int want;
	} cases[] = {
	    {{.no_version = true}, TDV_EPARSE},
	    {{.bad_top = true}, TDV_EPARSE},
	    {{.shape3d = true}, TDV_EUNSUPPORTED},
	    {{.bad_pose = true}, TDV_EPARSE},
	    {{.bad_score = true}, TDV_EPARSE},
	    {{.no_format = true}, TDV_EPARSE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tdv_lds_dg2 d;
		tdv_buf_reset(&rec);
		build_39794(&rec, jpg.data, jpg.len, &cases[i].o);
		build_dg2(&file, 0x7F2E, 0x002A, &rec);
		int rc = tdv_lds_parse_dg2(file.data, file.len, &d);
		if (rc != cases[i].want)
			fprintf(stderr, "  case %zu: %d\n", i, rc);
		CHECK_INT(rc, cases[i].want);
	}
	/* lengths past the buffer inside the record */
	tdv_buf_reset(&rec);
	struct rec39794 o = {0};
	build_39794(&rec, jpg.data, jpg.len, &o);
	rec.data[1] ^= 0x01; /* outer length changes: no longer consistent */
	build_dg2(&file, 0x7F2E, 0x002A, &rec);
	tdv_lds_dg2 d;
	CHECK(tdv_lds_parse_dg2(file.data, file.len, &d) != TDV_OK);
	tdv_buf_free(&jpg);
	tdv_buf_free(&rec);
	tdv_buf_free(&file);
}

static void
be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, unsigned long v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* ISO/IEC 19794-5:2011 ("030") record with two quality blocks and two
 * landmarks around img. */
static void
build_2011(tdv_buf *out, const uint8_t *img, size_t imglen)
{
	uint8_t g[17], r[4 + 9 + 1 + 2 + 2 + 1 + 10 + 17 + 16 + 11 + 4];
	size_t rlen = sizeof(r) + imglen;
	memcpy(g, "FAC\0" "030\0", 8);
	be32(g + 8, 17 + rlen);
	be16(g + 12, 1);   /* representations */
	g[14] = 0;         /* certification flag */
	be16(g + 15, 0);   /* temporal semantics */
	size_t q = 0;
	be32(r, rlen);
	q = 4;
	be16(r + q, 2026); /* capture date-time */
	r[q + 2] = 11;
	r[q + 3] = 23;
	r[q + 4] = 9;
	r[q + 5] = 15;
	r[q + 6] = 0xFF;   /* second not given */
	be16(r + q + 7, 0xFFFF);
	q += 9;
	r[q++] = 2;        /* capture device technology */
	be16(r + q, 0x1234);
	q += 2;
	be16(r + q, 7);
	q += 2;
	r[q++] = 2;        /* quality blocks */
	r[q] = 90;
	be16(r + q + 1, 0x0101);
	be16(r + q + 3, 3);
	q += 5;
	r[q] = 0xFF;       /* failure to assess */
	be16(r + q + 1, 0x0202);
	be16(r + q + 3, 4);
	q += 5;
	be16(r + q, 2);    /* landmarks */
	r[q + 2] = 2;      /* gender F */
	r[q + 3] = 3;      /* eye */
	r[q + 4] = 4;      /* hair */
	r[q + 5] = 170;    /* subject height */
	r[q + 6] = 0; r[q + 7] = 0; r[q + 8] = 1; /* property mask */
	be16(r + q + 9, 1);  /* expression neutral */
	r[q + 11] = 91; r[q + 12] = 92; r[q + 13] = 90; /* pose as coded */
	r[q + 14] = 1; r[q + 15] = 2; r[q + 16] = 3;
	q += 17;
	for (int i = 0; i < 2; i++, q += 8) {
		r[q] = 1;  /* MPEG-4 feature point */
		r[q + 1] = (uint8_t)(0x31 + i);
		be16(r + q + 2, (unsigned)(100 + i));
		be16(r + q + 4, (unsigned)(120 + i));
		be16(r + q + 6, 0);
	}
	r[q] = 1;          /* full frontal */
	r[q + 1] = 0;      /* JPEG */
	be16(r + q + 2, 120);
	be16(r + q + 4, 160);
	r[q + 6] = 0;      /* spatial sampling rate */
	be16(r + q + 7, 0);
	r[q + 9] = 0;      /* cross reference */
	r[q + 10] = 1;     /* colour space sRGB */
	q += 11;
	be32(r + q, imglen);
	q += 4;
	CHECK_INT(q, sizeof(r));
	tdv_buf_reset(out);
	CHECK_INT(tdv_buf_append(out, g, sizeof(g)), TDV_OK);
	CHECK_INT(tdv_buf_append(out, r, sizeof(r)), TDV_OK);
	CHECK_INT(tdv_buf_append(out, img, imglen), TDV_OK);
}

static void
test_19794_2011(void)
{
	tdv_buf jpg = portrait(), rec, file;
	tdv_buf_init(&rec, 1 << 20);
	tdv_buf_init(&file, 1 << 20);
	build_2011(&rec, jpg.data, jpg.len);
	seed("19794-5-2011.fac", &rec);
	build_dg2(&file, 0x5F2E, 0x0008, &rec);
	tdv_lds_dg2 d;
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_OK);
	const tdv_lds_face *f = &d.faces[0];
	CHECK_INT(f->format, TDV_FACE_ISO19794_5);
	CHECK_STR(f->version, "030");
	CHECK_STR(f->capture_date, "2026-11-23T09:15");
	CHECK_INT(f->nquality, 2);
	CHECK_INT(f->quality[0].score, 90);
	CHECK_INT(f->quality[0].organization, 0x0101);
	CHECK_INT(f->quality[0].algorithm, 3);
	CHECK_INT(f->quality[1].score, -1);
	CHECK_INT(f->gender, 2);
	CHECK_INT(f->eye_colour, 3);
	CHECK_INT(f->hair_colour, 4);
	CHECK_INT(f->subject_height, 170);
	CHECK_INT(f->expression, 1);
	CHECK(f->have_pose);
	CHECK_INT(f->pose_yaw, 91);
	CHECK_INT(f->pose_pitch, 92);
	CHECK_INT(f->pose_roll, 90);
	CHECK_INT(f->pose_roll_unc, 3);
	CHECK_INT(f->feature_points, 2);
	CHECK_INT(f->nlandmarks, 2);
	CHECK_INT(f->landmarks[1].kind, 1);
	CHECK_INT(f->landmarks[1].code, 0x32);
	CHECK_INT(f->landmarks[1].x, 101);
	CHECK_INT(f->landmarks[1].y, 121);
	CHECK_INT(f->face_image_type, 1);
	CHECK_INT(f->image_data_type, 0);
	CHECK_INT(f->width, 120);
	CHECK_INT(f->height, 160);
	CHECK_INT(f->colour_space, 1);
	CHECK_INT(f->image_kind, TDV_LDS_IMAGE_JPEG);
	CHECK_INT(f->image_len, jpg.len);
	CHECK(memcmp(f->image, jpg.data, jpg.len) == 0);
	truncations(&file);

	/* a landmark count that runs past the representation */
	build_2011(&rec, jpg.data, jpg.len);
	rec.data[17 + 4 + 9 + 5 + 1 + 10] = 0x7F;
	build_dg2(&file, 0x5F2E, 0x0008, &rec);
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_EPARSE);
	/* a quality count past the representation */
	build_2011(&rec, jpg.data, jpg.len);
	rec.data[17 + 4 + 9 + 5] = 0xFF;
	build_dg2(&file, 0x5F2E, 0x0008, &rec);
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_EPARSE);
	/* an image length past the representation */
	build_2011(&rec, jpg.data, jpg.len);
	be32(rec.data + rec.len - jpg.len - 4, jpg.len + 1);
	build_dg2(&file, 0x5F2E, 0x0008, &rec);
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_EPARSE);
	tdv_buf_free(&jpg);
	tdv_buf_free(&rec);
	tdv_buf_free(&file);
}

/* The 2005 record personalisation writes: pose and feature points now read. */
static void
test_19794_2005_fields(void)
{
	tdv_buf jpg = portrait();
	uint8_t hdr[14 + 20 + 8 + 12];
	size_t reclen = sizeof(hdr) + jpg.len;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "FAC\0" "010\0", 8);
	be32(hdr + 8, reclen);
	be16(hdr + 12, 1);
	uint8_t *fi = hdr + 14;
	be32(fi, 20 + 8 + 12 + jpg.len);
	be16(fi + 4, 1);
	fi[6] = 1;
	fi[14] = 95; fi[15] = 91; fi[16] = 89;
	fi[20] = 1; fi[21] = 0x12;
	be16(fi + 22, 60);
	be16(fi + 24, 70);
	uint8_t *ii = fi + 28;
	ii[0] = 1;
	be16(ii + 2, 120);
	be16(ii + 4, 160);
	tdv_buf rec, file;
	tdv_buf_init(&rec, 1 << 20);
	tdv_buf_init(&file, 1 << 20);
	CHECK_INT(tdv_buf_append(&rec, hdr, sizeof(hdr)), TDV_OK);
	CHECK_INT(tdv_buf_append(&rec, jpg.data, jpg.len), TDV_OK);
	seed("19794-5-2005.fac", &rec);
	build_dg2(&file, 0x5F2E, 0x0008, &rec);
	tdv_lds_dg2 d;
	CHECK_INT(tdv_lds_parse_dg2(file.data, file.len, &d), TDV_OK);
	const tdv_lds_face *f = &d.faces[0];
	CHECK_STR(f->version, "010");
	CHECK_INT(f->gender, 1);
	CHECK(f->have_pose);
	CHECK_INT(f->pose_yaw, 95);
	CHECK_INT(f->pose_roll, 89);
	CHECK_INT(f->nlandmarks, 1);
	CHECK_INT(f->landmarks[0].code, 0x12);
	CHECK_INT(f->landmarks[0].x, 60);
	CHECK_INT(f->landmarks[0].y, 70);
	CHECK_INT(f->width, 120);
	CHECK_INT(f->image_len, jpg.len);
	CHECK_INT(f->version_generation, -1);
	CHECK_STR(f->capture_date, "");
	truncations(&file);
	tdv_buf_free(&jpg);
	tdv_buf_free(&rec);
	tdv_buf_free(&file);
}

int
main(void)
{
	RUN(test_39794_fields);
	RUN(test_39794_malformed);
	RUN(test_19794_2011);
	RUN(test_19794_2005_fields);
	TEST_EXIT();
}
