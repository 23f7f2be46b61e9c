/*
 * Training: document-examination exercises on specimen documents whose
 * defects are known, scoring, spaced-repetition practice drills and
 * training records (induction, refresher, certificates, the trainer
 * cascade).
 *
 * Three layers:
 *   1. pure logic (no I/O): the defect catalogue, scoring a set of
 *      answers against its key, feedback naming the check that would
 *      have caught each miss, refresher due dates, the practice
 *      scheduler (deterministic in the record and the date);
 *   2. exercise building and inspection: documents made with the real
 *      specimen generator (tdv/specimen.h), personalisation with defects
 *      (tdv/pki.h), the virtual chip (tdv/emu.h), screening lists
 *      (tdv/screen.h), and run through the same inspection pipeline as
 *      live work (tdv/inspect.h) — the result goes to a training record,
 *      never to a movement;
 *   3. the training database (tdv_train_db): SQLite, its own schema,
 *      kept in a file next to the checkpoint store's (the store API of
 *      tdv/store.h has no way to run other SQL on its database).
 *
 * Answers are kept on the server side: tdv_train_db_set_json() writes a
 * set for a trainee without the key; the key and the feedback are given
 * only after the trainee's own submission, or to a trainer above the
 * trainee in the cascade.
 */
#ifndef TDV_TRAIN_H
#define TDV_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/json.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tdv_store; /* tdv/store.h */

/* ------------------------------------------------------------------ */
/* Defect catalogue                                                    */
/* ------------------------------------------------------------------ */

typedef enum tdv_train_defect {
	TDV_TRAIN_MRZ_CHECK_DIGIT = 0, /* a printed MRZ check digit altered */
	TDV_TRAIN_VIZ_MISMATCH,        /* visual zone differs from the MRZ */
	TDV_TRAIN_EXPIRED,             /* document expired */
	TDV_TRAIN_CHIP_DG1,            /* chip DG1 altered after signing */
	TDV_TRAIN_CHIP_DG2,            /* chip DG2 (photo) altered after signing */
	TDV_TRAIN_PHOTO_SUBSTITUTION,  /* page photo differs from the chip's */
	TDV_TRAIN_FORGED_SOD,          /* SOD signature does not verify */
	TDV_TRAIN_UNKNOWN_CSCA,        /* issuing certificate not trusted */
	TDV_TRAIN_REVOKED_DS,          /* Document Signer on the CRL */
	TDV_TRAIN_CLONED_CHIP,         /* AA/CA fail: copied chip */
	TDV_TRAIN_LOST_STOLEN,         /* document on the lost/stolen list */
	TDV_TRAIN_WATCHLIST,           /* traveller on a watchlist */
	TDV_TRAIN_NDEFECTS
} tdv_train_defect;

/* A set of defects: bit (1u << defect). 0 = genuine document. */
typedef uint32_t tdv_train_defects;
#define TDV_TRAIN_ALL_DEFECTS ((1u << TDV_TRAIN_NDEFECTS) - 1u)

/* Difficulty: first-line (primary inspection) or second-line (examiner). */
typedef enum tdv_train_level {
	TDV_TRAIN_FIRST_LINE = 1,
	TDV_TRAIN_SECOND_LINE = 2,
} tdv_train_level;

/* "mrz-check-digit", ...; NULL out of range. */
const char *tdv_train_defect_name(tdv_train_defect d);
/* "MRZ check digit altered", ... */
const char *tdv_train_defect_label(tdv_train_defect d);
/* The inspection check that catches it ("mrz.check_digits", "pa.dg1.hash",
 * "chip.aa_ca", ...): the feedback names it for every miss. */
const char *tdv_train_defect_check(tdv_train_defect d);
/* One sentence: what the officer should have looked at. */
const char *tdv_train_defect_advice(tdv_train_defect d);
/* The lowest level whose sets contain it. */
tdv_train_level tdv_train_defect_level(tdv_train_defect d);
/* TDV_EINVAL for an unknown name. */
int tdv_train_defect_parse(const char *name, tdv_train_defect *out);
/* Parse "a,b,c" (names; "" or "genuine" = none). TDV_EINVAL on an
 * unknown name, TDV_ELIMIT past 256 bytes. */
