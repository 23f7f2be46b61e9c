/*
 * The name matcher on the labelled set tests/data/names/pairs.tsv (see its
 * MANIFEST): prints the confusion counts per category and overall at the
 * default threshold, and requires precision and recall of at least 0.95.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/screen.h"
#include "tdv_test.h"
/* internal: the watchlist scorer, checked against the pairwise score */
#include "../../src/screen/names_int.h"

#define MAX_CATS 64

struct cat {
	char name[64];
	long tp, fp, tn, fn, err;
};

static struct cat cats[MAX_CATS];
static int ncats;

static struct cat *
cat_of(const char *name)
{
	for (int i = 0; i < ncats; i++)
		if (strcmp(cats[i].name, name) == 0)
			return &cats[i];
	if (ncats == MAX_CATS)
		return &cats[MAX_CATS - 1];
	snprintf(cats[ncats].name, sizeof(cats[ncats].name), "%s", name);
	return &cats[ncats++];
}

static void
test_names_labelled_set_precision_and_recall(void)
{
	FILE *f = fopen(TDV_TEST_DATA "/names/pairs.tsv", "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	char line[8192];
	long n = 0;
	tdv_name_result *res = malloc(sizeof(*res));
	if (res == NULL)
		return;
	int shown = 0, scorer_shown = 0;
	long scorer_n = 0, scorer_same = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		char *field[5];
		int nf = 0;
		char *p = line;
		while (nf < 5) {
			field[nf++] = p;
			char *t = strchr(p, '\t');
			if (t == NULL)
				break;
			*t = '\0';
			p = t + 1;
		}
		CHECK_INT(nf, 5);
		if (nf != 5)
			continue;
		struct cat *c = cat_of(field[1]);
		int label = field[2][0] == '1';
		int rc = tdv_names_compare(field[3], strlen(field[3]), field[4],
		    strlen(field[4]), 0, res);
		n++;
		if (rc != TDV_OK) {
			c->err++;
			fprintf(stderr, "pair %s: %s\n", field[0], tdv_strerror(rc));
			/* An error is a failure to match. */
			if (label)
				c->fn++;
			else
				c->tn++;
			continue;
		}
		/* The watchlist's scorer (one query against many names, per-token
		 * work shared) gives exactly the pairwise score. */
		{
			tdv_name *qa = NULL, *nb = NULL;
			if (tdv_name_new(field[3], strlen(field[3]), &qa) == TDV_OK &&
			    tdv_name_new(field[4], strlen(field[4]), &nb) == TDV_OK) {
				struct tdv__scorer *sc = NULL;
				double v = -1;
				char scripts[TDV_NAME_MAX_TOKENS + 1];
				for (int k = 0; k < nb->ntok; k++)
					scripts[k] = nb->tok[k].script;
				scripts[nb->ntok] = '\0';
				uint16_t sur = 0;
				for (int k = 0; k < nb->ntok; k++)
					if (nb->tok[k].surname)
						sur |= (uint16_t)(1u << k);
				struct tdv__cname cn = {nb->latin, scripts, sur, nb->maybe_truncated};
				if (tdv__scorer_new(qa, &sc) == TDV_OK &&
				    tdv__scorer_score(sc, &cn, &v) == TDV_OK) {
					scorer_same += v == res->score;
					if (v != res->score && scorer_shown++ < 5)
						fprintf(stderr, "scorer differs on pair %s: %.6f vs %.6f\n",
						    field[0], v, res->score);
				}
				scorer_n++;
				tdv__scorer_free(&sc);
			}
			tdv_name_free(&qa);
			tdv_name_free(&nb);
		}
		if (label && res->match)
			c->tp++;
		else if (label)
			c->fn++;
		else if (res->match)
			c->fp++;
		else
			c->tn++;
		if (label != (int)res->match && shown < 400 && getenv("TDV_NAMES_SHOW") != NULL) {
			shown++;
			fprintf(stderr, "  %s %s %.3f [%s | %s]\n", label ? "FN" : "FP",
			    field[1], res->score, res->latin_a, res->latin_b);
		}
	}
	fclose(f);
	free(res);
	CHECK(n >= 2000);
	printf("watchlist scorer equal to the pairwise score on %ld of %ld pairs\n",
	    scorer_same, scorer_n);
	CHECK(scorer_n >= 2000 && scorer_same == scorer_n);
	long tp = 0, fp = 0, tn = 0, fn = 0, err = 0;
	printf("%-34s %6s %6s %6s %6s %6s\n", "category", "TP", "FN", "TN", "FP", "errors");
	for (int i = 0; i < ncats; i++) {
		struct cat *c = &cats[i];
		printf("%-34s %6ld %6ld %6ld %6ld %6ld\n", c->name, c->tp, c->fn, c->tn,
		    c->fp, c->err);
		tp += c->tp, fp += c->fp, tn += c->tn, fn += c->fn, err += c->err;
	}
	double precision = tp + fp ? (double)tp / (double)(tp + fp) : 0;
	double recall = tp + fn ? (double)tp / (double)(tp + fn) : 0;
	printf("%-34s %6ld %6ld %6ld %6ld %6ld\n", "TOTAL", tp, fn, tn, fp, err);
	printf("pairs %ld, threshold %.2f: precision %.4f recall %.4f\n", n,
	    TDV_NAMES_DEFAULT_THRESHOLD, precision, recall);
	CHECK(precision >= 0.95);
	CHECK(recall >= 0.95);
}

int
main(void)
{
	RUN(test_names_labelled_set_precision_and_recall);
	TEST_EXIT();
}
