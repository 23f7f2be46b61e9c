/*
 * Name matching: romanised tokens are reduced to a transliteration-neutral
 * skeleton (the spellings that ICAO 9303-3, BGN/PCGN, ISO 9 and the usual
 * national forms give for one sound become one letter), compared with a
 * weighted edit distance in which the differences those systems produce
 * (vowels, H, doubled letters, C/K, V/W) cost less than other edits, and
 * aligned token to token regardless of order, with initials, compound
 * names, particles, MRZ truncation and missing name parts accounted for.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen/names_int.h"
#include "tdv/error.h"

/* --- keys ------------------------------------------------------------------ */

struct rule {
	const char *from;
	const char *to;
};

/* Longest first within a shared prefix (scan order matters). */
static const struct rule rewrites[] = {
	{"SHCH", "S"}, {"TSCH", "C"}, {"SCH", "S"}, {"TCH", "C"}, {"SH", "S"},
	{"CH", "C"}, {"ZH", "Z"}, {"KH", "H"}, {"TS", "C"}, {"TZ", "C"},
	{"CZ", "C"}, {"SZ", "S"}, {"PH", "F"}, {"TH", "T"}, {"DH", "D"},
	{"GH", "G"}, {"CK", "K"}, {"OU", "U"}, {"OO", "U"}, {"EE", "I"},
	{"UE", "U"}, {"AE", "A"}, {"OE", "O"}, {"IE", "E"}, {"X", "KS"},
	{"Q", "K"}, {"W", "V"}, {"Y", "I"},
};

static char
digit_letter(char c)
{
	/* OCR-B confusions in a name field: digits read for letters. */
	switch (c) {
	case '0': return 'O';
	case '1': return 'I';
	case '2': return 'Z';
	case '4': return 'A';
	case '5': return 'S';
	case '6': return 'G';
	case '7': return 'T';
	case '8': return 'B';
	default: return c;
	}
}

static bool
is_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

static size_t
skeleton(const char *in, char *out, size_t outsz)
{
	char a[2 * TDV_NAME_TOKEN_MAX + 2], b[2 * TDV_NAME_TOKEN_MAX + 2];
	size_t n = 0, m = 0;
	for (const char *p = in; *p && n + 1 < sizeof(a); p++)
		a[n++] = digit_letter(*p);
	a[n] = '\0';
	for (size_t i = 0; i < n;) {
		bool done = false;
		/* J is the glide of ISO 9 (Й) except before a vowel, where it is
		 * the consonant of Arabic, English and Chinese spellings. */
		if (a[i] == 'J' && !(i + 1 < n && is_vowel(a[i + 1]))) {
			if (m + 1 < sizeof(b))
				b[m++] = 'I';
			i++;
			continue;
		}
		for (size_t r = 0; r < sizeof(rewrites) / sizeof(rewrites[0]); r++) {
			if (rewrites[r].from[0] != a[i])
				continue;
			size_t fl = strlen(rewrites[r].from);
			if (fl <= n - i && memcmp(a + i, rewrites[r].from, fl) == 0) {
				for (const char *t = rewrites[r].to; *t && m + 1 < sizeof(b); t++)
					b[m++] = *t;
				i += fl;
				done = true;
				break;
			}
		}
		if (!done) {
			if (m + 1 < sizeof(b))
				b[m++] = a[i];
			i++;
		}
	}
	/* Doubled letters go; then I before another vowel, the glide of
	 * IA/YA, IU/YU, ...: the systems disagree on it. */
	size_t c = 0;
	for (size_t i = 0; i < m; i++)
		if (c == 0 || b[c - 1] != b[i])
			b[c++] = b[i];
	m = c;
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (b[i] == 'I' && i + 1 < m && is_vowel(b[i + 1]))
			continue;
		if (k > 0 && out[k - 1] == b[i])
			continue;
		if (k + 1 >= outsz)
			break;
		out[k++] = b[i];
	}
	out[k] = '\0';
	return k;
}

static const char *const particles[] = {"AL", "EL", "UL", "BIN", "BEN", "IBN",
    "BINT", "VAN", "VON", "DER", "DEN", "DE", "DA", "DI", "DEL", "DOS", "DAS",
    "DU", "LA", "LE", "Y"};

void
tdv__tok_keys(struct tdv__tok *t)
{
	t->keylen = (uint8_t)skeleton(t->s, t->key, sizeof(t->key));
	size_t k = 0;
	for (size_t i = 0; i < t->keylen; i++) {
		char c = t->key[i];
		if (is_vowel(c))
			continue;
		if (k > 0 && t->cons[k - 1] == c)
			continue;
		t->cons[k++] = c;
	}
	t->cons[k] = '\0';
	t->conslen = (uint8_t)k;
	t->particle = false;
	if (t->len <= 4) /* the longest particle */
		for (size_t i = 0; i < sizeof(particles) / sizeof(particles[0]); i++)
			if (strcmp(t->s, particles[i]) == 0)
				t->particle = true;
}

/* --- weighted edit distance -------------------------------------------- */

