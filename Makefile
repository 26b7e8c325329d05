# draftwatch: `make demo` runs the whole pipeline against the local sandbox, `make test` the full suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: test lint typecheck pytest demo bench bench-reader bench-accounts bench-search bench-import venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict monitor bot.py

pytest: $(STAMP)
	$(VENV)/bin/pytest

test: lint typecheck pytest

demo: $(STAMP)
	$(PY) bot.py demo

bench: $(STAMP)
	$(PY) bench/matcher.py

bench-reader: $(STAMP)
	$(PY) bench/reader.py

# One poll cycle of 5,000 sandbox channels over 10 reader accounts (minutes to set up).
bench-accounts: $(STAMP)
	$(PY) bench/accounts.py --channels 5000 --accounts 10

# Search at 1,000,000 posts (minutes); `make bench-search POSTS=50000` for a quick run.
POSTS ?= 1000000
bench-search: $(STAMP)
	$(PY) bench/search.py --posts $(POSTS)

# Import of a 200,000-message Telegram Desktop export, streamed; `MESSAGES=20000` for a quick run.
MESSAGES ?= 200000
bench-import: $(STAMP)
	$(PY) bench/importer.py --messages $(MESSAGES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