int tdv_train_defects_parse(const char *list, tdv_train_defects *out);
/* Write "a,b" ("genuine" for 0) into out. */
int tdv_train_defects_format(tdv_train_defects d, char *out, size_t outsz);

const char *tdv_train_level_name(tdv_train_level l); /* "first-line" */
int tdv_train_level_parse(const char *name, tdv_train_level *out);

/* ------------------------------------------------------------------ */
/* Answers and scoring                                                 */
/* ------------------------------------------------------------------ */

typedef enum tdv_train_decision {
	TDV_TRAIN_NO_ANSWER = 0,
	TDV_TRAIN_ADMIT = 1,
	TDV_TRAIN_REFUSE = 2,
	TDV_TRAIN_REFER = 3,
} tdv_train_decision;

const char *tdv_train_decision_name(tdv_train_decision d); /* "admit" */
int tdv_train_decision_parse(const char *name, tdv_train_decision *out);

#define TDV_TRAIN_REASON_MAX 200
#define TDV_TRAIN_MAX_DOCS 100

/* A trainee's answer for one document. */
typedef struct tdv_train_response {
	tdv_train_decision decision;
	tdv_train_defects named;   /* the defects the trainee named */
	int64_t time_ms;           /* time spent on the document */
	char reason[TDV_TRAIN_REASON_MAX + 1];
} tdv_train_response;

typedef struct tdv_train_score_opts {
	double pass_mark;     /* percent needed to pass; <= 0: 80 */
	int64_t limit_ms;     /* timed set: time allowed per document; 0 untimed */
} tdv_train_score_opts;

typedef struct tdv_train_score {
	int ndocs;
	int answered;
	int genuine;          /* genuine documents in the set */
	int false_alarms;     /* genuine documents refused or referred */
	int defective;        /* documents with at least one defect */
	int stopped;          /* defective documents not admitted */
	int wrongly_named;    /* named defects the document does not have */
	int overtime;         /* answers over limit_ms (timed sets) */
	int presented[TDV_TRAIN_NDEFECTS]; /* defect instances shown */
	int detected[TDV_TRAIN_NDEFECTS];  /* stopped and named */
	int64_t total_ms, max_ms;
	double mean_ms;
	int64_t limit_ms;     /* the time limit scored against (0 untimed) */
	double percent;       /* 0..100, see tdv_train_score_set */
	bool passed;
} tdv_train_score;

/*
 * Score n answers against the key (the defects of each document).
 * Points per document: a genuine one admitted scores 1; a defective one
 * not admitted scores 1/2 plus 1/2 times the share of its defects named,
 * minus nothing for extra names (counted in wrongly_named); admitted or
 * unanswered scores 0; on a timed set an answer over the limit scores 0.
 * A defect is detected when its document was not admitted and the
 * trainee named it. percent = points / n * 100. TDV_EINVAL when n is
 * outside 1..TDV_TRAIN_MAX_DOCS.
 */
int tdv_train_score_set(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score_opts *o,
    tdv_train_score *out);

/* Detection rate of one defect type in percent; -1 when not presented. */
double tdv_train_detection_rate(const tdv_train_score *s, tdv_train_defect d);

/*
 * Feedback after a set: for every document, what it had, what the
 * trainee answered, and for each miss the check that would have caught
 * it and what to look at. JSON: {"score":{..},"documents":[{"index",
 * "defects":[..],"decision","named":[..],"correct","missed":[{"defect",
 * "label","check","advice"}],"false_alarm"}]} and, per defect type,
 * "by_defect":[{"defect","presented","detected","rate"}].
 */
void tdv_train_feedback_json(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score *s,
    tdv_json *j);
/* The same as lines of text for the CLI. */
int tdv_train_feedback_text(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score *s,
    tdv_buf *out);
void tdv_train_score_json(const tdv_train_score *s, tdv_json *j);

