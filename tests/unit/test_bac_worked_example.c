/*
 * ICAO Doc 9303-11 (8th ed.) Appendix D, "Worked example: Basic Access
 * Control": every intermediate value of key derivation, mutual
 * authentication and secure messaging (SELECT EF.COM, READ BINARY), from
 * both the terminal's and the chip's side.
 */
#include <string.h>

#include "tdv/chip.h"
#include "tdv/error.h"
#include "tdv_test.h"
#include "test_chip_hex.h"

static const char *RND_IC = "4608F91988702212";
static const char *RND_IFD = "781723860C06C226";
static const char *K_IFD = "0B795240CB7049B01C19B33E32804F0B";
static const char *K_IC = "0B4F80323EB3191CB04970CB4052790B";

static void
test_bac_mrz_information_and_kseed(void)
{
	tdv_chip_mrz_key k;
	char info[48];
	uint8_t seed[16], kenc[16], kmac[16];
	CHECK_INT(tdv_chip_mrz_key_set(&k, "L898902C", "690806", "940623"), TDV_OK);
	CHECK_INT(tdv_chip_mrz_information(&k, info, sizeof(info)), TDV_OK);
	CHECK_STR(info, "L898902C<369080619406236");
	CHECK_INT(tdv_bac_keys(&k, seed, kenc, kmac), TDV_OK);
	CHECK(eqhex(seed, 16, "239AB9CB282DAF66231DC5A4DF6BFBAE"));
	CHECK(eqhex(kenc, 16, "AB94FDECF2674FDFB9B391F85D7F76F2"));
	CHECK(eqhex(kmac, 16, "7962D9ECE03D1ACD4C76089DCE131543"));
}

static void
test_bac_mrz_key_rejects_bad_characters(void)
{
	tdv_chip_mrz_key k;
	CHECK_INT(tdv_chip_mrz_key_set(&k, "L89#902C", "690806", "940623"), TDV_EINVAL);
	CHECK_INT(tdv_chip_mrz_key_set(&k, "L898902C", "69080A", "940623"), TDV_EINVAL);
	CHECK_INT(tdv_chip_mrz_key_set(&k, "L898902C", "690806", "9406"), TDV_EINVAL);
	CHECK_INT(tdv_chip_mrz_key_set(&k, "", "690806", "940623"), TDV_EINVAL);
	CHECK_INT(tdv_chip_mrz_key_set(&k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "690806",
	    "940623"), TDV_EINVAL);
	/* lower case is accepted and folded */
	CHECK_INT(tdv_chip_mrz_key_set(&k, "l898902c", "690806", "940623"), TDV_OK);
	CHECK_STR(k.document_number, "L898902C<");
}

