# sagescale: two commands on a fresh machine.
#
#   make demo    build, start the emulated AWS, drive a scenario through the real functions
#   make test    every test: pure core, CLI, emulator-backed integration, Lambda runtime, infra
#   make build   one Lambda zip per function (cargo-lambda, arm64, size-optimised)
#   make lint    rustfmt, clippy -D warnings, SAM/cfn-lint/checkov on both templates
#   make bench   benchmarks that print figures (ratios against baselines built in the same run)
#   make fuzz    a million mutated inputs per event parser and for the configuration validator
#   make soak    a long randomized run with faults against the emulator (SOAK_STEPS, SOAK_SEED)
#   make deploy  sam deploy --guided

SHELL := /bin/bash
CARGO ?= cargo
PYTHON3 ?= python3
# Where cargo puts binaries (honours CARGO_TARGET_DIR, as .ci/run sets it).
CARGO_TARGET_DIR_RESOLVED = $(shell $(CARGO) metadata --format-version 1 --no-deps | $(PYTHON3) -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

include mk/emulator.mk
include mk/infra.mk
include mk/sim.mk
include mk/demo.mk
include mk/bench.mk
include mk/fuzz.mk
include mk/soak.mk
include mk/crash.mk

.PHONY: test test-rust lint lint-rust deploy demo bench fuzz soak

# The integration tests start the emulator from .venv and run the functions under cargo-lambda
# from .venv-tools; both are installed here from the registries.
test: venv tools test-rust test-infra

# The tests find cargo-lambda through SAGESCALE_CARGO_LAMBDA; PATH stays as it is (with the
# tools venv on PATH, zig would be the C compiler and the C dependencies would be rebuilt).
test-rust:
	SAGESCALE_CARGO_LAMBDA=$(CARGO_LAMBDA) $(CARGO) test --workspace --all-targets --no-fail-fast

lint: lint-rust build lint-infra

lint-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

deploy: tools
	cd infra && $(INFRA_ENV) $(SAM) build --template template.yaml && $(SAM) deploy --guided