static double
sub_cost(char x, char y, bool unvocalised)
{
	if (x == y)
		return 0;
	if (is_vowel(x) && is_vowel(y)) {
		if (unvocalised)
			return 0.25;
		if ((x == 'O' && y == 'U') || (x == 'U' && y == 'O') ||
		    (x == 'E' && y == 'I') || (x == 'I' && y == 'E'))
			return 0.3;
		return 0.5;
	}
	/* Letters that romanisations of one sound differ in: PH/P and F in
	 * Indic and Thai aspirates, Egyptian G for jim, W/U in unvocalised
	 * Arabic, C/K/S across systems. */
	static const struct {
		char x, y;
		double cost;
	} close[] = {{'C', 'K', 0.5}, {'C', 'S', 0.6}, {'S', 'Z', 0.6},
	    {'V', 'F', 0.6}, {'V', 'B', 0.6}, {'D', 'T', 0.6}, {'B', 'P', 0.6},
	    {'G', 'K', 0.6}, {'M', 'N', 0.7}, {'F', 'P', 0.4}, {'G', 'J', 0.6}};
	if (unvocalised && ((x == 'U' && y == 'V') || (x == 'V' && y == 'U')))
		return 0.25;
	for (size_t i = 0; i < sizeof(close) / sizeof(close[0]); i++)
		if ((close[i].x == x && close[i].y == y) ||
		    (close[i].x == y && close[i].y == x))
			return close[i].cost;
	return 1.0;
}

static double
indel_cost(char x, bool unvocalised)
{
	if (is_vowel(x))
		return unvocalised ? 0.25 : 0.6;
	if (x == 'H')
		return 0.4;
	return 1.0;
}

static double
wed_slow(const char *a, size_t n, const char *b, size_t m, bool unvocalised)
{
	double d[TDV_NAME_TOKEN_MAX + 2][TDV_NAME_TOKEN_MAX + 2];
	if (n > TDV_NAME_TOKEN_MAX)
		n = TDV_NAME_TOKEN_MAX;
	if (m > TDV_NAME_TOKEN_MAX)
		m = TDV_NAME_TOKEN_MAX;
	d[0][0] = 0;
	for (size_t i = 1; i <= n; i++)
		d[i][0] = d[i - 1][0] + indel_cost(a[i - 1], unvocalised);
	for (size_t j = 1; j <= m; j++)
		d[0][j] = d[0][j - 1] + indel_cost(b[j - 1], unvocalised);
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			double v = d[i - 1][j - 1] + sub_cost(a[i - 1], b[j - 1], unvocalised);
			double del = d[i - 1][j] + indel_cost(a[i - 1], unvocalised);
			double ins = d[i][j - 1] + indel_cost(b[j - 1], unvocalised);
			if (del < v)
				v = del;
			if (ins < v)
				v = ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 0.6 < v)
				v = d[i - 2][j - 2] + 0.6;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* The costs above as tables over A-Z 0-9 (keys hold nothing else), made
 * once: the same values, so the same distances, without the searches. */
#define WED_NC 36
static double sub_tab[2][WED_NC][WED_NC], indel_tab[2][WED_NC];
static pthread_once_t wed_once = PTHREAD_ONCE_INIT;

static int
wed_class(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	return -1;
}

static void
wed_init(void)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	for (int u = 0; u < 2; u++)
		for (int i = 0; i < WED_NC; i++) {
			indel_tab[u][i] = indel_cost(chars[i], u != 0);
			for (int j = 0; j < WED_NC; j++)
				sub_tab[u][i][j] = sub_cost(chars[i], chars[j], u != 0);
		}
}

