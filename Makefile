# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   set up, build the demo sub-district, serve it at http://127.0.0.1:8000
#   make test   set up and run the whole test suite (SQLite, then PostgreSQL when reachable)
# and one restarts the demo without wiping what was done in it:
#   make serve  serve the existing database (in demo mode if it holds a demo)
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/pip --quiet --disable-pip-version-check
export PYTHONDONTWRITEBYTECODE = 1
# The served console shows warnings, texts and the logins; the worker's routine progress lines stay out of it.
SERVE_ENV = SHEQU_LOG_LEVEL=$${SHEQU_LOG_LEVEL:-WARNING}
# Static files are served from the apps (WhiteNoise); the directory `collectstatic` would fill must exist.
STATIC_DIR = $${SHEQU_DATA_DIR:-var}/static

.PHONY: demo test lint serve clean

$(BIN)/activate: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements-dev.txt
	$(PIP) install --no-deps -e .
	touch $(BIN)/activate

demo: $(BIN)/activate
	$(BIN)/shequ init
	$(BIN)/shequ demo --reset --no-logins
	mkdir -p "$(STATIC_DIR)"
	$(SERVE_ENV) SHEQU_DEMO=1 $(BIN)/shequ serve

serve: $(BIN)/activate
	$(BIN)/shequ init
	mkdir -p "$(STATIC_DIR)"
	if $(BIN)/shequ demo --is-built; then demo=1; else demo=0; fi; \
	  $(SERVE_ENV) SHEQU_DEMO=$${SHEQU_DEMO:-$$demo} $(BIN)/shequ serve

test: $(BIN)/activate
	bash scripts/test

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