/* ------------------------------------------------------------------ */
/* Refresher due dates                                                 */
/* ------------------------------------------------------------------ */

/* last + months (the day clamped to the end of a shorter month).
 * TDV_EINVAL for an invalid date or months outside 1..120. */
int tdv_train_add_months(const tdv_date *last, int months, tdv_date *out);

typedef enum tdv_train_due_status {
	TDV_TRAIN_DUE_NEVER_TRAINED = 0, /* no passed course: induction due */
	TDV_TRAIN_DUE_OK,
	TDV_TRAIN_DUE_SOON,              /* due within warn_days */
	TDV_TRAIN_DUE_OVERDUE,
} tdv_train_due_status;

const char *tdv_train_due_status_name(tdv_train_due_status s); /* "ok" */

/* Refresher due date from the last passed course (induction or
 * refresher; NULL or year 0 when none), and its status on today. */
int tdv_train_refresher_due(const tdv_date *last_passed, int period_months,
    const tdv_date *today, int warn_days, tdv_date *due,
    tdv_train_due_status *status);

/* ------------------------------------------------------------------ */
/* Practice between courses: spaced repetition                         */
/* ------------------------------------------------------------------ */

#define TDV_TRAIN_DRILL_DEFAULT 5
#define TDV_TRAIN_DRILL_MAX 10
#define TDV_TRAIN_MAX_INTERVAL 180 /* days */

/* An officer's state for one defect type. */
typedef struct tdv_train_skill {
	int seen;          /* times presented in drills and sets */
	int right;         /* times detected */
	int streak;        /* detections in a row since the last miss */
	int lapses;        /* misses */
	int interval_days; /* current interval; 0 before the first success */
	long due_day;      /* days since 1970 when it is due; 0 = new */
	long last_day;
	long missed_drill; /* drill number of a pending miss, 0 when none */
} tdv_train_skill;

typedef struct tdv_train_record {
	long drills;       /* drills completed */
	tdv_train_level level; /* the officer's post level (first/second) */
	tdv_train_skill skill[TDV_TRAIN_NDEFECTS];
} tdv_train_record;

void tdv_train_record_init(tdv_train_record *r, tdv_train_level level);

/* The slots of a drill: a defect type or -1 for a genuine document. */
typedef struct tdv_train_drill_plan {
	int n;
	int slot[TDV_TRAIN_DRILL_MAX];
	tdv_train_level level; /* difficulty chosen from the record */
} tdv_train_drill_plan;

/*
 * Plan the next drill of `size` documents (0: TDV_TRAIN_DRILL_DEFAULT)
 * for an officer on `day`. Deterministic: the same record, officer id and
 * day give the same plan. Rules:
 *  - types with a pending miss come first, the oldest miss first, so a
 *    missed type reappears in the next drill, or the one after when more
 *    were missed than fit;
 *  - then types due on or before day, the most overdue first;
 *  - then at most two new (never seen) types of the allowed level;
 *  - one slot at least is a genuine document (false-alarm practice) and
 *    any slot left is genuine: a type not yet due is not drawn, so one
 *    answered right keeps coming back only at its growing interval;
 *  - second-line types are allowed when the record's level is second
 *    line, or when every first-line type has a streak of 2 or more.
 * Ties are broken by a hash of officer, day and type, and the slot order
 * is shuffled by the same hash.
 */
int tdv_train_practice_plan(const tdv_train_record *r, const char *officer,
    const tdv_date *day, int size, tdv_train_drill_plan *out);

/*
 * Record the outcome of a drill (or an exercise set) on `day`: every
 * defect instance presented is detected (right: streak+1, interval
 * 1, 2, 4, 8 ... days capped at TDV_TRAIN_MAX_INTERVAL, due = day +
 * interval) or missed (lapse: streak 0, interval 0, due today, pending
 * miss at this drill's number). is_drill increments the drill count.
 */
int tdv_train_practice_update(tdv_train_record *r, const tdv_date *day,
    const tdv_train_defects *key, const tdv_train_response *resp, int n,
    bool is_drill);

