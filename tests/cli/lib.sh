# Shared helpers for the CLI tests (bash). Source it from a tests/cli/*_test.sh script:
#   . "$(dirname "$0")/lib.sh"
# Provides: $BIN (built programs), $SYNTH, $WORK (scratch dir, removed at exit),
#   run CMD...            runs CMD, captures $OUT, $ERR, $RC
#   expect_rc N           the last run exited N
#   expect_out_has TEXT / expect_err_has TEXT / expect_out_empty / expect_err_empty
#   expect_one_line_err   stderr is exactly one line that starts with "PROGRAM: "
#   expect_file F / expect_no_file F
#   check NAME CONDITION  a named assertion on a shell condition (e.g. check "x" '[ 1 = 1 ]')
#   finish                prints "N passed, N failed" and exits non-zero on any failure
#   jl JSON EXPR          evaluates EXPR (JavaScript, on d = the parsed JSON) with node, prints it
#   near A B TOL          true when |A - B| <= TOL
#   locked_copy SRC DEST  DEST = SRC made unreadable; fails (saying the case is skipped) as root
#   need_chromium         $chrome = headless Chromium, or the test is skipped (exit 77)
set -u
BIN="${DJB_BIN:?DJB_BIN must name the directory of the built programs}"
SYNTH="$BIN/synth"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/djb-cli-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
CURRENT="(setup)"
OUT=""
ERR=""
RC=0

# jq-like access with node (already a test dependency): jl JSON-TEXT EXPR, EXPR in JS on d.
jl() { node -e 'const d = JSON.parse(process.argv[1]); const v = eval(process.argv[2]); console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# Copies SRC to DEST with no permissions, for the unreadable-input case. Root reads it anyway,
# so there it says the case is skipped and fails: `if locked_copy a.wav locked.wav; then ...`.
locked_copy() {
  if [ "$(id -u)" = 0 ]; then
    echo "skipped [$CURRENT]: unreadable file (running as root, chmod 000 does not stop reads)" >&2
    return 1
  fi
  cp "$1" "$2" && chmod 000 "$2"
}

# Sets $chrome to the headless browser the client tests use, or skips the whole test (exit
# 77) where Chromium is not installed (scripts/install-deps installs it).
need_chromium() {
  chrome=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$chrome" ]; then
    echo "skipped: no chromium here (scripts/install-deps installs it)"
    exit 77
  fi
}

# Names the case the following assertions belong to.
case_() { CURRENT="$*"; }

_pass() { PASSED=$((PASSED + 1)); }
_fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL [$CURRENT]: $*" >&2
  echo "  rc=$RC stdout=$(printf '%s' "$OUT" | head -c 300)" >&2
  echo "  stderr=$(printf '%s' "$ERR" | head -c 300)" >&2
}

run() {
  local o e
  o="$WORK/.out"; e="$WORK/.err"
  "$@" >"$o" 2>"$e" </dev/null
  RC=$?
  OUT="$(cat "$o")"; ERR="$(cat "$e")"
}

# Like run, but feeds FILE on stdin: run_stdin FILE CMD...
run_stdin() {
  local in="$1"; shift
  local o e
  o="$WORK/.out"; e="$WORK/.err"
  "$@" >"$o" 2>"$e" <"$in"
  RC=$?
  OUT="$(cat "$o")"; ERR="$(cat "$e")"
}

expect_rc() { if [ "$RC" -eq "$1" ]; then _pass; else _fail "expected exit $1, got $RC"; fi; }
expect_out_has() { if grep -qF -- "$1" <<<"$OUT"; then _pass; else _fail "stdout lacks '$1'"; fi; }
expect_err_has() { if grep -qF -- "$1" <<<"$ERR"; then _pass; else _fail "stderr lacks '$1'"; fi; }
expect_out_empty() { if [ -z "$OUT" ]; then _pass; else _fail "stdout not empty"; fi; }
expect_err_empty() { if [ -z "$ERR" ]; then _pass; else _fail "stderr not empty"; fi; }
expect_one_line_err() {
  local prog="$1" n
  n=$(printf '%s\n' "$ERR" | grep -c .)
  if [ "$n" -eq 1 ] && [[ "$ERR" == "$prog: "* ]]; then _pass; else _fail "stderr is not one '$prog: ' line"; fi
}
expect_file() { if [ -s "$1" ]; then _pass; else _fail "file $1 missing or empty"; fi; }
expect_no_file() { if [ ! -e "$1" ]; then _pass; else _fail "file $1 should not exist"; fi; }
# No temporary files left behind in a directory (the .NAME.XXXXXX files of atomic writes).
expect_no_temps() {
  local left
  left=$(find "$1" -maxdepth 1 -name '.*.??????' 2>/dev/null | head -1)
  if [ -z "$left" ]; then _pass; else _fail "temporary file left behind: $left"; fi
}
check() {
  local name="$1"; shift
  if eval "$*"; then _pass; else _fail "$name: $*"; fi
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
