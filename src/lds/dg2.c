/*
 * DG2, encoded face (ICAO 9303-10 §4.7.2): the biometric information
 * group template 7F61 of ISO/IEC 7816-11, each 7F60 holding a header A1
 * and a biometric data block: 5F2E with an ISO/IEC 19794-5:2005 "FAC"
 * record, or 7F2E with an ISO/IEC 39794-5 (DER) record.
 */
#include <stdio.h>
#include <string.h>

#include "lds_int.h"
#include "tdv/error.h"

static uint32_t
be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

tdv_lds_image_kind
tdv_lds_image_detect(const uint8_t *p, size_t len)
{
	static const uint8_t jp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
	    0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
	static const uint8_t j2k[] = {0xFF, 0x4F, 0xFF, 0x51};
	static const uint8_t png[] = {0x89, 'P', 'N', 'G'};
	if (p == NULL)
		return TDV_LDS_IMAGE_UNKNOWN;
	if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return TDV_LDS_IMAGE_JPEG;
	if (len >= sizeof(jp2) && memcmp(p, jp2, sizeof(jp2)) == 0)
		return TDV_LDS_IMAGE_JPEG2000;
	if (len >= sizeof(j2k) && memcmp(p, j2k, sizeof(j2k)) == 0)
		return TDV_LDS_IMAGE_JPEG2000;
	if (len >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0)
		return TDV_LDS_IMAGE_PNG;
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xA0)
		return TDV_LDS_IMAGE_WSQ;
	return TDV_LDS_IMAGE_UNKNOWN;
}

const char *
tdv_lds_image_kind_name(tdv_lds_image_kind k)
{
	switch (k) {
	case TDV_LDS_IMAGE_JPEG: return "jpeg";
	case TDV_LDS_IMAGE_JPEG2000: return "jpeg2000";
	case TDV_LDS_IMAGE_PNG: return "png";
	case TDV_LDS_IMAGE_WSQ: return "wsq";
	default: return "unknown";
	}
}

static void
face_defaults(tdv_lds_face *f)
{
	f->gender = f->eye_colour = f->hair_colour = f->expression = -1;
	f->feature_points = f->face_image_type = f->image_data_type = -1;
	f->width = f->height = f->colour_space = f->source_type = -1;
	f->version_generation = f->version_year = f->representation_id = -1;
	f->lossy_attempts = f->subject_height = -1;
	f->pose_yaw = f->pose_pitch = f->pose_roll = -1;
	f->pose_yaw_unc = f->pose_pitch_unc = f->pose_roll_unc = -1;
}

/*
 * ISO/IEC 19794-5 "FAC" records, first facial record only.
 *
 * 2005 (version "010", §5.4-5.7): general header 14 bytes (FAC\0, 010\0,
 * record length 4, number of faces 2); facial record header 20 bytes
 * (block length 4, feature points 2, gender, eye, hair, feature mask 3,
 * expression 2, pose angles 3, pose uncertainty 3); feature points 8
 * bytes each (type, code, x 2, y 2, reserved 2); image information 12
 * bytes (face image type, image data type, width 2, height 2, colour
 * space, source type, device type 2, quality 2); the image.
 *
 * 2011 (version "030", Table 2): general header 17 bytes (FAC\0, 030\0,
 * record length 4, representations 2, certification flag, temporal
 * semantics 2); representation: length 4, capture date-time 9 (year 2,
 * month, day, hour, minute, second, millisecond 2), capture device
 * technology, vendor 2, type 2, quality block count + 5 bytes each (score,
 * vendor 2, algorithm 2), facial information 17 (landmarks 2, gender, eye,
 * hair, subject height, property mask 3, expression 2, pose 3, pose
 * uncertainty 3), landmarks 8 bytes each (type, code, x 2, y 2, z 2),
 * image information 11 (face image type, image data type, width 2,
 * height 2, spatial sampling rate, post-acquisition processing 2, cross
 * reference, colour space), image data length 4, the image.
 */
