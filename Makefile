# The project's interface for people and CI. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DATA   ?= ../shared/data

.PHONY: demo test lint bench eval feeds-check browser-check clean

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

eval: $(STAMP)
	$(PY) -m monitor.evaluate $(DATA)/labelled

feeds-check: $(STAMP)
	$(PY) -m sources.feedcheck $(DATA)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-out
