# Quick start: `make demo` builds the sample issue from seeds/ into out/; `make test` runs every test.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test check eval tune bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,eval]'
	touch $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP) system-deps
	$(VENV)/bin/briefing build --date 2023-03-20

test: $(STAMP) system-deps
	$(PY) -m pytest -q

# The fast loop while working: everything but the tests marked slow (new venvs, locks, kills).
check: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

eval: $(STAMP)
	$(PY) -m briefing.evaluate

# Learn the editorial model's weights and thresholds from the labelled dev days (plugins/data/*.json).
tune: $(STAMP)
	$(PY) -m briefing.tune

clean:
	rm -rf out $(VENV) *.egg-info

# Timings per stage for 100 to 10,000 documents, cache and LexRank comparisons (several minutes); then the
# desk's time from a correction to the rebuilt page on the day-389 feeds.
bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/fetch.py
	$(PY) bench/desk.py