static double
wed(const char *a, size_t n, const char *b, size_t m, bool unvocalised)
{
	int ca[TDV_NAME_TOKEN_MAX + 1], cb[TDV_NAME_TOKEN_MAX + 1];
	if (n > TDV_NAME_TOKEN_MAX)
		n = TDV_NAME_TOKEN_MAX;
	if (m > TDV_NAME_TOKEN_MAX)
		m = TDV_NAME_TOKEN_MAX;
	for (size_t i = 0; i < n; i++)
		if ((ca[i] = wed_class(a[i])) < 0)
			return wed_slow(a, n, b, m, unvocalised);
	for (size_t j = 0; j < m; j++)
		if ((cb[j] = wed_class(b[j])) < 0)
			return wed_slow(a, n, b, m, unvocalised);
	if (pthread_once(&wed_once, wed_init) != 0)
		return wed_slow(a, n, b, m, unvocalised);
	double (*S)[WED_NC] = sub_tab[unvocalised];
	const double *I = indel_tab[unvocalised];
	double d[TDV_NAME_TOKEN_MAX + 2][TDV_NAME_TOKEN_MAX + 2];
	d[0][0] = 0;
	for (size_t i = 1; i <= n; i++)
		d[i][0] = d[i - 1][0] + I[ca[i - 1]];
	for (size_t j = 1; j <= m; j++)
		d[0][j] = d[0][j - 1] + I[cb[j - 1]];
	for (size_t i = 1; i <= n; i++) {
		const double *Si = S[ca[i - 1]];
		double ia = I[ca[i - 1]];
		for (size_t j = 1; j <= m; j++) {
			double v = d[i - 1][j - 1] + Si[cb[j - 1]];
			double del = d[i - 1][j] + ia;
			double ins = d[i][j - 1] + I[cb[j - 1]];
			if (del < v)
				v = del;
			if (ins < v)
				v = ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 0.6 < v)
				v = d[i - 2][j - 2] + 0.6;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* Similarity of two tokens in [0, 1] and how it was reached. */
static double
tok_sim(const struct tdv__tok *a, const struct tdv__tok *b, const char **how)
{
	if (strcmp(a->s, b->s) == 0) {
		*how = "exact";
		return 1.0;
	}
	if (a->keylen > 0 && strcmp(a->key, b->key) == 0) {
		*how = "transliteration";
		return 0.95;
	}
	if ((a->len == 1) != (b->len == 1)) {
		const struct tdv__tok *ini = a->len == 1 ? a : b;
		const struct tdv__tok *full = a->len == 1 ? b : a;
		*how = "initial";
		return full->s[0] == ini->s[0] || full->key[0] == ini->key[0] ? 0.85 : 0.0;
	}
	bool unvoc = a->script == 'a' || b->script == 'a';
	size_t L = a->keylen > b->keylen ? a->keylen : b->keylen;
	if (L == 0)
		return 0.0;
	/* Every letter of length difference costs at least 0.25: skip the
	 * distance when it cannot reach the acceptance level anyway. */
	size_t dl = a->keylen > b->keylen ? a->keylen - b->keylen : b->keylen - a->keylen;
	if (1.0 - 0.25 * (double)dl / (double)L < 0.70) {
		*how = "edit";
		return 0.0;
	}
	double d = wed(a->key, a->keylen, b->key, b->keylen, unvoc);
	double sim = 1.0 - d / (double)L;
	if (sim < 0)
		sim = 0;
	*how = "edit";
	if (a->conslen >= 2 && strcmp(a->cons, b->cons) == 0) {
		*how = "phonetic";
		if (unvoc && sim < 0.9)
			sim = 0.9;
	}
	return sim;
}

/* --- names --------------------------------------------------------------- */

int
tdv_name_new(const char *utf8, size_t len, tdv_name **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	tdv_name *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return TDV_ENOMEM;
	int rc = tdv__romanise_tokens(utf8, len, TDV__SYS_ICAO, n->tok, &n->ntok,
	    &n->mrz_form, &n->maybe_truncated);
	if (rc != TDV_OK) {
		free(n);
		return rc;
	}
	size_t o = 0;
	for (int i = 0; i < n->ntok; i++) {
		tdv__tok_keys(&n->tok[i]);
		size_t l = n->tok[i].len;
		if (o + l + 2 < sizeof(n->latin)) {
			if (i > 0)
				n->latin[o++] = ' ';
			memcpy(n->latin + o, n->tok[i].s, l);
			o += l;
		}
	}
	n->latin[o] = '\0';
	*out = n;
	return TDV_OK;
}

void
tdv__name_expand(const struct tdv__cname *c, tdv_name *n)
{
	n->ntok = 0;
	n->mrz_form = false;
	n->maybe_truncated = c->truncated;
	snprintf(n->latin, sizeof(n->latin), "%s", c->latin);
	const char *p = c->latin;
	while (*p != '\0' && n->ntok < TDV_NAME_MAX_TOKENS) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > TDV_NAME_TOKEN_MAX)
			l = TDV_NAME_TOKEN_MAX;
		struct tdv__tok *t = &n->tok[n->ntok];
		memset(t, 0, sizeof(*t));
		memcpy(t->s, p, l);
		t->len = (uint8_t)l;
		t->script = c->scripts[n->ntok] ? c->scripts[n->ntok] : 'l';
		t->surname = (c->surname >> n->ntok) & 1u;
		tdv__tok_keys(t);
		n->ntok++;
		if (e == NULL)
			break;
		p = e + 1;
	}
}

void
tdv_name_free(tdv_name **n)
{
	if (n == NULL || *n == NULL)
		return;
	memset(*n, 0, sizeof(**n)); /* personal data */
	free(*n);
	*n = NULL;
}

struct cand {
	double s;
	int a0, a1, b0, b1; /* a1/b1 >= 0: second token of a compound */
	const char *how;
};

static int
cmp_cand(const struct cand *a, const struct cand *b, bool prefer_compound)
{
	if (a->s != b->s)
		return a->s > b->s ? -1 : 1;
	int ca = (a->a1 >= 0) + (a->b1 >= 0), cb = (b->a1 >= 0) + (b->b1 >= 0);
	if (ca != cb)
		return prefer_compound ? cb - ca : ca - cb;
	if (a->a0 != b->a0)
		return a->a0 - b->a0;
	return a->b0 - b->b0;
}

/* Stable insertion sort: the lists are short (a few dozen pairs), and a
 * stable order keeps the result independent of the sort routine. */
static void
sort_cands(struct cand *c, int nc, bool prefer_compound)
{
	for (int i = 1; i < nc; i++) {
		struct cand x = c[i];
		int j = i;
		while (j > 0 && cmp_cand(&x, &c[j - 1], prefer_compound) < 0) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = x;
	}
}

#define MAX_CANDS (TDV_NAME_MAX_TOKENS * TDV_NAME_MAX_TOKENS * 3)

static bool
join_tok(const struct tdv__tok *x, const struct tdv__tok *y, struct tdv__tok *j)
{
	if ((size_t)x->len + y->len > TDV_NAME_TOKEN_MAX)
		return false;
	memset(j, 0, sizeof(*j));
	memcpy(j->s, x->s, x->len);
	memcpy(j->s + x->len, y->s, y->len);
	j->len = (uint8_t)(x->len + y->len);
	j->script = x->script != 'l' ? x->script : y->script;
	tdv__tok_keys(j);
	return true;
}

/* Truncated MRZ name: its last token may be the start of the other's. */
static bool
prefix_of(const tdv_name *tn, int ti, const struct tdv__tok *t,
    const struct tdv__tok *full)
{
	return tn->maybe_truncated && ti == tn->ntok - 1 && t->len >= 2 &&
	    t->len < full->len && memcmp(t->s, full->s, t->len) == 0;
}

/* How much a token similarity counts towards the name score: full value
 * from 0.85 (transliteration variants), falling to nothing at 0.70 (two
 * different names that merely look alike). */
