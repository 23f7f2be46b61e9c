/*
 * tdverify ocr: read the MRZ from photos or scans of data pages (see
 * docs/man/tdverify-ocr.1). Directories are read in name order; progress
 * goes to stderr when it is a terminal.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/json.h"
#include "tdv/ocr.h"

#define MAX_FILES 1000000

static void
ocr_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify ocr [--json] [--today YYYY-MM-DD] IMAGE|DIR...\n\n"
	    "Find and read the machine readable zone in PNG or JPEG images of\n"
	    "passport or ID-card data pages (any rotation, also upside down),\n"
	    "correct misreads with the check digits and check the result.\n"
	    "A directory is read entry by entry (*.png, *.jpg, *.jpeg).\n\n"
	    "options:\n"
	    "  --json        one JSON object per image per line (NDJSON): the keys\n"
	    "                of 'tdverify mrz parse --json' plus file, lines, raw,\n"
	    "                confidence, corrections, quad, angle, pitch\n"
	    "  --today DATE  reference date for expiry and two-digit years\n"
	    "  -h, --help    this text\n\n"
	    "exit status: 0 every image holds a valid MRZ, 1 some MRZ invalid or\n"
	    "not found, 2 usage error or an image that cannot be read\n");
}

struct ocr_state {
	bool json, progress;
	tdv_date today;
	size_t done, total;
	int status;
	tdv_buf out;
};

static void
worse(struct ocr_state *s, int st)
{
	if (st > s->status)
		s->status = st;
}

/* Two rows of about 30: a TD1 whose third line was not readable. */
static int
partial_td1(const tdv_ocr_search *search)
{
	return search->band_lines == 2 && search->band_chars >= 26 && search->band_chars <= 34;
}

static void
emit_error(struct ocr_state *s, const char *path, const char *msg, const tdv_ocr_search *search)
{
	if (!s->json) {
		if (search == NULL) {
			cli_error("%s: %s", path, msg);
			return;
		}
		printf("%s: %s\n  looked at the whole %dx%d image (working copy 1/%d): "
		       "%d character-sized marks, %d rows of evenly spaced marks "
		       "(longest %d), main text direction %.0f degrees;\n"
		       "  an MRZ is 2 or 3 parallel rows of 30, 36 or 44 OCR-B characters\n",
		    path, msg, search->width, search->height, search->scale, search->marks,
		    search->text_lines, search->longest_line,
		    search->angle_deg == 0 ? 0.0 : search->angle_deg); /* no "-0" */
		if (search->band_lines > 0)
			printf("  seen: %d parallel rows of about %d characters, which fit no MRZ "
			       "layout (TD1 3x30, TD2 2x36, TD3 2x44)%s\n",
			    search->band_lines, search->band_chars,
			    partial_td1(search) ? "; looks like a TD1 MRZ with 2 of its 3 lines "
						  "readable (one line lost)"
						: "");
		return;
	}
	tdv_buf_reset(&s->out);
	tdv_json j;
	tdv_json_init(&j, &s->out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "file");
	tdv_json_string(&j, path);
	tdv_json_key(&j, "valid");
	tdv_json_bool(&j, false);
	tdv_json_key(&j, "error");
	tdv_json_string(&j, msg);
	if (search != NULL) {
		tdv_json_key(&j, "search");
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "width");
		tdv_json_int(&j, search->width);
		tdv_json_key(&j, "height");
		tdv_json_int(&j, search->height);
		tdv_json_key(&j, "marks");
		tdv_json_int(&j, search->marks);
		tdv_json_key(&j, "text_lines");
		tdv_json_int(&j, search->text_lines);
		tdv_json_key(&j, "longest_line");
		tdv_json_int(&j, search->longest_line);
		tdv_json_key(&j, "band_lines");
		tdv_json_int(&j, search->band_lines);
		tdv_json_key(&j, "band_chars");
		tdv_json_int(&j, search->band_chars);
		tdv_json_object_end(&j);
		if (partial_td1(search)) {
			tdv_json_key(&j, "seen");
			tdv_json_string(&j, "TD1 MRZ, 2 of 3 lines readable");
		}
	}
	tdv_json_object_end(&j);
	tdv_buf_putc(&s->out, '\n');
	fwrite(s->out.data, 1, s->out.len, stdout);
}

