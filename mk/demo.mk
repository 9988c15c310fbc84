# make demo: the main job on the embedded default, no AWS account. Validates the examples,
# then tests/demo/main.rs starts the emulated AWS, applies examples/ with the CLI and drives a
# Friday-evening scenario through the real function binaries under cargo-lambda's Runtime API
# (scheduled peak, alarm deferred while the endpoint is busy, scale-in blocked by cooldown,
# target tracking scaling out on InvocationsPerInstance it publishes to the emulated CloudWatch,
# then one insufficient-data activity when the metric stops), and prints the activity table
# and the endpoint's counts. It fails if any step goes otherwise.
#
# `cargo build --workspace --bins` builds every binary with one feature set (the tests'
# runtime checks build the same way, so nothing is compiled twice).

.PHONY: demo
demo: venv tools
	$(CARGO) build --workspace --bins
	@echo
	@echo '$$ sagescale validate examples/*.yaml'
	@$(CARGO_TARGET_DIR_RESOLVED)/debug/sagescale validate examples/*.yaml
	@echo
	@SAGESCALE_CARGO_LAMBDA=$(CARGO_LAMBDA) $(CARGO_TARGET_DIR_RESOLVED)/debug/sagescale-demo
