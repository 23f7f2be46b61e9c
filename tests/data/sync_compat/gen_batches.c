/* Fixture generator for tests/data/sync_compat: build sync batches from a
 * checkpoint store with THIS (previous) version's tdv_sync_build_batch,
 * write each to PREFIX-N.json and acknowledge it (cursors moved), exactly
 * as `tdverify sync push` does after the centre's ack. */
#include <stdio.h>
#include <stdlib.h>
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"
int main(int argc, char **argv)
{
	if (argc != 5) { fprintf(stderr, "usage: gen URI CHECKPOINT MAX PREFIX\n"); return 2; }
	tdv_store *s = NULL; char err[256];
	if (tdv_store_open(argv[1], &s, err, sizeof err) != TDV_OK) { fprintf(stderr, "%s\n", err); return 1; }
	tdv_buf b; tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	for (int n = 1;; n++) {
		tdv_sync_batch_info info;
		if (tdv_sync_build_batch(s, argv[2], (int)strtol(argv[3], NULL, 10), &b, &info) != TDV_OK) return 1;
		if (info.naudit + info.nmovements == 0) break;
		char path[512]; snprintf(path, sizeof path, "%s-%d.json", argv[4], n);
		FILE *f = fopen(path, "w"); fwrite(b.data, 1, b.len, f); fputc('\n', f); fclose(f);
		if (tdv_sync_ack(s, argv[2], &info) != TDV_OK) return 1;
		printf("%s: %d audit entries, %d movements\n", path, info.naudit, info.nmovements);
	}
	tdv_buf_free(&b); tdv_store_free(&s); return 0;
}
