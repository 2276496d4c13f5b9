# The front door: `make demo` and `make test` do all the set-up on a fresh Debian 12.
BUILD   ?= build
JOBS    ?= $(shell nproc)
PREFIX  ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all deps configure build test unit cli demo golden golden-update bench eval install clean format asan

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
# UndefinedBehaviorSanitizer (in build-asan).
test: check asan

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
# (eval-structure renders its own corpus in memory).
eval: build
	-@DJB_BIN=$(BUILD)/bin scripts/eval-analyze $(EVAL_DIR)
	@DJB_BIN=$(BUILD)/bin DJB_EVAL_REAL=$(BUILD)/eval-real scripts/eval-real
	@$(BUILD)/bin/eval-structure

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDJB_SANITIZE=ON"

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
