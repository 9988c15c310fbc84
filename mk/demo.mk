# make demo: the offline part of the main job on the embedded examples: validate every example
# and print the upcoming scheduled actions (local time and UTC, across the November DST change).
# The emulator-driven scenario (functions under cargo-lambda) is not wired here yet.
.PHONY: demo
demo:
	$(CARGO) build --quiet -p sagescale-cli
	$(CARGO) run --quiet -p sagescale-cli -- validate examples/*.yaml
	$(CARGO) run --quiet -p sagescale-cli -- plan examples/endpoint-full.yaml --next 4 --from 2026-10-20T00:00:00Z
