/*
 * LDS elementary files: identifiers, names, tags (ICAO 9303-10 §4.6,
 * Table 36 file identifiers and Table 34 data group tags) and the tdv_lds
 * container of one document's files, loaded from and saved to a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tdv/error.h"
#include "tdv/lds.h"

struct tdv_lds {
	uint8_t *data[TDV_EF_COUNT];
	size_t len[TDV_EF_COUNT];
	bool present[TDV_EF_COUNT];
};

static const uint32_t dg_tags[17] = {
	0, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B,
	0x6C, 0x6D, 0x6E, 0x6F, 0x70,
};

static const char *const dg_names[17] = {
	NULL, "DG1", "DG2", "DG3", "DG4", "DG5", "DG6", "DG7", "DG8", "DG9",
	"DG10", "DG11", "DG12", "DG13", "DG14", "DG15", "DG16",
};

static const char *const dg_files[17] = {
	NULL, "DG1.bin", "DG2.bin", "DG3.bin", "DG4.bin", "DG5.bin", "DG6.bin",
	"DG7.bin", "DG8.bin", "DG9.bin", "DG10.bin", "DG11.bin", "DG12.bin",
	"DG13.bin", "DG14.bin", "DG15.bin", "DG16.bin",
};

const char *
tdv_lds_ef_name(int ef)
{
	if (ef >= 1 && ef <= 16)
		return dg_names[ef];
	switch (ef) {
	case TDV_EF_SOD: return "EF.SOD";
	case TDV_EF_COM: return "EF.COM";
	case TDV_EF_CARDACCESS: return "EF.CardAccess";
	case TDV_EF_CARDSECURITY: return "EF.CardSecurity";
	default: return NULL;
	}
}

const char *
tdv_lds_ef_filename(int ef)
{
	if (ef >= 1 && ef <= 16)
		return dg_files[ef];
	return tdv_lds_ef_name(ef);
}

int
tdv_lds_ef_fid(int ef)
{
	if (ef >= 1 && ef <= 16)
		return 0x0100 + ef;
	switch (ef) {
	case TDV_EF_SOD: return 0x011D;
	case TDV_EF_COM: return 0x011E;
	case TDV_EF_CARDACCESS: return 0x011C;
	case TDV_EF_CARDSECURITY: return 0x011D;
	default: return -1;
	}
}

int
tdv_lds_ef_sfi(int ef)
{
	if (ef >= 1 && ef <= 16)
		return ef;
	switch (ef) {
	case TDV_EF_SOD: return 0x1D;
	case TDV_EF_COM: return 0x1E;
	case TDV_EF_CARDACCESS: return 0x1C;
	case TDV_EF_CARDSECURITY: return 0x1D;
	default: return -1;
	}
}

uint32_t
tdv_lds_ef_tag(int ef)
{
	if (ef >= 1 && ef <= 16)
		return dg_tags[ef];
	if (ef == TDV_EF_SOD)
		return 0x77;
	if (ef == TDV_EF_COM)
		return 0x60;
	return 0;
}

int
tdv_lds_dg_from_tag(uint32_t tag)
{
	for (int i = 1; i <= 16; i++)
		if (dg_tags[i] == tag)
			return i;
	return 0;
}

tdv_lds *
tdv_lds_new(void)
{
	return calloc(1, sizeof(tdv_lds));
}

static void
drop(tdv_lds *lds, int ef)
{
	if (lds->data[ef] != NULL) {
		OPENSSL_cleanse(lds->data[ef], lds->len[ef]);
		free(lds->data[ef]);
	}
	lds->data[ef] = NULL;
	lds->len[ef] = 0;
	lds->present[ef] = false;
}

void
tdv_lds_free(tdv_lds **lds)
{
	if (lds == NULL || *lds == NULL)
		return;
	for (int i = 0; i < TDV_EF_COUNT; i++)
		drop(*lds, i);
	free(*lds);
	*lds = NULL;
}

static bool
ef_valid(int ef)
{
	return ef >= 1 && ef < TDV_EF_COUNT;
}

int
tdv_lds_set(tdv_lds *lds, int ef, const uint8_t *data, size_t len)
{
	if (lds == NULL || !ef_valid(ef) || (data == NULL && len != 0))
		return TDV_EINVAL;
	if (len > TDV_LDS_MAX_FILE)
		return TDV_ELIMIT;
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return TDV_ENOMEM;
	if (len)
		memcpy(copy, data, len);
	drop(lds, ef);
	lds->data[ef] = copy;
	lds->len[ef] = len;
	lds->present[ef] = true;
	return TDV_OK;
}

int
tdv_lds_get(const tdv_lds *lds, int ef, const uint8_t **data, size_t *len)
{
	if (lds == NULL || !ef_valid(ef) || data == NULL || len == NULL)
		return TDV_EINVAL;
	if (!lds->present[ef])
		return TDV_ENOENT;
	*data = lds->data[ef];
	*len = lds->len[ef];
	return TDV_OK;
}

bool
tdv_lds_has(const tdv_lds *lds, int ef)
{
	return lds != NULL && ef_valid(ef) && lds->present[ef];
}

/* Read a whole regular file, at most max bytes. */
static int
read_file(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return TDV_EIO;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return TDV_ELIMIT;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *p = malloc(n ? n : 1);
	if (p == NULL) {
		close(fd);
		return TDV_ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != n) {
		free(p);
		return TDV_EIO;
	}
	*out = p;
	*outlen = n;
	return TDV_OK;
}

