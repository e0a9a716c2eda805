#!/usr/bin/env bash
# The shared library exports exactly the C functions almkit.h declares (C linkage, no C++
# symbol from the C layer).   tests/capi/check_exports.sh HEADER LIBRARY
set -euo pipefail
header=$1
library=$2
declared=$(tr '\n' ' ' <"$header" | grep -oE 'ALMKIT_API [^;(]*\b(almkit_[a-z0-9_]+)\(' |
  grep -oE 'almkit_[a-z0-9_]+\($' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$library" | awk '$2 == "T" && $3 ~ /^almkit_/ {print $3}' | sort -u)
if [[ "$declared" != "$exported" ]]; then
  echo "declared in $header but not exported:"; comm -23 <(echo "$declared") <(echo "$exported")
  echo "exported but not declared:"; comm -13 <(echo "$declared") <(echo "$exported")
  exit 1
fi
if nm -D --defined-only "$library" | c++filt | grep -q "almkit::capi::"; then
  echo "a C++ symbol of the C layer (almkit::capi::) is exported"; exit 1
fi
soname=$(objdump -p "$library" | awk '$1 == "SONAME" {print $2}')
[[ $soname == libalmkit.so.0 ]] || { echo "soname is '$soname', expected libalmkit.so.0"; exit 1; }
echo "$(echo "$declared" | wc -l) C functions declared and exported; soname $soname"
