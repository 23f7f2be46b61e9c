# tdverify top-level entry points. Everything goes through CMake; this file
# only strings the steps together so that a new machine needs two commands:
#   make run    install what is missing, build, run the main job
#   make test   install what is missing, build, run every test (normal + ASan/UBSan)
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD ?= build-bench
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local
CTEST_ARGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps build asan run test check-all bench fuzz install clean deb

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTDV_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The main job: the checkpoint station on http://127.0.0.1:8080/ with a fresh
# demo (var/demo/: accounts for every role, specimen passports, virtual chips).
run: build
	@$(BUILD)/tdverify serve --demo --listen 127.0.0.1:8080

# Both suites run even when the first fails; the target fails if either did.
test: build asan
	@echo "== ctest: normal build ($(BUILD))"
	@cd $(BUILD) && ctest $(CTEST_ARGS); n=$$?; \
	 echo "== ctest: ASan+UBSan build ($(ASAN_BUILD))"; \
	 cd ../$(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS); a=$$?; \
	 test $$n -eq 0 -a $$a -eq 0

check-all: test

bench: deps
	@scripts/install-deps --bench
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DTDV_BENCH=ON -DTDV_TESTS=OFF >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bench/run-all $(BENCH_BUILD)

# libFuzzer targets (clang); run one with e.g.
#   build-fuzz/fuzz/fuzz_mrz -max_total_time=600 fuzz/corpus/mrz
fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTDV_FUZZ=ON -DTDV_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Debian packages (debian/, dpkg-buildpackage -us -uc -b) into build-deb/, then lintian.
deb: deps
	@scripts/install-deps --deb
	@DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-parallel=$(JOBS) nocheck}" debian/make-deb build-deb

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(BENCH_BUILD)
