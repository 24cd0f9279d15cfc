# The two commands of the quickstart: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m gateway.x12_maps >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gateway run

test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check gateway mappers transports workers tests bench
	$(BIN)/mypy gateway mappers transports workers

bench: $(STAMP)
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/x12.py
	$(BIN)/python bench/transports.py
	$(BIN)/python bench/transports_as2.py
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) var build *.egg-info
