/* File helpers for the training module (bounded reads, plain writes). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "train_int.h"
#include "tdv/error.h"

int
tdv__train_path(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz)
		return TDV_ELIMIT;
	return TDV_OK;
}

int
tdv__train_mkdir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return TDV_EIO;
	return TDV_OK;
}

int
tdv__train_write(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return TDV_EIO;
	size_t w = len ? fwrite(p, 1, len, f) : 0;
	int rc = (w == len && fflush(f) == 0) ? TDV_OK : TDV_EIO;
	if (fclose(f) != 0)
		rc = TDV_EIO;
	return rc;
}

int
tdv__train_read(const char *path, size_t max, tdv_buf *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	tdv_buf_init(out, max);
	char chunk[8192];
	int rc = TDV_OK;
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n > 0 && (rc = tdv_buf_append(out, chunk, n)) != TDV_OK)
			break;
		if (n < sizeof(chunk)) {
			if (ferror(f))
				rc = TDV_EIO;
			break;
		}
	}
	fclose(f);
	if (rc != TDV_OK)
		tdv_buf_free(out);
	return rc;
}

