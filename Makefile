# draftwatch: `make demo` runs the whole pipeline against the local sandbox, `make test` the full suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: test lint typecheck pytest demo bench bench-reader bench-accounts bench-search bench-import bench-ocr bench-media bench-evidence venv system-deps clean

venv: system-deps $(STAMP)

# Tesseract (rus, ukr) and Chromium from Debian: installed when missing and run as root, else
# the exact apt-get command is printed and make stops.
system-deps:
	@sh scripts/system-deps

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

# Two pytest-xdist workers (each with its own PostgreSQL test database): the suite takes about
# 13 min instead of 25 on two cores. `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2
pytest: system-deps $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: system-deps lint typecheck pytest

demo: system-deps $(STAMP)
	$(PY) bot.py demo

bench: $(STAMP)
	$(PY) bench/matcher.py

bench-reader: $(STAMP)
	$(PY) bench/reader.py

# Evidence: capture overhead on ingest, export and verify of 10,000 posts (about a minute).
bench-evidence: $(STAMP)
	$(PY) bench/evidence.py

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

# OCR quality (character error rate, packs' verdicts) and speed, with and without the clean-up.
bench-media: $(STAMP)
	$(PY) bench/media.py

bench-ocr: system-deps $(STAMP)
	$(PY) bench/ocr.py --per-distortion

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
