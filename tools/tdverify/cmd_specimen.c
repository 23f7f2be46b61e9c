/*
 * tdverify specimen: render synthetic data-page images with a correct MRZ
 * and a truth file beside each (see docs/man/tdverify-specimen.1).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/specimen.h"

static void
specimen_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify specimen --out DIR [--format TD3|TD1|TD2|all] [--seed N]\n"
	    "                         [--count K] [--distort 0-3] [--dpi D] [options]\n\n"
	    "Render data-page images (PNG or JPEG) with a correct MRZ in OCR-B, a\n"
	    "portrait placeholder, visual-zone fields and a guilloche background,\n"
	    "with a JSON truth file (MRZ lines, fields, MRZ corners) beside each.\n"
	    "People are generated from the seed; image i uses seed N+i.\n\n"
	    "options:\n"
	    "  --out DIR          directory to write into (created if missing)\n"
	    "  --format F         TD3 (default), TD1, TD2, or all (cycles TD3,TD1,TD2)\n"
	    "  --seed N           first seed (default 1)\n"
	    "  --count K          number of specimens (default 1, at most 100000)\n"
	    "  --distort LEVEL    0 none (default), 1 mild, 2 moderate, 3 strong:\n"
	    "                     random distortions drawn from the seed\n"
	    "  --dpi D            resolution, 150-600 (default 300)\n"
	    "  --today DATE       reference date for issue/expiry dates (2026-01-01)\n"
	    "  --font PATH        OCR-B font file (default: Debian fonts-ocr-b)\n"
	    "  --json             one JSON line per image: {\"file\", \"truth\"}\n"
	    "distortion overrides (applied after --distort):\n"
	    "  --rotate DEG       in-plane rotation, -20..20 (or any)\n"
	    "  --upside-down      turn the page by 180 degrees\n"
	    "  --perspective X    keystone strength 0..0.15\n"
	    "  --defocus SIGMA    Gaussian blur, pixels\n"
	    "  --motion LEN       motion blur length, pixels (--motion-deg DEG)\n"
	    "  --noise SIGMA      Gaussian noise, grey levels\n"
	    "  --lighting X       uneven light depth 0..0.6\n"
	    "  --glare X          glare spot strength 0..1\n"
	    "  --clutter          desk clutter around the page\n"
	    "  --jpeg Q           write JPEG at quality Q (30..100)\n"
	    "  --png              write PNG\n"
	    "  -h, --help         this text\n\n"
	    "exit status: 0 written, 2 usage or output error\n");
}

static int
num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return cli_error("%s: expected a number in %g..%g, got '%s'", opt, lo, hi, s);
	*out = v;
	return CLI_OK;
}

static int
inum(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return cli_error("%s: expected an integer in %ld..%ld, got '%s'", opt, lo, hi, s);
	*out = v;
	return CLI_OK;
}

/* Overrides recorded while parsing, applied to each image's distortion. */
struct over {
	int set_rotate, set_persp, set_defocus, set_motion, set_motion_deg, set_noise,
	    set_lighting, set_glare, set_jpeg;
	bool upside_down, clutter;
	tdv_specimen_distortion v;
};

static void
apply_over(const struct over *o, tdv_specimen_distortion *d)
{
	if (o->set_rotate)
		d->rotate_deg = o->v.rotate_deg;
	if (o->upside_down)
		d->upside_down = true;
	if (o->set_persp)
		d->perspective = o->v.perspective;
	if (o->set_defocus)
		d->defocus = o->v.defocus;
	if (o->set_motion)
		d->motion = o->v.motion;
	if (o->set_motion_deg)
		d->motion_deg = o->v.motion_deg;
	if (o->set_noise)
		d->noise = o->v.noise;
	if (o->set_lighting)
		d->lighting = o->v.lighting;
	if (o->set_glare)
		d->glare = o->v.glare;
	if (o->clutter)
		d->clutter = true;
	if (o->set_jpeg)
		d->jpeg_quality = o->v.jpeg_quality;
}