static int
parse_fac_2005(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	size_t off = 14;
	if (n - off < 20)
		return TDV_ETRUNCATED;
	const uint8_t *fi = p + off;
	uint32_t blocklen = be(fi, 4);
	f->feature_points = (int)be(fi + 4, 2);
	f->gender = fi[6];
	f->eye_colour = fi[7];
	f->hair_colour = fi[8];
	f->expression = (int)be(fi + 12, 2);
	f->have_pose = true;
	f->pose_yaw = fi[14];
	f->pose_pitch = fi[15];
	f->pose_roll = fi[16];
	f->pose_yaw_unc = fi[17];
	f->pose_pitch_unc = fi[18];
	f->pose_roll_unc = fi[19];
	if (blocklen > n - off || blocklen < 32)
		return TDV_EPARSE;
	size_t fp = (size_t)f->feature_points * 8;
	if (20 + fp + 12 > blocklen)
		return TDV_EPARSE;
	for (int i = 0; i < f->feature_points && i < TDV_FACE_MAX_LANDMARKS; i++) {
		const uint8_t *q = fi + 20 + (size_t)i * 8;
		tdv_face_landmark *l = &f->landmarks[f->nlandmarks++];
		l->kind = q[0];
		l->code = q[1];
		l->x = (int)be(q + 2, 2);
		l->y = (int)be(q + 4, 2);
	}
	const uint8_t *ii = fi + 20 + fp;
	f->face_image_type = ii[0];
	f->image_data_type = ii[1];
	f->width = (int)be(ii + 2, 2);
	f->height = (int)be(ii + 4, 2);
	f->colour_space = ii[6];
	f->source_type = ii[7];
	f->image = ii + 12;
	f->image_len = blocklen - 20 - fp - 12;
	f->image_kind = tdv_lds_image_detect(f->image, f->image_len);
	return TDV_OK;
}

static void
fmt_date(char *out, size_t cap, const long *v, int n)
{
	/* v: year, month, day, hour, minute, second (-1 absent) */
	static const char sep[] = "--T::";
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < n && i < 6 && v[i] >= 0; i++) {
		int k = i == 0 ? snprintf(out, cap, "%04ld", v[0])
			       : snprintf(out + len, cap - len, "%c%02ld", sep[i - 1], v[i]);
		if (k < 0 || (size_t)k >= cap - len)
			break;
		len += (size_t)k;
	}
}

static int
parse_fac_2011(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	size_t off = 17;
	if (n < off + 4)
		return TDV_ETRUNCATED;
	const uint8_t *r = p + off;
	size_t rlen = be(r, 4);
	if (rlen > n - off || rlen < 51)
		return TDV_EPARSE;
	/* capture date-time: year 2, month, day, hour, minute, second, ms 2;
	 * 0xFF / 0xFFFF = not given */
	long dt[6];
	dt[0] = be(r + 4, 2) == 0xFFFF ? -1 : (long)be(r + 4, 2);
	for (int i = 0; i < 5; i++)
		dt[i + 1] = r[6 + i] == 0xFF ? -1 : r[6 + i];
	fmt_date(f->capture_date, sizeof(f->capture_date), dt, 6);
	size_t q = 4 + 9 + 1 + 2 + 2;
	int nq = r[q++];
	if ((size_t)nq * 5 > rlen - q)
		return TDV_EPARSE;
	for (int i = 0; i < nq; i++, q += 5) {
		if (f->nquality < TDV_FACE_MAX_QUALITY) {
			tdv_face_quality *qb = &f->quality[f->nquality++];
			qb->score = r[q] == 0xFF ? -1 : r[q];
			qb->organization = (int)be(r + q + 1, 2);
			qb->algorithm = (int)be(r + q + 3, 2);
		}
	}
	if (rlen - q < 17)
		return TDV_EPARSE;
	const uint8_t *fi = r + q;
	f->feature_points = (int)be(fi, 2);
	f->gender = fi[2];
	f->eye_colour = fi[3];
	f->hair_colour = fi[4];
	f->subject_height = fi[5];
	f->expression = (int)be(fi + 9, 2);
	f->have_pose = true;
	f->pose_yaw = fi[11];
	f->pose_pitch = fi[12];
	f->pose_roll = fi[13];
	f->pose_yaw_unc = fi[14];
	f->pose_pitch_unc = fi[15];
	f->pose_roll_unc = fi[16];
	q += 17;
	size_t lm = (size_t)f->feature_points * 8;
	if (lm > rlen - q || rlen - q - lm < 11 + 4)
		return TDV_EPARSE;
	for (int i = 0; i < f->feature_points && i < TDV_FACE_MAX_LANDMARKS; i++) {
		const uint8_t *l = r + q + (size_t)i * 8;
		tdv_face_landmark *d = &f->landmarks[f->nlandmarks++];
		d->kind = l[0];
		d->code = l[1];
		d->x = (int)be(l + 2, 2);
		d->y = (int)be(l + 4, 2);
	}
	q += lm;
	const uint8_t *ii = r + q;
	f->face_image_type = ii[0];
	f->image_data_type = ii[1];
	f->width = (int)be(ii + 2, 2);
	f->height = (int)be(ii + 4, 2);
	f->colour_space = ii[10];
	q += 11;
	size_t ilen = be(r + q, 4);
	q += 4;
	if (ilen > rlen - q)
		return TDV_EPARSE;
	f->image = r + q;
	f->image_len = ilen;
	f->image_kind = tdv_lds_image_detect(f->image, f->image_len);
	return TDV_OK;
}

