/* Internal helpers shared by the training module's files. */
#ifndef TDV_TRAIN_INT_H
#define TDV_TRAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/train.h"

#define TDV__TRAIN_FILE_MAX (16u << 20)
#define TDV__TRAIN_PATH_MAX 4096

/* Write a whole file (mode 0644) / read one bounded by max. */
int tdv__train_write(const char *path, const void *p, size_t len);
int tdv__train_read(const char *path, size_t max, tdv_buf *out);
/* mkdir that accepts an existing directory. */
int tdv__train_mkdir(const char *path);
/* snprintf into a path buffer; TDV_ELIMIT when it does not fit. */
int tdv__train_path(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Photo comparison: both photos area-averaged to 24x32 grey cells and
 * compared by normalised correlation. Below TDV__PHOTO_MATCH_MIN they are
 * taken to show different faces (the same portrait after printing and
 * scaling correlates above 0.95; the builder makes substitutes below 0.6). */
#define TDV__PHOTO_W 24
#define TDV__PHOTO_H 32
#define TDV__PHOTO_CELLS (TDV__PHOTO_W * TDV__PHOTO_H)
#define TDV__PHOTO_MATCH_MIN 0.80
struct tdv_image;
void tdv__train_shrink(const struct tdv_image *g, const int r[4], double *out);
double tdv__train_correlation(const double *a, const double *b, int n);
/* A synthetic face (no real person): head, hair, eyes, shoulders, drawn
 * from the seed; JPEG. */
int tdv__train_face(uint64_t seed, int width, int height, tdv_buf *jpeg);

/* Where document i of a set lives: its origin set directory and index. */
int tdv__train_db_doc_source(tdv_train_db *db, const char *set_id, int i,
    char *dir, size_t dirsz, int *src_idx);
/* TDV_OK when actor is the trainee of attempt (set_out: its set), TDV_EPERM
 * otherwise, TDV_ENOENT for an unknown attempt. */
int tdv__train_db_attempt_owner(tdv_train_db *db, const char *attempt,
    const char *actor, char set_out[TDV_TRAIN_SETID_LEN + 1]);
int tdv__train_db_attempt_trainee(tdv_train_db *db, const char *attempt,
    char trainee[TDV_TRAIN_ID_MAX + 1]);
/* The SQLite handle, for the reports (report.c). */
struct sqlite3;
struct sqlite3 *tdv__train_db_handle(tdv_train_db *db);

#endif
