/*
 * Reading a whole eMRTD the way a border reader does: choose access
 * control from EF.CardAccess (PACE preferred, BAC otherwise; ICAO 9303-11
 * §4.2), read EF.COM, EF.SOD and the data groups EF.COM lists, then run
 * Active Authentication (§6.1) and Chip Authentication (§6.2) for clone
 * detection. CA comes last because a failed CA ends the secure session.
 * LDS files are parsed with src/lds/ (tdv/lds.h).
 */
#include <stdio.h>
#include <string.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

static void
note_file(tdv_chip_report *rep, int ef, size_t len)
{
	if (rep->nfiles < TDV_EF_COUNT)
		rep->files[rep->nfiles++] = ef;
	rep->bytes += len;
}

static void
note_skip(tdv_chip_report *rep, int ef, int rc)
{
	if (rep->nskipped < TDV_EF_COUNT) {
		rep->skipped[rep->nskipped] = ef;
		rep->skipped_rc[rep->nskipped++] = rc;
	}
}

/* PACE protocol from EF.CardAccess; TDV_ENOENT when none is usable. */
static int
pick_pace(const uint8_t *ca, size_t len, tdv_pace_proto *p, char *oid,
    size_t oidsz)
{
	tdv_secinfos si;
	if (tdv_lds_parse_secinfos(ca, len, &si) != TDV_OK)
		return TDV_ENOENT;
	for (int i = 0; i < si.n; i++) {
		const tdv_secinfo *s = &si.items[i];
		if (s->kind != TDV_SECINFO_PACE ||
		    (s->mapping != TDV_MAP_GM && s->mapping != TDV_MAP_IM))
			continue;
		/* the OID's content bytes are the TLV value inside raw */
		tdv_tlv seq, o;
		tdv_der d;
		if (tdv_tlv_read(s->raw, s->raw_len, 0, &seq) != TDV_OK)
			continue;
		tdv_der_enter(&d, &seq, 0);
		if (tdv_der_expect(&d, 0x06, &o) != TDV_OK)
			continue;
		int param = s->parameter_id >= 0 ? (int)s->parameter_id : -1;
		if (tdv_pace_proto_from_oid(o.value, o.len, param, p) == TDV_OK) {
			snprintf(oid, oidsz, "%s", s->oid);
			return TDV_OK;
		}
	}
	return TDV_ENOENT;
}

static int
read_one(tdv_chip *c, int ef, tdv_buf *b, tdv_lds *out, tdv_chip_report *rep)
{
	int sfi = tdv_lds_ef_sfi(ef);
	if (sfi < 0)
		return TDV_EINVAL;
	int rc = tdv_chip_read_ef(c, (uint8_t)sfi, b);
	if (rc == TDV_OK) {
		rc = tdv_lds_set(out, ef, b->data, b->len);
		if (rc == TDV_OK)
			note_file(rep, ef, b->len);
	}
	return rc;
}

