/*
 * The training defect catalogue: every defect an exercise document can
 * carry, the inspection check that catches it (ICAO 9303-3 check digits,
 * 9303-11 §5.1 Passive Authentication, §6.1/6.2 AA/CA, screening), and
 * what the officer should have looked at. Feedback after a set names the
 * check for every miss from this table.
 */
#include <string.h>

#include "tdv/error.h"
#include "tdv/train.h"

static const struct {
	const char *name;
	const char *label;
	const char *check;
	tdv_train_level level;
	const char *advice;
} defects[TDV_TRAIN_NDEFECTS] = {
    [TDV_TRAIN_MRZ_CHECK_DIGIT] = {"mrz-check-digit",
	"MRZ check digit altered", "mrz.check_digits", TDV_TRAIN_FIRST_LINE,
	"Recompute the MRZ check digits (weights 7-3-1): a digit that does "
	"not match means the MRZ was edited or misprinted."},
    [TDV_TRAIN_VIZ_MISMATCH] = {"viz-mismatch",
	"MRZ does not match the visual zone", "viz.mrz_match",
	TDV_TRAIN_FIRST_LINE,
	"Compare the printed name, number and dates of the visual zone with "
	"the MRZ field by field."},
    [TDV_TRAIN_EXPIRED] = {"expired", "Document expired", "document.expiry",
	TDV_TRAIN_FIRST_LINE,
	"Read the date of expiry and compare it with today's date."},
    [TDV_TRAIN_CHIP_DG1] = {"chip-dg1", "Chip data altered (DG1)",
	"pa.dg1.hash", TDV_TRAIN_SECOND_LINE,
	"Passive Authentication: the DG1 hash in the signed SOD must equal "
	"the hash of DG1 read from the chip."},
    [TDV_TRAIN_CHIP_DG2] = {"chip-dg2", "Chip photo altered (DG2)",
	"pa.dg2.hash", TDV_TRAIN_SECOND_LINE,
	"Passive Authentication: the DG2 hash in the signed SOD must equal "
	"the hash of the photo read from the chip."},
    [TDV_TRAIN_PHOTO_SUBSTITUTION] = {"photo-substitution",
	"Photo substituted (page photo differs from chip photo)",
	"photo.match", TDV_TRAIN_FIRST_LINE,
	"Compare the photo printed on the page with the photo read from the "
	"chip (DG2) and with the traveller."},
    [TDV_TRAIN_FORGED_SOD] = {"forged-sod", "Forged SOD signature",
	"pa.sod.signature", TDV_TRAIN_SECOND_LINE,
	"Passive Authentication: the Document Signer's signature over the "
	"SOD must verify."},
    [TDV_TRAIN_UNKNOWN_CSCA] = {"unknown-csca",
	"Issuing certificate unknown (CSCA not trusted)", "pa.ds.chain",
	TDV_TRAIN_SECOND_LINE,
	"Passive Authentication: the Document Signer certificate must chain "
	"to a CSCA in the trust store (master list)."},
    [TDV_TRAIN_REVOKED_DS] = {"revoked-ds", "Document Signer revoked",
	"pa.ds.revocation", TDV_TRAIN_SECOND_LINE,
	"Passive Authentication: the Document Signer certificate must not be "
	"on its CSCA's revocation list."},
    [TDV_TRAIN_CLONED_CHIP] = {"cloned-chip", "Cloned chip (AA/CA fail)",
	"chip.aa_ca", TDV_TRAIN_SECOND_LINE,
	"Active or Chip Authentication proves the chip holds the private key; "
	"a copied chip cannot."},
    [TDV_TRAIN_LOST_STOLEN] = {"lost-stolen",
	"Document on the lost/stolen list", "screen.sltd",
	TDV_TRAIN_FIRST_LINE,
	"Screen the document number against the lost, stolen and revoked "
	"document list."},
    [TDV_TRAIN_WATCHLIST] = {"watchlist", "Traveller on a watchlist",
	"screen.watchlist", TDV_TRAIN_FIRST_LINE,
	"Screen the traveller's name and date of birth against the "
	"watchlist."},
};

static bool
in_range(tdv_train_defect d)
{
	return (int)d >= 0 && d < TDV_TRAIN_NDEFECTS;
}

const char *
tdv_train_defect_name(tdv_train_defect d)
{
	return in_range(d) ? defects[d].name : NULL;
}

const char *
tdv_train_defect_label(tdv_train_defect d)
{
	return in_range(d) ? defects[d].label : NULL;
}

const char *
tdv_train_defect_check(tdv_train_defect d)
{
	return in_range(d) ? defects[d].check : NULL;
}

const char *
tdv_train_defect_advice(tdv_train_defect d)
{
	return in_range(d) ? defects[d].advice : NULL;
}

tdv_train_level
tdv_train_defect_level(tdv_train_defect d)
{
	return in_range(d) ? defects[d].level : TDV_TRAIN_SECOND_LINE;
}

int
tdv_train_defect_parse(const char *name, tdv_train_defect *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	for (int i = 0; i < TDV_TRAIN_NDEFECTS; i++) {
		if (strcmp(name, defects[i].name) == 0) {
			*out = (tdv_train_defect)i;
			return TDV_OK;
		}
	}
	return TDV_EINVAL;
}

#define LIST_MAX 256

