# One entry point. `make book` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Where MNIST lives; torchvision downloads it there on a connected machine.
export VAE_CORE_DATA ?= $(HOME)/.cache/vae_core/data
# The book build and nbval check every claim strictly (vae_core.claims): a false one fails them.
export VAE_BOOK_STRICT ?= 1

.PHONY: setup assets book serve lint test test-unit test-notebooks test-book benchmark pretrained family clean

# Page assets (MathJax, require.js, the widget manager) from npm, pinned by package-lock.json.
# node_modules is never committed; book/_ext/book_assets.py copies what the pages need.
ASSETS := node_modules/.package-lock.json

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q -r requirements.txt 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import vae_core, torch, jupyter_book, nbval"
	touch $@

setup: $(VENV)/.installed

$(ASSETS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: $(ASSETS)

# Executes every chapter (cached in _build/.jupyter_cache/<fast|full>-<hash of vae_core,
# weights, requirements.txt>); any cell error or Sphinx warning fails the build.
book: setup assets
	$(VENV)/bin/jupyter-book build . -W --keep-going

serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

# The book build (warnings as errors) and the browser tests of the built site.
test-book: setup assets
	$(VENV)/bin/pytest tests/test_book.py tests/test_site_browser.py

# Lint and format: ruff for Python (rules in pyproject.toml), eslint for the widgets' JavaScript.
lint: setup assets
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npm run lint

# Everything: lint, the JavaScript unit tests, the Python suite (unit tests, a short real
# training run, the book build, browser tests), every chapter under nbval, and the package as
# users get it (a second environment with the newest releases).
test: setup assets lint test-js
	$(VENV)/bin/pytest tests
	$(VENV)/bin/pytest --nbval-lax --nbval-current-env notebooks
	$(MAKE) test-latest

benchmark: setup
	$(PY) -m benchmarks

pretrained: setup
	$(PY) -m vae_core.pretrained

family: setup
	$(PY) -m vae_core.family

clean:
	rm -rf _build .pytest_cache

# The package as users get it: a second venv resolved from pyproject.toml's lower bounds alone
# (newest releases; torch held at the cached 2.14.1), vae_core from a built wheel (not editable),
# the fast unit tests and chapter 1 under nbval. About 8 minutes here (LATEST_REUSE=1 keeps the
# venv: under 2); see .ci/test_latest.sh.
.PHONY: test-latest
test-latest:
	.ci/test_latest.sh

# The widgets' JavaScript (vae_core/widgets/src/*.js): `make js` rebuilds the committed bundle
# vae_core/widgets/widgets.bundle.js; `make lint-js` runs eslint; `make test-js` runs the
# node --test unit tests (tests/js), which include the bundle-is-a-fresh-build check.
.PHONY: js lint-js test-js
js: assets
	npm run build

lint-js: assets
	npm run lint

test-js: assets
	npm test

# Lighthouse (mobile: slow 4G, 4x CPU slowdown) of the intro, a text chapter and the widget
# chapter of the built book, served with gzip; median of 3, into benchmarks/results.json.
.PHONY: lighthouse
lighthouse: setup assets
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) -m benchmarks --only lighthouse
