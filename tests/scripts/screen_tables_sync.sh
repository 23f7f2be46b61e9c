#!/bin/bash
# src/screen/screen_tables.c must be what src/screen/gen_tables.sh makes
# of data/screen/*.tsv (the data files are the source of truth).
set -u
: "${TDV_SRC:?}"
if sh "$TDV_SRC/src/screen/gen_tables.sh" | cmp -s - "$TDV_SRC/src/screen/screen_tables.c"; then
	echo "ok   screen tables in sync"
else
	echo "FAIL src/screen/screen_tables.c differs from data/screen/*.tsv; run src/screen/gen_tables.sh"
	exit 1
fi