static int
parse_fac(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	f->format = TDV_FACE_ISO19794_5;
	if (n < 14 || memcmp(p, "FAC\0", 4) != 0)
		return TDV_EPARSE;
	if (p[7] != 0)
		return TDV_EPARSE;
	memcpy(f->version, p + 4, 3);
	f->version[3] = '\0';
	uint32_t reclen = be(p + 8, 4);
	if (reclen > n || reclen < 14)
		return TDV_EPARSE;
	if (be(p + 12, 2) == 0)
		return TDV_EPARSE;
	n = reclen;
	if (memcmp(f->version, "010", 3) == 0)
		return parse_fac_2005(p, n, f);
	if (memcmp(f->version, "030", 3) == 0)
		return parse_fac_2011(p, n, f);
	/* another version: locate the image by its signature */
	for (size_t i = 14; i + 4 <= n; i++) {
		tdv_lds_image_kind k = tdv_lds_image_detect(p + i, n - i);
		if (k == TDV_LDS_IMAGE_JPEG || k == TDV_LDS_IMAGE_JPEG2000) {
			f->image = p + i;
			f->image_len = n - i;
			f->image_kind = k;
			return TDV_OK;
		}
	}
	return TDV_EUNSUPPORTED;
}

/*
 * ISO/IEC 39794-5 (first edition, ASN.1 module ISO-IEC-39794-5-ed-1-v1,
 * automatic tags: [n] of a SEQUENCE/INTEGER/OCTET STRING is implicit,
 * of a CHOICE explicit):
 *
 *   FaceImageDataBlock ::= [APPLICATION 5] SEQUENCE {            -- 65
 *     versionBlock [0] VersionBlock,          -- A0 {80 generation, 81 year}
 *     representationBlocks [1] SEQUENCE OF RepresentationBlock, ... }  -- A1 {30..}
 *   RepresentationBlock ::= SEQUENCE {
 *     representationId [0] INTEGER,                               -- 80
 *     imageRepresentation [1] CHOICE { base [0] CHOICE {
 *         imageRepresentation2DBlock [0] ImageRepresentation2DBlock }, ..},
 *     captureDateTimeBlock [2] {year [0], month [1], day [2], hour [3],
 *         minute [4], second [5], millisecond [6]} OPTIONAL,
 *     qualityBlocks [3] SEQUENCE OF QualityBlock OPTIONAL,
 *     padDataBlock [4], sessionId [5], derivedFrom [6],
 *     captureDeviceBlock [7] OPTIONAL,
 *     identityMetadataBlock [8] IdentityMetadataBlock OPTIONAL,
 *     landmarkBlocks [9] SEQUENCE OF LandmarkBlock OPTIONAL, ... }
 *   ImageRepresentation2DBlock ::= SEQUENCE {
 *     representationData2D [0] OCTET STRING,                      -- the image
 *     imageInformation2DBlock [1] SEQUENCE {
 *       imageDataFormat [0] (CHOICE code [0]), faceImageKind2D [1],
 *       postAcquisitionProcessingBlock [2], lossyTransformationAttempts [3],
 *       cameraToSubjectDistance [4], sensorDiagonal [5], lensFocalLength [6],
 *       imageSizeBlock [7] {width [0], height [1]},
 *       imageFaceMeasurementsBlock [8], imageColourSpace [9], ... },
 *     captureDevice2DBlock [2] OPTIONAL, ... }
 *   QualityBlock ::= SEQUENCE { algorithmIdBlock [0] {organization [0],
 *     id [1]}, scoreOrError [1] CHOICE { score [0], error [1] }, ... }
 *   IdentityMetadataBlock ::= SEQUENCE { gender [0], eyeColour [1],
 *     hairColour [2] (each CHOICE code [0]), subjectHeight [3] INTEGER,
 *     propertiesBlock [4], expressionBlock [5], poseAngleBlock [6] {
 *     yaw [0], pitch [1], roll [2]: {angleValue [0], angleUncertainty [1]}}}
 *   LandmarkBlock ::= SEQUENCE { landmarkKind [0] CHOICE { base [0] CHOICE {
 *     mpeg4 [0] (CHOICE code [0]), anthropometric [1] ... } },
 *     landmarkCoordinates [1] CHOICE { base [0] CHOICE {
 *     cartesian2D [0] {x [0], y [1]}, texture [1], cartesian3D [2] } } }
 *
 * Only the first representation is read (a DG2 biometric information
 * template holds one face). Unknown and extension elements are skipped;
 * a required element that is missing or malformed is TDV_EPARSE. The
 * walk is by fixed structure (no recursion on the input's nesting).
 */