/* 64-bit FNV-1a of officer, ISO day and a salt: the scheduler's hash,
 * exposed so the bank pick and tests use the same one. */
uint64_t tdv_train_hash(const char *officer, const tdv_date *day,
    uint64_t salt);

/* ------------------------------------------------------------------ */
/* Cascade                                                             */
/* ------------------------------------------------------------------ */

typedef enum tdv_train_role {
	TDV_TRAIN_TRAINEE = 1,
	TDV_TRAIN_TRAINER = 2,
	TDV_TRAIN_MASTER = 3,  /* master trainer */
} tdv_train_role;

const char *tdv_train_role_name(tdv_train_role r); /* "trainee", "trainer",
                                                       "master-trainer" */
int tdv_train_role_parse(const char *name, tdv_train_role *out);

/* May someone of role `trainer` be the trainer of someone of role
 * `person`? A master trainer trains trainers and trainees (and other
 * master trainers); a trainer trains trainees; a trainee trains no one. */
bool tdv_train_cascade_allows(tdv_train_role trainer, tdv_train_role person);

/* ------------------------------------------------------------------ */
/* Exercise documents: building and inspection                         */
/* ------------------------------------------------------------------ */

/*
 * An exercise document on disk (directory doc-NN of a set):
 *   page.png        the data page (specimen generator), portrait inset
 *   portrait.jpg    the photo printed on the page
 *   viz.json        the visual zone as printed (surname, given names,
 *                   document number, birth, expiry, nationality, sex)
 *   mrz.txt         the printed MRZ as printed (the chip's access key)
 *   chip/           the chip's LDS and keys (tdverify personalise layout)
 *   chip.json       emulator options ({"clone":true} for a cloned chip)
 * The set directory holds set.json (no answers), answers.json (the key;
 * the server never serves it to a trainee), sltd.csv and its index
 * sltd.idx, watchlist.csv, and trust/ (the CSCAs and CRLs the station
 * trusts: the PKI's own, never the unknown CSCA).
 */

typedef struct tdv_train_build_opts {
	const char *pki_dir;   /* test PKI (created when missing) */
	const char *out_dir;   /* set directory (created; must not exist) */
	tdv_date today;        /* the exercise day */
	uint64_t seed;
	int ndocs;             /* 1..TDV_TRAIN_MAX_DOCS */
	tdv_train_level level;
	/* Explicit key (ndocs entries) or NULL: drawn from the seed with
	 * about a quarter genuine, defects of the level, one per document
	 * and two on some second-line documents. */
	const tdv_train_defects *key;
	int dpi;               /* page resolution; 0 = 150 */
} tdv_train_build_opts;

/*
 * Build a set: for each document generate a person and a specimen page,
 * personalise the chip (with the personalisation defect when the key asks
 * for chip DG1/DG2, forged SOD, unknown CSCA or revoked DS), and apply
 * the page-level and list-level defects. key_out (ndocs entries, may be
 * NULL) receives the key. Writes the layout above.
 */
int tdv_train_build_set(const tdv_train_build_opts *o,
    tdv_train_defects *key_out);

/* Read a set directory's key (answers.json). */
int tdv_train_read_key(const char *set_dir, tdv_train_defects *key,
    int max, int *n);

/*
 * Inspect exercise document `index` (0-based) of a set directory with
 * the live pipeline: the printed MRZ, the chip read in process from the
 * virtual ePassport (BAC/PACE, AA/CA), Passive Authentication against
 * the set's trust/, the visual zone compared with the MRZ, the page
 * photo compared with the chip's DG2 photo, and the set's lost/stolen
 * list and watchlist. The report JSON (tdv_inspection_to_json plus
 * "training":true) goes to out; *verdict (may be NULL) receives the
 * verdict, *caught (may be NULL) the defect types whose catching check
 * failed.
 */
int tdv_train_inspect_doc(const char *set_dir, int index,
    const tdv_date *today, tdv_buf *out, int *verdict,
    tdv_train_defects *caught);

