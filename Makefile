# Thin wrapper over CMake presets and scripts; see README.md.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test demo bench format format-check fuzz clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

configure: deps $(BUILD_DIR)/build.ninja

# build/bin is the contract path for binaries (DESIGN.md); it points at the preset's bin/.
# all_verify_interface_header_sets compiles each public header alone (self-containment).
build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target all_verify_interface_header_sets
	@ln -sfn $(PRESET)/bin build/bin

# Every tier: unit, sim, io, fuzz (corpus replay) and netns (as root). Ends with CTest's summary.
test: build format-check
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh

bench: deps
	cmake --preset release
	cmake --build build/release -j $(JOBS)
	@bash bench/run.sh build/release

format: configure
	cmake --build $(BUILD_DIR) --target format

format-check: configure
	cmake --build $(BUILD_DIR) --target format-check

# libFuzzer over the pure parsers for FUZZ_SECONDS each (clang-14).
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz
	cmake --build build/fuzz -j $(JOBS)
	@bash scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build
