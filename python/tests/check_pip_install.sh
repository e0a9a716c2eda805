#!/usr/bin/env bash
# `pip install .` offline into a throwaway venv of Debian's python3 (system site packages for
# numpy), then imports the installed package from outside the tree and runs the notebook example
# with it.   python/tests/check_pip_install.sh REPO SMALL_MODEL AUDIO
set -euo pipefail
unset PYTHONPATH  # the installed package, not the build tree's
repo=$1 model=$2 audio=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
(cd "$repo" && "$work/venv/bin/python" -m pip install -q --no-build-isolation --no-index .)
cd "$work"
"$work/venv/bin/python" -c "import almkit, os; assert 'site-packages' in almkit.__file__, almkit.__file__; print('installed', almkit.__version__, os.path.dirname(almkit.__file__))"
"$work/venv/bin/python" "$repo/examples/python/notebook_example.py" "$model" "$audio" "$work/mel.png"
test -s "$work/mel.png"
