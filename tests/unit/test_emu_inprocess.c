/*
 * The host side (tdv/chip.h) against the virtual ePassport (tdv/emu.h)
 * through the in-process transport: BAC and PACE (MRZ and CAN), every
 * file read back byte for byte, the access rules of a real chip, AA
 * (ECDSA, RSA ISO 9796-2) and CA, and the clone that must fail both.
 */
#include <stdio.h>
#include <string.h>

#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"
#include "tdv_test.h"
#include "test_emu_lds.h"

static int
same_file(const tdv_lds *a, const tdv_lds *b, int ef)
{
	const uint8_t *x, *y;
	size_t xl, yl;
	if (tdv_lds_get(a, ef, &x, &xl) != TDV_OK ||
	    tdv_lds_get(b, ef, &y, &yl) != TDV_OK)
		return 0;
	return xl == yl && memcmp(x, y, xl) == 0;
}

/* Read the passport with the given options; returns the rc. */
static int
read_with(struct t_passport *p, const tdv_emu_options *eo,
    const tdv_chip_read_options *ro, tdv_chip_report *rep, tdv_lds **got)
{
	tdv_emu *e = NULL;
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	int rc = t_emu(p, eo, &e);
	CHECK_INT(rc, TDV_OK);
	if (rc != TDV_OK)
		return rc;
	CHECK_INT(tdv_emu_transport(e, &t), TDV_OK);
	CHECK_INT(tdv_chip_new(&c, t), TDV_OK);
	*got = tdv_lds_new();
	rc = tdv_chip_read_document(c, ro, *got, rep);
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	tdv_emu_free(&e);
	CHECK(e == NULL && t == NULL && c == NULL);
	return rc;
}