/* Alternative names other tools write (JMRTD dumps, pypassport...). */
static int
ef_from_filename(const char *name)
{
	static const struct {
		const char *name;
		int ef;
	} alias[] = {
		{"EF.COM", TDV_EF_COM}, {"EF.COM.bin", TDV_EF_COM},
		{"EF_COM.bin", TDV_EF_COM}, {"COM.bin", TDV_EF_COM},
		{"EF.SOD", TDV_EF_SOD}, {"EF.SOD.bin", TDV_EF_SOD},
		{"EF_SOD.bin", TDV_EF_SOD}, {"SOD.bin", TDV_EF_SOD},
		{"EF.CardAccess", TDV_EF_CARDACCESS},
		{"EF.CardAccess.bin", TDV_EF_CARDACCESS},
		{"EF_CardAccess.bin", TDV_EF_CARDACCESS},
		{"CardAccess.bin", TDV_EF_CARDACCESS},
		{"EF.CardSecurity", TDV_EF_CARDSECURITY},
		{"EF.CardSecurity.bin", TDV_EF_CARDSECURITY},
		{"EF_CardSecurity.bin", TDV_EF_CARDSECURITY},
		{"CardSecurity.bin", TDV_EF_CARDSECURITY},
	};
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(name, alias[i].name) == 0)
			return alias[i].ef;
	/* DGn, DGn.bin, EF_DGn.bin, EF.DGn.bin */
	const char *p = name;
	if (strncmp(p, "EF_", 3) == 0 || strncmp(p, "EF.", 3) == 0)
		p += 3;
	if (strncmp(p, "DG", 2) != 0)
		return 0;
	p += 2;
	int n = 0, digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 2) {
		n = n * 10 + (*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || n < 1 || n > 16)
		return 0;
	if (*p == '\0' || strcmp(p, ".bin") == 0)
		return n;
	return 0;
}

int
tdv_lds_load_dir(tdv_lds *lds, const char *dir)
{
	if (lds == NULL || dir == NULL)
		return TDV_EINVAL;
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	int found = 0, rc = TDV_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		int ef = ef_from_filename(e->d_name);
		if (ef == 0)
			continue;
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			rc = TDV_ELIMIT;
			break;
		}
		uint8_t *buf;
		size_t len;
		rc = read_file(path, TDV_LDS_MAX_FILE, &buf, &len);
		if (rc != TDV_OK)
			break;
		rc = tdv_lds_set(lds, ef, buf, len);
		OPENSSL_cleanse(buf, len);
		free(buf);
		if (rc != TDV_OK)
			break;
		found++;
	}
	closedir(d);
	if (rc == TDV_OK && found == 0)
		rc = TDV_ENOENT;
	return rc;
}

int
tdv_lds_save_dir(const tdv_lds *lds, const char *dir)
{
	if (lds == NULL || dir == NULL)
		return TDV_EINVAL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return TDV_EIO;
	for (int ef = 1; ef < TDV_EF_COUNT; ef++) {
		if (!lds->present[ef])
			continue;
		const char *fn = tdv_lds_ef_filename(ef);
		if (fn == NULL)
			continue;
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, fn);
		if (n < 0 || (size_t)n >= sizeof(path))
			return TDV_ELIMIT;
		FILE *f = fopen(path, "wb");
		if (f == NULL)
			return TDV_EIO;
		size_t w = fwrite(lds->data[ef], 1, lds->len[ef], f);
		if (fclose(f) != 0 || w != lds->len[ef])
			return TDV_EIO;
	}
	return TDV_OK;
}