static double
contribution(double sim)
{
	if (sim >= 0.85)
		return sim;
	if (sim <= 0.70)
		return 0.0;
	return 0.85 * (sim - 0.70) / 0.15;
}

static void
assign(const tdv_name *A, const tdv_name *B, const struct cand *c, int nc,
    double threshold, tdv_name_result *res)
{
	bool usedA[TDV_NAME_MAX_TOKENS] = {false}, usedB[TDV_NAME_MAX_TOKENS] = {false};
	double gotA[TDV_NAME_MAX_TOKENS] = {0}, gotB[TDV_NAME_MAX_TOKENS] = {0};
	res->nparts = 0;
	for (int k = 0; k < nc; k++) {
		const struct cand *x = &c[k];
		if (usedA[x->a0] || (x->a1 >= 0 && usedA[x->a1]) || usedB[x->b0] ||
		    (x->b1 >= 0 && usedB[x->b1]))
			continue;
		double v = contribution(x->s);
		usedA[x->a0] = true;
		gotA[x->a0] = v;
		if (x->a1 >= 0) {
			usedA[x->a1] = true;
			gotA[x->a1] = v;
		}
		usedB[x->b0] = true;
		gotB[x->b0] = v;
		if (x->b1 >= 0) {
			usedB[x->b1] = true;
			gotB[x->b1] = v;
		}
		if (res->nparts < 2 * TDV_NAME_MAX_TOKENS) {
			tdv_name_part *p = &res->parts[res->nparts++];
			memset(p, 0, sizeof(*p));
			if (x->a1 >= 0)
				snprintf(p->a, sizeof(p->a), "%s %s", A->tok[x->a0].s, A->tok[x->a1].s);
			else
				snprintf(p->a, sizeof(p->a), "%s", A->tok[x->a0].s);
			if (x->b1 >= 0)
				snprintf(p->b, sizeof(p->b), "%s %s", B->tok[x->b0].s, B->tok[x->b1].s);
			else
				snprintf(p->b, sizeof(p->b), "%s", B->tok[x->b0].s);
			p->score = x->s;
			p->how = x->how;
		}
	}
	double wA = 0, wB = 0, mA = 0, mB = 0;
	for (int i = 0; i < A->ntok; i++) {
		double w = A->tok[i].particle ? 0.3 : 1.0;
		wA += w;
		mA += gotA[i] * w;
		if (!usedA[i] && res->nparts < 2 * TDV_NAME_MAX_TOKENS) {
			tdv_name_part *p = &res->parts[res->nparts++];
			memset(p, 0, sizeof(*p));
			snprintf(p->a, sizeof(p->a), "%s", A->tok[i].s);
			p->how = "unmatched";
		}
	}
	for (int j = 0; j < B->ntok; j++) {
		double w = B->tok[j].particle ? 0.3 : 1.0;
		wB += w;
		mB += gotB[j] * w;
		if (!usedB[j] && res->nparts < 2 * TDV_NAME_MAX_TOKENS) {
			tdv_name_part *p = &res->parts[res->nparts++];
			memset(p, 0, sizeof(*p));
			snprintf(p->b, sizeof(p->b), "%s", B->tok[j].s);
			p->how = "unmatched";
		}
	}
	double cA = wA > 0 ? mA / wA : 0, cB = wB > 0 ? mB / wB : 0;
	double hi = cA > cB ? cA : cB, lo = cA > cB ? cB : cA;
	double score = 0.7 * hi + 0.3 * lo;
	/* One name part alone is weak evidence against a fuller name. */
	int nmin = A->ntok < B->ntok ? A->ntok : B->ntok;
	int nmax = A->ntok < B->ntok ? B->ntok : A->ntok;
	if (nmin == 1 && nmax >= 2)
		score *= 0.9;
	if (score > 1)
		score = 1;
	if (score < 0)
		score = 0;
	res->score = score;
	res->match = score >= threshold;
}

void
tdv_name_compare(const tdv_name *A, const tdv_name *B, double threshold,
    tdv_name_result *res)
{
	static const double min_accept = 0.70;
	if (threshold <= 0)
		threshold = TDV_NAMES_DEFAULT_THRESHOLD;
	memset(res, 0, sizeof(*res));
	snprintf(res->latin_a, sizeof(res->latin_a), "%s", A->latin);
	snprintf(res->latin_b, sizeof(res->latin_b), "%s", B->latin);
	struct cand c[MAX_CANDS];
	int nc = 0;
	for (int i = 0; i < A->ntok; i++) {
		for (int j = 0; j < B->ntok; j++) {
			const char *how = "edit";
			double s = tok_sim(&A->tok[i], &B->tok[j], &how);
			if (s < 0.9 && (prefix_of(A, i, &A->tok[i], &B->tok[j]) ||
			    prefix_of(B, j, &B->tok[j], &A->tok[i]))) {
				s = 0.9;
				how = "prefix";
			}
			if (s >= min_accept && nc < MAX_CANDS)
				c[nc++] = (struct cand){s, i, -1, j, -1, how};
		}
	}
	/* Compound names written as one word on one side. */
	for (int side = 0; side < 2; side++) {
		const tdv_name *X = side == 0 ? A : B, *Y = side == 0 ? B : A;
		for (int i = 0; i + 1 < X->ntok; i++) {
			struct tdv__tok j;
			if (!join_tok(&X->tok[i], &X->tok[i + 1], &j))
				continue;
			for (int k = 0; k < Y->ntok; k++) {
				if (Y->tok[k].len < 4 || Y->tok[k].keylen + 3 < j.keylen ||
				    j.keylen + 3 < Y->tok[k].keylen)
					continue;
				const char *how = "compound";
				double s = tok_sim(&j, &Y->tok[k], &how);
				if (s >= 0.85 && nc < MAX_CANDS) {
					how = "compound";
					c[nc++] = side == 0 ?
					    (struct cand){s, i, i + 1, k, -1, how} :
					    (struct cand){s, k, -1, i, i + 1, how};
				}
			}
		}
	}
	/* Greedy alignment, best pairs first; ties between a compound and
	 * single tokens are tried both ways and the better outcome kept. */
	bool compounds = false;
	for (int k = 0; k < nc; k++)
		compounds |= c[k].a1 >= 0 || c[k].b1 >= 0;
	sort_cands(c, nc, false);
	assign(A, B, c, nc, threshold, res);
	tdv_name_result *alt = compounds ? malloc(sizeof(*alt)) : NULL;
	if (alt != NULL) {
		memcpy(alt, res, sizeof(*alt));
		sort_cands(c, nc, true);
		assign(A, B, c, nc, threshold, alt);
		if (alt->score > res->score)
			memcpy(res, alt, sizeof(*res));
		free(alt);
	}
}

