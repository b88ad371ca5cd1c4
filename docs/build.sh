#!/usr/bin/env bash
# Build the documentation into docs/_build/html, warnings as errors, the gallery executed,
# then check every internal link of the built pages.
#   pip install -e ".[docs]" && bash docs/build.sh
set -euo pipefail
cd "$(dirname "$0")"
export MPLBACKEND=Agg
start=$(date +%s)
rm -rf _build auto_gallery
python -m sphinx -W --keep-going -b html -j 1 . _build/html "$@"
python check_links.py _build/html
echo "docs built in $(( $(date +%s) - start )) s: $(pwd)/_build/html/index.html"
