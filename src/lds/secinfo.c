/*
 * SecurityInfos (ICAO 9303-11 §9.2; BSI TR-03110-3 §A.1.1): the SET OF
 * SecurityInfo in EF.CardAccess, EF.CardSecurity and DG14 that announce
 * PACE, Chip Authentication, Terminal Authentication and Active
 * Authentication and carry the chip's CA public keys.
 */
#include <stdlib.h>
#include <string.h>

#include "lds_int.h"
#include "tdv/error.h"

#define BSI_PROTO "0.4.0.127.0.7.2.2."
#define OID_AA "2.23.136.1.1.5"
#define OID_SECURITY_OBJECT "0.4.0.127.0.7.3.2.1"

/* Parse "a.b" or "a.b.c" after a prefix into up to three numbers. */
static int
arcs(const char *s, long *a, int max)
{
	int n = 0;
	while (*s != '\0' && n < max) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < 0 || v > 1000)
			return -1;
		a[n++] = v;
		if (*end == '\0')
			return n;
		if (*end != '.')
			return -1;
		s = end + 1;
	}
	return *s == '\0' ? n : -1;
}

static tdv_sm_cipher
cipher_of(long c)
{
	switch (c) {
	case 1: return TDV_CIPHER_3DES;
	case 2: return TDV_CIPHER_AES128;
	case 3: return TDV_CIPHER_AES192;
	case 4: return TDV_CIPHER_AES256;
	default: return TDV_CIPHER_NONE;
	}
}

static void
classify(tdv_secinfo *s)
{
	long a[4];
	int n;

	if (strcmp(s->oid, OID_AA) == 0) {
		s->kind = TDV_SECINFO_AA;
		return;
	}
	if (strncmp(s->oid, BSI_PROTO, strlen(BSI_PROTO)) != 0)
		return;
	n = arcs(s->oid + strlen(BSI_PROTO), a, 4);
	if (n < 1)
		return;
	switch (a[0]) {
	case 1: /* id-PK */
		if (n == 2 && (a[1] == 1 || a[1] == 2)) {
			s->kind = TDV_SECINFO_CA_PUBKEY;
			s->agreement = a[1] == 1 ? TDV_KA_DH : TDV_KA_ECDH;
		}
		break;
	case 2: /* id-TA */
		if (n == 1)
			s->kind = TDV_SECINFO_TA;
		break;
	case 3: /* id-CA */
		if (n == 3 && (a[1] == 1 || a[1] == 2)) {
			s->kind = TDV_SECINFO_CA;
			s->agreement = a[1] == 1 ? TDV_KA_DH : TDV_KA_ECDH;
			s->cipher = cipher_of(a[2]);
		}
		break;
	case 4: /* id-PACE */
		if (n < 2)
			break;
		switch (a[1]) {
		case 1: s->agreement = TDV_KA_DH; s->mapping = TDV_MAP_GM; break;
		case 2: s->agreement = TDV_KA_ECDH; s->mapping = TDV_MAP_GM; break;
		case 3: s->agreement = TDV_KA_DH; s->mapping = TDV_MAP_IM; break;
		case 4: s->agreement = TDV_KA_ECDH; s->mapping = TDV_MAP_IM; break;
		case 6: s->agreement = TDV_KA_ECDH; s->mapping = TDV_MAP_CAM; break;
		default: return;
		}
		if (n == 2)
			s->kind = TDV_SECINFO_PACE_DOMAIN;
		else if (n == 3) {
			s->kind = TDV_SECINFO_PACE;
			s->cipher = cipher_of(a[2]);
		}
		break;
	default:
		break;
	}
}