static int
write_file(const char *path, const tdv_buf *b)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return cli_error("%s: cannot create: %s", path, strerror(errno));
	size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
	int bad = n != b->len;
	if (fclose(f) != 0)
		bad = 1;
	if (bad)
		return cli_error("%s: write failed", path);
	return CLI_OK;
}

int
cmd_specimen(int argc, char **argv)
{
	const char *out = NULL, *fontpath = NULL, *fmt = "TD3";
	long seed = 1, count = 1, level = 0, dpi = 300;
	bool json = false;
	struct over o;
	memset(&o, 0, sizeof(o));
	tdv_date today = {2026, 1, 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		double v;
		long l = 0;
		int need = !(cli_flag(a, "--json") || cli_flag(a, "--upside-down") ||
		    cli_flag(a, "--clutter") || cli_flag(a, "--png") || cli_flag(a, "--help") ||
		    cli_flag(a, "-h"));
		if (need && a[0] == '-' && i + 1 >= argc)
			return cli_error("specimen: %s needs a value", a);
		const char *val = need ? argv[i + 1] : NULL;
		int rc = CLI_OK;
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			specimen_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
			continue;
		} else if (cli_flag(a, "--upside-down")) {
			o.upside_down = true;
			continue;
		} else if (cli_flag(a, "--clutter")) {
			o.clutter = true;
			continue;
		} else if (cli_flag(a, "--png")) {
			o.set_jpeg = 1;
			o.v.jpeg_quality = 0;
			continue;
		} else if (cli_flag(a, "--out"))
			out = val;
		else if (cli_flag(a, "--font"))
			fontpath = val;
		else if (cli_flag(a, "--format"))
			fmt = val;
		else if (cli_flag(a, "--seed"))
			rc = inum(a, val, 0, LONG_MAX / 2, &seed);
		else if (cli_flag(a, "--count"))
			rc = inum(a, val, 1, 100000, &count);
		else if (cli_flag(a, "--distort"))
			rc = inum(a, val, 0, 3, &level);
		else if (cli_flag(a, "--dpi"))
			rc = inum(a, val, 150, 600, &dpi);
		else if (cli_flag(a, "--today"))
			rc = cli_parse_today(val, &today);
		else if (cli_flag(a, "--rotate"))
			rc = num(a, val, -360, 360, &o.v.rotate_deg), o.set_rotate = 1;
		else if (cli_flag(a, "--perspective"))
			rc = num(a, val, 0, 0.15, &o.v.perspective), o.set_persp = 1;
		else if (cli_flag(a, "--defocus"))
			rc = num(a, val, 0, 10, &o.v.defocus), o.set_defocus = 1;
		else if (cli_flag(a, "--motion"))
			rc = num(a, val, 0, 30, &o.v.motion), o.set_motion = 1;
		else if (cli_flag(a, "--motion-deg"))
			rc = num(a, val, -360, 360, &o.v.motion_deg), o.set_motion_deg = 1;
		else if (cli_flag(a, "--noise"))
			rc = num(a, val, 0, 80, &o.v.noise), o.set_noise = 1;
		else if (cli_flag(a, "--lighting"))
			rc = num(a, val, 0, 0.6, &o.v.lighting), o.set_lighting = 1;
		else if (cli_flag(a, "--glare"))
			rc = num(a, val, 0, 1, &o.v.glare), o.set_glare = 1;
		else if (cli_flag(a, "--jpeg")) {
			rc = inum(a, val, 30, 100, &l);
			o.v.jpeg_quality = (int)l;
			o.set_jpeg = 1;
		} else
			return cli_error("specimen: unknown option '%s'", a);
		(void)v;
		if (rc != CLI_OK)
			return CLI_USAGE;
		i++;
	}
	if (out == NULL)
		return cli_error("specimen: --out DIR is required");
	static const tdv_mrz_format cycle[] = {TDV_MRZ_TD3, TDV_MRZ_TD1, TDV_MRZ_TD2};
	int ncycle = 1;
	tdv_mrz_format one;
	if (strcmp(fmt, "TD3") == 0)
		one = TDV_MRZ_TD3;
	else if (strcmp(fmt, "TD1") == 0)
		one = TDV_MRZ_TD1;
	else if (strcmp(fmt, "TD2") == 0)
		one = TDV_MRZ_TD2;
	else if (strcmp(fmt, "all") == 0) {
		one = TDV_MRZ_UNKNOWN;
		ncycle = 3;
	} else
		return cli_error("specimen: --format must be TD1, TD2, TD3 or all");
	if (mkdir(out, 0777) != 0 && errno != EEXIST)
		return cli_error("%s: cannot create directory: %s", out, strerror(errno));

	tdv_font *font;
	int rc = tdv_font_open(fontpath, &font);
	if (rc != TDV_OK)
		return cli_error("cannot load the OCR-B font%s%s: %s (install fonts-ocr-b)",
		    fontpath ? " " : "", fontpath ? fontpath : "", tdv_strerror(rc));
	bool progress = isatty(STDERR_FILENO) && count > 1;
	tdv_buf img, truth;
	tdv_buf_init(&img, TDV_IMAGE_MAX_FILE);
	tdv_buf_init(&truth, 1 << 16);
	int status = CLI_OK;
	for (long i = 0; i < count && status == CLI_OK; i++) {
		tdv_specimen_opts so;
		memset(&so, 0, sizeof(so));
		so.format = ncycle == 1 ? one : cycle[i % ncycle];
		so.seed = (uint64_t)(seed + i);
		so.dpi = (int)dpi;
		tdv_specimen_distortion_for_level((int)level, so.seed, &so.distortion);
		apply_over(&o, &so.distortion);
		tdv_specimen s;
		rc = tdv_specimen_generate(font, &so, &today, &s);
		if (rc != TDV_OK) {
			status = cli_error("specimen seed %ld: %s", seed + i, tdv_strerror(rc));
			break;
		}
		tdv_buf_reset(&img);
		tdv_buf_reset(&truth);
		char path[PATH_MAX], tpath[PATH_MAX];
		const char *ext = so.distortion.jpeg_quality > 0 ? "jpg" : "png";
		int n1 = snprintf(path, sizeof(path), "%s/specimen-%ld.%s", out, seed + i, ext);
		int n2 = snprintf(tpath, sizeof(tpath), "%s/specimen-%ld.json", out, seed + i);
		if (n1 < 0 || (size_t)n1 >= sizeof(path) || n2 < 0 || (size_t)n2 >= sizeof(tpath)) {
			tdv_specimen_clear(&s);
			status = cli_error("%s: path too long", out);
			break;
		}
		if ((rc = tdv_specimen_encode(&s, &so.distortion, &img)) != TDV_OK ||
		    (rc = tdv_specimen_truth_json(&s, &so, &truth)) != TDV_OK) {
			tdv_specimen_clear(&s);
			status = cli_error("specimen seed %ld: %s", seed + i, tdv_strerror(rc));
			break;
		}
		tdv_specimen_clear(&s);
		if ((status = write_file(path, &img)) != CLI_OK ||
		    (status = write_file(tpath, &truth)) != CLI_OK)
			break;
		if (json) {
			/* The truth object is embedded as is (it ends with a
			 * newline, dropped here). */
			tdv_buf line;
			tdv_buf_init(&line, 1 << 17);
			tdv_json j;
			tdv_json_init(&j, &line);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "file");
			tdv_json_string(&j, path);
			tdv_json_key(&j, "truth");
			tdv_json_null(&j);
			tdv_json_object_end(&j);
			if (tdv_json_error(&j) == TDV_OK && line.len > 5) {
				/* replace the trailing "null}" with the truth */
				fwrite(line.data, 1, line.len - 5, stdout);
				fwrite(truth.data, 1, truth.len - 1, stdout);
				fputs("}\n", stdout);
			}
			tdv_buf_free(&line);
		} else {
			printf("%s\n", path);
		}
		if (progress)
			fprintf(stderr, "\r%ld/%ld specimens", i + 1, count);
	}
	if (progress)
		fputc('\n', stderr);
	tdv_buf_free(&img);
	tdv_buf_free(&truth);
	tdv_font_free(&font);
	return status;
}
