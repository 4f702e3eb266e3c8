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

bench: $(VENV)/.installed
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) spocmail-demo