/* ------------------------------------------------------------------ */
/* Training database                                                   */
/* ------------------------------------------------------------------ */

typedef struct tdv_train_db tdv_train_db;

#define TDV_TRAIN_SCHEMA_VERSION 2
#define TDV_TRAIN_ID_MAX 32   /* officer, checkpoint ids as in tdv/store.h */
#define TDV_TRAIN_NAME_MAX 96
#define TDV_TRAIN_SETID_LEN 26 /* ULID */

/* Open or create the training database (SQLite file; migrations
 * applied). TDV_ESTORE_SCHEMA when written by a newer version. */
int tdv_train_db_open(const char *path, tdv_train_db **out);
void tdv_train_db_free(tdv_train_db **db);
/* The last SQLite message, "" if none. */
const char *tdv_train_db_errmsg(const tdv_train_db *db);

/* Settings: "refresher_months" (default 12), "pass_mark" (default 80),
 * "warn_days" (default 30). */
int tdv_train_db_config_set(tdv_train_db *db, const char *key, long value);
int tdv_train_db_config_get(tdv_train_db *db, const char *key, long *value);

/* People in the cascade. trainer may be NULL/"" only for a master
 * trainer. TDV_EINVAL when the cascade does not allow it, TDV_ENOENT for
 * an unknown trainer, TDV_EEXIST when the id exists. */
typedef struct tdv_train_person {
	char id[TDV_TRAIN_ID_MAX + 1];
	char name[TDV_TRAIN_NAME_MAX + 1];
	char checkpoint[TDV_TRAIN_ID_MAX + 1];
	tdv_train_role role;
	tdv_train_level level;
	char trainer[TDV_TRAIN_ID_MAX + 1];
} tdv_train_person;

int tdv_train_db_person_add(tdv_train_db *db, const tdv_train_person *p);
int tdv_train_db_person_get(tdv_train_db *db, const char *id,
    tdv_train_person *out);
/* Does `viewer` see `person`'s records: themselves, or a trainer above
 * them in the cascade (any depth up to 16). */
int tdv_train_db_can_see(tdv_train_db *db, const char *viewer,
    const char *person, bool *yes);

/* Register a built set directory (reads set.json and answers.json).
 * by: the trainer. set_id_out receives the new set's id. */
int tdv_train_db_set_add(tdv_train_db *db, const char *set_dir,
    const char *title, tdv_train_level level, int64_t limit_ms,
    const char *by, char set_id_out[TDV_TRAIN_SETID_LEN + 1]);

/* Is (issuing state, document number) one of the registered exercise
 * documents? Live inspection refuses them (exercise data stays in
 * training mode). */
int tdv_train_db_is_exercise_doc(tdv_train_db *db, const char *state,
    const char *number, bool *yes);

/* A set as a trainee sees it: title, level, limit, and for each
 * document its index and files, never the defects. With
 * with_answers, the key too: only a trainer or master trainer may ask
 * (TDV_EPERM otherwise). */
int tdv_train_db_set_json(tdv_train_db *db, const char *set_id,
    const char *viewer, bool with_answers, tdv_json *j);

typedef enum tdv_train_course {
	TDV_TRAIN_EXERCISE = 0,
	TDV_TRAIN_INDUCTION,
	TDV_TRAIN_REFRESHER,
	TDV_TRAIN_DRILL,
} tdv_train_course;

const char *tdv_train_course_name(tdv_train_course c); /* "induction" */
int tdv_train_course_parse(const char *name, tdv_train_course *out);

/* Start an attempt of a set by a trainee; trainer (may be NULL: the
 * trainee's own) runs the session. */
int tdv_train_db_attempt_start(tdv_train_db *db, const char *set_id,
    const char *trainee, const char *trainer, tdv_train_course course,
    const tdv_date *day, char attempt_out[TDV_TRAIN_SETID_LEN + 1]);

/* Answer one document. actor must be the attempt's trainee (TDV_EPERM
 * otherwise) and the attempt still open (TDV_EPERM after submission). */
