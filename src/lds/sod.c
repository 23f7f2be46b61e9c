/*
 * EF.SOD (ICAO 9303-10 §4.6.2, 9303-11 §5.1): tag 77 around a CMS
 * SignedData (RFC 5652 §5) whose eContent is an LDSSecurityObject v0/v1.
 * This is the structural parse, done with the bounded TLV reader; the
 * signature is verified by Passive Authentication with OpenSSL.
 */
#include <string.h>

#include "lds_int.h"
#include "tdv/error.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_LDS_SECURITY_OBJECT "2.23.136.1.1.1"

const char *
tdv__hash_name(const char *oid, size_t *len)
{
	static const struct {
		const char *oid, *name;
		size_t len;
	} h[] = {
		{"1.3.14.3.2.26", "SHA-1", 20},
		{"2.16.840.1.101.3.4.2.4", "SHA-224", 28},
		{"2.16.840.1.101.3.4.2.1", "SHA-256", 32},
		{"2.16.840.1.101.3.4.2.2", "SHA-384", 48},
		{"2.16.840.1.101.3.4.2.3", "SHA-512", 64},
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (strcmp(oid, h[i].oid) == 0) {
			if (len != NULL)
				*len = h[i].len;
			return h[i].name;
		}
	if (len != NULL)
		*len = 0;
	return NULL;
}

int
tdv__cms_parse(const uint8_t *buf, size_t len, tdv__cms *out)
{
	tdv_der d, sd, eci;
	tdv_tlv ci, t, sdata, seq;
	int rc;
	char oid[64];

	memset(out, 0, sizeof(*out));
	if ((rc = tdv_tlv_read(buf, len, 0, &ci)) != TDV_OK)
		return rc;
	if (ci.tag != 0x30)
		return TDV_ELDS_TAG;
	out->non_canonical = ci.non_canonical;
	tdv_der_enter(&d, &ci, 0);
	if ((rc = tdv_der_expect(&d, 0x06, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_oid_text(t.value, t.len, oid, sizeof(oid))) != TDV_OK)
		return rc;
	if (strcmp(oid, OID_SIGNED_DATA) != 0)
		return TDV_ELDS_TAG;
	if ((rc = tdv_der_expect(&d, 0xA0, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_tlv_read(t.value, t.len, 0, &sdata)) != TDV_OK)
		return rc;
	if (sdata.tag != 0x30)
		return TDV_ELDS_TAG;
	out->non_canonical |= t.non_canonical || sdata.non_canonical;
	tdv_der_enter(&sd, &sdata, 0);
	if ((rc = tdv_der_expect(&sd, 0x02, &t)) != TDV_OK)  /* version */
		return rc;
	if ((rc = tdv_der_expect(&sd, 0x31, &t)) != TDV_OK)  /* digestAlgorithms */
		return rc;
	if ((rc = tdv_der_expect(&sd, 0x30, &seq)) != TDV_OK) /* encapContentInfo */
		return rc;
	tdv_der_enter(&eci, &seq, 0);
	if ((rc = tdv_der_expect(&eci, 0x06, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_oid_text(t.value, t.len, out->content_type,
	    sizeof(out->content_type))) != TDV_OK)
		return rc;
	if ((rc = tdv_der_expect(&eci, 0xA0, &t)) != TDV_OK)
		return rc; /* detached content is not an LDS SOD */
	tdv_tlv os;
	if ((rc = tdv_tlv_read(t.value, t.len, 0, &os)) != TDV_OK)
		return rc;
	if (os.tag != 0x04)
		return os.tag == 0x24 ? TDV_EUNSUPPORTED : TDV_ELDS_TAG;
	out->content = os.value;
	out->content_len = os.len;
	out->non_canonical |= seq.non_canonical || t.non_canonical ||
	    os.non_canonical;
	/* [0] certificates, [1] crls, then signerInfos */
	while ((rc = tdv_der_next(&sd, &t)) == TDV_OK) {
		if (t.tag == 0xA0) {
			tdv_der c;
			tdv_tlv cert;
			tdv_der_enter(&c, &t, 0);
			while ((rc = tdv_der_next(&c, &cert)) == TDV_OK) {
				if (out->ncerts == 0) {
					out->cert = cert.raw;
					out->cert_len = cert.raw_len;
				}
				if (++out->ncerts > 64)
					return TDV_ELIMIT;
			}
			if (rc != TDV_ENOENT)
				return rc;
		} else if (t.tag == 0x31) {
			tdv_der s;
			tdv_tlv si;
			tdv_der_enter(&s, &t, 0);
			while ((rc = tdv_der_next(&s, &si)) == TDV_OK)
				if (++out->nsigners > 64)
					return TDV_ELIMIT;
			if (rc != TDV_ENOENT)
				return rc;
		}
	}
	if (rc != TDV_ENOENT)
		return rc;
	return out->nsigners > 0 ? TDV_OK : TDV_ELDS_MISSING;
}

static void
copy_printable(char *out, size_t outsz, const tdv_tlv *t)
{
	size_t n = t->len < outsz - 1 ? t->len : outsz - 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = t->value[i];
		out[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	out[n] = '\0';
}

int
tdv_lds_parse_sod(const uint8_t *buf, size_t len, tdv_sod *out)
{
	tdv_tlv file, lso, t, alg, list;
	tdv_der d, a, l;
	tdv__cms cms;
	int rc;
	long v;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x77, &file)) != TDV_OK)
		return rc;
	if ((rc = tdv__cms_parse(file.value, file.len, &cms)) != TDV_OK)
		return rc;
	out->cms = file.value;
	out->cms_len = file.len;
	memcpy(out->content_type, cms.content_type, sizeof(out->content_type));
	out->content = cms.content;
	out->content_len = cms.content_len;
	out->ncerts = cms.ncerts;
	out->ds_cert = cms.cert;
	out->ds_cert_len = cms.cert_len;
	out->nsigners = cms.nsigners;
	out->non_canonical = file.non_canonical || cms.non_canonical;
	if (strcmp(cms.content_type, OID_LDS_SECURITY_OBJECT) != 0)
		return TDV_ELDS_TAG;

	if ((rc = tdv_tlv_read(cms.content, cms.content_len, 0, &lso)) != TDV_OK)
		return rc;
	if (lso.tag != 0x30)
		return TDV_ELDS_TAG;
	tdv_der_enter(&d, &lso, 0);
	if ((rc = tdv_der_expect(&d, 0x02, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_small_int(&t, &v)) != TDV_OK)
		return rc;
	if (v > 1)
		return TDV_EUNSUPPORTED;
	out->version = (int)v;
	if ((rc = tdv_der_expect(&d, 0x30, &alg)) != TDV_OK)
		return rc;
	tdv_der_enter(&a, &alg, 0);
	if ((rc = tdv_der_expect(&a, 0x06, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_oid_text(t.value, t.len, out->hash_oid,
	    sizeof(out->hash_oid))) != TDV_OK)
		return rc;
	out->hash_name = tdv__hash_name(out->hash_oid, &out->hash_len);
	if ((rc = tdv_der_expect(&d, 0x30, &list)) != TDV_OK)
		return rc;
	tdv_der_enter(&l, &list, 0);
	while ((rc = tdv_der_next(&l, &t)) == TDV_OK) {
		tdv_der e;
		tdv_tlv num, hv;
		if (out->nhashes == TDV_SOD_MAX_HASHES)
			return TDV_ELIMIT; /* at most 16 data groups exist */
		if (t.tag != 0x30)
			return TDV_ELDS_TAG;
		tdv_der_enter(&e, &t, 0);
		if ((rc = tdv_der_expect(&e, 0x02, &num)) != TDV_OK)
			return rc;
		if ((rc = tdv_der_small_int(&num, &v)) != TDV_OK)
			return rc;
		if (v < 1 || v > 16)
			return TDV_EPARSE;
		if (tdv_sod_find(out, (int)v) != NULL)
			return TDV_EPARSE; /* the same DG twice */
		if ((rc = tdv_der_expect(&e, 0x04, &hv)) != TDV_OK)
			return rc;
		if (hv.len == 0 || hv.len > 64)
			return TDV_EPARSE;
		out->hashes[out->nhashes].dg = (int)v;
		out->hashes[out->nhashes].hash = hv.value;
		out->hashes[out->nhashes].len = hv.len;
		out->nhashes++;
	}
	if (rc != TDV_ENOENT)
		return rc;
	if (out->nhashes == 0)
		return TDV_ELDS_MISSING;
	/* v1: ldsVersionInfo */
	rc = tdv_der_next(&d, &t);
	if (rc == TDV_OK && t.tag == 0x30) {
		tdv_der vi;
		tdv_tlv s1, s2;
		tdv_der_enter(&vi, &t, 0);
		if (tdv_der_next(&vi, &s1) == TDV_OK &&
		    tdv_der_next(&vi, &s2) == TDV_OK) {
			copy_printable(out->lds_version, sizeof(out->lds_version), &s1);
			copy_printable(out->unicode_version,
			    sizeof(out->unicode_version), &s2);
		}
	} else if (rc != TDV_ENOENT && rc != TDV_OK) {
		return rc;
	}
	return TDV_OK;
}

const tdv_sod_hash *
tdv_sod_find(const tdv_sod *s, int dg)
{
	if (s == NULL)
		return NULL;
	for (int i = 0; i < s->nhashes && i < TDV_SOD_MAX_HASHES; i++)
		if (s->hashes[i].dg == dg)
			return &s->hashes[i];
	return NULL;
}
