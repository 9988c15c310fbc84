# Simulator targets (included from the root Makefile).
#
#   make bench-sim     simulator throughput: policy-ticks/s per policy kind as ratios to a trivial
#                      loop and the static policy built in the same run; the 22-day Twitter trace
#                      end to end (read, simulate, tune); then bench-forecast. Prints figures, asserts nothing.
#   make bench-forecast  the forecaster: time to forecast 24 h from 14 days of one-minute history
#                      (issue 11 asks for < 10 ms), median of 101 runs. Prints, asserts nothing.
#   make sim-results   re-run simulate and tune on the Azure Functions day and the Twitter trace;
#                      rewrites the charts, tables and JSON under docs/sim/.

CARGO ?= cargo
# The traces are read in place, never copied into the repository.
SIM_TRACES ?= ../shared/traces
# Release build of the simulator alone, in its own target dir so it neither waits for nor
# invalidates the workspace's other builds.
SIM_BENCH_TARGET_DIR ?= target/sim-bench
SIM_OUT ?= docs/sim
SAGESCALE ?= $(CARGO) run -q -p sagescale-cli --

SIM_TWITTER := $(SIM_TRACES)/twitter-stream-2021-08-per-second/workload.tbz2
SIM_AZURE := $(SIM_TRACES)/azure-functions-2019-invitro-sample/1000_inv.csv

.PHONY: bench-sim bench-forecast sim-results sim-results-azure sim-results-twitter

bench-sim:
	CARGO_TARGET_DIR=$(SIM_BENCH_TARGET_DIR) $(CARGO) run --release -q -p sagescale-sim --bin simbench -- --traces $(SIM_TRACES)
	$(MAKE) --no-print-directory bench-forecast

bench-forecast:
	CARGO_TARGET_DIR=$(SIM_BENCH_TARGET_DIR) $(CARGO) run --release -q -p sagescale-sim --bin forecastbench -- --traces $(SIM_TRACES)

sim-results: sim-results-azure sim-results-twitter

sim-results-azure:
	$(SAGESCALE) simulate $(SIM_OUT)/configs/azure-functions.yaml --trace $(SIM_AZURE) \
	  --svg $(SIM_OUT)/azure-functions-simulate.svg --json $(SIM_OUT)/azure-functions-simulate.json \
	  --title "Azure Functions 2019 day (sum of 1,000 functions): demand vs capacity" \
	  | tee $(SIM_OUT)/azure-functions-simulate.txt
	$(SAGESCALE) tune $(SIM_OUT)/configs/azure-functions.yaml --trace $(SIM_AZURE) --tune-fraction 0.5 \
	  --output $(SIM_OUT)/azure-functions-recommended.yaml --sim-output $(SIM_OUT)/azure-functions-recommended.sim.yaml \
	  --svg $(SIM_OUT)/azure-functions-holdout.svg --json $(SIM_OUT)/azure-functions-tune.json \
	  | tee $(SIM_OUT)/azure-functions-tune.txt

sim-results-twitter:
	$(SAGESCALE) simulate $(SIM_OUT)/configs/twitter.yaml --trace $(SIM_TWITTER) \
	  --svg $(SIM_OUT)/twitter-simulate.svg --json $(SIM_OUT)/twitter-simulate.json \
	  --title "Twitter trace, 22 days: demand vs capacity" \
	  | tee $(SIM_OUT)/twitter-simulate.txt
	$(SAGESCALE) tune $(SIM_OUT)/configs/twitter.yaml --trace $(SIM_TWITTER) --tune-fraction 0.7 \
	  --output $(SIM_OUT)/twitter-recommended.yaml --sim-output $(SIM_OUT)/twitter-recommended.sim.yaml \
	  --svg $(SIM_OUT)/twitter-holdout.svg --json $(SIM_OUT)/twitter-tune.json \
	  | tee $(SIM_OUT)/twitter-tune.txt