int
tdv_names_compare(const char *a, size_t alen, const char *b, size_t blen,
    double threshold, tdv_name_result *res)
{
	tdv_name *na = NULL, *nb = NULL;
	int rc = tdv_name_new(a, alen, &na);
	if (rc != TDV_OK)
		return rc;
	rc = tdv_name_new(b, blen, &nb);
	if (rc != TDV_OK) {
		tdv_name_free(&na);
		return rc;
	}
	tdv_name_compare(na, nb, threshold, res);
	tdv_name_free(&na);
	tdv_name_free(&nb);
	return TDV_OK;
}

int
tdv_name_explain(const tdv_name_result *res, tdv_buf *out)
{
	int rc = TDV_OK;
	for (int i = 0; i < res->nparts && rc == TDV_OK; i++) {
		const tdv_name_part *p = &res->parts[i];
		const char *sep = i ? "; " : "";
		if (p->a[0] && p->b[0])
			rc = tdv_buf_printf(out, "%s%s ~ %s (%s %.2f)", sep, p->a, p->b,
			    p->how, p->score);
		else
			rc = tdv_buf_printf(out, "%s%s unmatched in %s name", sep,
			    p->a[0] ? p->a : p->b, p->a[0] ? "first" : "second");
	}
	if (rc == TDV_OK && res->nparts == 0)
		rc = tdv_buf_puts(out, "no name parts");
	return rc;
}

