#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds a program against almkit_frontend
# alone (find_package(almkit COMPONENTS frontend) and pkg-config almkit_frontend), runs it, and
# checks that neither the library nor the program pulls in libtorch, SQLite, curl or httplib.
#   tests/frontend/check_frontend_install.sh BUILD_DIR
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
library="$prefix/lib/libalmkit_frontend.so.0"
test -f "$library" || { echo "libalmkit_frontend.so.0 not installed"; exit 1; }
forbidden='torch|c10|sqlite|curl|httplib|libalmkit\.so'
# Library names and paths only: ldd's load addresses (0x...c10...) once matched 'c10' by chance.
linked() { ldd "$1" | sed 's/ *(0x[0-9a-f]*)$//'; }
if linked "$library" | grep -Ei "$forbidden"; then echo "libalmkit_frontend links the above"; exit 1; fi

cmake -S "$here/consumer" -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$prefix/consumer/frontend_consumer" "$prefix/tone.wav"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs almkit_frontend)
g++ -std=c++17 "$here/consumer/frontend_consumer.cpp" $flags -o "$prefix/consumer-pc"
LD_LIBRARY_PATH="$prefix/lib" "$prefix/consumer-pc" "$prefix/tone-pc.wav"
for program in "$prefix/consumer/frontend_consumer" "$prefix/consumer-pc"; do
  if LD_LIBRARY_PATH="$prefix/lib" linked "$program" | grep -Ei "$forbidden"; then
    echo "$program links the above"; exit 1
  fi
done
echo "almkit_frontend alone: consumers built with CMake and pkg-config, no torch/sqlite/curl/httplib"
