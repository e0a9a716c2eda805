#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer with
# find_package(almkit) and with pkg-config.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/lib/libalmkit.so.0" || { echo "libalmkit.so.0 not installed"; exit 1; }
cmake -S "$here" -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$prefix/consumer/consumer"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs almkit)
g++ -std=c++17 "$here/consumer.cpp" $flags -o "$prefix/consumer-pc"
LD_LIBRARY_PATH="$prefix/lib" "$prefix/consumer-pc"
# Only ALMKIT_API symbols are exported: no internal helper leaks into the ABI.
if nm -D --defined-only "$prefix/lib/libalmkit.so.0" | c++filt | grep -q "almkit::RealFft"; then
  echo "internal symbol almkit::RealFft is exported"; exit 1
fi
