# strengthwise — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/strengthwise init --demo
	@echo ""
	@echo "strengthwise will be on http://$(HOST):$(PORT)/ — the demo users, passwords and API tokens are above."
	@echo "Try: curl -H 'Authorization: Bearer <token>' http://$(HOST):$(PORT)/api/v1/me"
	$(BIN)/strengthwise serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmarks' peer (Django, django-fsm-2, django-fsm-log) is an optional extra: if it cannot
# be installed, bench/peer.py says so and times strengthwise alone.
PEER_STAMP := $(VENV)/.peer-installed
$(PEER_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,peer]' || echo "the peer's packages could not be installed: bench/peer.py will skip the peer" >&2
	touch $(PEER_STAMP)

bench: $(STAMP) $(PEER_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/strengthwise.db* .pytest_cache
