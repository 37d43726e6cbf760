#!/bin/sh
# Build steps of the container image, also run outside Docker by tests/test_container.py:
# install the package (the doubles and their servers, no client extras) from SRC.
set -eu
SRC="${1:-/src}"
python -m pip install --upgrade pip
python -m pip install "$SRC"
mockfts --help >/dev/null
mockglobus --help >/dev/null
