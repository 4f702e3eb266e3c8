# The whole set-up on a fresh machine: `make demo` runs spocmail on the embedded defaults,
# `make test` runs the test suite (which starts its own Dovecot, aiosmtpd and PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test installed-check bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/spocmail demo --out spocmail-demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The wheel, installed into a fresh venv outside the checkout, runs the demo, init and the rest (CI runs it).
installed-check:
	PYTHON=$(PYTHON) tests/installed_check.sh

# The figures of issue 14 against their targets on SQLite and PostgreSQL (starts its own servers), then parse speed.
bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/suite.py
	$(BIN)/python bench/bench_parse.py

clean:
	rm -rf $(VENV) spocmail-demo
