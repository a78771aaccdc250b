# Two entry points for a fresh clone: `make run` (the main job) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install browser postgres run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first, pinned to the local CPU build, so nothing can pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests and screenshots (Playwright drives it).
browser:
	@scripts/install-browser.sh || echo "warning: could not install chromium; browser tests will be skipped"

run: $(STAMP)
	$(VENV)/bin/framing run

# Debian's PostgreSQL server binaries for the annotation app's database tests (a throwaway
# cluster per test session; no system service is started).
postgres:
	@scripts/install-postgres.sh || echo "warning: could not install postgresql; PostgreSQL tests will be skipped"

test: $(STAMP) browser postgres
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/tagging.py

clean:
	rm -rf $(VENV) runs reports build *.egg-info
