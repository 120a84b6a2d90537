# One entry point. `make book` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Where MNIST lives; torchvision downloads it there on a connected machine.
export VAE_CORE_DATA ?= $(HOME)/.cache/vae_core/data

.PHONY: setup book serve test test-unit test-notebooks test-book benchmark pretrained clean

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q -r requirements.txt 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import vae_core, torch, jupyter_book, nbval"
	touch $@

setup: $(VENV)/.installed

book: setup
	$(VENV)/bin/jupyter-book build . -W --keep-going

serve: book
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

test: setup
	$(VENV)/bin/pytest tests
	$(VENV)/bin/pytest --nbval-lax --nbval-current-env notebooks

benchmark: setup
	$(PY) -m benchmarks

pretrained: setup
	$(PY) -m vae_core.pretrained

clean:
	rm -rf _build .pytest_cache
