# The two commands: `make run` and `make test`. Both do all the set-up first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint format migrate demo worker bench clean lock screenshots

setup:
	bash scripts/setup.sh

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	bash scripts/run-dev.sh

test: setup lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup
	$(VENV)/bin/celery -A cms worker --queues default,transcode --loglevel INFO

bench: setup
	bash bench/setup.sh
	$(PY) -m bench.run

# docs/screenshots/: the demo (with media) in its own database under
# var/screenshots/, photographed in Chromium at 1366 and 390 px.
screenshots: setup
	$(PY) scripts/screenshots.py

# requirements.lock from requirements.txt: every transitive dependency pinned,
# with its hashes. Run it after changing requirements.txt or merging a branch
# that did (the set-up refuses a lock that misses a direct pin). Pins already
# in the lock are kept; PIP_COMPILE_ARGS=--upgrade moves everything to the
# newest versions requirements.txt allows. Needs only .venv, not the set-up,
# which would refuse the stale lock.
lock:
	@test -x $(PY) || python3.11 -m venv $(VENV)
	@test -x $(VENV)/bin/pip-compile || $(PY) -m pip install --quiet \
		"$$(grep -i '^pip-tools==' requirements.txt)"
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras \
		--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS) \
		--output-file requirements.lock requirements.txt
	$(PY) scripts/check_lock.py

clean:
	rm -rf var/test .pytest_cache