int tdv_train_db_answer(tdv_train_db *db, const char *attempt,
    const char *actor, int index, const tdv_train_response *r);

/*
 * Submit: scores the attempt, writes the per-defect results, the course
 * record (induction/refresher, passed or not, with the trainer) and the
 * practice state, and gives the feedback JSON. actor must be the
 * trainee. TDV_EPERM for anyone else or a second submission.
 */
int tdv_train_db_submit(tdv_train_db *db, const char *attempt,
    const char *actor, const tdv_date *day, tdv_json *feedback,
    tdv_train_score *score);

/* Feedback of a submitted attempt for viewer (the trainee or a trainer
 * above). TDV_EPERM before submission or for anyone else. */
int tdv_train_db_feedback(tdv_train_db *db, const char *attempt,
    const char *viewer, tdv_json *j);

/* The officer's practice record (a new one when none is stored). */
int tdv_train_db_record_get(tdv_train_db *db, const char *officer,
    tdv_train_record *r);

/*
 * Create today's practice drill for an officer: plans it with
 * tdv_train_practice_plan and draws each slot from the exercise bank
 * (documents of every registered set that have exactly that defect, or
 * none), deterministically. The drill is a set (course "drill") with an
 * open attempt; TDV_ENOENT when the bank has nothing to offer.
 */
int tdv_train_db_drill(tdv_train_db *db, const char *officer,
    const tdv_date *day, int size, char set_out[TDV_TRAIN_SETID_LEN + 1],
    char attempt_out[TDV_TRAIN_SETID_LEN + 1]);

/* Reports. */
/* Who is due or overdue for refresher training, per checkpoint (all
 * checkpoints when NULL), as seen by viewer (their trainees; everyone
 * for a master trainer). CSV when csv, else JSON array. */
int tdv_train_db_report_due(tdv_train_db *db, const char *viewer,
    const char *checkpoint, const tdv_date *today, bool csv, tdv_buf *out);
/* Detection rates by defect type and pass rates by month (YYYY-MM) over
 * submitted attempts of checkpoint (NULL all). */
int tdv_train_db_report_rates(tdv_train_db *db, const char *checkpoint,
    bool csv, tdv_buf *out);
/* Per officer: courses, scores, certificates, trainer, refresher due. */
int tdv_train_db_report_officer(tdv_train_db *db, const char *viewer,
    const char *officer, const tdv_date *today, tdv_json *j);
/* A printable certificate (HTML with a print stylesheet) for a passed
 * induction or refresher attempt. TDV_ENOENT when not passed. */
int tdv_train_db_certificate(tdv_train_db *db, const char *attempt,
    tdv_buf *html);

/* ------------------------------------------------------------------ */
/* Results for headquarters: through the audit chain's sync            */
/* ------------------------------------------------------------------ */

/*
 * A station keeps training results in its own training database and also
 * appends each submitted result (set or drill) to its checkpoint's audit
 * chain in the main store (tdv/store.h): action TDV_TRAIN_RESULT_ACTION,
 * actor the trainee, object the attempt id, detail the result JSON below.
 * The existing audit sync (tdverify sync push) carries these entries to
 * the central store, so posts train offline and headquarters reports from
 * the entries it received; no transport of its own.
 */
#define TDV_TRAIN_RESULT_ACTION "train.result"
#define TDV_TRAIN_RESULT_MAX 1024 /* = TDV_AUDIT_DETAIL_MAX */

/*
 * The result of a submitted attempt as one compact JSON object of at most
 * TDV_TRAIN_RESULT_MAX bytes:
 *   {"v":1,"attempt","set","officer","checkpoint","trainer","course",
 *    "level","day","percent","passed","docs","genuine","false_alarms",
 *    "mean_ms","detected":{"<defect>":[presented,detected],...}}
 * TDV_EPERM when the attempt is not submitted, TDV_ENOENT when unknown.
 */
int tdv_train_db_result_json(tdv_train_db *db, const char *attempt,
    tdv_buf *out);

