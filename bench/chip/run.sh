#!/bin/sh
# bench/chip: read + verify a passport (20 KB DG2) via the in-process
# transport to the virtual chip; host CPU per document and READ BINARY
# count against the minimum for the file sizes at the card's maximum Le.
set -eu
build=$1
work=$(mktemp -d /tmp/tdv-bench-chip.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build/bench/bench_chip" 100 "$work"