static int
ctx_int(const tdv_tlv *t, long *out)
{
	/* an implicitly tagged INTEGER: the content octets of an INTEGER */
	if (t->constructed || t->len == 0 || t->len > 4)
		return TDV_EPARSE;
	long v = (t->value[0] & 0x80) ? -1 : 0;
	for (size_t i = 0; i < t->len; i++)
		v = (long)((unsigned long)v << 8) | t->value[i];
	*out = v;
	return TDV_OK;
}

/* Find the child [n] (context class) of a constructed TLV. */
static int
child(const tdv_tlv *parent, unsigned n, tdv_tlv *out)
{
	tdv_der d;
	int rc;
	tdv_der_enter(&d, parent, 0);
	while ((rc = tdv_der_next(&d, out)) == TDV_OK)
		if ((out->tag & ~0x20u) == 0x80u + n)
			return TDV_OK;
	return rc == TDV_ENOENT ? TDV_ENOENT : rc;
}

static int
child_int(const tdv_tlv *parent, unsigned n, long *out)
{
	tdv_tlv t;
	int rc = child(parent, n, &t);
	return rc == TDV_OK ? ctx_int(&t, out) : rc;
}

/* A code CHOICE { code [0] INTEGER, extensionBlock [1] ... } tagged
 * explicitly: [n] { 80 code }. */
static int
child_code(const tdv_tlv *parent, unsigned n, long *out)
{
	tdv_tlv t;
	int rc = child(parent, n, &t);
	if (rc != TDV_OK)
		return rc;
	if (!t.constructed)
		return TDV_EPARSE;
	return child_int(&t, 0, out);
}

/* rc of a child_int/child_code that wrote *v: store *v when found.
 * (v by pointer: it is read after the call that fills it.) */