/*
 * Headquarters' training report from the TDV_TRAIN_RESULT_ACTION entries
 * of the audit chains of `checkpoints` (n of them) in a store of either
 * backend: per officer the courses passed, the refresher due date
 * (refresher_months after the last passed induction or refresher; status
 * as tdv_train_refresher_due with warn_days), sets and drills done, mean
 * score and the skill by defect type; per checkpoint the pass rate and the
 * detection rate by defect type (what the post keeps missing). JSON
 * {"officers":[..],"checkpoints":[..]} or CSV (one row per officer and
 * defect type, and per checkpoint and defect type). Entries whose detail
 * is not a result object are counted in "unreadable" and skipped.
 */
int tdv_train_central_report(struct tdv_store *store,
    const char *const *checkpoints, int n, const tdv_date *today,
    int refresher_months, int warn_days, bool csv, tdv_buf *out);

/* ------------------------------------------------------------------ */
/* HTTP API, independent of the server                                 */
/* ------------------------------------------------------------------ */

/*
 * The station's training routes as one call, so the web server only
 * forwards requests under /api/train/ with the logged-in officer's id
 * (the session decides who the actor is; the body never does):
 *
 *   POST /api/train/sets                 build and register a set (trainer)
 *        {"title","docs","level","key":["genuine","expired",..]|null,
 *         "seed","limit_seconds"}
 *   GET  /api/train/sets/ID[?answers=1]  the set; the key for trainers only
 *   GET  /api/train/sets/ID/docs/N/page.png | portrait.jpg
 *   POST /api/train/attempts             {"set","course","trainer"} start
 *   POST /api/train/attempts/ID/inspect/N   the live pipeline on document N
 *                                          (report marked "training":true)
 *   POST /api/train/attempts/ID/answers  {"doc","decision","defects":[..],
 *                                          "time_ms","reason"}
 *   POST /api/train/attempts/ID/submit   score and feedback
 *   GET  /api/train/attempts/ID/feedback
 *   POST /api/train/drill                today's practice drill
 *   GET  /api/train/reports/due[?csv=1&checkpoint=CP]
 *   GET  /api/train/reports/rates[?csv=1&checkpoint=CP]
 *   GET  /api/train/reports/skills[?csv=1]  per officer and post, from the
 *                                          results in the audit chain
 *   GET  /api/train/records/OFFICER
 *   GET  /api/train/certificates/ATTEMPT (HTML)
 *
 * Errors are {"error":code,"message":..} with 400, 403, 404, 405 or 500.
 * No route serves a set's answers.json, the chip's private keys or the
 * lists; nothing here writes a movement.
 */
typedef struct tdv_train_api_config {
	tdv_train_db *db;
	const char *sets_dir; /* where POST /sets builds (set-<id>/) */
	const char *pki_dir;  /* the training PKI (created when missing) */
	tdv_date today;
	/* GET /api/train/reports/skills: tdv_train_central_report over this
	 * checkpoint's own audit chain in the station's store (NULL: 404),
	 * for trainers and for the station's supervisors (actor_supervisor,
	 * the session's role, decided by the caller). */
	struct tdv_store *store;
	const char *checkpoint;
	bool actor_supervisor;
} tdv_train_api_config;

#define TDV_TRAIN_API_BODY_MAX 65536

typedef struct tdv_train_api_response {
	int status;                /* HTTP status */
	const char *content_type;  /* "application/json", "text/csv", ... */
	tdv_buf body;              /* initialised by the call; free it */
	/* Set by a successful submit (else ""): the attempt and its result
	 * JSON (tdv_train_db_result_json), for the caller to append to the
	 * station's audit chain as action TDV_TRAIN_RESULT_ACTION. */
	char result_attempt[TDV_TRAIN_SETID_LEN + 1];
	char result_json[TDV_TRAIN_RESULT_MAX + 1];
} tdv_train_api_response;

int tdv_train_api_handle(const tdv_train_api_config *cfg, const char *method,
    const char *path, const char *query, const char *actor,
    const char *body, size_t body_len, tdv_train_api_response *resp);

#ifdef __cplusplus
}
#endif
#endif
