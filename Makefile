# Quick start: `make demo` builds the sample issue from seeds/ into out/; `make test` runs every test.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The project's dependencies as wheels, for the test that installs the built wheel into a new environment
# offline (tests reach nothing beyond this machine).
WHEELHOUSE := $(VENV)/wheelhouse

.PHONY: demo test check eval tune bench system-deps screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@# the distribution was called "briefing" before it became briefing-desk: an old install would register twice
	$(PY) -m pip uninstall -q -y briefing 2>/dev/null || true
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,eval]'
	rm -rf *.egg-info build
	touch $(STAMP)

$(WHEELHOUSE)/.stamp: $(STAMP)
	rm -rf $(WHEELHOUSE)
	$(PY) -m pip download -q --disable-pip-version-check -d $(WHEELHOUSE) '.[test]'
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