void
tdv_name_result_to_json(const tdv_name_result *res, tdv_json *j)
{
	tdv_buf e;
	tdv_buf_init(&e, 8192);
	tdv_name_explain(res, &e);
	tdv_json_object_begin(j);
	tdv_json_key(j, "score");
	tdv_json_double(j, (double)(long)(res->score * 10000 + 0.5) / 10000.0);
	tdv_json_key(j, "match");
	tdv_json_bool(j, res->match);
	tdv_json_key(j, "explanation");
	tdv_json_string(j, tdv_buf_cstr(&e));
	tdv_json_key(j, "parts");
	tdv_json_array_begin(j);
	for (int i = 0; i < res->nparts; i++) {
		const tdv_name_part *p = &res->parts[i];
		tdv_json_object_begin(j);
		tdv_json_key(j, "a");
		tdv_json_string_or_null(j, p->a);
		tdv_json_key(j, "b");
		tdv_json_string_or_null(j, p->b);
		tdv_json_key(j, "how");
		tdv_json_string(j, p->how);
		tdv_json_key(j, "score");
		tdv_json_double(j, (double)(long)(p->score * 10000 + 0.5) / 10000.0);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_key(j, "latin");
	tdv_json_array_begin(j);
	tdv_json_string(j, res->latin_a);
	tdv_json_string(j, res->latin_b);
	tdv_json_array_end(j);
	tdv_json_object_end(j);
	tdv_buf_free(&e);
}

/* --- scorer: one query against many list names ------------------------------ */

/*
 * The same score as tdv_name_compare(q, name), without the explanation,
 * and with the work per distinct list token done once per query: a list
 * token's keys, its similarity to each query token and to each joined
 * pair of query tokens are kept in a table, as are the joins of adjacent
 * list tokens. A list of a million persons has far fewer distinct tokens
 * than names, so most names are scored from the tables alone.
 */
struct ltok {
	struct tdv__tok t;
	uint64_t h;
};

/* A joined pair of adjacent list tokens (ltok ids a, b): whether the join
 * fits, and its similarity to each query token (-1: not a candidate). */
struct ljoin {
	uint32_t a, b;
	bool ok;
	double sim[TDV_NAME_MAX_TOKENS];
};

struct tdv__scorer {
	const tdv_name *q;
	int stride;                              /* 2 * q->ntok */
	struct tdv__tok qj[TDV_NAME_MAX_TOKENS]; /* query joins */
	bool qj_ok[TDV_NAME_MAX_TOKENS];
	bool qlong;                              /* a query token of 4+ letters */
	struct ltok *lt;
	double *sims; /* per ltok: sim vs query token i, then join (i, i+1) vs it */
	size_t nlt, caplt;
	uint32_t *slots; /* by string: ltok id + 1 */
	size_t nslots;
	uint32_t *idslots; /* by watchlist token id: pairs (id + 1, ltok id) */
	size_t nidslots, nids;
	struct ljoin *lj;
	size_t nlj, caplj;
	uint32_t *jslots; /* by ltok pair: ljoin id + 1 */
	size_t njslots;
};

int
tdv__scorer_new(const tdv_name *q, struct tdv__scorer **out)
{
	struct tdv__scorer *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TDV_ENOMEM;
	s->q = q;
	s->stride = 2 * (q->ntok > 0 ? q->ntok : 1);
	for (int i = 0; i < q->ntok; i++)
		s->qlong |= q->tok[i].len >= 4;
	for (int i = 0; i + 1 < q->ntok; i++)
		s->qj_ok[i] = join_tok(&q->tok[i], &q->tok[i + 1], &s->qj[i]);
	*out = s;
	return TDV_OK;
}

void
tdv__scorer_free(struct tdv__scorer **ps)
{
	if (ps == NULL || *ps == NULL)
		return;
	struct tdv__scorer *s = *ps;
	free(s->lt);
	free(s->sims);
	free(s->slots);
	free(s->idslots);
	free(s->lj);
	free(s->jslots);
	free(s);
	*ps = NULL;
}

static uint64_t
str_hash(const char *p, size_t n, char script)
{
	uint64_t h = 1469598103934665603ULL ^ (unsigned char)script;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static size_t
mix(uint64_t x, size_t mask)
{
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 32) & mask;
}

/* A new table entry for list token p[0..n) in script: its keys, and its
 * similarity to each query token and each joined query pair. */
static int
ltok_new(struct tdv__scorer *s, const char *p, size_t n, char script, uint64_t h,
    uint32_t *id)
{
	const tdv_name *q = s->q;
	if (s->nlt >= UINT32_MAX - 1)
		return TDV_ELIMIT;
	if (s->nlt == s->caplt) {
		size_t nc = s->caplt ? s->caplt * 2 : 256;
		struct ltok *nl = realloc(s->lt, nc * sizeof(*nl));
		if (nl == NULL)
			return TDV_ENOMEM;
		s->lt = nl;
		double *nsim = realloc(s->sims, nc * (size_t)s->stride * sizeof(*nsim));
		if (nsim == NULL)
			return TDV_ENOMEM;
		s->sims = nsim;
		s->caplt = nc;
	}
	struct ltok *e = &s->lt[s->nlt];
	double *sim = s->sims + s->nlt * (size_t)s->stride;
	memset(&e->t, 0, sizeof(e->t));
	memcpy(e->t.s, p, n);
	e->t.len = (uint8_t)n;
	e->t.script = script;
	tdv__tok_keys(&e->t);
	e->h = h;
	for (int i = 0; i < q->ntok; i++) {
		const char *how;
		sim[i] = tok_sim(&q->tok[i], &e->t, &how);
		sim[q->ntok + i] = -1;
		/* Query join (i, i+1) against this token, as in
		 * tdv_name_compare (side 0). */
		if (i + 1 < q->ntok && s->qj_ok[i]) {
			const struct tdv__tok *j = &s->qj[i];
			if (!(e->t.len < 4 || e->t.keylen + 3 < j->keylen ||
			    j->keylen + 3 < e->t.keylen)) {
				double v = tok_sim(j, &e->t, &how);
				if (v >= 0.85)
					sim[q->ntok + i] = v;
			}
		}
	}
	*id = (uint32_t)s->nlt++;
	return TDV_OK;
}

/* The table entry of list token p[0..n) in script, made if new. */
static int
ltok_get(struct tdv__scorer *s, const char *p, size_t n, char script, uint32_t *id)
{
	uint64_t h = str_hash(p, n, script);
	if (s->nslots == 0 || (s->nlt + 1) * 2 > s->nslots) {
		size_t ns = s->nslots ? s->nslots * 2 : 256;
		while ((s->nlt + 1) * 2 > ns)
			ns *= 2;
		uint32_t *sl = calloc(ns, sizeof(*sl));
		if (sl == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < s->nlt; i++) {
			size_t k = (size_t)s->lt[i].h & (ns - 1);
			while (sl[k] != 0)
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)i + 1;
		}
		free(s->slots);
		s->slots = sl;
		s->nslots = ns;
	}
	size_t k = (size_t)h & (s->nslots - 1);
	while (s->slots[k] != 0) {
		const struct ltok *e = &s->lt[s->slots[k] - 1];
		if (e->h == h && e->t.len == n && e->t.script == script && memcmp(e->t.s, p, n) == 0) {
			*id = s->slots[k] - 1;
			return TDV_OK;
		}
		k = (k + 1) & (s->nslots - 1);
	}
	int rc = ltok_new(s, p, n, script, h, id);
	if (rc == TDV_OK)
		s->slots[k] = *id + 1;
	return rc;
}

/* The table entry of watchlist token wid, made if new. */
static int
ltok_get_id(struct tdv__scorer *s, const struct tdv__wtok *toks, const char *pool,
    uint32_t wid, uint32_t *id)
{
	if (wid >= UINT32_MAX - 1)
		return TDV_EINVAL;
	if (s->nidslots == 0 || (s->nids + 1) * 2 > s->nidslots) {
		size_t ns = s->nidslots ? s->nidslots * 2 : 256;
		uint32_t *sl = calloc(ns * 2, sizeof(*sl));
		if (sl == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < s->nidslots; i++) {
			if (s->idslots[2 * i] == 0)
				continue;
			size_t k = mix(s->idslots[2 * i], ns - 1);
			while (sl[2 * k] != 0)
				k = (k + 1) & (ns - 1);
			sl[2 * k] = s->idslots[2 * i];
			sl[2 * k + 1] = s->idslots[2 * i + 1];
		}
		free(s->idslots);
		s->idslots = sl;
		s->nidslots = ns;
	}
	size_t k = mix(wid + 1u, s->nidslots - 1);
	while (s->idslots[2 * k] != 0) {
		if (s->idslots[2 * k] == wid + 1u) {
			*id = s->idslots[2 * k + 1];
			return TDV_OK;
		}
		k = (k + 1) & (s->nidslots - 1);
	}
	const struct tdv__wtok *w = &toks[wid];
	size_t n = w->len > TDV_NAME_TOKEN_MAX ? TDV_NAME_TOKEN_MAX : w->len;
	char script = w->script ? w->script : 'l';
	const char *p = pool + w->s;
	int rc = ltok_new(s, p, n, script, str_hash(p, n, script), id);
	if (rc != TDV_OK)
		return rc;
	s->idslots[2 * k] = wid + 1u;
	s->idslots[2 * k + 1] = *id;
	s->nids++;
	return TDV_OK;
}

