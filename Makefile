# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   set up, build the demo sub-district, serve it at http://127.0.0.1:8000
#   make test   set up and run the whole test suite (SQLite, then PostgreSQL when reachable)
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: demo test lint serve clean

$(BIN)/activate: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/activate

demo: $(BIN)/activate
	$(BIN)/shequ init
	$(BIN)/shequ demo --reset
	SHEQU_DEMO=1 $(BIN)/shequ serve

test: $(BIN)/activate
	bash scripts/test

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
