/*
 * bench/chip: read and verify a personalised passport with a ~20 KB DG2
 * through the in-process transport to the virtual chip.
 *
 * Prints, per document: host CPU time (the reader's side only: the
 * emulator's CPU time is measured around every card call and taken out),
 * the card's CPU time, APDUs in total, READ BINARY commands against the
 * minimum for those file sizes at the card's maximum response length,
 * and Passive Authentication time. Targets: host <= 10 ms per document,
 * READ BINARY <= 1.1x the minimum.
 *
 * usage: bench_chip ITERATIONS WORKDIR (an empty directory for the PKI)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"
#include "tdv/pa.h"
#include "tdv/pki.h"

static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timed_card {
	tdv_emu *e;
	double card_cpu;
};

static int
timed(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	struct timed_card *t = ctx;
	double t0 = cpu_now();
	int rc = tdv_emu_process(t->e, c, cl, r, rcap, rl);
	t->card_cpu += cpu_now() - t0;
	return rc;
}

static int
run(const tdv_issued *doc, tdv_trust *trust, bool extended, bool bac, int iters)
{
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.extended = extended;
	eo.pace = !bac;
	tdv_chip_mrz_key key;
	tdv_mrz m;
	tdv_date today = {2026, 1, 1};
	tdv_mrz_parse_text(doc->printed_mrz, strlen(doc->printed_mrz), &today, &m);
	tdv_chip_mrz_key_from_mrz(&key, &m);
	struct timed_card tc = {0};
	if (tdv_emu_new(&tc.e, doc->lds, &key, doc->aa_key_pem.data,
		doc->aa_key_pem.len, doc->ca_key_pem.data, doc->ca_key_pem.len,
		&eo) != TDV_OK)
		return 1;
	double host = 0, pa_cpu = 0;
	tdv_chip_report rep;
	unsigned long minimum = 0;
	size_t dg2 = 0;
	int fails = 0;
	for (int i = 0; i < iters; i++) {
		tdv_chip_transport *t = NULL;
		tdv_chip *c = NULL;
		uint8_t atr[36];
		size_t al = tdv_emu_atr(tc.e, atr, sizeof(atr));
		tdv_emu_reset(tc.e);
		tc.card_cpu = 0;
		double t0 = cpu_now();
		tdv_chip_transport_new_callback(&t, timed, &tc, atr, al);
		tdv_chip_new(&c, t);
		tdv_lds *lds = tdv_lds_new();
		tdv_chip_read_options ro = {.mrz = &key};
		int rc = tdv_chip_read_document(c, &ro, lds, &rep);
		double t1 = cpu_now();
		tdv_pa_options po = {.today = today, .printed_mrz = doc->printed_mrz,
		    .printed_mrz_len = strlen(doc->printed_mrz)};
		tdv_pa_result pa;
		tdv_pa_verify(trust, lds, &po, &pa);
		double t2 = cpu_now();
		host += (t1 - t0) - tc.card_cpu;
		pa_cpu += t2 - t1;
		if (rc != TDV_OK || rep.aa_rc != TDV_OK || rep.ca_rc != TDV_OK ||
		    pa.verdict == TDV_PA_FAIL)
			fails++;
		if (i == 0) {
			for (int f = 0; f < rep.nfiles; f++) {
				const uint8_t *d;
				size_t l = 0;
				if (rep.files[f] == TDV_EF_CARDACCESS)
					continue; /* read before SM, not in read_apdus */
				tdv_lds_get(lds, rep.files[f], &d, &l);
				minimum += (unsigned long)((l + rep.max_read - 1) /
				    rep.max_read);
				if (rep.files[f] == TDV_EF_DG2)
					dg2 = l;
			}
		}
		tdv_lds_free(&lds);
		tdv_chip_free(&c);
		tdv_chip_transport_free(&t);
	}
	printf("%-5s %-9s DG2 %6zu B | host read %5.2f + PA %4.2f = %5.2f ms/doc (target <= 10) | "
	       "APDUs %3lu | READ BINARY %3lu vs minimum %3lu at %5zu B/APDU = "
	       "%.2fx (target <= 1.1) | AA %s CA %s | failures %d/%d\n",
	    bac ? "BAC" : "PACE", extended ? "extended" : "short", dg2,
	    host * 1000 / iters, pa_cpu * 1000 / iters, (host + pa_cpu) * 1000 / iters,
	    rep.apdus, rep.read_apdus,
	    minimum, rep.max_read,
	    minimum ? (double)rep.read_apdus / (double)minimum : 0.0,
	    rep.aa_rc == TDV_OK ? "pass" : "FAIL", rep.ca_rc == TDV_OK ? "pass" : "FAIL",
	    fails, iters);
	tdv_emu_free(&tc.e);
	return fails != 0;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_chip ITERATIONS WORKDIR\n");
		return 2;
	}
	int iters = (int)strtol(argv[1], NULL, 10);
	if (iters < 1 || iters > 100000)
		iters = 50;
	const char *dir = argv[2];
	char pki[512];
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	tdv_pki_options po = {.today = {2026, 1, 1}};
	if (tdv_pki_init(pki, &po) != TDV_OK) {
		fprintf(stderr, "bench_chip: pki init failed\n");
		return 2;
	}
	/* a portrait of about 20 KB: the highest JPEG quality that fits */
	tdv_buf photo;
	tdv_buf_init(&photo, 1 << 20);
	for (int q = 95; q > 10; q--) {
		tdv_buf_reset(&photo);
		if (tdv_issue_portrait(7, 320, 420, q, &photo) == TDV_OK &&
		    photo.len <= 20300)
			break;
	}
	tdv_person p = {.surname = "ERIKSSON", .given_names = "ANNA MARIA",
	    .document_number = "L898902C3", .birth_date = {1974, 8, 12},
	    .expiry_date = {2031, 4, 15}, .sex = 'F', .photo = photo.data,
	    .photo_len = photo.len};
	tdv_personalise_options o = {.today = {2026, 1, 1}};
	tdv_issued doc;
	int rc = tdv_personalise_build(pki, &p, &o, &doc);
	if (rc != TDV_OK) {
		fprintf(stderr, "bench_chip: personalise: %s\n", tdv_strerror(rc));
		return 2;
	}
	tdv_trust *trust = tdv_trust_new();
	char csca[600];
	snprintf(csca, sizeof(csca), "%s/csca", pki);
	tdv_trust_load_dir(trust, csca, NULL);
	int bad = 0;
	bad |= run(&doc, trust, true, false, iters);
	bad |= run(&doc, trust, false, false, iters);
	bad |= run(&doc, trust, true, true, iters);
	bad |= run(&doc, trust, false, true, iters);
	tdv_trust_free(&trust);
	tdv_issued_free(&doc);
	tdv_buf_free(&photo);
	return bad;
}
