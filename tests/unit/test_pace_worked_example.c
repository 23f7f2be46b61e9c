/*
 * ICAO Doc 9303-11 Appendix G worked examples for PACE Generic Mapping:
 * G.1 ECDH on brainpoolP256r1 (id-PACE-ECDH-GM-AES-CBC-CMAC-128) and
 * G.2 DH on the 1024-bit MODP group with 160-bit subgroup
 * (id-PACE-DH-GM-AES-CBC-CMAC-128). MRZ: T22000129, 640812, 101031.
 * Every intermediate value is checked (the terminal's side: the example
 * gives the terminal's private keys and the chip's public values).
 */
#include <string.h>

#include "tdv/chip.h"
#include "tdv/error.h"
#include "tdv_test.h"
#include "test_chip_hex.h"

static const char *K_MRZ = "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD";

struct vec {
	const char *oid;
	int param;
	const char *enc_nonce, *nonce;
	const char *map_t_priv, *map_t_pub, *map_c_pub, *mapped;
	const char *agr_t_priv, *agr_t_pub, *agr_c_pub, *shared;
	const char *ks_enc, *ks_mac, *t_ifd, *t_ic;
};

static const struct vec g1 = {
    "04007F00070202040202", 13,
    "95A3A016522EE98D01E76CB6B98B42C3", "3F00C4D39D153F2B2A214A078D899B22",
    "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
    "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
    "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D",
    "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
    "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54",
    "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"
    "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522",
    "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
    "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462",
    "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
    "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094",
    "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925",
    "F5F0E35C0D7161EE6724EE513A0D9A7F", "FE251C7858B356B24514B3BD5F4297D1",
    "C2B0BD78D94BA866", "3ABB9674BCE93C08"};

static const struct vec g2 = {
    "04007F00070202040102", 0,
    "854D8DF5827FA6852D1A4FA701CDDDCA", "FA5B7E3E49753A0DB9178B7B9BD898C8",
    "5265030F751F4AD18B08AC565FC7AC952E41618D",
    "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3E"
    "B71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A4"
    "4D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D"
    "CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C",
    "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E6"
    "23EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882"
    "A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24"
    "49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6",
    "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A123702496"
    "84D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301"
    "BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84"
    "EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5",
    "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA",
    "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD91155"
    "1B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08F"
    "A8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236"
    "B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4",
    "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152B"
    "D8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC"
    "71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064"
    "386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1",
    "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E3"
    "8B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5"
    "990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E"
    "465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD",
    "2F7F46ADCC9E7E521B45D192FAFA9126", "805A1D27D45A5116F73C54469462B7D8",
    "B46DD9BD4D98381F", "917F37B5C0E6D8D1"};

static void
test_pace_mrz_password_and_kpi(void)
{
	tdv_chip_mrz_key k;
	uint8_t key[32], kpi[16];
	size_t kl = 0;
	CHECK_INT(tdv_chip_mrz_key_set(&k, "T22000129", "640812", "101031"), TDV_OK);
	CHECK_INT(tdv_pace_password_key(TDV_PACE_MRZ, &k, NULL, key, &kl), TDV_OK);
	CHECK(eqhex(key, kl, K_MRZ));
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_AES128, key, kl, 3, kpi), TDV_OK);
	CHECK(eqhex(kpi, 16, "89DED1B26624EC1E634C1989302849DD"));
	/* CAN: the ASCII digits */
	CHECK_INT(tdv_pace_password_key(TDV_PACE_CAN, NULL, "123456", key, &kl),
	    TDV_OK);
	CHECK(eqhex(key, kl, "313233343536"));
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_AES128, key, kl, 3, kpi), TDV_OK);
	CHECK(eqhex(kpi, 16, "591468CDA83D65219CCCB8560233600F"));
	CHECK_INT(tdv_pace_password_key(TDV_PACE_CAN, NULL, "12a456", key, &kl),
	    TDV_EINVAL);
}

static void
test_pace_kdf_lengths_and_parity(void)
{
	uint8_t k[20], out[32];
	unhex(K_MRZ, k, sizeof(k));
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_3DES, k, 20, 3, out), TDV_OK);
	CHECK(eqhex(out, 16, "89DFD0B36725EC1F624C1989312949DC"));
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_AES192, k, 20, 1, out), TDV_OK);
	CHECK(eqhex(out, 24, "11504483F04A10A66A8FCD6D348C75A961809C54EDAA2117"));
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_AES256, k, 20, 3, out), TDV_OK);
	CHECK(eqhex(out, 32, "D79A23C126202AC9051FEBFBC0E8A03B1C6645D85752B4B7"
			     "1408FA229AB6D56B"));
}

