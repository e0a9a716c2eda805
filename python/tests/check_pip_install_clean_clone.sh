#!/usr/bin/env bash
# `pip install .` from a clean clone that has no build/ folder: setup.py configures and builds
# almkit in the clone's own build/ (CMake + Ninja + ccache), then the installed package is used
# from outside the tree.   python/tests/check_pip_install_clean_clone.sh REPO CLONE_DIR
# CLONE_DIR is a fixed path, not a fresh temporary one: ccache keys hold the source paths, so
# the next run at the same place finds every object in the cache and only links.
set -euo pipefail
unset PYTHONPATH ALMKIT_BUILD_DIR  # the clone's own build, and the installed package
repo=$1 clone=$2
rm -rf "$clone" "$clone.venv"
git clone -q --no-hardlinks "$repo" "$clone"  # the committed tree, nothing of the build folder
test ! -e "$clone/build"
/usr/bin/python3 -m venv --system-site-packages "$clone.venv"
start=$(date +%s)
(cd "$clone" && "$clone.venv/bin/python" -m pip install -q --no-build-isolation --no-index .)
echo "pip install . in a clean clone: $(($(date +%s) - start)) s"
test -f "$clone/build/CMakeCache.txt"  # setup.py configured the clone's own build folder
cd /
"$clone.venv/bin/python" - <<'PY'
import os
import numpy as np
import almkit
assert "site-packages" in almkit.__file__, almkit.__file__
mel = almkit.whisper_mel(np.zeros(16000, dtype=np.float32), n_mels=80)
assert mel.shape == (80, 3000), mel.shape
print("installed", almkit.__version__, os.path.dirname(almkit.__file__))
PY
rm -rf "$clone" "$clone.venv"
