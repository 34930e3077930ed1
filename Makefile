# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test superuser migrate lint typecheck format bench screenshots clean bootstrap

$(PY):
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"; exit 1; }

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

.env: | $(PY)
	$(PY) config/devenv.py .env

bootstrap: $(STAMP) .env

# The development server on PORT (8000 unless `make run PORT=8001`), with the
# tasks worker that sends the mail beside it; both stop together.
run: bootstrap
	$(PY) manage.py migrate --noinput
	@echo ""
	@echo "  API docs:   http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Admin:      http://127.0.0.1:$(PORT)/admin/   (create a login: make superuser)"
	@echo "  Demo page:  http://127.0.0.1:$(PORT)/"
	@echo "  Mail:       printed below by the tasks worker (console backend)"
	@echo ""
	@export SITE_URL=http://127.0.0.1:$(PORT); \
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: bootstrap
	$(BIN)/pytest $(PYTEST_ARGS)

superuser: bootstrap
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createsuperuser

migrate: bootstrap
	$(PY) manage.py migrate --noinput

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy --strict on tokens/ and tokens_receiver/ with the Django and DRF stubs ([tool.mypy] in pyproject.toml).
typecheck: bootstrap
	$(BIN)/mypy

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# The load benchmark (needs PostgreSQL, Redis and wrk): writes BENCHMARKS.md
# and docs/bench.png. BENCH_ARGS="--quick" for a short run.
bench: bootstrap
	PYTHON=$(PY) bench/run.sh $(BENCH_ARGS)

# The documentation site (MkDocs): fails on any warning, a broken link included.
.PHONY: docs
docs: bootstrap
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir var/site

# Refresh the README's screenshots from a run of the browser tests.
screenshots: bootstrap
	SCREENSHOT_DIR=docs $(BIN)/pytest -m browser -q
