# make fuzz: mutated and generated inputs through everything that reads outside input: the
# alarm-scaler's and the schedule-scaler's event parsers and the configuration validator
# (YAML and JSON); see tests/harness/fuzz.rs. Prints per parser the cases run, accepted,
# rejected by kind, panics, contract violations, cases over the hang threshold and the slowest
# case; fails on any panic, violation or case over FUZZ_HANG_MS. Failing inputs are written to
# FUZZ_SAVE. `make test` runs a fixed-seed share (tests/tests/fuzz_parsers.rs) and sends a
# sample of rejected events through the handlers against the emulator (fuzz_rejections.rs).
#
#   FUZZ_CASES    cases per parser (default 1,000,000)
#   FUZZ_SEED     seed (default 1); a case is rebuilt alone with
#                 sagescale-fuzz --seed S --parser P --case N --dump
#   FUZZ_PARSERS  alarm,schedule,config-yaml,config-json (default: all four)
#   FUZZ_HANG_MS  hang threshold per case, CPU time of the case's thread (default 100): a busy
#                 machine does not turn a slow wait for a core into a hang
#
# Built with the `fuzz` profile (Cargo.toml): the parsing code optimised, the AWS SDKs not.

FUZZ_CASES ?= 1000000
FUZZ_SEED ?= 1
FUZZ_PARSERS ?= alarm,schedule,config-yaml,config-json
FUZZ_HANG_MS ?= 100
FUZZ_SAVE ?= $(CARGO_TARGET_DIR_RESOLVED)/fuzz-failures

.PHONY: fuzz

fuzz:
	$(CARGO) build --profile fuzz -p sagescale-tests --bin sagescale-fuzz
	$(CARGO_TARGET_DIR_RESOLVED)/fuzz/sagescale-fuzz --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) \
		--parser $(FUZZ_PARSERS) --hang-ms $(FUZZ_HANG_MS) --save $(FUZZ_SAVE)
