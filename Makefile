# make help — the project's everyday commands. Each target sets up .venv from uv.lock first, so
# any of them works on a fresh machine with Python 3.11 (and make).
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen --all-extras
# Where MLflow runs and the model registry live (as in conf/config.yaml).
TRACKING_URI ?= $(or $(MLFLOW_TRACKING_URI),sqlite:///mlflow.db)
HOST ?= 127.0.0.1
UI_PORT ?= 5000
SERVE_PORT ?= 5001
SWEEP ?= model=logreg,linear_svc,complement_nb
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup train test ui sweep search register repro serve lint format notebooks

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  Pass extra arguments with ARGS='…', e.g. make train ARGS='model=complement_nb'"

setup: ## install uv and create .venv from the lock file (all extras and dev tools)
	$(PYTHON) -m pip install -q uv==$(UV_VERSION)
	$(UV) sync --frozen --all-extras

train: setup ## train the default model (grouped CV), save it in models/, log the run to MLflow
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python train.py $(ARGS)

test: setup ## run the test suite (with the notebooks, the model server and the slow Spark tests)
	$(RUN) pytest -m "" $(ARGS)

ui: setup ## the MLflow UI (http://127.0.0.1:5000 unless HOST, UI_PORT)
	$(RUN) mlflow ui --backend-store-uri $(TRACKING_URI) --host $(HOST) --port $(UI_PORT)

sweep: setup ## a Hydra sweep, one MLflow run per job under one parent (SWEEP='…')
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python train.py -m $(SWEEP) $(ARGS)

search: setup ## Optuna hyperparameter search (conf/search/optuna.yaml), registers the best
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python scripts/search.py $(ARGS)

register: setup ## register the best run's model as `zongjie` in the MLflow registry
	MLFLOW_TRACKING_URI=$(TRACKING_URI) $(RUN) python scripts/register.py $(ARGS)

repro: setup ## reproduce the DVC pipeline (prepare → train, evaluate)
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