static void
test_emu_bac_reads_every_file(void)
{
	struct t_passport p;
	t_passport_make(&p, "EC", true, 20000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.pace = false;
	tdv_chip_read_options ro = {.mrz = &p.mrz};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.access, TDV_CHIP_ACCESS_BAC);
	CHECK(same_file(p.lds, got, TDV_EF_COM));
	CHECK(same_file(p.lds, got, TDV_EF_SOD));
	CHECK(same_file(p.lds, got, TDV_EF_DG1));
	CHECK(same_file(p.lds, got, TDV_EF_DG2));
	CHECK(same_file(p.lds, got, TDV_EF_DG14));
	CHECK(same_file(p.lds, got, TDV_EF_DG15));
	CHECK(!tdv_lds_has(got, TDV_EF_CARDACCESS));
	CHECK_INT(rep.aa_rc, TDV_OK);
	CHECK_INT(rep.ca_rc, TDV_OK);
	/* extended length: one READ BINARY per file */
	CHECK_INT(rep.read_apdus, 6);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

static void
test_emu_pace_mrz_and_can(void)
{
	struct t_passport p;
	t_passport_make(&p, "RSA", true, 3000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	tdv_chip_read_options ro = {.mrz = &p.mrz};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.access, TDV_CHIP_ACCESS_PACE);
	CHECK_STR(rep.pace_oid, "0.4.0.127.0.7.2.2.4.2.2");
	CHECK_INT(rep.pace_parameter_id, 13);
	CHECK(same_file(p.lds, got, TDV_EF_DG2));
	CHECK(same_file(p.lds, got, TDV_EF_CARDACCESS));
	CHECK_INT(rep.aa_rc, TDV_OK); /* RSA-2048, ISO 9796-2 */
	CHECK_INT(rep.ca_rc, TDV_OK);
	tdv_lds_free(&got);
	/* CAN */
	tdv_chip_read_options rc2 = {.can = "123456"};
	CHECK_INT(read_with(&p, &eo, &rc2, &rep, &got), TDV_OK);
	CHECK_INT(rep.access, TDV_CHIP_ACCESS_PACE);
	CHECK(same_file(p.lds, got, TDV_EF_DG1));
	tdv_lds_free(&got);
	/* wrong CAN: authentication fails, nothing read */
	tdv_chip_read_options bad = {.can = "654321"};
	CHECK_INT(read_with(&p, &eo, &bad, &rep, &got), TDV_ECHIP_AUTH);
	CHECK(!tdv_lds_has(got, TDV_EF_DG1));
	tdv_lds_free(&got);
	/* wrong MRZ under BAC */
	tdv_chip_mrz_key wrong;
	tdv_chip_mrz_key_set(&wrong, "L898902C", "740812", "120416");
	tdv_chip_read_options bm = {.mrz = &wrong, .no_pace = true};
	CHECK_INT(read_with(&p, &eo, &bm, &rep, &got), TDV_ECHIP_AUTH);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

static void
test_emu_pace_only_refuses_bac(void)
{
	struct t_passport p;
	t_passport_make(&p, NULL, false, 500);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.bac = false;
	tdv_chip_read_options ro = {.mrz = &p.mrz, .no_pace = true};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_ECHIP_SW);
	tdv_lds_free(&got);
	ro.no_pace = false;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.aa_rc, TDV_ENOENT);
	CHECK_INT(rep.ca_rc, TDV_ENOENT);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

static void
test_emu_clone_fails_aa_and_ca(void)
{
	struct t_passport p;
	t_passport_make(&p, "EC", true, 1000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.clone = true;
	tdv_chip_read_options ro = {.mrz = &p.mrz};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	/* the data is all there... */
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK(same_file(p.lds, got, TDV_EF_DG1));
	CHECK(same_file(p.lds, got, TDV_EF_DG15));
	/* ...but it cannot prove it holds the keys */
	CHECK_INT(rep.aa_rc, TDV_ECHIP_AUTH);
	CHECK_INT(rep.ca_rc, TDV_ECHIP_AUTH);
	tdv_lds_free(&got);
	/* RSA AA clone too */
	t_passport_free(&p);
	t_passport_make(&p, "RSA", false, 1000);
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.aa_rc, TDV_ECHIP_AUTH);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

static void
test_emu_short_apdus_read_strategy(void)
{
	/* Without extended length every file costs ceil(size / chunk)
	 * READ BINARY commands: the minimum. */
	struct t_passport p;
	t_passport_make(&p, NULL, false, 20000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.extended = false;
	eo.pace = false;
	tdv_chip_read_options ro = {.mrz = &p.mrz};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK(same_file(p.lds, got, TDV_EF_DG2));
	CHECK_INT(rep.max_read, 231); /* 3DES SM in a short response */
	unsigned long min = 0;
	for (int i = 0; i < rep.nfiles; i++) {
		const uint8_t *d;
		size_t l;
		tdv_lds_get(got, rep.files[i], &d, &l);
		min += (unsigned long)((l + rep.max_read - 1) / rep.max_read);
	}
	CHECK_INT(rep.read_apdus, min);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

/* Raw exchanges with the emulator for the access rules. */
static uint16_t
raw(tdv_emu *e, const char *hex, uint8_t *out, size_t *outl)
{
	uint8_t cmd[300], resp[70000];
	size_t n = 0, rl = 0;
	for (const char *s = hex; s[0] && s[1]; s += 2) {
		unsigned v;
		v = (unsigned)((s[0] <= '9' ? s[0] - '0' : s[0] - 'A' + 10) * 16 +
		    (s[1] <= '9' ? s[1] - '0' : s[1] - 'A' + 10));
		cmd[n++] = (uint8_t)v;
	}
	CHECK_INT(tdv_emu_process(e, cmd, n, resp, sizeof(resp), &rl), TDV_OK);
	if (out != NULL) {
		memcpy(out, resp, rl - 2);
		*outl = rl - 2;
	}
	return (uint16_t)((resp[rl - 2] << 8) | resp[rl - 1]);
}

static void
test_emu_access_rules(void)
{
	struct t_passport p;
	t_passport_make(&p, "EC", true, 1000);
	tdv_emu *e = NULL;
	CHECK_INT(t_emu(&p, NULL, &e), TDV_OK);
	uint8_t buf[70000];
	size_t bl = 0;
	/* EF.CardAccess is public */
	CHECK_INT(raw(e, "00B09C0000", buf, &bl), 0x6282); /* EOF before Le */
	CHECK_INT(bl, sizeof(t_card_access));
	/* nothing in the application before BAC/PACE */
	CHECK_INT(raw(e, "00A4040C07A0000002471001", NULL, NULL), 0x9000);
	CHECK_INT(raw(e, "00B0810004", NULL, NULL), 0x6982);
	CHECK_INT(raw(e, "00A4020C020101", NULL, NULL), 0x6982);
	CHECK_INT(raw(e, "00B09E0004", NULL, NULL), 0x6982);
	/* INTERNAL AUTHENTICATE needs access too */
	CHECK_INT(raw(e, "00880000080102030405060708", NULL, NULL), 0x6982);
	/* MUTUAL AUTHENTICATE without a challenge */
	CHECK_INT(raw(e, "0082000028" "00000000000000000000000000000000000000000"
			 "000000000000000000000000000000000000000" "28", NULL, NULL),
	    0x6985);
	/* a protected command without a session */
	CHECK_INT(raw(e, "0CB0000004", NULL, NULL), 0x6988);
	/* unknown instruction, bad class */
	CHECK_INT(raw(e, "00CA000000", NULL, NULL), 0x6D00);
	CHECK_INT(raw(e, "80B0000004", NULL, NULL), 0x6E00);
	/* garbage that is not an APDU */
	CHECK_INT(raw(e, "00B0", NULL, NULL), 0x6700);
	tdv_emu_free(&e);
	t_passport_free(&p);
}

static void
test_emu_sm_error_ends_session(void)
{
	struct t_passport p;
	t_passport_make(&p, NULL, false, 1000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.pace = false;
	tdv_emu *e = NULL;
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	t_emu(&p, &eo, &e);
	tdv_emu_transport(e, &t);
	tdv_chip_new(&c, t);
	CHECK_INT(tdv_chip_select_applet(c), TDV_OK);
	CHECK_INT(tdv_chip_bac(c, &p.mrz), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	CHECK_INT(tdv_chip_read_ef(c, 1, &b), TDV_OK);
	/* DG3 is EAC-protected: refused even after BAC */
	CHECK_INT(tdv_chip_read_ef(c, 3, &b), TDV_EPERM);
	/* DG5 is not on this chip */
	CHECK_INT(tdv_chip_read_ef(c, 5, &b), TDV_ENOENT);
	/* a plain command in the middle of SM: the chip ends the session */
	uint8_t rsp[64];
	size_t rl = 0;
	uint8_t plain[] = {0x00, 0xB0, 0x81, 0x00, 0x04};
	CHECK_INT(tdv_chip_transmit(t, plain, sizeof(plain), rsp, sizeof(rsp), &rl),
	    TDV_OK);
	CHECK_INT((rsp[0] << 8) | rsp[1], 0x6987);
	/* and our next protected command is refused: SM is gone */
	int rc = tdv_chip_read_ef(c, 1, &b);
	CHECK(rc == TDV_ECHIP_SM || rc == TDV_EPERM);
	tdv_buf_free(&b);
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	tdv_emu_free(&e);
	t_passport_free(&p);
}

static void
test_emu_pace_variants_and_ca_ciphers(void)
{
	/* PACE Generic Mapping with other ciphers and domain parameters, and
	 * Chip Authentication with 3DES (MSE:Set KAT) and AES-256, each
	 * followed by secure messaging under the new keys. */
	static const struct {
		uint8_t mapping, cipher, param, ca;
	} v[] = {
	    {2, 1, 12, 1},  /* ECDH-GM-3DES, NIST P-256; CA 3DES */
	    {2, 3, 16, 3},  /* ECDH-GM-AES-192, brainpoolP384r1; CA AES-192 */
	    {2, 4, 15, 4},  /* ECDH-GM-AES-256, NIST P-384; CA AES-256 */
	    {1, 2, 0, 2},   /* DH-GM-AES-128, 1024/160 */
	    {1, 4, 2, 1},   /* DH-GM-AES-256, 2048/256; CA 3DES */
	    {4, 2, 13, 2},  /* ECDH-IM-AES-128, brainpoolP256r1 */
	    {4, 2, 12, 2},  /* ECDH-IM-AES-128, NIST P-256 */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct t_passport p;
		t_ca_cipher = v[i].ca;
		t_passport_make(&p, "EC", true, 5000);
		t_card_access_set(p.lds, v[i].mapping, v[i].cipher, v[i].param);
		tdv_emu_options eo;
		tdv_emu_options_default(&eo);
		tdv_chip_read_options ro = {.mrz = &p.mrz};
		tdv_chip_report rep;
		tdv_lds *got = NULL;
		CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
		CHECK_INT(rep.access, TDV_CHIP_ACCESS_PACE);
		CHECK_INT(rep.pace_parameter_id, v[i].param);
		CHECK_INT(rep.pace_oid[20], '0' + v[i].mapping);
		CHECK(same_file(p.lds, got, TDV_EF_DG2));
		CHECK_INT(rep.aa_rc, TDV_OK);
		CHECK_INT(rep.ca_rc, TDV_OK);
		tdv_lds_free(&got);
		/* and the clone fails CA with this cipher too */
		eo.clone = true;
		CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
		CHECK_INT(rep.ca_rc, TDV_ECHIP_AUTH);
		tdv_lds_free(&got);
		t_passport_free(&p);
	}
	t_ca_cipher = 2;
	/* Chip Authentication with a DH static key (id-CA-DH-AES-CBC-CMAC-128) */
	struct t_passport p;
	t_ca_dh = true;
	t_passport_make(&p, NULL, true, 1000);
	t_ca_dh = false;
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	tdv_chip_read_options ro = {.mrz = &p.mrz};
	tdv_chip_report rep;
	tdv_lds *got = NULL;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.ca_rc, TDV_OK);
	tdv_lds_free(&got);
	eo.clone = true;
	CHECK_INT(read_with(&p, &eo, &ro, &rep, &got), TDV_OK);
	CHECK_INT(rep.ca_rc, TDV_ECHIP_AUTH);
	tdv_lds_free(&got);
	t_passport_free(&p);
}

int
main(void)
{
	RUN(test_emu_bac_reads_every_file);
	RUN(test_emu_pace_mrz_and_can);
	RUN(test_emu_pace_only_refuses_bac);
	RUN(test_emu_clone_fails_aa_and_ca);
	RUN(test_emu_short_apdus_read_strategy);
	RUN(test_emu_access_rules);
	RUN(test_emu_sm_error_ends_session);
	RUN(test_emu_pace_variants_and_ca_ciphers);
	TEST_EXIT();
}
