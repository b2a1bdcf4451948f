# The project's interface for people and CI. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DATA   ?= ../shared/data

.PHONY: demo test lint bench eval feeds-check browser-check crash-trials clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/mention-monitor demo

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/run.py

# SIGKILL passes (feeds + Statuspage collect, a twarc import) at random points; prints lost/duplicated.
crash-trials: $(STAMP)
	$(PY) bench/crash_trials.py $(TRIALS)

eval: $(STAMP)
	$(VENV)/bin/mention-monitor eval $(DATA)/labelled

feeds-check: $(STAMP)
	$(PY) -m sources.feedcheck $(DATA)

# Renders a report in headless Chromium: PNG screenshot, no network request, charts drawn.
# Installs Debian's chromium (+ a CJK font) when missing and apt is usable; otherwise the test skips.
browser-check: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium chromium-driver fonts-noto-cjk; } \
		|| echo "browser-check: could not install chromium (needs root and apt); the check will skip"
	BROWSER_CHECK_OUT=build/browser-check $(PY) -m pytest -q -rs -m browser tests/test_report_browser.py
	@test -f build/browser-check/report.png && echo "screenshot: build/browser-check/report.png" || true

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-out
