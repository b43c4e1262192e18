#!/usr/bin/env bash
# weftd's life on one host: status and metrics from inside its namespace, the data-dir lock,
# a corrupt database refused, the peer name kept across restarts, SIGTERM ends it cleanly.
#
#   [ns h1: lo 127.0.0.1]  weftd --data-dir $T/h1/data --run-dir $T/h1/run
. "$(dirname "$0")/lib.sh"
require_root_netns

ns_add h1; H1=$NS
start_weftd "$H1" h1
PID1=$WEFTD_PID
check "weftd answers on its unix socket" wait_weftd "$H1" h1

status=$(weft "$H1" h1 status)
check "status has the router block" contains "$status" "Service: router"
check "status names the peer with its nickname" contains "$status" "(h1)"
name=$(sed -n 's/^ *Name: \([0-9a-f:]*\)(h1)$/\1/p' <<<"$status")
check "peer name is 8 hex bytes" grep -Eq '^([0-9a-f]{2}:){7}[0-9a-f]{2}$' <<<"$name"

report=$(weft "$H1" h1 report)
check "report is JSON whose router.name is the status name" \
  test "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["router"]["name"])' <<<"$report")" = "$name"

metrics=$(in_ns "$H1" curl -sf http://127.0.0.1:6784/metrics)
check "metrics over TCP have weft_build_info" contains "$metrics" "weft_build_info{version="
check "metrics have process RSS" grep -Eq '^process_resident_memory_bytes [1-9][0-9]*$' <<<"$metrics"
code=$(in_ns "$H1" curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:6784/status)
check "TCP API refuses writes (403)" test "$code" = 403
check "api socket is mode 0600" test "$(stat -c %a "$T_TMP/h1/run/weftd.sock")" = 600
check "identity key is mode 0600" test "$(stat -c %a "$T_TMP/h1/data/identity.key")" = 600
check "database is mode 0600" test "$(stat -c %a "$T_TMP/h1/data/weft.db")" = 600

# A second weftd on the same data dir is refused and names the pid holding it.
ns_add h2; H2=$NS
out=$(in_ns "$H2" "$WEFT_BIN_DIR/weftd" --data-dir "$T_TMP/h1/data" --run-dir "$T_TMP/other-run" 2>&1)
rc=$?
check "second weftd on the same data dir exits non-zero" test "$rc" -ne 0
check "refusal names the pid that holds the data dir" contains "$out" "pid $PID1"
out=$(in_ns "$H2" "$WEFT_BIN_DIR/weftd" --data-dir "$T_TMP/other-data" --run-dir "$T_TMP/h1/run" 2>&1)
check "second weftd on the same run dir is refused" contains "$out" "already serving"

stop_pid "$PID1"; rc=$?
check "SIGTERM ends weftd with exit 0" test "$rc" = 0
check "socket removed on exit" test ! -e "$T_TMP/h1/run/weftd.sock"
out=$(weft "$H1" h1 status 2>&1); rc=$?
check "weft status without weftd exits 1" test "$rc" = 1
check "and says weftd is not running at the socket path" \
  contains "$out" "weftd is not running at $T_TMP/h1/run/weftd.sock"

start_weftd "$H1" h1
PID1=$WEFTD_PID
check "weftd restarts on the same data dir" wait_weftd "$H1" h1
check "peer name survives a restart" contains "$(weft "$H1" h1 status)" "Name: $name(h1)"
stop_pid "$PID1"

# A corrupt database is refused, kept as it is, and the message says what to do.
dd if=/dev/urandom of="$T_TMP/h1/data/weft.db" bs=4096 count=4 conv=notrunc status=none
rm -f "$T_TMP/h1/data/weft.db-wal" "$T_TMP/h1/data/weft.db-shm"
sum=$(sha256sum <"$T_TMP/h1/data/weft.db")
out=$(in_ns "$H1" "$WEFT_BIN_DIR/weftd" --data-dir "$T_TMP/h1/data" --run-dir "$T_TMP/h1/run" 2>&1)
rc=$?
check "weftd refuses a corrupt database (non-zero exit)" test "$rc" -ne 0
check "the message names the database file" contains "$out" "$T_TMP/h1/data/weft.db"
check "the message says how to recover" contains "$out" "--reset-data"
check "the corrupt file is left untouched" test "$(sha256sum <"$T_TMP/h1/data/weft.db")" = "$sum"

start_weftd "$H1" h1 --reset-data
PID1=$WEFTD_PID
check "--reset-data starts over" wait_weftd "$H1" h1
check "and gives a new peer name (the old one went with the data)" \
  bash -c "! grep -q 'Name: $name' <<<\"\$1\"" _ "$(weft "$H1" h1 status)"
stop_pid "$PID1"; rc=$?
check "SIGTERM after reset exits 0" test "$rc" = 0

finish
