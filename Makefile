# make help — the project's everyday commands. Each target sets up .venv from uv.lock first, so
# any of them works on a fresh machine with Python 3.11+ (and make): a distribution's own Python
# (externally managed: nothing is installed into it), a pyenv Python or a CI image alike.
PYTHON ?= python3
VENV := .venv
# The uv that .venv runs; uv.lock pins the same version (dev group), so a sync keeps it.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/python -m uv
# uv is told to use .venv's Python as it is: otherwise .python-version (3.11) makes it rebuild a
# .venv made with another 3.11+ Python, and drop the uv inside.
SYNC := $(UV) sync --frozen --all-extras --python $(VENV)/bin/python
RUN := $(UV) run --frozen --all-extras --python $(VENV)/bin/python
# Where MLflow runs and the model registry live (as in conf/config.yaml).
TRACKING_URI ?= $(or $(MLFLOW_TRACKING_URI),sqlite:///mlflow.db)
HOST ?= 127.0.0.1
UI_PORT ?= 5000
SERVE_PORT ?= 5001
SWEEP ?= model=logreg,linear_svc,complement_nb
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup train release screenshot test test-fast ui sweep search register repro serve lint format notebooks

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  Pass extra arguments with ARGS='…', e.g. make train ARGS='model=complement_nb'"

# Bytecode: Python writes a module's bytecode when it is first imported, so setup compiles
# nothing (compiling all of .venv, 13,000 files, made the first setup sit silent for a minute
# or more). Where PYTHONDONTWRITEBYTECODE is set Python never writes it and every start pays
# again (predict 1.9 s instead of 0.6 s; importing the training stack 12 s more), so there
# setup compiles .venv once per change of uv.lock, and says so.
setup: ## create .venv (python3 -m venv), install uv into it, sync it from uv.lock
	@test -x $(VENV)/bin/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(UV) --version 2>/dev/null | grep -q '^uv $(UV_VERSION)\b' || { \
		echo "installing uv $(UV_VERSION) into $(VENV)"; \
		$(VENV)/bin/python -m pip --version >/dev/null 2>&1 || $(VENV)/bin/python -m ensurepip >/dev/null; \
		$(VENV)/bin/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION); }
	$(SYNC)
ifneq ($(PYTHONDONTWRITEBYTECODE),)
	@test $(VENV)/.bytecode-compiled -nt uv.lock || { \
		echo "PYTHONDONTWRITEBYTECODE is set, so Python will not cache bytecode: compiling .venv's once (about a minute)"; \
		$(SYNC) --compile-bytecode && touch $(VENV)/.bytecode-compiled; }
endif

train: setup ## evaluate (grouped CV) and fit the default config into outputs/<date>/<time>/, log to MLflow
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python train.py $(ARGS)

# The one target that writes committed files: the default model and its card in models/, the
# evaluation in reports/, the figures of README.md and docs/. Commit what it changes.
release: setup ## retrain the COMMITTED default model (models/), reports/ and the documented figures
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python train.py \
		output.model_path=models/zongjie.model eval.reports_dir=reports $(ARGS)
	$(RUN) python scripts/update_readme.py

screenshot: setup ## rewrite the README's screenshot, docs/img/report.png (headless Chromium, a CJK font)
	ZONGJIE_SCREENSHOT=write $(RUN) pytest tests/test_render_browser.py -k screenshot

test: setup ## run the whole test suite (slow tests, notebooks and the model server included)
	$(RUN) pytest $(ARGS)

test-fast: setup ## the tests not marked slow: about a minute
	$(RUN) pytest -m "not slow" $(ARGS)

ui: setup ## the MLflow UI (http://127.0.0.1:5000 unless HOST, UI_PORT)
	$(RUN) mlflow ui --backend-store-uri $(TRACKING_URI) --host $(HOST) --port $(UI_PORT)

sweep: setup ## a Hydra sweep, one MLflow run per job under one parent (SWEEP='…')
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python train.py -m $(SWEEP) $(ARGS)

search: setup ## Optuna hyperparameter search (conf/search/optuna.yaml), registers the best
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python scripts/search.py $(ARGS)

register: setup ## register the best run's model as `zongjie` in the MLflow registry
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python scripts/register.py $(ARGS)

repro: setup ## the DVC pipeline (prepare → train, evaluate) into outputs/dvc/
	$(RUN) dvc repro $(ARGS)

serve: register ## serve models:/zongjie/latest: POST http://127.0.0.1:5001/invocations
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) mlflow models serve -m models:/zongjie/latest \
		--env-manager local --host $(HOST) --port $(SERVE_PORT)

lint: setup ## ruff check and format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup ## ruff fix and format
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

notebooks: setup ## execute the notebooks (nbmake), outputs not saved
	$(RUN) pytest --nbmake notebooks $(ARGS)