static void
test_bac_mutual_authentication_terminal(void)
{
	uint8_t kenc[16], kmac[16], ric[8], rifd[8], kifd[16], cmd[40];
	uint8_t resp[40], ksenc[16], ksmac[16], ssc[8];
	unhex("AB94FDECF2674FDFB9B391F85D7F76F2", kenc, 16);
	unhex("7962D9ECE03D1ACD4C76089DCE131543", kmac, 16);
	unhex(RND_IC, ric, 8);
	unhex(RND_IFD, rifd, 8);
	unhex(K_IFD, kifd, 16);
	CHECK_INT(tdv_bac_host_command(kenc, kmac, ric, rifd, kifd, cmd), TDV_OK);
	/* E_IFD and M_IFD */
	CHECK(eqhex(cmd, 32, "72C29C2371CC9BDB65B779B8E8D37B29"
			     "ECC154AA56A8799FAE2F498F76ED92F2"));
	CHECK(eqhex(cmd + 32, 8, "5F1448EEA8AD90A7"));
	unhex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
	      "2F2D235D074D7449", resp, 40);
	CHECK_INT(tdv_bac_host_finish(kenc, kmac, ric, rifd, kifd, resp, 40, ksenc,
	    ksmac, ssc), TDV_OK);
	CHECK(eqhex(ksenc, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5"));
	CHECK(eqhex(ksmac, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8"));
	CHECK(eqhex(ssc, 8, "887022120C06C226"));
	/* a flipped bit in the card's MAC is an authentication failure */
	resp[39] ^= 1;
	CHECK_INT(tdv_bac_host_finish(kenc, kmac, ric, rifd, kifd, resp, 40, ksenc,
	    ksmac, ssc), TDV_ECHIP_AUTH);
	CHECK_INT(tdv_bac_host_finish(kenc, kmac, ric, rifd, kifd, resp, 39, ksenc,
	    ksmac, ssc), TDV_ECHIP_AUTH);
}

static void
test_bac_mutual_authentication_chip(void)
{
	uint8_t kenc[16], kmac[16], ric[8], kic[16], cmd[40], resp[40];
	uint8_t ksenc[16], ksmac[16], ssc[8];
	unhex("AB94FDECF2674FDFB9B391F85D7F76F2", kenc, 16);
	unhex("7962D9ECE03D1ACD4C76089DCE131543", kmac, 16);
	unhex(RND_IC, ric, 8);
	unhex(K_IC, kic, 16);
	unhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
	      "5F1448EEA8AD90A7", cmd, 40);
	CHECK_INT(tdv_bac_card_respond(kenc, kmac, ric, kic, cmd, 40, resp, ksenc,
	    ksmac, ssc), TDV_OK);
	CHECK(eqhex(resp, 40, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF"
			      "2EEDC94EE178534F2F2D235D074D7449"));
	CHECK(eqhex(ksenc, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5"));
	CHECK(eqhex(ksmac, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8"));
	CHECK(eqhex(ssc, 8, "887022120C06C226"));
	/* a wrong RND.IC (replayed command) is refused */
	ric[0] ^= 1;
	CHECK_INT(tdv_bac_card_respond(kenc, kmac, ric, kic, cmd, 40, resp, ksenc,
	    ksmac, ssc), TDV_ECHIP_AUTH);
}

struct step {
	const char *plain_cmd; /* unprotected command */
	const char *protected_cmd;
	const char *protected_resp;
	const char *plain_resp; /* data */
};

static const struct step steps[] = {
    {"00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
	"990290008E08FA855A5D4C50A8ED9000", ""},
    {"00B0000004", "0CB000000D9701048E08ED6705417E96BA5500",
	"8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F01"},
    {"00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500",
	"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B"
	"2787EAEA07D749000",
	"04303130365F36063034303030305C026175"},
};

static void
test_sm_3des_worked_example_both_sides(void)
{
	uint8_t ksenc[16], ksmac[16], ssc[8];
	unhex("979EC13B1CBFE9DCD01AB0FED307EAE5", ksenc, 16);
	unhex("F1CB1F1FB5ADF208806B89DC579DC1F8", ksmac, 16);
	unhex("887022120C06C226", ssc, 8);
	tdv_sm *host = NULL, *card = NULL;
	CHECK_INT(tdv_sm_new(&host, TDV_CIPHER_3DES, ksenc, ksmac, ssc), TDV_OK);
	CHECK_INT(tdv_sm_new(&card, TDV_CIPHER_3DES, ksenc, ksmac, ssc), TDV_OK);
	if (host == NULL || card == NULL)
		return;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint8_t raw[64], out[128], buf[128], resp[128];
		size_t rl = unhex(steps[i].plain_cmd, raw, sizeof(raw)), ol = 0;
		tdv_apdu a;
		CHECK_INT(tdv_apdu_parse_command(raw, rl, &a), TDV_OK);
		CHECK_INT(tdv_sm_wrap_command(host, &a, out, sizeof(out), &ol), TDV_OK);
		CHECK(eqhex(out, ol, steps[i].protected_cmd));
		/* the chip unwraps it back to the plain command */
		tdv_apdu in;
		CHECK_INT(tdv_sm_unwrap_command(card, out, ol, &in, buf, sizeof(buf)),
		    TDV_OK);
		CHECK_INT(in.ins, a.ins);
		CHECK_INT(in.p1, a.p1);
		CHECK_INT(in.p2, a.p2);
		CHECK_INT(in.lc, a.lc);
		CHECK_INT(in.le, a.le);
		CHECK(a.lc == 0 || memcmp(in.data, a.data, a.lc) == 0);
		/* the chip's protected answer is the worked example's */
		uint8_t pd[64];
		size_t pdl = unhex(steps[i].plain_resp, pd, sizeof(pd)), wl = 0;
		CHECK_INT(tdv_sm_wrap_response(card, pd, pdl, 0x9000, resp,
		    sizeof(resp), &wl), TDV_OK);
		CHECK(eqhex(resp, wl, steps[i].protected_resp));
		/* and the terminal unwraps it */
		uint8_t data[64];
		size_t dl = 0;
		uint16_t sw = 0;
		CHECK_INT(tdv_sm_unwrap_response(host, resp, wl, data, sizeof(data),
		    &dl, &sw), TDV_OK);
		CHECK_INT(sw, 0x9000);
		CHECK(eqhex(data, dl, steps[i].plain_resp));
	}
	size_t sl;
	const uint8_t *s = tdv_sm_ssc(host, &sl);
	CHECK(eqhex(s, sl, "887022120C06C22C"));
	tdv_sm_free(&host);
	tdv_sm_free(&card);
	CHECK(host == NULL);
}

static void
test_sm_rejects_tampered_response(void)
{
	uint8_t ksenc[16], ksmac[16], ssc[8], resp[64], data[64];
	unhex("979EC13B1CBFE9DCD01AB0FED307EAE5", ksenc, 16);
	unhex("F1CB1F1FB5ADF208806B89DC579DC1F8", ksmac, 16);
	unhex("887022120C06C229", ssc, 8); /* before the READ BINARY response */
	size_t rl = unhex(steps[1].protected_resp, resp, sizeof(resp)), dl;
	uint16_t sw;
	tdv_sm *sm = NULL;
	/* every single-bit flip in the DOs is caught */
	for (size_t i = 0; i + 2 < rl; i++) {
		for (int bit = 0; bit < 8; bit++) {
			tdv_sm_new(&sm, TDV_CIPHER_3DES, ksenc, ksmac, ssc);
			resp[i] ^= (uint8_t)(1 << bit);
			int rc = tdv_sm_unwrap_response(sm, resp, rl, data,
			    sizeof(data), &dl, &sw);
			CHECK(rc != TDV_OK);
			resp[i] ^= (uint8_t)(1 << bit);
			tdv_sm_free(&sm);
		}
	}
	/* the untampered one passes with the same SSC */
	tdv_sm_new(&sm, TDV_CIPHER_3DES, ksenc, ksmac, ssc);
	CHECK_INT(tdv_sm_unwrap_response(sm, resp, rl, data, sizeof(data), &dl,
	    &sw), TDV_OK);
	tdv_sm_free(&sm);
	/* a replay (same SSC used twice) fails */
	tdv_sm_new(&sm, TDV_CIPHER_3DES, ksenc, ksmac, ssc);
	tdv_sm_unwrap_response(sm, resp, rl, data, sizeof(data), &dl, &sw);
	CHECK_INT(tdv_sm_unwrap_response(sm, resp, rl, data, sizeof(data), &dl,
	    &sw), TDV_ECHIP_SM);
	/* a plain 9000 without MAC is refused, a plain error SW passes on */
	uint8_t ok[2] = {0x90, 0x00}, err[2] = {0x69, 0x88};
	CHECK_INT(tdv_sm_unwrap_response(sm, ok, 2, data, sizeof(data), &dl, &sw),
	    TDV_ECHIP_SM);
	CHECK_INT(tdv_sm_unwrap_response(sm, err, 2, data, sizeof(data), &dl, &sw),
	    TDV_OK);
	CHECK_INT(sw, 0x6988);
	tdv_sm_free(&sm);
}

int
main(void)
{
	RUN(test_bac_mrz_information_and_kseed);
	RUN(test_bac_mrz_key_rejects_bad_characters);
	RUN(test_bac_mutual_authentication_terminal);
	RUN(test_bac_mutual_authentication_chip);
	RUN(test_sm_3des_worked_example_both_sides);
	RUN(test_sm_rejects_tampered_response);
	TEST_EXIT();
}
