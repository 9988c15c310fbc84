# Simulator targets (included from the root Makefile).
#
#   make bench-sim     simulator throughput: policy-ticks/s per policy kind as ratios to a trivial
#                      loop and the static policy built in the same run; the 22-day Twitter trace
#                      end to end (read, simulate, tune); then bench-forecast. Prints figures, asserts nothing.
#   make bench-forecast  the forecaster: time to forecast 24 h from 14 days of one-minute history
#                      (issue 11 asks for < 10 ms), median of 101 runs. Prints, asserts nothing.
#   make sim-results   re-run simulate and tune on the Azure Functions day and the Twitter trace,
#                      then sim-results-predictive; rewrites the charts, tables and JSON under docs/sim/.
#   make sim-results-predictive  the predictive configurations on the three traces: Twitter's
#                      holdout (the last 30%, the forecaster starting with the first 70% as
#                      history) and tuning part, the Azure Functions day and the Azure LLM hour.

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
SIM_AZURE_LLM := $(SIM_TRACES)/azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv
# Where tune's --tune-fraction 0.7 splits the 31,652-minute Twitter trace: its holdout starts here.
SIM_TWITTER_HOLDOUT := 22156m

.PHONY: bench-sim bench-forecast sim-results sim-results-azure sim-results-twitter sim-results-predictive

bench-sim:
	CARGO_TARGET_DIR=$(SIM_BENCH_TARGET_DIR) $(CARGO) run --release -q -p sagescale-sim --bin simbench -- --traces $(SIM_TRACES)
	$(MAKE) --no-print-directory bench-forecast

bench-forecast:
	CARGO_TARGET_DIR=$(SIM_BENCH_TARGET_DIR) $(CARGO) run --release -q -p sagescale-sim --bin forecastbench -- --traces $(SIM_TRACES)

sim-results: sim-results-azure sim-results-twitter sim-results-predictive

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

sim-results-predictive:
	$(SAGESCALE) simulate $(SIM_OUT)/configs/twitter-predictive.yaml --trace $(SIM_TWITTER) --from $(SIM_TWITTER_HOLDOUT) \
	  --svg $(SIM_OUT)/twitter-predictive-holdout.svg --json $(SIM_OUT)/twitter-predictive-holdout.json \
	  --title "Twitter trace holdout (08-16 09:16 .. 08-22): predictive scaling" \
	  | tee $(SIM_OUT)/twitter-predictive-holdout.txt
	$(SAGESCALE) simulate $(SIM_OUT)/configs/twitter-predictive-offered.yaml --trace $(SIM_TWITTER) --from $(SIM_TWITTER_HOLDOUT) \
	  | tee $(SIM_OUT)/twitter-predictive-offered-holdout.txt
	$(SAGESCALE) simulate $(SIM_OUT)/configs/twitter-predictive.yaml --trace $(SIM_TWITTER) --to $(SIM_TWITTER_HOLDOUT) \
	  | tee $(SIM_OUT)/twitter-predictive-tuning-part.txt
	$(SAGESCALE) simulate $(SIM_OUT)/configs/azure-functions-predictive.yaml --trace $(SIM_AZURE) \
	  | tee $(SIM_OUT)/azure-functions-predictive.txt
	$(SAGESCALE) simulate $(SIM_OUT)/configs/azure-llm-predictive.yaml --trace $(SIM_AZURE_LLM) \
	  | tee $(SIM_OUT)/azure-llm-predictive.txt