int
tdv_train_defects_parse(const char *list, tdv_train_defects *out)
{
	if (list == NULL || out == NULL)
		return TDV_EINVAL;
	size_t len = strnlen(list, LIST_MAX + 1);
	if (len > LIST_MAX)
		return TDV_ELIMIT;
	tdv_train_defects set = 0;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && list[j] != ',')
			j++;
		char word[40];
		size_t wl = j - i;
		/* surrounding spaces are allowed ("a, b") */
		while (wl > 0 && list[i] == ' ') {
			i++;
			wl--;
		}
		while (wl > 0 && list[i + wl - 1] == ' ')
			wl--;
		if (wl == 0 || wl >= sizeof(word))
			return TDV_EINVAL;
		memcpy(word, list + i, wl);
		word[wl] = '\0';
		if (strcmp(word, "genuine") != 0 && strcmp(word, "none") != 0) {
			tdv_train_defect d;
			if (tdv_train_defect_parse(word, &d) != TDV_OK)
				return TDV_EINVAL;
			set |= 1u << d;
		}
		i = j + 1;
		if (j < len && i == len)
			return TDV_EINVAL; /* trailing comma */
	}
	*out = set;
	return TDV_OK;
}

int
tdv_train_defects_format(tdv_train_defects d, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return TDV_EINVAL;
	out[0] = '\0';
	if ((d & TDV_TRAIN_ALL_DEFECTS) == 0) {
		if (outsz < sizeof("genuine"))
			return TDV_ELIMIT;
		memcpy(out, "genuine", sizeof("genuine"));
		return TDV_OK;
	}
	size_t n = 0;
	for (int i = 0; i < TDV_TRAIN_NDEFECTS; i++) {
		if (!(d & (1u << i)))
			continue;
		size_t l = strlen(defects[i].name);
		if (n + l + (n ? 1 : 0) + 1 > outsz)
			return TDV_ELIMIT;
		if (n)
			out[n++] = ',';
		memcpy(out + n, defects[i].name, l);
		n += l;
		out[n] = '\0';
	}
	return TDV_OK;
}

const char *
tdv_train_level_name(tdv_train_level l)
{
	return l == TDV_TRAIN_SECOND_LINE ? "second-line" : "first-line";
}

int
tdv_train_level_parse(const char *name, tdv_train_level *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	if (strcmp(name, "first-line") == 0 || strcmp(name, "1") == 0)
		*out = TDV_TRAIN_FIRST_LINE;
	else if (strcmp(name, "second-line") == 0 || strcmp(name, "2") == 0)
		*out = TDV_TRAIN_SECOND_LINE;
	else
		return TDV_EINVAL;
	return TDV_OK;
}

const char *
tdv_train_decision_name(tdv_train_decision d)
{
	switch (d) {
	case TDV_TRAIN_ADMIT:
		return "admit";
	case TDV_TRAIN_REFUSE:
		return "refuse";
	case TDV_TRAIN_REFER:
		return "refer";
	case TDV_TRAIN_NO_ANSWER:
		break;
	}
	return "none";
}

int
tdv_train_decision_parse(const char *name, tdv_train_decision *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	if (strcmp(name, "admit") == 0)
		*out = TDV_TRAIN_ADMIT;
	else if (strcmp(name, "refuse") == 0)
		*out = TDV_TRAIN_REFUSE;
	else if (strcmp(name, "refer") == 0)
		*out = TDV_TRAIN_REFER;
	else
		return TDV_EINVAL;
	return TDV_OK;
}

const char *
tdv_train_role_name(tdv_train_role r)
{
	switch (r) {
	case TDV_TRAIN_TRAINEE:
		return "trainee";
	case TDV_TRAIN_TRAINER:
		return "trainer";
	case TDV_TRAIN_MASTER:
		return "master-trainer";
	}
	return NULL;
}

int
tdv_train_role_parse(const char *name, tdv_train_role *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	if (strcmp(name, "trainee") == 0)
		*out = TDV_TRAIN_TRAINEE;
	else if (strcmp(name, "trainer") == 0)
		*out = TDV_TRAIN_TRAINER;
	else if (strcmp(name, "master-trainer") == 0)
		*out = TDV_TRAIN_MASTER;
	else
		return TDV_EINVAL;
	return TDV_OK;
}

bool
tdv_train_cascade_allows(tdv_train_role trainer, tdv_train_role person)
{
	switch (trainer) {
	case TDV_TRAIN_MASTER:
		return person == TDV_TRAIN_MASTER ||
		    person == TDV_TRAIN_TRAINER || person == TDV_TRAIN_TRAINEE;
	case TDV_TRAIN_TRAINER:
		return person == TDV_TRAIN_TRAINEE;
	case TDV_TRAIN_TRAINEE:
		return false;
	}
	return false;
}

const char *
tdv_train_course_name(tdv_train_course c)
{
	switch (c) {
	case TDV_TRAIN_EXERCISE:
		return "exercise";
	case TDV_TRAIN_INDUCTION:
		return "induction";
	case TDV_TRAIN_REFRESHER:
		return "refresher";
	case TDV_TRAIN_DRILL:
		return "drill";
	}
	return NULL;
}

int
tdv_train_course_parse(const char *name, tdv_train_course *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	for (int c = TDV_TRAIN_EXERCISE; c <= TDV_TRAIN_DRILL; c++) {
		if (strcmp(name, tdv_train_course_name((tdv_train_course)c)) ==
		    0) {
			*out = (tdv_train_course)c;
			return TDV_OK;
		}
	}
	return TDV_EINVAL;
}