int
tdv_chip_read_document(tdv_chip *c, const tdv_chip_read_options *o,
    tdv_lds *out, tdv_chip_report *rep)
{
	if (c == NULL || o == NULL || out == NULL || rep == NULL)
		return TDV_EINVAL;
	memset(rep, 0, sizeof(*rep));
	rep->aa_rc = rep->ca_rc = TDV_ENOENT;
	unsigned long apdus0 = tdv_chip_transport_apdus(c->t);
	unsigned long reads0;
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	int rc;

	/* 1. access control */
	if (c->progress)
		c->progress(c->progress_arg, "EF.CardAccess", 0, 0);
	rc = tdv_chip_read_card_access(c, &b);
	tdv_pace_proto pp;
	bool pace = false;
	if (rc == TDV_OK) {
		(void)tdv_lds_set(out, TDV_EF_CARDACCESS, b.data, b.len);
		note_file(rep, TDV_EF_CARDACCESS, b.len);
		pace = !o->no_pace && pick_pace(b.data, b.len, &pp, rep->pace_oid,
		    sizeof(rep->pace_oid)) == TDV_OK;
	} else if (rc != TDV_ENOENT && rc != TDV_EPERM && rc != TDV_ECHIP_SW) {
		goto out; /* transport trouble, not "no CardAccess" */
	}
	if (pace && (o->can != NULL || o->mrz != NULL)) {
		if (c->progress)
			c->progress(c->progress_arg, "PACE", 0, 0);
		rep->pace_parameter_id = pp.parameter_id;
		rc = tdv_chip_pace(c, &pp, o->can ? TDV_PACE_CAN : TDV_PACE_MRZ,
		    o->mrz, o->can);
		/* 9303-11 §4.2: a chip offering PACE must also accept BAC;
		 * fall back when PACE failed for another reason than a
		 * wrong password (e.g. MSE:Set AT refused). */
		if (rc == TDV_ECHIP_SW && o->mrz != NULL) {
			rep->pace_oid[0] = '\0';
			if (c->progress)
				c->progress(c->progress_arg, "BAC", 0, 0);
			rc = tdv_chip_select_applet(c);
			if (rc == TDV_OK)
				rc = tdv_chip_bac(c, o->mrz);
		}
	} else {
		if (o->mrz == NULL) {
			rc = TDV_EINVAL; /* BAC needs the MRZ */
			goto out;
		}
		rep->pace_oid[0] = '\0';
		if (c->progress)
			c->progress(c->progress_arg, "BAC", 0, 0);
		rc = tdv_chip_select_applet(c);
		if (rc == TDV_OK)
			rc = tdv_chip_bac(c, o->mrz);
	}
	if (rc != TDV_OK)
		goto out;
	rep->access = c->access;
	rep->max_read = tdv_chip_max_read(c);
	reads0 = c->reads;

	/* 2. EF.COM, EF.SOD, the data groups */
	if (c->progress)
		c->progress(c->progress_arg, "EF.COM", 0, 0);
	if ((rc = read_one(c, TDV_EF_COM, &b, out, rep)) != TDV_OK)
		goto out;
	tdv_lds_com com;
	if ((rc = tdv_lds_parse_com(b.data, b.len, &com)) != TDV_OK)
		goto out;
	if (c->progress)
		c->progress(c->progress_arg, "EF.SOD", 0, 0);
	rc = read_one(c, TDV_EF_SOD, &b, out, rep);
	if (rc == TDV_ENOENT || rc == TDV_EPERM)
		note_skip(rep, TDV_EF_SOD, rc);
	else if (rc != TDV_OK)
		goto out;
	for (int i = 0; i < com.ndgs; i++) {
		int dg = com.dgs[i];
		if (dg < 1 || dg > 16)
			continue;
		if (dg == 3 || dg == 4) {
			note_skip(rep, dg, TDV_EPERM); /* EAC only */
			continue;
		}
		if (c->progress)
			c->progress(c->progress_arg, tdv_lds_ef_name(dg), 0, 0);
		rc = read_one(c, dg, &b, out, rep);
		if (rc == TDV_ENOENT || rc == TDV_EPERM) {
			note_skip(rep, dg, rc);
			continue;
		}
		if (rc != TDV_OK)
			goto out;
	}
	rep->read_apdus = c->reads - reads0;
	rc = TDV_OK;

	/* 3. Active Authentication with DG15 */
	const uint8_t *d;
	size_t l;
	tdv_secinfos dg14;
	bool have14 = tdv_lds_get(out, TDV_EF_DG14, &d, &l) == TDV_OK &&
	    tdv_lds_parse_dg14(d, l, &dg14) == TDV_OK;
	if (!o->no_aa && tdv_lds_get(out, TDV_EF_DG15, &d, &l) == TDV_OK) {
		tdv_lds_dg15 k;
		if (c->progress)
			c->progress(c->progress_arg, "AA", 0, 0);
		if (tdv_lds_parse_dg15(d, l, &k) != TDV_OK) {
			rep->aa_rc = TDV_EPARSE;
		} else {
			const tdv_secinfo *ai = have14
			    ? tdv_secinfos_find(&dg14, TDV_SECINFO_AA) : NULL;
			rep->aa_rc = tdv_chip_active_auth(c, k.spki, k.spki_len,
			    ai ? tdv_aa_hash_nid(ai->sig_alg_oid) : 0);
		}
	}
	/* 4. Chip Authentication with DG14 */
	if (!o->no_ca && have14) {
		const tdv_secinfo *pk = tdv_secinfos_find(&dg14, TDV_SECINFO_CA_PUBKEY);
		const tdv_secinfo *ci = tdv_secinfos_find(&dg14, TDV_SECINFO_CA);
		if (pk != NULL && pk->key != NULL) {
			if (c->progress)
				c->progress(c->progress_arg, "CA", 0, 0);
			/* CA version 1 without ChipAuthenticationInfo: 3DES */
			tdv_chip_cipher ciph = ci && ci->cipher != TDV_CIPHER_NONE
			    ? ci->cipher : TDV_CIPHER_3DES;
			rep->ca_rc = tdv_chip_chip_auth(c, pk->key, pk->key_len, ciph,
			    pk->key_id);
		}
	}
out:
	rep->apdus = tdv_chip_transport_apdus(c->t) - apdus0;
	tdv_buf_free(&b);
	return rc;
}
