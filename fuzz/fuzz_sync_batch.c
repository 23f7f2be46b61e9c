/*
 * libFuzzer target for sync batch ingest (tdv_sync_ingest): arbitrary
 * bytes as the body a checkpoint "CP1" sent, into an in-memory central
 * store. Whatever the input, ingest must return a code and leave the
 * store consistent; accepted records must verify.
 *
 * Run: build-fuzz/fuzz/fuzz_sync_batch -max_total_time=600 fuzz/corpus/sync_batch
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tdv_store *central;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (central == NULL) {
		if (tdv_store_open("sqlite::memory:", &central, NULL, 0) != TDV_OK)
			abort();
		tdv_checkpoint cp = {"CP1", "Fuzz", "UTO"};
		if (tdv_store_checkpoint_put(central, &cp) != TDV_OK)
			abort();
	}
	tdv_sync_result r;
	int rc = tdv_sync_ingest(central, "CP1", (const char *)data, size, &r);
	if (rc == TDV_OK && r.inserted + r.duplicates != r.naudit + r.nmovements)
		abort();
	if (rc == TDV_OK && r.inserted > 0) {
		tdv_audit_report ar;
		if (tdv_store_audit_verify(central, NULL, &ar) != TDV_OK || !ar.intact)
			abort();
	}
	return 0;
}
