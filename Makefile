# Quick start: `make demo` builds the sample issue from seeds/ into out/; `make test` runs every test.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The project's dependencies as wheels, for the test that installs the built wheel into a new environment
# offline (tests reach nothing beyond this machine).
WHEELHOUSE := $(VENV)/wheelhouse

.PHONY: demo test check eval tune bench system-deps screenshots clean dist

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@# the distribution was called "briefing" before it became briefing-desk: an old install would register twice
	$(PY) -m pip uninstall -q -y briefing 2>/dev/null || true
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,eval,epub]'
	rm -rf *.egg-info build
	touch $(STAMP)

$(WHEELHOUSE)/.stamp: $(STAMP)
	rm -rf $(WHEELHOUSE)
	@# setuptools and pip too: `make dist` builds in an isolated environment and pipx installs pip into its own,
	@# both filled from here offline by the wheel test
	$(PY) -m pip download -q --disable-pip-version-check -d $(WHEELHOUSE) '.[test,epub]' 'setuptools>=77' pip
	rm -rf *.egg-info build
	touch $@

system-deps: $(STAMP)
	@bash scripts/system-deps.sh $(PY)

demo: $(STAMP) system-deps
	$(VENV)/bin/briefing build --date 2023-03-20

test: $(STAMP) $(WHEELHOUSE)/.stamp
	@bash scripts/system-deps.sh $(PY) --tests
	$(PY) -m pytest -q

# The fast loop while working: everything but the tests marked slow (new venvs, a browser, locks, kills), on two
# processes (pytest-xdist; each test's workspace is its own). `make test` runs everything in one, in order.
# Both hold the code to its limits (tests/test_code_limits.py): no module over 450 lines, no function of cyclomatic
# complexity over 25.
check: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -n 2

# docs/images/issue-390px.png and issue-1200px.png: the issue page in headless Chromium.
screenshots: $(STAMP)
	$(PY) -m pytest -q tests/test_screens.py --regen-screenshots

eval: $(STAMP)
	$(PY) -m briefing.lab.evaluate

# Learn the editorial model's weights and thresholds from the labelled dev days (plugins/data/*.json).
tune: $(STAMP)
	$(PY) -m briefing.lab.tune

# The sdist and the wheel in dist/, built as a publisher builds them (an isolated build) and checked: metadata
# and README as PyPI would show them (twine check --strict), and what each must hold (scripts/check_dist.py).
# (The virtual environment is made when there is none, never remade here: VENV may name another checkout's.)
dist:
	@test -x $(PY) || $(MAKE) $(STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*
	$(PY) scripts/check_dist.py dist
	rm -rf *.egg-info build

clean:
	rm -rf out $(VENV) *.egg-info build dist

# A whole real day and its copies beside feedparser alone, the summarizer beside LexRank on real days, timings
# per stage for 100 to 10,000 documents and the cache (several minutes); then the
# desk's time from a click to the redrawn page in chromium on a whole day of feeds-full/.
bench: $(STAMP)
	$(PY) bench/scale.py
	$(PY) bench/summarize.py
	$(PY) bench/run.py
	$(PY) bench/fetch.py
	$(PY) bench/desk.py
