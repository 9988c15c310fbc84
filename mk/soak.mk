# make soak: a long randomized run with faults (tests/harness/soak/): four targets on four
# endpoints of the emulator, alarms flapping, duplicate, out-of-order, concurrent and retried
# deliveries, one-minute passes on a shifted clock, scheduled actions (cron, rate, at, direct
# Scheduler invocations), endpoints going Updating and throttling/5xx on DynamoDB and SageMaker.
# Every invariant is checked after each step; prints events, decisions, faults survived and
# violations, and fails on any violation. `make test` runs a short fixed-seed form
# (tests/tests/soak.rs).
#
#   SOAK_STEPS  steps (default 2,000; about 15 s of simulated time each)
#   SOAK_SEED   seed (default 1); a violation names its seed and step: replay with
#               sagescale-soak --seed S --steps N [--trace]

SOAK_STEPS ?= 2000
SOAK_SEED ?= 1

.PHONY: soak

soak: venv
	$(CARGO) build -p sagescale-tests --bin sagescale-soak
	$(CARGO_TARGET_DIR_RESOLVED)/debug/sagescale-soak --steps $(SOAK_STEPS) --seed $(SOAK_SEED)