static void
run_vector(const struct vec *v, bool terminal)
{
	uint8_t oid[10], key[20], z[16], s[16], b1[512], b2[512];
	tdv_pace_proto p;
	size_t n;
	unhex(v->oid, oid, sizeof(oid));
	unhex(K_MRZ, key, sizeof(key));
	CHECK_INT(tdv_pace_proto_from_oid(oid, 10, v->param, &p), TDV_OK);
	CHECK_INT(p.cipher, TDV_CIPHER_AES128);
	/* nonce: decrypt z (terminal), encrypt s (chip) */
	unhex(v->enc_nonce, z, 16);
	unhex(v->nonce, s, 16);
	uint8_t t[16];
	CHECK_INT(tdv_pace_nonce_crypt(&p, key, 20, false, z, 16, t), TDV_OK);
	CHECK(eqhex(t, 16, v->nonce));
	CHECK_INT(tdv_pace_nonce_crypt(&p, key, 20, true, s, 16, t), TDV_OK);
	CHECK(eqhex(t, 16, v->enc_nonce));

	tdv_pace_ctx *c = NULL;
	CHECK_INT(tdv_pace_ctx_new(&c, &p), TDV_OK);
	if (c == NULL)
		return;
	tdv_buf pub, gm, shared;
	tdv_buf_init(&pub, 1024);
	tdv_buf_init(&gm, 1024);
	tdv_buf_init(&shared, 1024);
	uint8_t ksenc[16], ksmac[16], tok[8];
	if (terminal) {
		n = unhex(v->map_t_priv, b1, sizeof(b1));
		CHECK_INT(tdv_pace_map_keypair(c, b1, n, &pub), TDV_OK);
		CHECK(eqhex(pub.data, pub.len, v->map_t_pub));
		n = unhex(v->map_c_pub, b2, sizeof(b2));
		CHECK_INT(tdv_pace_map(c, s, 16, b2, n), TDV_OK);
		CHECK_INT(tdv_pace_mapped_generator(c, &gm), TDV_OK);
		CHECK(eqhex(gm.data, gm.len, v->mapped));
		n = unhex(v->agr_t_priv, b1, sizeof(b1));
		CHECK_INT(tdv_pace_eph_keypair(c, b1, n, &pub), TDV_OK);
		CHECK(eqhex(pub.data, pub.len, v->agr_t_pub));
		n = unhex(v->agr_c_pub, b2, sizeof(b2));
		CHECK_INT(tdv_pace_agree(c, b2, n, &shared, ksenc, ksmac), TDV_OK);
	} else {
		/* second pass over the same values, checking on the way
		 * that the terminal's own ephemeral key is refused as the
		 * peer's (the example publishes no chip private keys, so
		 * the chip side is exercised in test_emu_inprocess) */
		n = unhex(v->map_t_priv, b1, sizeof(b1));
		CHECK_INT(tdv_pace_map_keypair(c, b1, n, &pub), TDV_OK);
		n = unhex(v->map_c_pub, b2, sizeof(b2));
		CHECK_INT(tdv_pace_map(c, s, 16, b2, n), TDV_OK);
		n = unhex(v->agr_t_priv, b1, sizeof(b1));
		CHECK_INT(tdv_pace_eph_keypair(c, b1, n, &pub), TDV_OK);
		/* the terminal's own key as peer is refused (§4.4.3.4) */
		CHECK_INT(tdv_pace_agree(c, pub.data, pub.len, &shared, ksenc,
		    ksmac), TDV_ECHIP_AUTH);
		n = unhex(v->agr_c_pub, b2, sizeof(b2));
		CHECK_INT(tdv_pace_agree(c, b2, n, &shared, ksenc, ksmac), TDV_OK);
	}
	CHECK(eqhex(shared.data, shared.len, v->shared));
	CHECK(eqhex(ksenc, 16, v->ks_enc));
	CHECK(eqhex(ksmac, 16, v->ks_mac));
	/* T_IFD over the chip's key, T_IC over the terminal's */
	n = unhex(v->agr_c_pub, b2, sizeof(b2));
	CHECK_INT(tdv_pace_token(&p, ksmac, b2, n, tok), TDV_OK);
	CHECK(eqhex(tok, 8, v->t_ifd));
	n = unhex(v->agr_t_pub, b2, sizeof(b2));
	CHECK_INT(tdv_pace_token(&p, ksmac, b2, n, tok), TDV_OK);
	CHECK(eqhex(tok, 8, v->t_ic));
	tdv_buf_free(&pub);
	tdv_buf_free(&gm);
	tdv_buf_free(&shared);
	tdv_pace_ctx_free(&c);
	CHECK(c == NULL);
}

static void
test_pace_ecdh_gm_brainpoolp256r1_g1(void)
{
	run_vector(&g1, true);
	run_vector(&g1, false);
}

static void
test_pace_dh_gm_1024_g2(void)
{
	run_vector(&g2, true);
	run_vector(&g2, false);
}

