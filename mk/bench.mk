# make bench: benchmarks that print figures (never asserted as wall time in tests).
#
#   make bench          bench-lambda, bench-pass, then bench-sim (mk/sim.mk)
#   make bench-lambda   for alarm-scaler, schedule-scaler and hello-lambda (the smallest Rust
#                       Lambda, same runtime crates and release profile, built in this run):
#                       init time and peak RSS against cargo-lambda's Runtime API (x86_64 release
#                       builds), arm64 zip sizes, and AWS round trips per alarm event and per
#                       one-minute pass from the emulator's request log; ratios against hello.
#   make bench-pass     the one-minute pass over 1, 100 and 1,000 targets, in-process against the
#                       emulator (target tracking at target, nothing scales): wall time per target
#                       and AWS calls by operation, against the per-target read loop it replaced
#                       (list_targets, then load one target after another), measured in the same run.
#                       Debug build of the bench binary only; no release builds.
#
# BENCH_RUNS fresh processes per function (default 15). BENCH_BASELINE=DIR also measures the
# release binaries in DIR (say, copies from the commit before a change), interleaved with this
# build's processes so that both see the same load, and prints its table first.

BENCH_RUNS ?= 15
BENCH_BASELINE ?=
HELLO_LAMBDA := hello-lambda

.PHONY: bench bench-lambda bench-lambda-zips bench-pass

bench: bench-lambda bench-pass bench-sim

bench-pass: venv
	$(CARGO) build -p sagescale-tests --bin sagescale-bench
	$(CARGO_TARGET_DIR_RESOLVED)/debug/sagescale-bench --pass

# The functions' zips (make build) and hello's, each package built on its own so that hello's
# smaller dependency set does not change the functions' feature resolution.
bench-lambda-zips: build
	$(INFRA_ENV) $(CARGO_LAMBDA) lambda build --release --arm64 --output-format zip -p $(HELLO_LAMBDA)

bench-lambda: venv tools bench-lambda-zips
	$(CARGO) build --release -p alarm-scaler -p schedule-scaler
	$(CARGO) build --release -p $(HELLO_LAMBDA)
	$(CARGO) build --workspace --bins
	SAGESCALE_CARGO_LAMBDA=$(CARGO_LAMBDA) $(CARGO_TARGET_DIR_RESOLVED)/debug/sagescale-bench --runs $(BENCH_RUNS) \
		$(if $(BENCH_BASELINE),--baseline-dir $(BENCH_BASELINE)) --release-dir $(CARGO_TARGET_DIR_RESOLVED)/release --lambda-dir $(LAMBDA_DIR)
