# The front door: `make demo` and `make test` do all the set-up on a fresh Debian 12.
BUILD   ?= build
JOBS    ?= $(shell nproc)
PREFIX  ?= /usr/local
CMAKE_FLAGS ?=
# Fuzzing: the libFuzzer targets of tests/fuzz, built with clang in their own directory;
# FUZZ_SECONDS is each target's run time.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build test unit cli demo golden golden-update bench eval install clean format asan fuzz-build fuzz fuzz-ci

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The whole suite once: unit, CLI, golden, JS-compatibility and bad-input tests.
check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Everything CI runs (.ci/run): the suite, then the suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-asan), then every fuzz target briefly (build-fuzz).
test: check asan fuzz-ci

unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

cli: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L cli

demo: build
	@scripts/demo $(BUILD)/bin

golden: build
	@DJB_BIN=$(BUILD)/bin golden/run --check

golden-update: build
	@DJB_BIN=$(BUILD)/bin golden/run --update

bench: build
	@DJB_BIN=$(BUILD)/bin scripts/bench

# Accuracy of djb-analyze against the synthesizer's truth, essentia.js side by side
# (EVAL_DIR: the corpus, made on first use).
EVAL_DIR ?= $(BUILD)/eval-corpus
# Then djb-analyze on real music (MIDI pieces rendered and re-voiced, game soundtracks) next
# to essentia.js, aubio and Mixxx's qm-dsp, all run on the same files, in one table
# (scripts/eval-real: corpora in $(BUILD)/eval-real, made on first use; peers cached).
# Then clip-highlights' song structure and chorus clips on synthesized songs and a concert
# (eval-structure renders its own corpus in memory), and on songs played by sampled
# instruments whose verse and chorus often share their chords (scripts/eval-structure-real).
# Then the whole DJ chain (scripts/djb-mix) on two tempo-coherent sets of the game soundtracks,
# each transition judged by ears other than the planner's: the qm-dsp peer's beats and the two
# tracks' chroma, with the limiter and the set's ends (scripts/eval-mix-real; mixes in
# $(BUILD)/eval-real/mix). Its FAIL lines are findings: it exits 0 once its tables print.
eval: build
	-@DJB_BIN=$(BUILD)/bin scripts/eval-analyze $(EVAL_DIR)
	@DJB_BIN=$(BUILD)/bin DJB_EVAL_REAL=$(BUILD)/eval-real scripts/eval-real
	-@$(BUILD)/bin/eval-structure
	@DJB_BIN=$(BUILD)/bin DJB_EVAL_REAL=$(BUILD)/eval-real scripts/eval-structure-real
	@DJB_BIN=$(BUILD)/bin DJB_EVAL_REAL=$(BUILD)/eval-real scripts/eval-mix-real

# The programs, scripts/djb-mix and scripts/library-scan, and the man pages, into PREFIX:
# built in their own directory without the test suite, so installing needs only what the
# programs need (scripts/install-deps --programs).
INSTALL_BUILD ?= build-install
install:
	@scripts/install-deps --programs
	@cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=Release -DDJB_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(INSTALL_BUILD) -j $(JOBS)
	@cmake --install $(INSTALL_BUILD) --prefix $(PREFIX)

# The suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDJB_SANITIZE=ON"

# The libraries and the fuzz targets, with clang, libFuzzer, ASan and UBSan (tests/fuzz).
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDJB_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Every fuzz target for FUZZ_SECONDS from its seed corpus; crash reproducers land in
# $(FUZZ_BUILD)/artifacts/TARGET/, and any crash fails the run at the end.
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz $(FUZZ_BUILD)

# The brief run CI makes: a fixed seed, so CI replays (a prefix of) the inputs a developer's
# run of the same commit went through, and never fails on a new random find; a generous
# per-input timeout for a loaded machine.
fuzz-ci: fuzz-build
	@FUZZ_SECONDS=10 FUZZ_SEED=1 FUZZ_TIMEOUT=30 scripts/run-fuzz $(FUZZ_BUILD)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan $(FUZZ_BUILD)
