#!/usr/bin/env bash
# Configuring a pure module that links SQLite or an io module must fail with the rule's
# message; a clean pure module must configure. Proves the rule in cmake/WeftModule.cmake bites.
set -u
src=${1:?usage: pure_rule_test.sh WEFT_SOURCE_DIR}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
expect() {  # expect NAME CASE RC_WANTED PATTERN
  local out rc
  out=$(cmake -S "$src/tests/unit/cmake_rule/fixture" -B "$tmp/$2" -G Ninja \
          -DWEFT_SOURCE_DIR="$src" -DCASE="$2" 2>&1); rc=$?
  if { [ "$3" = 0 ] && [ $rc = 0 ]; } || { [ "$3" != 0 ] && [ $rc != 0 ] && grep -q "$4" <<<"$out"; }; then
    echo "ok   - $1"; pass=$((pass + 1))
  else
    echo "FAIL - $1 (exit $rc)"; echo "$out" | tail -20; fail=$((fail + 1))
  fi
}
expect "pure module linking SQLite fails to configure" sqlite 1 "pure module weft_bad may not link SQLite::SQLite3"
expect "pure module linking an io module fails to configure" io 1 "pure module weft_bad may not link io module weft::adapter"
expect "pure module with allowed deps configures" good 0 ""
echo "$pass passed, $fail failed"
[ $fail = 0 ]
