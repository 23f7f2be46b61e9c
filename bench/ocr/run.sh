#!/bin/sh
# bench/ocr: MRZ reading accuracy and time on 1,000 clean and 1,000
# distorted specimens (fixed seeds), against Tesseract 5 in the same run.
# OCR_BENCH_N=100 for a quicker look. One core (taskset when available).
set -eu
build=${1:?usage: run.sh BUILD_DIR}
n=${OCR_BENCH_N:-1000}
bin="$build/bench/bench_ocr"
[ -x "$bin" ] || bin="$build/bench_ocr"
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
export OMP_THREAD_LIMIT=1
exec $pin "$bin" --clean "$n" --distorted "$n" --level 2
