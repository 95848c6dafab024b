# The two commands: `make run` and `make test`. Both do all the set-up first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint format migrate demo worker bench clean

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
	$(PY) -m bench.run

clean:
	rm -rf var/test .pytest_cache