static void
test_pace_rejects_bad_peer_keys(void)
{
	uint8_t oid[10], b[512];
	tdv_pace_proto p;
	tdv_pace_ctx *c = NULL;
	tdv_buf pub;
	tdv_buf_init(&pub, 1024);
	uint8_t s[16] = {1};
	unhex(g1.oid, oid, 10);
	tdv_pace_proto_from_oid(oid, 10, 13, &p);
	tdv_pace_ctx_new(&c, &p);
	tdv_pace_map_keypair(c, NULL, 0, &pub);
	size_t n = unhex(g1.map_c_pub, b, sizeof(b));
	b[n - 1] ^= 1; /* off the curve */
	CHECK_INT(tdv_pace_map(c, s, 16, b, n), TDV_ECHIP_AUTH);
	CHECK_INT(tdv_pace_map(c, s, 16, b, 2), TDV_ECHIP_AUTH);
	b[0] = 0x02; /* compressed points are not what 9303 sends */
	CHECK_INT(tdv_pace_map(c, s, 16, b, n), TDV_ECHIP_AUTH);
	tdv_pace_ctx_free(&c);

	unhex(g2.oid, oid, 10);
	CHECK_INT(tdv_pace_proto_from_oid(oid, 10, 0, &p), TDV_OK);
	tdv_pace_ctx_new(&c, &p);
	tdv_pace_map_keypair(c, NULL, 0, &pub);
	memset(b, 0, 128);
	b[127] = 1; /* y = 1 */
	CHECK_INT(tdv_pace_map(c, s, 16, b, 128), TDV_ECHIP_AUTH);
	b[127] = 2; /* not in the order-q subgroup */
	CHECK_INT(tdv_pace_map(c, s, 16, b, 128), TDV_ECHIP_AUTH);
	memset(b, 0xFF, 129); /* longer than p */
	CHECK_INT(tdv_pace_map(c, s, 16, b, 129), TDV_ECHIP_AUTH);
	tdv_pace_ctx_free(&c);
	tdv_buf_free(&pub);
	/* chip authentication mapping, DH-IM, IM other than AES-128 and
	 * unknown parameters are refused plainly */
	uint8_t cam[10] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x06, 0x02};
	CHECK_INT(tdv_pace_proto_from_oid(cam, 10, 13, &p), TDV_EUNSUPPORTED);
	cam[8] = 0x03;
	CHECK_INT(tdv_pace_proto_from_oid(cam, 10, 0, &p), TDV_EUNSUPPORTED);
	cam[8] = 0x04;
	cam[9] = 0x04;
	CHECK_INT(tdv_pace_proto_from_oid(cam, 10, 13, &p), TDV_EUNSUPPORTED);
	unhex(g1.oid, oid, 10);
	CHECK_INT(tdv_pace_proto_from_oid(oid, 10, 7, &p), TDV_EUNSUPPORTED);
}

static void
test_pace_random_run_all_curves_and_ciphers(void)
{
	/* Both sides with random keys agree for every supported parameter
	 * set and cipher. */
	static const int params[] = {0, 2, 8, 10, 12, 13, 15, 16, 17, 18};
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		for (uint8_t cph = 1; cph <= 4; cph++) {
			if (params[i] > 2 && params[i] != 13 && cph != 2)
				continue; /* keep the run short */
			uint8_t oid[10] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02,
			    0x04, params[i] <= 2 ? 1 : 2, cph};
			tdv_pace_proto p;
			CHECK_INT(tdv_pace_proto_from_oid(oid, 10, params[i], &p),
			    TDV_OK);
			tdv_pace_ctx *a = NULL, *b = NULL;
			tdv_buf pa, pb, sa, sb;
			tdv_buf_init(&pa, 1024);
			tdv_buf_init(&pb, 1024);
			tdv_buf_init(&sa, 1024);
			tdv_buf_init(&sb, 1024);
			uint8_t s[16] = {9, 8, 7}, ea[32], ma[32], eb[32], mb[32];
			CHECK_INT(tdv_pace_ctx_new(&a, &p), TDV_OK);
			CHECK_INT(tdv_pace_ctx_new(&b, &p), TDV_OK);
			CHECK_INT(tdv_pace_map_keypair(a, NULL, 0, &pa), TDV_OK);
			CHECK_INT(tdv_pace_map_keypair(b, NULL, 0, &pb), TDV_OK);
			CHECK_INT(tdv_pace_map(a, s, 16, pb.data, pb.len), TDV_OK);
			CHECK_INT(tdv_pace_map(b, s, 16, pa.data, pa.len), TDV_OK);
			CHECK_INT(tdv_pace_eph_keypair(a, NULL, 0, &pa), TDV_OK);
			CHECK_INT(tdv_pace_eph_keypair(b, NULL, 0, &pb), TDV_OK);
			CHECK_INT(tdv_pace_agree(a, pb.data, pb.len, &sa, ea, ma), TDV_OK);
			CHECK_INT(tdv_pace_agree(b, pa.data, pa.len, &sb, eb, mb), TDV_OK);
			CHECK(sa.len == sb.len && memcmp(sa.data, sb.data, sa.len) == 0);
			size_t kl = tdv_chip_cipher_keylen(p.cipher);
			CHECK(memcmp(ea, eb, kl) == 0 && memcmp(ma, mb, kl) == 0);
			tdv_pace_ctx_free(&a);
			tdv_pace_ctx_free(&b);
			tdv_buf_free(&pa);
			tdv_buf_free(&pb);
			tdv_buf_free(&sa);
			tdv_buf_free(&sb);
		}
	}
}

