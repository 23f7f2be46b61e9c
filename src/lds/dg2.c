/*
 * DG2, encoded face (ICAO 9303-10 §4.7.2): the biometric information
 * group template 7F61 of ISO/IEC 7816-11, each 7F60 holding a header A1
 * and a biometric data block: 5F2E with an ISO/IEC 19794-5:2005 "FAC"
 * record, or 7F2E with an ISO/IEC 39794-5 (DER) record.
 */
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

/* ISO/IEC 19794-5:2005 §5.4-5.7, first facial record only. */
static int
parse_fac(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	f->format = TDV_FACE_ISO19794_5;
	if (n < 14 || memcmp(p, "FAC\0", 4) != 0)
		return TDV_EPARSE;
	memcpy(f->version, p + 4, 3);
	f->version[3] = '\0';
	uint32_t reclen = be(p + 8, 4);
	if (reclen > n || reclen < 14)
		return TDV_EPARSE;
	if (be(p + 12, 2) == 0)
		return TDV_EPARSE;
	n = reclen;
	if (memcmp(f->version, "010", 3) != 0) {
		/* other versions: locate the image by its signature */
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
	if (blocklen > n - off || blocklen < 32)
		return TDV_EPARSE;
	size_t fp = (size_t)f->feature_points * 8;
	if (20 + fp + 12 > blocklen)
		return TDV_EPARSE;
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

/*
 * ISO/IEC 39794-5: a DER tree. Rather than model every optional field,
 * walk it (explicit stack, bounded depth) and take the first primitive
 * value that carries a JPEG or JPEG 2000 signature, and the first two
 * small integers under it are not trusted as dimensions.
 */
static int
parse_39794(const uint8_t *p, size_t n, tdv_lds_face *f)
{
	tdv_der stack[16];
	int depth = 0;
	tdv_tlv t;

	f->format = TDV_FACE_ISO39794_5;
	tdv_der_init(&stack[0], p, n, 0);
	for (;;) {
		int rc = tdv_der_next(&stack[depth], &t);
		if (rc == TDV_ENOENT) {
			if (depth == 0)
				return TDV_ELDS_MISSING;
			depth--;
			continue;
		}
		if (rc != TDV_OK)
			return rc;
		if (t.constructed) {
			if (depth + 1 >= (int)(sizeof(stack) / sizeof(stack[0])))
				return TDV_EDER_DEPTH;
			depth++;
			tdv_der_enter(&stack[depth], &t, 0);
			continue;
		}
		tdv_lds_image_kind k = tdv_lds_image_detect(t.value, t.len);
		if (k == TDV_LDS_IMAGE_JPEG || k == TDV_LDS_IMAGE_JPEG2000) {
			f->image = t.value;
			f->image_len = t.len;
			f->image_kind = k;
			f->image_data_type = k == TDV_LDS_IMAGE_JPEG ? 0 : 1;
			return TDV_OK;
		}
	}
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