static int
parse_one(const tdv_tlv *seq, tdv_secinfo *s)
{
	tdv_der d;
	tdv_tlv oid, req, opt;
	int rc;
	long v;

	memset(s, 0, sizeof(*s));
	s->version = s->parameter_id = s->key_id = -1;
	s->raw = seq->raw;
	s->raw_len = seq->raw_len;
	if (seq->tag != 0x30)
		return TDV_ELDS_TAG;
	tdv_der_enter(&d, seq, 0);
	if ((rc = tdv_der_expect(&d, 0x06, &oid)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_oid_text(oid.value, oid.len, s->oid,
	    sizeof(s->oid))) != TDV_OK)
		return rc;
	if ((rc = tdv_der_next(&d, &req)) != TDV_OK)
		return rc == TDV_ENOENT ? TDV_ELDS_MISSING : rc;
	bool have_opt = false;
	rc = tdv_der_next(&d, &opt);
	if (rc == TDV_OK)
		have_opt = true;
	else if (rc != TDV_ENOENT)
		return rc;
	classify(s);
	switch (s->kind) {
	case TDV_SECINFO_PACE:
	case TDV_SECINFO_CA:
	case TDV_SECINFO_TA:
	case TDV_SECINFO_AA:
		if ((rc = tdv_der_small_int(&req, &v)) != TDV_OK)
			return rc;
		s->version = v;
		if (!have_opt)
			break;
		if (s->kind == TDV_SECINFO_PACE || s->kind == TDV_SECINFO_CA) {
			if ((rc = tdv_der_small_int(&opt, &v)) != TDV_OK)
				return rc;
			if (s->kind == TDV_SECINFO_PACE)
				s->parameter_id = v;
			else
				s->key_id = v;
		} else if (s->kind == TDV_SECINFO_AA && opt.tag == 0x06) {
			if ((rc = tdv_der_oid_text(opt.value, opt.len,
			    s->sig_alg_oid, sizeof(s->sig_alg_oid))) != TDV_OK)
				return rc;
		}
		break;
	case TDV_SECINFO_CA_PUBKEY:
	case TDV_SECINFO_PACE_DOMAIN:
		if (req.tag != 0x30)
			return TDV_ELDS_TAG;
		s->key = req.raw;
		s->key_len = req.raw_len;
		if (have_opt) {
			if ((rc = tdv_der_small_int(&opt, &v)) != TDV_OK)
				return rc;
			if (s->kind == TDV_SECINFO_CA_PUBKEY)
				s->key_id = v;
			else
				s->parameter_id = v;
		}
		break;
	default:
		break;
	}
	return TDV_OK;
}

int
tdv__secinfos_parse_set(const tdv_tlv *set, tdv_secinfos *out)
{
	tdv_der d;
	tdv_tlv t;
	int rc;

	if (set->tag != 0x31)
		return TDV_ELDS_TAG;
	tdv_der_enter(&d, set, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		if (out->n == TDV_SECINFO_MAX)
			return TDV_ELIMIT;
		if ((rc = parse_one(&t, &out->items[out->n])) != TDV_OK)
			return rc;
		out->n++;
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

int
tdv_lds_parse_secinfos(const uint8_t *buf, size_t len, tdv_secinfos *out)
{
	tdv_tlv set;
	int rc;
	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x31, &set)) != TDV_OK)
		return rc;
	return tdv__secinfos_parse_set(&set, out);
}

int
tdv_lds_parse_dg14(const uint8_t *buf, size_t len, tdv_secinfos *out)
{
	tdv_tlv file, set;
	int rc;
	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x6E, &file)) != TDV_OK)
		return rc;
	if ((rc = tdv_tlv_read(file.value, file.len, 0, &set)) != TDV_OK)
		return rc;
	return tdv__secinfos_parse_set(&set, out);
}

int
tdv_lds_parse_cardsecurity(const uint8_t *buf, size_t len,
    tdv_secinfos *out)
{
	tdv__cms cms;
	tdv_tlv set;
	int rc;
	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if (len > TDV_LDS_MAX_FILE)
		return TDV_ELIMIT;
	if ((rc = tdv__cms_parse(buf, len, &cms)) != TDV_OK)
		return rc;
	if (strcmp(cms.content_type, OID_SECURITY_OBJECT) != 0)
		return TDV_ELDS_TAG;
	if ((rc = tdv_tlv_read(cms.content, cms.content_len, 0, &set)) != TDV_OK)
		return rc;
	return tdv__secinfos_parse_set(&set, out);
}

const tdv_secinfo *
tdv_secinfos_find(const tdv_secinfos *s, tdv_secinfo_kind kind)
{
	if (s == NULL)
		return NULL;
	for (int i = 0; i < s->n && i < TDV_SECINFO_MAX; i++)
		if (s->items[i].kind == kind)
			return &s->items[i];
	return NULL;
}

const char *
tdv_secinfo_kind_name(tdv_secinfo_kind k)
{
	switch (k) {
	case TDV_SECINFO_PACE: return "PACEInfo";
	case TDV_SECINFO_PACE_DOMAIN: return "PACEDomainParameterInfo";
	case TDV_SECINFO_CA: return "ChipAuthenticationInfo";
	case TDV_SECINFO_CA_PUBKEY: return "ChipAuthenticationPublicKeyInfo";
	case TDV_SECINFO_TA: return "TerminalAuthenticationInfo";
	case TDV_SECINFO_AA: return "ActiveAuthenticationInfo";
	default: return "SecurityInfo";
	}
}
