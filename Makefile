# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over Meson/Ninja. Every target installs missing dependencies first.
#   make demo   build and list the packages of a sample image built from committed files
#   make check  build with gcc and clang (ASan+UBSan) and run every suite
#   make bench  benchmarks (bench/), printing ratios against baselines measured in the run
#   make fuzz   libFuzzer targets (clang), each run for FUZZ_SECONDS
BUILD ?= build
FUZZ_SECONDS ?= 60

.PHONY: all deps build demo check bench fuzz clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

demo: build
	@scripts/demo.sh $(BUILD)

check: deps
	@scripts/check.sh

bench: build
	@scripts/deps.sh --bench
	@bench/run.sh $(BUILD)

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
