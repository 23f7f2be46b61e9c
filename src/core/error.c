/* Error code names and messages, generated from TDV_ERROR_TABLE. */
#include "tdv/error.h"

#include <stddef.h>

struct err_entry {
	int code;
	const char *name;
	const char *msg;
};

static const struct err_entry err_table[] = {
#define TDV__ERR_ROW(name, value, msg) {value, #name, msg},
	TDV_ERROR_TABLE(TDV__ERR_ROW)
#undef TDV__ERR_ROW
};

static const struct err_entry *
find(int code)
{
	for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == code)
			return &err_table[i];
	return NULL;
}

const char *
tdv_strerror(int code)
{
	const struct err_entry *e = find(code);
	return e ? e->msg : "unknown error";
}

const char *
tdv_strerror_name(int code)
{
	const struct err_entry *e = find(code);
	return e ? e->name : "TDV_EUNKNOWN";
}
