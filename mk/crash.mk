# Crash points (tests/tests/crash_points.rs): `make test` kills the binary at the writes and the
# SageMaker update of each flow; this kills it at every call of every flow as well.
.PHONY: crash-matrix

crash-matrix: venv tools
	SAGESCALE_CRASH_MATRIX=full SAGESCALE_CARGO_LAMBDA=$(CARGO_LAMBDA) $(CARGO) test -p sagescale-tests --test crash_points -- --nocapture
