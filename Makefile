# smpctl — every target installs what a fresh Debian machine lacks, then builds with warnings as errors
# (the package's swiftSettings) and runs. `make demo` is the main job; `make test` is what CI runs.
SHELL := /bin/bash
SWIFT ?= swift
SMPCTL_BIN := .build/release/smpctl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libserialport-dev pkg-config zlib1g-dev
# For the report's browser test only: installed by `make test` when missing and apt works; without it that test is
# skipped with the reason.
TEST_APT_PACKAGES := chromium

.PHONY: deps test-deps build demo test install bench format fuzz fuzz-regress clean

# Install only what is missing; `apt-get update` once, and only when something has to be installed.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing" >&2; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "make: no swift toolchain on PATH (expected Swift 6.2 or later)" >&2; exit 69; }

build: deps
	$(SWIFT) build

$(SMPCTL_BIN): deps
	$(SWIFT) build -c release --product smpctl

demo: deps
	$(SWIFT) build -c release --product smpctl
	./scripts/demo.sh $(SMPCTL_BIN)

test-deps:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing (for the report's browser test)" >&2; \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; } \
	    || echo "make: could not install$$missing; the browser test will be skipped" >&2; \
	fi; true

# The serial backends' tests block in the kernel from inside async tests; run beside the long synchronous suites,
# they can take every thread of the two-core machine's cooperative pool and stall the run. They get their own
# process, one test at a time.
test: deps test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '^SMPSerialTests\.'
	$(SWIFT) test --skip-build --filter '^SMPSerialTests\.' --no-parallel

# smpctl in PREFIX/bin and the hardware definitions in PREFIX/share/smpctl/Hardware, where an installed smpctl looks
# for them (../share/smpctl/Hardware beside the executable), so that it works from any directory.
PREFIX ?= /usr/local
install: deps
	$(SWIFT) build -c release --product smpctl
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/smpctl"
	install -m 755 $(SMPCTL_BIN) "$(DESTDIR)$(PREFIX)/bin/smpctl"
	rm -rf "$(DESTDIR)$(PREFIX)/share/smpctl/Hardware"
	cp -R Hardware "$(DESTDIR)$(PREFIX)/share/smpctl/Hardware"

bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark $(BENCH_ARGS)

format: deps
	$(SWIFT) format --in-place --recursive --parallel Package.swift Sources Tests Benchmarks/Benchmarks Benchmarks/Package.swift \
	    Fuzz/Package.swift Fuzz/Sources

# libFuzzer on the frame decoder, the plan loader and the SVG importer (Fuzz/run.sh). SwiftPM's fuzz build records
# no coverage with the default linker, so link with lld; backtraces off so that libFuzzer's own crash report is what
# you see. FUZZ_SECONDS is each target's run length, FUZZ_TARGETS picks targets (default all), FUZZ_TIMEOUT and
# FUZZ_RSS_MB bound each input.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=
fuzz: deps
	./Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf .build Benchmarks/.build Fuzz/work