static void
read_one(struct ocr_state *s, const char *path)
{
	tdv_image *img = NULL;
	int rc = tdv_image_read_file(path, NULL, 1, &img);
	if (rc != TDV_OK) {
		char msg[160];
		snprintf(msg, sizeof(msg), "cannot read image: %s",
		    rc == TDV_EIO || rc == TDV_ENOENT ? strerror(errno) : tdv_strerror(rc));
		emit_error(s, path, msg, NULL);
		worse(s, CLI_USAGE);
		return;
	}
	static tdv_ocr_result r; /* large; one at a time */
	rc = tdv_ocr_read(img, &s->today, &r);
	tdv_image_free(&img);
	if (rc == TDV_EOCR_NOMRZ) {
		emit_error(s, path, "no MRZ found", &r.search);
		worse(s, CLI_INVALID);
		return;
	}
	if (rc != TDV_OK) {
		emit_error(s, path, tdv_strerror(rc), NULL);
		worse(s, CLI_USAGE);
		return;
	}
	tdv_buf_reset(&s->out);
	if (s->json) {
		tdv_json j;
		tdv_json_init(&j, &s->out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "file");
		tdv_json_string(&j, path);
		tdv_ocr_json_members(&r, &j);
		tdv_json_object_end(&j);
		tdv_buf_putc(&s->out, '\n');
	} else {
		tdv_buf_printf(&s->out, "%s: MRZ found, %d lines of %d, turned %.0f degrees\n",
		    path, r.nlines, r.nchars, r.angle_deg);
		for (int l = 0; l < r.nlines; l++)
			tdv_buf_printf(&s->out, "  %s  (confidence %.2f)\n", r.lines[l],
			    r.confidence[l]);
		tdv_buf_printf(&s->out, "  corners: (%.0f,%.0f) (%.0f,%.0f) (%.0f,%.0f) (%.0f,%.0f)\n",
		    r.quad[0][0], r.quad[0][1], r.quad[1][0], r.quad[1][1], r.quad[2][0],
		    r.quad[2][1], r.quad[3][0], r.quad[3][1]);
		tdv_mrz_report(&r.mrz, &s->out);
		tdv_buf_putc(&s->out, '\n');
	}
	fwrite(s->out.data, 1, s->out.len, stdout);
	if (!r.mrz.valid)
		worse(s, CLI_INVALID);
}

static bool
is_image_name(const char *n)
{
	const char *dot = strrchr(n, '.');
	return dot != NULL && (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 ||
				  strcasecmp(dot, ".jpeg") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
tick(struct ocr_state *s)
{
	s->done++;
	if (s->progress)
		fprintf(stderr, "\r%zu/%zu images", s->done, s->total);
}

static void
read_dir(struct ocr_state *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		cli_error("%s: %s", dir, strerror(errno));
		worse(s, CLI_USAGE);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < MAX_FILES) {
		if (!is_image_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	s->total += n;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		int k = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (k > 0 && (size_t)k < sizeof(path))
			read_one(s, path);
		tick(s);
		free(names[i]);
	}
	free(names);
}

int
cmd_ocr(int argc, char **argv)
{
	struct ocr_state s;
	memset(&s, 0, sizeof(s));
	cli_today(&s.today);
	char **files = calloc((size_t)argc, sizeof(*files));
	if (files == NULL)
		return cli_error("out of memory");
	int nfiles = 0;
	bool only_files = false;
	for (int i = 1; i < argc; i++) {
		if (only_files || argv[i][0] != '-' || argv[i][1] == '\0')
			files[nfiles++] = argv[i];
		else if (cli_flag(argv[i], "--"))
			only_files = true;
		else if (cli_flag(argv[i], "--json"))
			s.json = true;
		else if (cli_flag(argv[i], "--today")) {
			if (++i >= argc || cli_parse_today(argv[i], &s.today) != CLI_OK) {
				free(files);
				return i >= argc ? cli_error("--today needs a date YYYY-MM-DD") : CLI_USAGE;
			}
		} else if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
			free(files);
			ocr_usage(stdout);
			return CLI_OK;
		} else {
			free(files);
			return cli_error("ocr: unknown option '%s'", argv[i]);
		}
	}
	if (nfiles == 0) {
		free(files);
		return cli_error("ocr: give one or more image files or directories");
	}
	s.progress = isatty(STDERR_FILENO);
	tdv_buf_init(&s.out, 1 << 16);
	for (int i = 0; i < nfiles; i++) {
		struct stat st;
		if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			read_dir(&s, files[i]);
		} else {
			s.total++;
			read_one(&s, files[i]);
			tick(&s);
		}
	}
	if (s.progress && s.done > 0)
		fputc('\n', stderr);
	tdv_buf_free(&s.out);
	free(files);
	fflush(stdout);
	return s.status;
}