static int
opt_int(int rc, const long *v, int *dst)
{
	if (rc == TDV_OK)
		*dst = *v > 0x7FFFFFFFL || *v < -0x7FFFFFFFL ? -1 : (int)*v;
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

static int
parse_39794_info(const tdv_tlv *info, tdv_lds_face *f)
{
	tdv_tlv t;
	long v = 0;
	int rc;
	if (!info->constructed)
		return TDV_EPARSE;
	if ((rc = child_code(info, 0, &v)) != TDV_OK)
		return rc == TDV_ENOENT ? TDV_EPARSE : rc; /* imageDataFormat required */
	f->image_data_type = (int)v;
	if ((rc = opt_int(child_code(info, 1, &v), &v, &f->face_image_type)) != TDV_OK ||
	    (rc = opt_int(child_code(info, 3, &v), &v, &f->lossy_attempts)) != TDV_OK ||
	    (rc = opt_int(child_code(info, 9, &v), &v, &f->colour_space)) != TDV_OK)
		return rc;
	rc = child(info, 7, &t);
	if (rc == TDV_OK) {
		long w = 0, h = 0;
		if (!t.constructed || child_int(&t, 0, &w) != TDV_OK ||
		    child_int(&t, 1, &h) != TDV_OK || w < 0 || h < 0 || w > 65535 || h > 65535)
			return TDV_EPARSE;
		f->width = (int)w;
		f->height = (int)h;
	} else if (rc != TDV_ENOENT) {
		return rc;
	}
	return TDV_OK;
}

static int
parse_39794_angle(const tdv_tlv *pose, unsigned n, int *val, int *unc)
{
	tdv_tlv a;
	long v = 0;
	int rc = child(pose, n, &a);
	if (rc == TDV_ENOENT)
		return TDV_OK;
	if (rc != TDV_OK)
		return rc;
	if (!a.constructed || child_int(&a, 0, &v) != TDV_OK || v < -180 || v > 180)
		return TDV_EPARSE;
	*val = (int)v;
	rc = child_int(&a, 1, &v);
	if (rc == TDV_OK && (v < 0 || v > 180))
		return TDV_EPARSE;
	return opt_int(rc, &v, unc);
}

static int
parse_39794_identity(const tdv_tlv *id, tdv_lds_face *f)
{
	tdv_tlv pose;
	long v = 0;
	int rc;
	if (!id->constructed)
		return TDV_EPARSE;
	if ((rc = opt_int(child_code(id, 0, &v), &v, &f->gender)) != TDV_OK ||
	    (rc = opt_int(child_code(id, 1, &v), &v, &f->eye_colour)) != TDV_OK ||
	    (rc = opt_int(child_code(id, 2, &v), &v, &f->hair_colour)) != TDV_OK ||
	    (rc = opt_int(child_int(id, 3, &v), &v, &f->subject_height)) != TDV_OK)
		return rc;
	rc = child(id, 6, &pose);
	if (rc == TDV_ENOENT)
		return TDV_OK;
	if (rc != TDV_OK || !pose.constructed)
		return rc != TDV_OK ? rc : TDV_EPARSE;
	f->have_pose = true;
	if ((rc = parse_39794_angle(&pose, 0, &f->pose_yaw, &f->pose_yaw_unc)) != TDV_OK ||
	    (rc = parse_39794_angle(&pose, 1, &f->pose_pitch, &f->pose_pitch_unc)) != TDV_OK ||
	    (rc = parse_39794_angle(&pose, 2, &f->pose_roll, &f->pose_roll_unc)) != TDV_OK)
		return rc;
	return TDV_OK;
}

static int
parse_39794_quality(const tdv_tlv *list, tdv_lds_face *f)
{
	tdv_der d;
	tdv_tlv q, t;
	int rc;
	if (!list->constructed)
		return TDV_EPARSE;
	tdv_der_enter(&d, list, 0);
	while ((rc = tdv_der_next(&d, &q)) == TDV_OK) {
		long org = 0, alg = 0, score = -1;
		if (q.tag != 0x30 || child(&q, 0, &t) != TDV_OK || !t.constructed ||
		    child_int(&t, 0, &org) != TDV_OK || child_int(&t, 1, &alg) != TDV_OK)
			return TDV_EPARSE;
		if (child(&q, 1, &t) != TDV_OK || !t.constructed)
			return TDV_EPARSE;
		rc = child_int(&t, 0, &score);
		if (rc == TDV_OK && (score < 0 || score > 100))
			return TDV_EPARSE;
		if (rc != TDV_OK && rc != TDV_ENOENT)
			return rc;
		if (rc == TDV_ENOENT)
			score = -1; /* error [1]: failure to assess */
		if (f->nquality < TDV_FACE_MAX_QUALITY) {
			tdv_face_quality *qb = &f->quality[f->nquality++];
			qb->organization = (int)(org & 0xFFFF);
			qb->algorithm = (int)(alg & 0xFFFF);
			qb->score = (int)score;
		}
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

static int
parse_39794_landmarks(const tdv_tlv *list, tdv_lds_face *f)
{
	tdv_der d;
	tdv_tlv b, k, base, alt, c;
	int rc;
	if (!list->constructed)
		return TDV_EPARSE;
	f->feature_points = 0;
	tdv_der_enter(&d, list, 0);
	while ((rc = tdv_der_next(&d, &b)) == TDV_OK) {
		if (b.tag != 0x30 || child(&b, 0, &k) != TDV_OK || !k.constructed)
			return TDV_EPARSE;
		if (f->feature_points < 0x7FFF)
			f->feature_points++;
		tdv_face_landmark l = {-1, -1, -1, -1};
		long v = 0;
		/* kind: [0] base { [0] mpeg4 {80 code} | [1] anthropometric {..} } */
		if (child(&k, 0, &base) == TDV_OK && base.constructed) {
			if (child(&base, 0, &alt) == TDV_OK && alt.constructed) {
				l.kind = 0;
				if (child_int(&alt, 0, &v) == TDV_OK)
					l.code = (int)(v & 0xFFFF);
			} else if (child(&base, 1, &alt) == TDV_OK && alt.constructed) {
				l.kind = 1;
				tdv_tlv ab, id;
				/* anthropometric: [0] base { [2] point id } */
				if (child(&alt, 0, &ab) == TDV_OK && ab.constructed &&
				    child(&ab, 2, &id) == TDV_OK && ctx_int(&id, &v) == TDV_OK)
					l.code = (int)(v & 0xFFFF);
			}
		}
		/* coordinates: [1] { [0] base { [0] cartesian2D { x [0], y [1] } } } */
		if (child(&b, 1, &c) == TDV_OK && c.constructed &&
		    child(&c, 0, &base) == TDV_OK && base.constructed &&
		    child(&base, 0, &alt) == TDV_OK && alt.constructed) {
			long x = 0, y = 0;
			if (child_int(&alt, 0, &x) != TDV_OK || child_int(&alt, 1, &y) != TDV_OK ||
			    x < 0 || y < 0 || x > 65535 || y > 65535)
				return TDV_EPARSE;
			l.x = (int)x;
			l.y = (int)y;
		}
		if (f->nlandmarks < TDV_FACE_MAX_LANDMARKS)
			f->landmarks[f->nlandmarks++] = l;
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

static int
parse_39794(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	tdv_tlv top, ver, reps, rep, t, u, img;
	long v = 0;
	int rc;

	f->format = TDV_FACE_ISO39794_5;
	/* 7F2E holds the FaceImageDataBlock: 65 { A0 version, A1 reps } */
	if ((rc = tdv_tlv_read(p, n, 0, &top)) != TDV_OK)
		return rc;
	if (top.tag != 0x65 || !top.constructed)
		return TDV_EPARSE;
	if (child(&top, 0, &ver) != TDV_OK || !ver.constructed ||
	    child_int(&ver, 0, &v) != TDV_OK)
		return TDV_EPARSE;
	f->version_generation = (int)v;
	if (child_int(&ver, 1, &v) != TDV_OK)
		return TDV_EPARSE;
	f->version_year = (int)v;
	if (child(&top, 1, &reps) != TDV_OK || !reps.constructed)
		return TDV_EPARSE;
	{
		tdv_der d;
		tdv_der_enter(&d, &reps, 0);
		if (tdv_der_next(&d, &rep) != TDV_OK || rep.tag != 0x30)
			return TDV_EPARSE;
	}
	if ((rc = opt_int(child_int(&rep, 0, &v), &v, &f->representation_id)) != TDV_OK)
		return rc;
	/* imageRepresentation [1] { base [0] { 2D [0] { [0] data, [1] info } } } */
	if (child(&rep, 1, &t) != TDV_OK || !t.constructed ||
	    child(&t, 0, &u) != TDV_OK || !u.constructed)
		return TDV_EPARSE;
	if (child(&u, 0, &t) != TDV_OK || !t.constructed)
		return TDV_EUNSUPPORTED; /* a 3D shape representation */
	if (child(&t, 0, &img) != TDV_OK || img.constructed)
		return TDV_EPARSE;
	f->image = img.value;
	f->image_len = img.len;
	f->image_kind = tdv_lds_image_detect(img.value, img.len);
	if (child(&t, 1, &u) != TDV_OK)
		return TDV_EPARSE;
	if ((rc = parse_39794_info(&u, f)) != TDV_OK)
		return rc;
	/* the optional blocks */
	rc = child(&rep, 2, &t);
	if (rc == TDV_OK) {
		long dt[6] = {-1, -1, -1, -1, -1, -1};
		if (!t.constructed || child_int(&t, 0, &dt[0]) != TDV_OK || dt[0] < 0 ||
		    dt[0] > 9999)
			return TDV_EPARSE;
		for (unsigned i = 1; i < 6; i++) {
			rc = child_int(&t, i, &dt[i]);
			if (rc == TDV_OK && (dt[i] < 0 || dt[i] > 59))
				return TDV_EPARSE;
			if (rc != TDV_OK && rc != TDV_ENOENT)
				return rc;
		}
		fmt_date(f->capture_date, sizeof(f->capture_date), dt, 6);
	} else if (rc != TDV_ENOENT) {
		return rc;
	}
	if ((rc = child(&rep, 3, &t)) == TDV_OK)
		rc = parse_39794_quality(&t, f);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		return rc;
	if ((rc = child(&rep, 8, &t)) == TDV_OK)
		rc = parse_39794_identity(&t, f);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		return rc;
	if ((rc = child(&rep, 9, &t)) == TDV_OK)
		rc = parse_39794_landmarks(&t, f);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		return rc;
	return TDV_OK;
}

static int
parse_bit(const tdv_tlv *bit, tdv_lds_face *f)
{
	tdv_der d;
	tdv_tlv t;
	int rc;
	bool have_bdb = false;

	f->bdb_format_owner = -1;
	f->bdb_format_type = -1;
	face_defaults(f);
	tdv_der_enter(&d, bit, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		if (t.tag == 0xA1) {
			tdv_der h;
			tdv_tlv e;
			tdv_der_enter(&h, &t, 0);
			while ((rc = tdv_der_next(&h, &e)) == TDV_OK) {
				if (e.tag == 0x87 && e.len <= 2)
					f->bdb_format_owner = (int)be(e.value, e.len);
				else if (e.tag == 0x88 && e.len <= 2)
					f->bdb_format_type = (int)be(e.value, e.len);
				else if (e.tag == 0x83 && e.len <= 7) {
					static const char hx[] = "0123456789ABCDEF";
					for (size_t i = 0; i < e.len; i++) {
						f->creation_date[2 * i] = hx[e.value[i] >> 4];
						f->creation_date[2 * i + 1] = hx[e.value[i] & 15];
					}
					f->creation_date[2 * e.len] = '\0';
				}
			}
			if (rc != TDV_ENOENT)
				return rc;
		} else if (t.tag == 0x5F2E && !have_bdb) {
			have_bdb = true;
			if ((rc = parse_fac(t.value, t.len, f)) != TDV_OK)
				return rc;
		} else if (t.tag == 0x7F2E && !have_bdb) {
			have_bdb = true;
			if ((rc = parse_39794(t.value, t.len, f)) != TDV_OK)
				return rc;
		}
	}
	if (rc != TDV_ENOENT)
		return rc;
	return have_bdb ? TDV_OK : TDV_ELDS_MISSING;
}

int
tdv_lds_parse_dg2(const uint8_t *buf, size_t len, tdv_lds_dg2 *out)
{
	tdv_tlv file, group, t;
	tdv_der d;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x75, &file)) != TDV_OK)
		return rc;
	rc = tdv_der_find(file.value, file.len, 0x7F61, &group);
	if (rc == TDV_ENOENT)
		return TDV_ELDS_MISSING;
	if (rc != TDV_OK)
		return rc;
	tdv_der_enter(&d, &group, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		if (t.tag != 0x7F60)
			continue;
		if (out->nfaces == TDV_LDS_MAX_FACES)
			return TDV_ELIMIT;
		rc = parse_bit(&t, &out->faces[out->nfaces]);
		if (rc != TDV_OK)
			return rc;
		out->nfaces++;
	}
	if (rc != TDV_ENOENT)
		return rc;
	return out->nfaces > 0 ? TDV_OK : TDV_ELDS_MISSING;
}
