# Emulated AWS (moto + sagescale realism layer) used by integration tests and `make demo`.
# Included from the root Makefile.
#
#   make venv            create .venv with the pinned emulator requirements (idempotent)
#   make emulator        run the emulator in the foreground (EMULATOR_PORT=0 picks a free port)

PYTHON3 ?= python3
VENV ?= .venv
EMULATOR_REQUIREMENTS := tests/emulator/requirements.txt
VENV_STAMP := $(VENV)/.sagescale-stamp
EMULATOR_PORT ?= 0

.PHONY: venv emulator

venv: $(VENV_STAMP)

# Re-installs only when the requirements change (or the venv was deleted).
$(VENV_STAMP): $(EMULATOR_REQUIREMENTS)
	test -x $(VENV)/bin/python || $(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(EMULATOR_REQUIREMENTS)
	touch $@

emulator: $(VENV_STAMP)
	$(VENV)/bin/python tests/emulator/server.py --port $(EMULATOR_PORT)