/* 9303-11 worked example "PACE - Integrated Mapping", ECDH on
 * brainpoolP256r1, id-PACE-ECDH-IM-AES-CBC-CMAC-128, CAN 123456. */
static void
test_pace_ecdh_im_worked_example(void)
{
	uint8_t oid[10], key[20], z[16], s[16], t[16], b[128], tok[8];
	uint8_t ksenc[16], ksmac[16];
	size_t kl = 0, n;
	tdv_pace_proto p;
	unhex("04007F00070202040402", oid, 10);
	CHECK_INT(tdv_pace_proto_from_oid(oid, 10, 13, &p), TDV_OK);
	CHECK(p.integrated && p.ecdh);
	CHECK_INT(tdv_pace_password_key(TDV_PACE_CAN, NULL, "123456", key, &kl),
	    TDV_OK);
	unhex("143DC40C08C8E891FBED7DEDB92B64AD", z, 16);
	CHECK_INT(tdv_pace_nonce_crypt(&p, key, kl, false, z, 16, s), TDV_OK);
	CHECK(eqhex(s, 16, "2923BE84E16CD6AE529049F1F1BBE9EB"));
	unhex("5DD4CBFC96F5453B130D890A1CDBAE32", t, 16);
	tdv_pace_ctx *c = NULL;
	CHECK_INT(tdv_pace_ctx_new(&c, &p), TDV_OK);
	if (c == NULL)
		return;
	tdv_buf gm, pub, shared;
	tdv_buf_init(&gm, 1024);
	tdv_buf_init(&pub, 1024);
	tdv_buf_init(&shared, 1024);
	CHECK_INT(tdv_pace_map_integrated(c, s, 16, t, 16), TDV_OK);
	CHECK_INT(tdv_pace_mapped_generator(c, &gm), TDV_OK);
	CHECK(eqhex(gm.data, gm.len,
	    "048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D427"
	    "4C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD"));
	n = unhex("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
	    b, sizeof(b));
	CHECK_INT(tdv_pace_eph_keypair(c, b, n, &pub), TDV_OK);
	CHECK(eqhex(pub.data, pub.len,
	    "0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D4"
	    "6755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37"));
	const char *chip =
	    "0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8"
	    "932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753";
	n = unhex(chip, b, sizeof(b));
	CHECK_INT(tdv_pace_agree(c, b, n, &shared, ksenc, ksmac), TDV_OK);
	CHECK(eqhex(shared.data, shared.len,
	    "4F150FDE1D4F0E38E95017B891BAE17133A0DF45B0D3E18B60BA7BEAFDC2C713"));
	CHECK(eqhex(ksenc, 16, "0D3FEB33251A6370893D62AE8DAAF51B"));
	CHECK(eqhex(ksmac, 16, "B01E89E3D9E8719E586B50B4A7506E0B"));
	CHECK_INT(tdv_pace_token(&p, ksmac, b, n, tok), TDV_OK);
	CHECK(eqhex(tok, 8, "450F02B86F6A0909"));
	CHECK_INT(tdv_pace_token(&p, ksmac, pub.data, pub.len, tok), TDV_OK);
	CHECK(eqhex(tok, 8, "75D4D96E8D5B0308"));
	/* wrong nonce lengths are refused */
	CHECK_INT(tdv_pace_map_integrated(c, s, 8, t, 16), TDV_ECHIP_AUTH);
	tdv_buf_free(&gm);
	tdv_buf_free(&pub);
	tdv_buf_free(&shared);
	tdv_pace_ctx_free(&c);
}

int
main(void)
{
	RUN(test_pace_mrz_password_and_kpi);
	RUN(test_pace_kdf_lengths_and_parity);
	RUN(test_pace_ecdh_gm_brainpoolp256r1_g1);
	RUN(test_pace_dh_gm_1024_g2);
	RUN(test_pace_rejects_bad_peer_keys);
	RUN(test_pace_random_run_all_curves_and_ciphers);
	RUN(test_pace_ecdh_im_worked_example);
	TEST_EXIT();
}