/* The join of adjacent list tokens a, b (ltok ids) and its similarity to
 * each query token, computed once per query: *out is its index in lj. */
static int
ljoin_get(struct tdv__scorer *s, uint32_t a, uint32_t b, size_t *out)
{
	const tdv_name *q = s->q;
	uint64_t key = (uint64_t)a << 32 | b;
	if (s->njslots == 0 || (s->nlj + 1) * 2 > s->njslots) {
		size_t ns = s->njslots ? s->njslots * 2 : 256;
		uint32_t *sl = calloc(ns, sizeof(*sl));
		if (sl == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < s->nlj; i++) {
			size_t k = mix((uint64_t)s->lj[i].a << 32 | s->lj[i].b, ns - 1);
			while (sl[k] != 0)
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)i + 1;
		}
		free(s->jslots);
		s->jslots = sl;
		s->njslots = ns;
	}
	size_t k = mix(key, s->njslots - 1);
	while (s->jslots[k] != 0) {
		const struct ljoin *e = &s->lj[s->jslots[k] - 1];
		if (e->a == a && e->b == b) {
			*out = s->jslots[k] - 1;
			return TDV_OK;
		}
		k = (k + 1) & (s->njslots - 1);
	}
	if (s->nlj >= UINT32_MAX - 1)
		return TDV_ELIMIT;
	if (s->nlj == s->caplj) {
		size_t nc = s->caplj ? s->caplj * 2 : 64;
		struct ljoin *nl = realloc(s->lj, nc * sizeof(*nl));
		if (nl == NULL)
			return TDV_ENOMEM;
		s->lj = nl;
		s->caplj = nc;
	}
	struct ljoin *e = &s->lj[s->nlj];
	e->a = a;
	e->b = b;
	struct tdv__tok j;
	e->ok = join_tok(&s->lt[a].t, &s->lt[b].t, &j);
	for (int i = 0; i < q->ntok; i++) {
		e->sim[i] = -1;
		const struct tdv__tok *y = &q->tok[i];
		if (!e->ok || y->len < 4 || y->keylen + 3 < j.keylen || j.keylen + 3 < y->keylen)
			continue;
		const char *how;
		double v = tok_sim(&j, y, &how);
		if (v >= 0.85)
			e->sim[i] = v;
	}
	s->jslots[k] = (uint32_t)s->nlj + 1;
	*out = s->nlj++;
	return TDV_OK;
}

/* Greedy assignment and the final score, as assign() computes it. */
static double
score_only(const bool *partA, int na, const bool *partB, int nb, const struct cand *c, int nc)
{
	bool usedA[TDV_NAME_MAX_TOKENS] = {false}, usedB[TDV_NAME_MAX_TOKENS] = {false};
	double gotA[TDV_NAME_MAX_TOKENS] = {0}, gotB[TDV_NAME_MAX_TOKENS] = {0};
	for (int k = 0; k < nc; k++) {
		const struct cand *x = &c[k];
		if (usedA[x->a0] || (x->a1 >= 0 && usedA[x->a1]) || usedB[x->b0] ||
		    (x->b1 >= 0 && usedB[x->b1]))
			continue;
		double v = contribution(x->s);
		usedA[x->a0] = true;
		gotA[x->a0] = v;
		if (x->a1 >= 0) {
			usedA[x->a1] = true;
			gotA[x->a1] = v;
		}
		usedB[x->b0] = true;
		gotB[x->b0] = v;
		if (x->b1 >= 0) {
			usedB[x->b1] = true;
			gotB[x->b1] = v;
		}
	}
	double wA = 0, wB = 0, mA = 0, mB = 0;
	for (int i = 0; i < na; i++) {
		double w = partA[i] ? 0.3 : 1.0;
		wA += w;
		mA += gotA[i] * w;
	}
	for (int j = 0; j < nb; j++) {
		double w = partB[j] ? 0.3 : 1.0;
		wB += w;
		mB += gotB[j] * w;
	}
	double cA = wA > 0 ? mA / wA : 0, cB = wB > 0 ? mB / wB : 0;
	double hi = cA > cB ? cA : cB, lo = cA > cB ? cB : cA;
	double score = 0.7 * hi + 0.3 * lo;
	int nmin = na < nb ? na : nb, nmax = na < nb ? nb : na;
	if (nmin == 1 && nmax >= 2)
		score *= 0.9;
	return score > 1 ? 1 : score < 0 ? 0 : score;
}

/* The score of the list name made of table entries id[0..nb), as
 * tdv_name_compare(q, name) gives it. */
