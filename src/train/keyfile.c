/* Reading a set's key (answers.json), bounded and through jansson. */
#include <jansson.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/train.h"

#define KEY_FILE_MAX (64u << 10)

int
tdv_train_read_key(const char *set_dir, tdv_train_defects *key, int max,
    int *n)
{
	char path[TDV__TRAIN_PATH_MAX];
	if (set_dir == NULL || key == NULL || n == NULL || max < 1)
		return TDV_EINVAL;
	int rc = tdv__train_path(path, sizeof(path), "%s/answers.json",
	    set_dir);
	if (rc != TDV_OK)
		return rc;
	tdv_buf b;
	if ((rc = tdv__train_read(path, KEY_FILE_MAX, &b)) != TDV_OK)
		return rc;
	json_error_t err;
	json_t *root = json_loadb((const char *)b.data, b.len, 0, &err);
	tdv_buf_free(&b);
	json_t *arr = root ? json_object_get(root, "key") : NULL;
	if (!json_is_array(arr)) {
		json_decref(root);
		return TDV_ETRAIN;
	}
	size_t cnt = json_array_size(arr);
	if (cnt < 1 || cnt > (size_t)max || cnt > TDV_TRAIN_MAX_DOCS) {
		json_decref(root);
		return TDV_ELIMIT;
	}
	for (size_t i = 0; i < cnt; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s == NULL ||
		    tdv_train_defects_parse(s, &key[i]) != TDV_OK) {
			json_decref(root);
			return TDV_ETRAIN;
		}
	}
	*n = (int)cnt;
	json_decref(root);
	return TDV_OK;
}