static int
score_lt(struct tdv__scorer *s, const uint32_t *id, int nb, bool truncated, double *score)
{
	static const double min_accept = 0.70;
	const tdv_name *A = s->q;
	bool partA[TDV_NAME_MAX_TOKENS], partB[TDV_NAME_MAX_TOKENS];
	for (int i = 0; i < A->ntok; i++)
		partA[i] = A->tok[i].particle;
	for (int j = 0; j < nb; j++)
		partB[j] = s->lt[id[j]].t.particle;
	struct cand cs[MAX_CANDS];
	int nc = 0;
	for (int i = 0; i < A->ntok; i++) {
		for (int j = 0; j < nb; j++) {
			const struct tdv__tok *bt = &s->lt[id[j]].t;
			double v = s->sims[id[j] * (size_t)s->stride + (size_t)i];
			const char *how = "edit";
			/* prefix_of(), for A and for the list name */
			if (v < 0.9 &&
			    ((A->maybe_truncated && i == A->ntok - 1 && A->tok[i].len >= 2 &&
			      A->tok[i].len < bt->len && memcmp(A->tok[i].s, bt->s, A->tok[i].len) == 0) ||
			     (truncated && j == nb - 1 && bt->len >= 2 && bt->len < A->tok[i].len &&
			      memcmp(bt->s, A->tok[i].s, bt->len) == 0))) {
				v = 0.9;
				how = "prefix";
			}
			if (v >= min_accept && nc < MAX_CANDS)
				cs[nc++] = (struct cand){v, i, -1, j, -1, how};
		}
	}
	for (int i = 0; i + 1 < A->ntok; i++)
		for (int k = 0; k < nb; k++) {
			double v = s->sims[id[k] * (size_t)s->stride + (size_t)(A->ntok + i)];
			if (v >= 0.85 && nc < MAX_CANDS)
				cs[nc++] = (struct cand){v, i, i + 1, k, -1, "compound"};
		}
	/* Joins of adjacent list tokens (side 1): only a query token of four
	 * letters or more can take one; each distinct pair is joined and
	 * compared once per query. */
	for (int i = 0; i + 1 < nb && s->qlong; i++) {
		size_t jx;
		int rc = ljoin_get(s, id[i], id[i + 1], &jx);
		if (rc != TDV_OK)
			return rc;
		const struct ljoin *e = &s->lj[jx];
		for (int k = 0; k < A->ntok && e->ok; k++)
			if (e->sim[k] >= 0.85 && nc < MAX_CANDS)
				cs[nc++] = (struct cand){e->sim[k], k, -1, i, i + 1, "compound"};
	}
	bool compounds = false;
	for (int k = 0; k < nc; k++)
		compounds |= cs[k].a1 >= 0 || cs[k].b1 >= 0;
	sort_cands(cs, nc, false);
	double best = score_only(partA, A->ntok, partB, nb, cs, nc);
	if (compounds) {
		sort_cands(cs, nc, true);
		double alt = score_only(partA, A->ntok, partB, nb, cs, nc);
		if (alt > best)
			best = alt;
	}
	*score = best;
	return TDV_OK;
}

int
tdv__scorer_score(struct tdv__scorer *s, const struct tdv__cname *c, double *score)
{
	uint32_t id[TDV_NAME_MAX_TOKENS];
	int nb = 0;
	const char *p = c->latin;
	while (*p != '\0' && nb < TDV_NAME_MAX_TOKENS) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > TDV_NAME_TOKEN_MAX)
			l = TDV_NAME_TOKEN_MAX;
		char script = c->scripts[nb] ? c->scripts[nb] : 'l';
		int rc = ltok_get(s, p, l, script, &id[nb]);
		if (rc != TDV_OK)
			return rc;
		nb++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return score_lt(s, id, nb, c->truncated, score);
}

int
tdv__scorer_score_ids(struct tdv__scorer *s, const struct tdv__wtok *toks,
    const char *pool, const uint32_t *ids, int nb, bool truncated, double *score)
{
	uint32_t id[TDV_NAME_MAX_TOKENS];
	if (nb < 0 || nb > TDV_NAME_MAX_TOKENS)
		return TDV_EINVAL;
	for (int j = 0; j < nb; j++) {
		int rc = ltok_get_id(s, toks, pool, ids[j], &id[j]);
		if (rc != TDV_OK)
			return rc;
	}
	return score_lt(s, id, nb, truncated, score);
}

/* --- Jaro-Winkler baseline ---------------------------------------------- */

double
tdv_jaro_winkler(const char *a, size_t n, const char *b, size_t m)
{
	if (n == 0 && m == 0)
		return 1.0;
	if (n == 0 || m == 0)
		return 0.0;
	if (n > 256)
		n = 256;
	if (m > 256)
		m = 256;
	bool ma[256] = {false}, mb[256] = {false};
	size_t range = (n > m ? n : m) / 2;
	range = range > 0 ? range - 1 : 0;
	size_t matches = 0;
	for (size_t i = 0; i < n; i++) {
		size_t lo = i > range ? i - range : 0;
		size_t hi = i + range + 1 < m ? i + range + 1 : m;
		for (size_t j = lo; j < hi; j++) {
			if (mb[j] || a[i] != b[j])
				continue;
			ma[i] = mb[j] = true;
			matches++;
			break;
		}
	}
	if (matches == 0)
		return 0.0;
	size_t t = 0, k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	double md = (double)matches;
	double jaro = (md / (double)n + md / (double)m + (md - (double)t / 2.0) / md) / 3.0;
	size_t p = 0;
	while (p < 4 && p < n && p < m && a[p] == b[p])
		p++;
	return jaro + (double)p * 0.1 * (1.0 - jaro);
}
