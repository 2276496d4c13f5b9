#!/usr/bin/env bash
# Hostile input, table-driven, over every program and every input-taking argument:
#   1. input kinds: empty, truncated, random bytes, a directory, /dev/zero, /dev/urandom, a FIFO
#      that reads EOF, a FIFO fed endlessly, NUL in JSON, a valid file of the wrong kind/schema;
#   2. numbers: every numeric option (found in --help, plus the text options the man pages give
#      numbers or dB to) with nan, inf, -inf, 1e400, -1e400, 1e-400; 1e400 and 1e308 in JSON;
#   3. collisions: every output equal to an input or to another output;
#   4. SIGTERM at a seeded random moment: all of a run's outputs or none, no temporaries;
#   5. standard output on /dev/full: exit 74, one line, no output file left;
#   6. messages that must name their subject.
# Each row runs in a directory of its own, several at a time (the rows that may hang, on
# devices and FIFOs, last and more at a time), and rows are checked afterwards in table order.
# A failing row prints one line: its name (program, option, input, value) and every problem.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
T=15                            # seconds before a row counts as hung
FX="$WORK/fx"                   # fixtures, shared and read-only for the rows
M="$WORK/m"                     # per row: ID.rc .out .err .before .after
mkdir -p "$FX" "$M" "$WORK/c" "$WORK/help"
ff() { ffmpeg -nostdin -v error -y "$@"; }
# The lead may rebuild while this runs: wait (up to a minute) for a program to be there.
await() { local i; for ((i = 0; i < 60; i++)); do [ -x "$BIN/$1" ] && return; sleep 1; done; }

# Numeric options from --help, "--name ZERO" per line (ZERO 1 when 0 lies in the option's
# range, so that 1e-400, which is 0 in a double, may be taken). Started now, read later.
numeric_opts() {
  "$BIN/$1" ${2:+"$2"} --help | awk '
    match($0, /^ +(-[A-Za-z],)?--[a-z0-9-]+ [^ ]+/) {
      s = substr($0, RSTART, RLENGTH); sub(/^ +(-[A-Za-z],)?/, "", s)
      n = index(s, " "); name = substr(s, 1, n - 1); type = substr(s, n + 1)
      if (type !~ /^(FLOAT|INT|UINT|NUMBER|POSITIVE|N|HZ|SECONDS|DB)([:=]|$)/ || type ~ /GAIN/) next
      zero = (type ~ /POSITIVE/) ? 0 : 1
      if (match($0, /in \[[^]]*\]/)) { split(substr($0, RSTART + 4, RLENGTH - 5), ab, " - "); zero = (ab[1] + 0 <= 0 && ab[2] + 0 >= 0) }
      if (match(type, /\{[^}]*\}/)) zero = ("," substr(type, RSTART + 1, RLENGTH - 2) ",") ~ /,0,/
      print name, zero
    }'
}
PROGS="wf-hash wf-peaks wf-mixstems djb-analyze djb-transition djb-render clip-highlights golden-diff dub-mux"
for p in $PROGS "dub-mux extract" "dub-mux mux"; do
  [ "$p" = dub-mux ] && continue
  # shellcheck disable=SC2086
  numeric_opts $p >"$WORK/help/${p/ /-}" &
done

# ---------------------------------------------------------------------------- fixtures
cd "$FX" || exit 1
(
  "$SYNTH" track --bpm 124 --key Am --sections intro:2,drop:4,outro:2 -o a.wav >/dev/null
  "$SYNTH" track --bpm 126 --key Em --sections intro:2,drop:4,outro:2 -o b.wav >/dev/null
  "$BIN/djb-analyze" -q -j 1 a.wav b.wav >an.jsonl
  sed -n 1p an.jsonl >a.json
  sed -n 2p an.jsonl >b.json
  "$BIN/djb-transition" -q --plan a.json b.json >plan-rel.json         # tracks "a.wav", "b.wav"
  "$BIN/djb-analyze" -q -j 1 "$FX/a.wav" "$FX/b.wav" | "$BIN/djb-transition" -q --plan >plan.json
  ff -f lavfi -i testsrc2=size=160x120:rate=25:duration=17 -i a.wav -c:v libx264 -preset ultrafast \
    -g 25 -pix_fmt yuv420p -c:a aac -shortest v.mp4
) &
(
  "$SYNTH" tone --freq 440 --seconds 4 --amp 0.3 -o as.wav >/dev/null
  "$SYNTH" tone --freq 660 --seconds 4 --amp 0.3 -o bs.wav >/dev/null
  ff -f lavfi -i testsrc2=size=160x120:rate=25:duration=4 -i as.wav -c:v libx264 -preset ultrafast \
    -g 25 -pix_fmt yuv420p -c:a aac -shortest vs.mp4
  ff -f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -c:v libx264 -preset ultrafast noaudio.mp4
  mkdir gexp gact               # a directory pair that compares equal: JSON and samples
  "$SYNTH" tone --seconds 1 --amp 0.5 -o gexp/t.wav >/dev/null
  "$SYNTH" tone --seconds 1 --amp 0.5 --bits 24 -o gact/t.wav >/dev/null
  # Long inputs for the SIGTERM rows (each run takes a few seconds).
  "$SYNTH" noise --seconds 240 --channels 2 --amp 0.3 -o n1.wav >/dev/null
  "$SYNTH" noise --seconds 240 --channels 2 --amp 0.3 --seed 2 -o n2.wav >/dev/null
  "$SYNTH" tone --freq 440 --seconds 46 --rate 48000 -o ldub.wav >/dev/null
) &
(
  "$SYNTH" track --bpm 124 --key Am --sections intro:4,drop:16,outro:4 -o la.wav >/dev/null
  "$SYNTH" track --bpm 126 --key Em --sections intro:4,drop:16,outro:4 -o lb.wav >/dev/null
  "$BIN/djb-analyze" -q -j 1 "$FX/la.wav" "$FX/lb.wav" | "$BIN/djb-transition" -q --plan >lplan.json
  ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=46 -i la.wav -c:v mpeg4 -c:a aac -shortest lv.mp4
) &
printf '1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:02,000 --> 00:00:03,250\nSecond\n\n' >s.srt
printf 'WEBVTT\n\n00:00.500 --> 00:01.500\nHello\n' >s.vtt
printf '[Script Info]\nTitle: not SRT\n\n[Events]\nDialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,Hi\n' >s.ass
echo '{"schema": "djb.weights/1", "weights": {"tempo": 1, "harmonic": 1.5, "energy": 1, "phrase": 1, "coverage": 0.5, "clash": 1}}' >w.json
{ echo '{"schema": "djb.feedback/1", "breakdown": {"tempo": 0.97, "harmonic": 0.9, "energy": 0.99, "phrase": 0.81, "coverage": 1, "clash": 0.92}, "accepted": true}'
  echo '{"schema": "djb.feedback/1", "breakdown": {"tempo": 0.5, "harmonic": 0.35, "energy": 0.4, "phrase": 0.5, "coverage": 0.6, "clash": 0.3}, "accepted": false}'
} >fb.jsonl
echo '[1, "-3dB"]' >g.json
echo '{"1": 0.5}' >gobj.json
echo '{"/bpm": 0.01, "/toolkit": "ignore"}' >tol.json
echo '{"*.wav": {"min_snr": 60}}' >tolf.json
echo '{"schema": "synth.truth/1", "bpm": 128.0, "key": "A minor", "beats": [0.0, 0.46875], "toolkit": "0.1.0"}' >e.json
echo '{"schema": "synth.truth/1", "bpm": 128.004, "key": "A minor", "beats": [0.0, 0.47], "toolkit": "0.2.0"}' >near.json
node -e 'let x = 7; const b = Buffer.alloc(4096); for (let i = 0; i < b.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; } process.stdout.write(b)' >random.bin
wait
cp e.json gexp/e.json
echo '{"toolkit": "0.1.0", "beats": [0.0, 0.46875], "key": "A minor", "bpm": 128, "schema": "synth.truth/1"}' >gact/e.json
FXSUM="$(find . -type f -exec sha256sum {} + | LC_ALL=C sort)"
cd "$WORK" || exit 1

# A JSON document with one number replaced by raw text (JSON.stringify cannot write 1e400):
# jnum SRC JS-PATH RAW  (on d, the document; of JSON Lines, the first line)
jnum() {
  node -e '
    const [src, path, raw] = process.argv.slice(1);
    const lines = require("fs").readFileSync(src, "utf8").split("\n").filter(Boolean);
    const d = JSON.parse(lines[0]);
    eval(path + " = \"@NUM@\"");
    lines[0] = JSON.stringify(d).replace("\"@NUM@\"", raw);
    console.log(lines.join("\n"));' "$@"
}

# ---------------------------------------------------------------------------- the row machinery
# row NAME PROG CODES [pool=B] [setup=SHELL] [in=FILE] [out=FILE] [say=TEXT] [nosay=TEXT]
#     [re=ERE] [want="FILE..."] -- PROGRAM ARGS...
# CODES are the exit statuses allowed. A row that fails (any status but success: 0, and 1 for
# golden-diff) must also write one "PROG: " line on stderr, nothing on stdout (golden-diff: its
# report) and leave its directory as it was (the snapshot: no output, no temporary, inputs
# byte-identical); say/nosay/re test stderr. A row allowed to succeed that does succeed must
# print no NaN or infinity and make the files of want.
N=0
declare -a R_NAME R_PROG R_CODES R_POOL R_SETUP R_IN R_OUT R_SAY R_NOSAY R_RE R_WANT R_CMD
row() {
  N=$((N + 1))
  R_NAME[N]=$1 R_PROG[N]=$2 R_CODES[N]=$3 R_POOL[N]=A R_SETUP[N]=: R_IN[N]=/dev/null
  R_OUT[N]="" R_SAY[N]="" R_NOSAY[N]="" R_RE[N]="" R_WANT[N]=""
  shift 3
  while [ "$1" != -- ]; do
    case $1 in
      pool=*) R_POOL[N]=${1#*=} ;; setup=*) R_SETUP[N]=${1#*=} ;; in=*) R_IN[N]=${1#*=} ;;
      out=*) R_OUT[N]=${1#*=} ;; say=*) R_SAY[N]=${1#*=} ;; nosay=*) R_NOSAY[N]=${1#*=} ;;
      re=*) R_RE[N]=${1#*=} ;; want=*) R_WANT[N]=${1#*=} ;;
      *) echo "bad row option $1" >&2; exit 2 ;;
    esac
    shift
  done
  shift
  printf -v "R_CMD[$N]" '%q ' "$@"
}

# Everything in a row's directory but directories: type and name, and the SHA-256 of files.
snap() { { find . -mindepth 1 ! -type d ! -type f -printf '%y %p\n'; find . -type f -exec sha256sum {} +; } 2>/dev/null | LC_ALL=C sort; }

# Makes the hostile input PATH in the row's directory: mk KIND PATH VALID WRONG.
# A FIFO gets a writer that closes at once (EOF) or never stops; WPID is killed after the run.
mk() {
  local n
  case $1 in
    empty) : >"$2" ;;
    trunc) n=$(stat -c %s "$FX/$3"); head -c $((n > 2048 ? 1024 : n * 6 / 10)) "$FX/$3" >"$2" ;;  # small: 60 %
    random) cp "$FX/random.bin" "$2" ;;
    dir) mkdir "$2" ;;
    fifo-eof) mkfifo "$2"; (: >"$2") & WPID=$! ;;
    fifo-endless) mkfifo "$2"; cat /dev/zero >"$2" & WPID=$! ;;
    nul) { head -c 1 "$FX/$3"; printf '\0'; tail -c +2 "$FX/$3"; } >"$2" ;;
    schema) cp "$FX/$4" "$2" ;;
  esac
}
# plan.json here: the fixture plan with its b.wav track replaced by PATH.
trackplan() { sed "s|\"$FX/b.wav\"|\"$1\"|" "$FX/plan.json" >plan.json; }
# A plan with relative track paths, as NAME, with its tracks beside it (a.wav as TRACK if given).
relplan() {
  if [ -n "${2:-}" ]; then sed "s|\"a.wav\"|\"$2\"|" "$FX/plan-rel.json" >"$1"; cp "$FX/a.wav" "$2"
  else cp "$FX/plan-rel.json" "$1"; cp "$FX/a.wav" .; fi
  cp "$FX/b.wav" .
}

# Programs built with AddressSanitizer cannot run under a virtual-memory limit.
SANITIZED=""
if ldd "$BIN/wf-hash" 2>/dev/null | grep -q libasan; then SANITIZED=1; fi

job() {  # job ID MEM-KB: runs row ID in c/ID
  local id=$1 d="$WORK/c/$1" cmd WPID=""
  mkdir -p "$d/tmp" && cd "$d" || return
  ulimit -f 262144              # no row may fill the disk (256 MB) ...
  # ... or the memory (not under AddressSanitizer, whose shadow memory needs a huge reservation)
  [ -n "$SANITIZED" ] || ulimit -v "$2"
  eval "${R_SETUP[id]}"
  snap >"$M/$id.before"
  eval "cmd=(${R_CMD[id]})"
  await "${cmd[0]}"
  TMPDIR="$d/tmp" timeout -k 5 "$T" "$BIN/${cmd[0]}" "${cmd[@]:1}" \
    <"${R_IN[id]}" >"${R_OUT[id]:-$M/$id.out}" 2>"$M/$id.err"
  echo $? >"$M/$id.rc"
  if [ -n "$WPID" ]; then kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; fi
  snap >"$M/$id.after"
}

pool() {  # pool MAX MEM-KB IDS...: at most MAX rows at a time
  local max=$1 mem=$2 n=0 id
  shift 2
  for id in "$@"; do
    if [ "$n" -ge "$max" ]; then wait -n; n=$((n - 1)); fi
    (job "$id" "$mem") 2>/dev/null &     # (the shell's own "File size limit exceeded")
    n=$((n + 1))
  done
  wait
}

rc_note() {
  case $RC in
    124 | 137) echo " (hung: stopped after $T s)" ;;
    153) echo " (killed by SIGXFSZ: wrote past the 256 MB file-size limit)" ;;
    1[3-9][0-9] | 2[0-9][0-9]) echo " (killed by signal $((RC - 128)))" ;;
  esac
}
slurp() {  # slurp VAR FILE [MAX]: the file's text (at most MAX characters) without a subprocess
  local -n _v=$1
  _v=""
  [ -s "$2" ] || return 0
  if [ -n "${3:-}" ]; then IFS= read -r -N "$3" -d '' _v <"$2"; else IFS= read -r -d '' _v <"$2"; fi
  _v=${_v%$'\n'}
  return 0
}
PROBLEMS=()
problem() { PROBLEMS+=("$1"); }
verdict() {  # one FAIL line per row, listing its problems
  local msg
  if [ ${#PROBLEMS[@]} -eq 0 ]; then _pass; else printf -v msg '%s; ' "${PROBLEMS[@]}"; _fail "${msg%; }"; fi
  PROBLEMS=()
}
NONFINITE='(^|[^a-z])(nan|-?inf|-?infinity)([^a-z]|$)'

evaluate() {  # checks row ID
  local id=$1 f="$M/$1" before after all w c allowed=0 success=" 0 " codes=${R_CODES[$1]} lines=0 l
  case_ "${R_NAME[id]}"
  RC=none
  [ -s "$f.rc" ] && read -r RC <"$f.rc"
  slurp OUT "$f.out" 300
  slurp ERR "$f.err" 2000
  if [ "${R_PROG[id]}" = golden-diff ]; then success=" 0 1 "; [[ " $codes " == *" 0 "* ]] && codes="$codes 1"; fi
  for c in $codes; do [ "$RC" = "$c" ] && allowed=1; done
  if [ "$allowed" = 1 ] && [[ $success == *" $RC "* ]]; then
    slurp all "$f.out"
    [[ ${all,,} =~ $NONFINITE ]] && problem "succeeded but printed '${BASH_REMATCH[2]}'"
    for w in ${R_WANT[id]}; do [ -s "$WORK/c/$id/$w" ] || problem "succeeded without making $w"; done
    verdict
    return
  fi
  [ "$allowed" = 1 ] || problem "expected exit in {${R_CODES[id]}}, got $RC$(rc_note)"
  while IFS= read -r l; do [ -n "$l" ] && lines=$((lines + 1)); done <<<"$ERR"
  [ "$lines" = 1 ] && [[ $ERR == "${R_PROG[id]}: "* ]] || problem "stderr is not one '${R_PROG[id]}: ' line"
  [ "${R_PROG[id]}" = golden-diff ] || [ ! -s "$f.out" ] || problem "wrote to stdout"
  slurp before "$f.before"
  slurp after "$f.after"
  if [ "$before" != "$after" ]; then
    w=$(LC_ALL=C comm -13 "$f.before" "$f.after" | sed 's/^[0-9a-f]\{64\}  //' | sort | head -4 | tr '\n' ' ')
    [ -z "$w" ] || problem "left behind or rewritten: $w"
    w=$(LC_ALL=C comm -23 "$f.before" "$f.after" | sed 's/^[0-9a-f]\{64\}  //' | sort | head -4 | tr '\n' ' ')
    [ -z "$w" ] || problem "an input changed or vanished: $w"
  fi
  [ -z "${R_SAY[id]}" ] || [[ $ERR == *"${R_SAY[id]}"* ]] || problem "stderr does not name '${R_SAY[id]}'"
  [ -z "${R_NOSAY[id]}" ] || [[ $ERR != *"${R_NOSAY[id]}"* ]] || problem "stderr says '${R_NOSAY[id]}'"
  [ -z "${R_RE[id]}" ] || [[ $ERR =~ ${R_RE[id]} ]] || problem "stderr does not match /${R_RE[id]}/"
  verdict
}

# ---------------------------------------------------------------------------- 1. input kinds
# PROG | which input | extension | a valid file of its kind | a valid file of the wrong kind
# (or -) | command: "@" is the hostile input, "<@" it on standard input, "PLAN@" a plan whose
# b.wav track is it.
SLOTS=(
  "wf-hash|FILE|wav|a.wav|noaudio.mp4|wf-hash @"
  "wf-hash|stdin|wav|a.wav|noaudio.mp4|wf-hash - <@"
  "wf-peaks|FILE|wav|a.wav|noaudio.mp4|wf-peaks @ -o out.json"
  "wf-peaks|stdin|wav|a.wav|noaudio.mp4|wf-peaks - -o out.json <@"
  "wf-mixstems|STEM|wav|a.wav|noaudio.mp4|wf-mixstems $FX/as.wav @ -o out.wav"
  "wf-mixstems|STEM (lufs, --peaks)|wav|a.wav|noaudio.mp4|wf-mixstems --normalize lufs:-14 --peaks p.json $FX/as.wav @ -o out.wav"
  "wf-mixstems|--gains|json|g.json|w.json|wf-mixstems --gains @ $FX/as.wav $FX/bs.wav -o out.wav"
  "djb-analyze|FILE|wav|a.wav|noaudio.mp4|djb-analyze @"
  "djb-analyze|stdin|wav|a.wav|noaudio.mp4|djb-analyze - <@"
  "djb-transition|A.json (pair)|json|a.json|w.json|djb-transition @ $FX/b.json"
  "djb-transition|FILE (--plan)|json|a.json|w.json|djb-transition --plan $FX/a.json @"
  "djb-transition|stdin (--plan)|json|a.json|w.json|djb-transition --plan - $FX/b.json <@"
  "djb-transition|--weights|json|w.json|a.json|djb-transition --plan --weights @ $FX/a.json $FX/b.json"
  "djb-transition|learn FEEDBACK|jsonl|fb.jsonl|a.json|djb-transition learn @"
  "djb-transition|learn stdin|jsonl|fb.jsonl|a.json|djb-transition learn <@"
  "djb-render|PLAN|json|plan.json|a.json|djb-render @ -o out.wav"
  "djb-render|stdin|json|plan.json|a.json|djb-render - -o out.wav <@"
  "djb-render|a track of the plan|wav|b.wav|noaudio.mp4|djb-render PLAN@ -o out.wav"
  "djb-render|a track of the plan, --no-verify|wav|b.wav|noaudio.mp4|djb-render --no-verify PLAN@ -o out.wav"
  "clip-highlights|INPUT|wav|a.wav|noaudio.mp4|clip-highlights @ --lengths 5 --outdir od"
  "clip-highlights|stdin|wav|a.wav|noaudio.mp4|clip-highlights - --lengths 5 --outdir od <@"
  "dub-mux|extract VIDEO|mp4|vs.mp4|noaudio.mp4|dub-mux extract @ -o out.wav"
  "dub-mux|extract stdin|mp4|vs.mp4|noaudio.mp4|dub-mux extract - -o out.wav <@"
  "dub-mux|mux --video|mp4|vs.mp4|as.wav|dub-mux mux --video @ --audio $FX/as.wav -o out.mp4"
  "dub-mux|mux --audio|wav|as.wav|noaudio.mp4|dub-mux mux --video $FX/vs.mp4 --audio @ -o out.mp4"
  "dub-mux|mux --subs|srt|s.srt|s.ass|dub-mux mux --video $FX/vs.mp4 --audio $FX/as.wav --subs @ --srt side.srt -o out.mp4"
  "golden-diff|EXPECTED (.json)|json|e.json|-|golden-diff @ $FX/e.json"
  "golden-diff|ACTUAL (.json)|json|e.json|-|golden-diff $FX/e.json @"
  "golden-diff|EXPECTED (.wav)|wav|as.wav|noaudio.mp4|golden-diff @ $FX/as.wav"
  "golden-diff|ACTUAL (.wav)|wav|as.wav|noaudio.mp4|golden-diff $FX/as.wav @"
  "golden-diff|--tolerances|json|tol.json|w.json|golden-diff --tolerances @ $FX/e.json $FX/near.json"
)
for s in "${SLOTS[@]}"; do
  IFS='|' read -r prog what ext valid wrong cmdline <<<"$s"
  for kind in empty trunc random dir devzero devurandom fifo-eof fifo-endless nul schema; do
    case $kind in nul) [[ $ext == json* ]] || continue ;; schema) [ "$wrong" != - ] || continue ;; esac
    path="h.$ext" pool=A setup="mk $kind h.$ext $valid $wrong" stdin=/dev/null words=()
    case $kind in devzero) path=/dev/zero ;; devurandom) path=/dev/urandom ;; esac
    case $kind in dev* | fifo*) pool=B ;; esac
    case $kind in
      dir) codes=66; [[ $prog == golden-diff && $what != --* ]] && codes=64 ;;  # golden-diff(1): dir vs file is 64
      devzero | devurandom | fifo-endless) codes="65 66" ;;
      *) codes="64 65 66 74" ;;
    esac
    for w in $cmdline; do
      case $w in
        "<@") stdin=$path ;; @) words+=("$path") ;;
        PLAN@) words+=(plan.json); setup="$setup; trackplan $path" ;;
        *) words+=("$w") ;;
      esac
    done
    row "$prog $what: $kind" "$prog" "$codes" pool=$pool setup="$setup" in="$stdin" -- "${words[@]}"
  done
done

# ---------------------------------------------------------------------------- 2. numbers
# PROG | SUB | arguments before the option | after it (a run that succeeds: see the controls)
MUX="--video $FX/vs.mp4 --audio $FX/as.wav -o out.mp4"
NUM_BASE=(
  "wf-hash||--fingerprint|$FX/as.wav"
  "wf-peaks||-o out.json|$FX/as.wav"
  "wf-mixstems||--peaks p.json -o out.wav|$FX/as.wav $FX/bs.wav"
  "djb-analyze|||$FX/a.wav"
  "djb-transition||--plan|$FX/a.json $FX/b.json"
  "djb-render||-o out.wav|$FX/plan.json"
  "clip-highlights||--lengths 5 --outdir od|$FX/a.wav"
  "golden-diff|||$FX/gexp $FX/gact"
  "dub-mux|extract|-o out.wav|$FX/vs.mp4"
  "dub-mux|mux|$MUX|"
)
declare -A NUM_PRE=(  # options that need other arguments before them
  ["wf-peaks --width"]="-o out.svg" ["wf-peaks --height"]="-o out.svg"
  ["wf-mixstems --peaks-width"]="--peaks p.svg -o out.wav" ["wf-mixstems --peaks-height"]="--peaks p.svg -o out.wav"
  ["djb-transition --top"]="" ["djb-render --preview-bars"]="--preview -o out.wav"
  ["clip-highlights --lengths"]="--outdir od"
  ["dub-mux mux --duck-lookahead"]="$MUX --duck=12" ["dub-mux mux --duck-release"]="$MUX --duck=12"
  ["dub-mux mux --speech-threshold"]="$MUX --duck=12"
)
declare -A NUM_ZERO=(  # no range in --help, but 0 is not a value (dub-mux(1))
  ["dub-mux extract --rate"]=0 ["dub-mux extract --channels"]=0
)
# Options typed TEXT that take numbers (man pages): PROG|SUB|--option=TEMPLATE (X = the value)|ZERO
NUM_HAND=(
  "wf-hash||--max-size=X|0" "wf-hash||--max-size=XM|0"
  "wf-mixstems||--gain=1=X|1" "wf-mixstems||--gain=1=XdB|1"
  "wf-mixstems||--ceiling=X|0" "wf-mixstems||--ceiling=XdB|1" "wf-mixstems||--normalize=lufs:X|1"
  "djb-analyze||--bpm-range=X-185|0" "djb-analyze||--bpm-range=75-X|0" "djb-analyze||--bpm-prior=X|0"
  "clip-highlights||--lengths=X|0" "clip-highlights||--user=X-10|1" "clip-highlights||--user=2-X|0"
  "dub-mux|mux|--duck=XdB|1"
)
wait  # for the --help readers
declare -A BASE_PRE BASE_POST
FOUND=""
for b in "${NUM_BASE[@]}"; do
  IFS='|' read -r prog sub pre post <<<"$b"
  key="$prog${sub:+ $sub}"
  BASE_PRE[$key]=$pre BASE_POST[$key]=$post
  # shellcheck disable=SC2086
  row "control: $key $pre $post" "$prog" 0 -- $prog $sub $pre $post
  while read -r opt zero; do
    FOUND="$FOUND $opt"
    [ -n "${NUM_ZERO["$key $opt"]+x}" ] && zero=${NUM_ZERO["$key $opt"]}
    NUM_HAND+=("$prog|$sub|$opt=X|$zero")
  done <"$WORK/help/${key/ /-}"
done
for h in "${NUM_HAND[@]}"; do
  IFS='|' read -r prog sub tmpl zero <<<"$h"
  key="$prog${sub:+ $sub}" opt=${tmpl%%=*}
  pre=${BASE_PRE[$key]}
  [ -n "${NUM_PRE["$key $opt"]+x}" ] && pre=${NUM_PRE["$key $opt"]}
  for v in nan inf -inf 1e400 -1e400 1e-400; do
    codes=64
    [ "$v" = 1e-400 ] && [ "$zero" = 1 ] && codes="0 64"
    # shellcheck disable=SC2086
    row "$key ${tmpl//X/$v}" "$prog" "$codes" say="$opt" -- $prog $sub $pre "${tmpl//X/$v}" ${BASE_POST[$key]}
  done
done

# Numbers inside JSON inputs: PROG | what | source | JS path | codes for 1e308 | command (@ = it).
# 1e400 is not a double: 65 naming the file. 1e308 is one: 65 where it is out of the field's
# range (tempi, times, loudness, terms in [0, 1], gains up to 1000), taken where nothing bounds
# it (a weight, a tolerance; a number golden-diff compares).
JNUM=(
  "djb-transition|analysis bpm|a.json|d.bpm|65|djb-transition @ $FX/b.json"
  "djb-transition|analysis duration|a.json|d.duration|65|djb-transition @ $FX/b.json"
  "djb-transition|analysis downbeat|a.json|d.downbeats[1]|65|djb-transition --plan @ $FX/b.json"
  "djb-transition|weights tempo|w.json|d.weights.tempo|0 65|djb-transition --plan --weights @ $FX/a.json $FX/b.json"
  "djb-transition|feedback breakdown|fb.jsonl|d.breakdown.tempo|65|djb-transition learn @"
  "djb-render|plan track bpm|plan.json|d.tracks[0].bpm|65|djb-render @ -o out.wav"
  "djb-render|plan track loudness|plan.json|d.tracks[0].loudness.integrated_lufs|65|djb-render @ -o out.wav"
  "djb-render|plan overlap|plan.json|d.transitions[0].overlap.mix_seconds|65|djb-render @ -o out.wav"
  "djb-render|plan play end|plan.json|d.tracks[1].play.end|65|djb-render @ -o out.wav"
  "wf-mixstems|gains array|g.json|d[0]|65|wf-mixstems --gains @ $FX/as.wav $FX/bs.wav -o out.wav"
  "wf-mixstems|gains object|gobj.json|d['1']|65|wf-mixstems --gains @ $FX/as.wav $FX/bs.wav -o out.wav"
  "golden-diff|tolerance of a pointer|tol.json|d['/bpm']|0 1|golden-diff --tolerances @ $FX/e.json $FX/near.json"
  "golden-diff|min_snr of a file pattern|tolf.json|d['*.wav'].min_snr|0 1|golden-diff --tolerances @ $FX/gexp $FX/gact"
  "golden-diff|a number in EXPECTED|e.json|d.bpm|1|golden-diff @ $FX/near.json"
)
for r in "${JNUM[@]}"; do
  IFS='|' read -r prog what src path codes308 cmdline <<<"$r"
  for v in 1e400 1e308; do
    codes=65; [ "$v" = 1e308 ] && codes=$codes308
    words=(); for w in $cmdline; do [ "$w" = @ ] && w=$src; words+=("$w"); done
    row "$prog $what = $v in $src" "$prog" "$codes" say="$src" setup="jnum $FX/$src \"$path\" $v >$src" -- "${words[@]}"
  done
done

# ---------------------------------------------------------------------------- 3. collisions
# Inputs are copies in the row's directory; they must come out byte-identical (the snapshot),
# with exit 64 and nothing new. Inputs are named so that only the collision is wrong: each
# naming trick has a control row that succeeds with another output name.
C=collision
MX="--video v.mp4 --audio d.wav"
MXS="cp $FX/vs.mp4 v.mp4; cp $FX/as.wav d.wav; cp $FX/s.srt s.srt"
ST="cp $FX/as.wav s1.wav; cp $FX/bs.wav s2.wav"
row "$C control: wf-peaks reads a WAV named in.json" wf-peaks 0 want=out.json setup="cp $FX/as.wav in.json" -- wf-peaks in.json -o out.json
row "$C: wf-peaks -o = FILE" wf-peaks 64 setup="cp $FX/as.wav in.json" -- wf-peaks in.json -o in.json
row "$C: wf-peaks -o ./FILE = FILE" wf-peaks 64 setup="cp $FX/as.wav in.json" -- wf-peaks in.json -o ./in.json
row "$C: wf-mixstems -o = STEM 1" wf-mixstems 64 setup="$ST" -- wf-mixstems s1.wav s2.wav -o s1.wav
row "$C: wf-mixstems -o = STEM 2" wf-mixstems 64 setup="$ST" -- wf-mixstems s1.wav s2.wav -o s2.wav
row "$C: wf-mixstems -o ./STEM 2 = STEM 2" wf-mixstems 64 setup="$ST" -- wf-mixstems s1.wav s2.wav -o ./s2.wav
row "$C control: wf-mixstems stem named st.json" wf-mixstems 0 want="out.wav p.json" setup="$ST; cp s1.wav st.json" -- wf-mixstems st.json s2.wav --peaks p.json -o out.wav
row "$C: wf-mixstems --peaks = STEM" wf-mixstems 64 setup="$ST; cp s1.wav st.json" -- wf-mixstems st.json s2.wav --peaks st.json -o out.wav
row "$C control: wf-mixstems --peaks-format json --peaks p.wav" wf-mixstems 0 want="out.wav p.wav" setup="$ST" -- wf-mixstems s1.wav s2.wav --peaks-format json --peaks p.wav -o out.wav
row "$C: wf-mixstems --peaks = -o (--peaks-format json)" wf-mixstems 64 setup="$ST" -- wf-mixstems s1.wav s2.wav --peaks-format json --peaks out.wav -o out.wav
row "$C: wf-mixstems --peaks = --gains" wf-mixstems 64 setup="$ST; cp $FX/g.json g.json" -- wf-mixstems --gains g.json s1.wav s2.wav --peaks g.json -o out.wav
row "$C control: wf-mixstems --gains spec named g.wav" wf-mixstems 0 want=out.wav setup="$ST; cp $FX/g.json g.wav" -- wf-mixstems --gains g.wav s1.wav s2.wav -o out.wav
row "$C: wf-mixstems -o = --gains" wf-mixstems 64 setup="$ST; cp $FX/g.json g.wav" -- wf-mixstems --gains g.wav s1.wav s2.wav -o g.wav
row "$C: wf-hash --store = FILE (64 or 73)" wf-hash "64 73" setup="cp $FX/as.wav in.wav" -- wf-hash --store in.wav in.wav
row "$C: djb-analyze --store = FILE (64 or 73)" djb-analyze "64 73" setup="cp $FX/as.wav in.wav" -- djb-analyze --store in.wav in.wav
row "$C: djb-render -o = a track" djb-render 64 setup="relplan plan.json" -- djb-render plan.json -o a.wav
row "$C: djb-render -o ./b.wav = a track" djb-render 64 setup="relplan plan.json" -- djb-render plan.json -o ./b.wav
row "$C control: djb-render plan named p.mp3" djb-render 0 want="out.wav out.lrc out.cue" setup="relplan p.mp3" -- djb-render p.mp3 -o out.wav
row "$C: djb-render -o = PLAN" djb-render 64 setup="relplan p.mp3" -- djb-render p.mp3 -o p.mp3
row "$C: djb-render LRC of -o = PLAN (mix.lrc)" djb-render 64 setup="relplan mix.lrc" -- djb-render mix.lrc -o mix.wav
row "$C: djb-render CUE of -o = PLAN (mix.cue)" djb-render 64 setup="relplan mix.cue" -- djb-render mix.cue -o mix.wav
row "$C control: djb-render track named mix.lrc" djb-render 0 want="out.wav out.lrc out.cue" setup="relplan plan.json mix.lrc" -- djb-render plan.json -o out.wav
row "$C: djb-render LRC of -o = a track (mix.lrc)" djb-render 64 setup="relplan plan.json mix.lrc" -- djb-render plan.json -o mix.wav
row "$C: djb-render CUE of -o = a track (mix.cue)" djb-render 64 setup="relplan plan.json mix.cue" -- djb-render plan.json -o mix.wav
row "$C control: djb-render plan named p.zip" djb-render 0 want="mix.wav out.zip" setup="relplan p.zip" -- djb-render p.zip -o mix.wav --bundle out.zip
row "$C: djb-render --bundle = PLAN" djb-render 64 setup="relplan p.zip" -- djb-render p.zip -o mix.wav --bundle p.zip
row "$C: djb-render --bundle = a track (t.zip)" djb-render 64 setup="relplan plan.json t.zip" -- djb-render plan.json -o mix.wav --bundle t.zip
row "$C: djb-render --bundle = -o" djb-render 64 setup="relplan plan.json" -- djb-render plan.json -o mix.wav --bundle mix.wav
row "$C control: dub-mux extract reads a video named in.wav" dub-mux 0 want=out.wav setup="cp $FX/vs.mp4 in.wav" -- dub-mux extract in.wav -o out.wav
row "$C: dub-mux extract -o = VIDEO" dub-mux 64 setup="cp $FX/vs.mp4 in.wav" -- dub-mux extract in.wav -o in.wav
row "$C: dub-mux extract -o ./VIDEO = VIDEO" dub-mux 64 setup="cp $FX/vs.mp4 in.wav" -- dub-mux extract in.wav -o ./in.wav
row "$C control: dub-mux mux with every output" dub-mux 0 want="out.mp4 side.srt side.vtt r.json" setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt side.srt --vtt side.vtt --report r.json -o out.mp4
row "$C: dub-mux mux -o = --video" dub-mux 64 setup="$MXS" -- dub-mux mux $MX -o v.mp4
row "$C control: dub-mux mux dub named d.mp4" dub-mux 0 want=out.mp4 setup="$MXS; cp d.wav d.mp4" -- dub-mux mux --video v.mp4 --audio d.mp4 -o out.mp4
row "$C: dub-mux mux -o = --audio" dub-mux 64 setup="$MXS; cp d.wav d.mp4" -- dub-mux mux --video v.mp4 --audio d.mp4 -o d.mp4
row "$C control: dub-mux mux subtitles named s.mp4" dub-mux 0 want=out.mp4 setup="$MXS; cp s.srt s.mp4" -- dub-mux mux $MX --subs s.mp4 -o out.mp4
row "$C: dub-mux mux -o = --subs" dub-mux 64 setup="$MXS; cp s.srt s.mp4" -- dub-mux mux $MX --subs s.mp4 -o s.mp4
row "$C: dub-mux mux --srt = --subs" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt s.srt -o out.mp4
row "$C: dub-mux mux --vtt = --subs (WebVTT)" dub-mux 64 setup="$MXS; cp $FX/s.vtt s.vtt" -- dub-mux mux $MX --subs s.vtt --vtt s.vtt -o out.mp4
row "$C: dub-mux mux --srt = --video" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt v.mp4 -o out.mp4
row "$C: dub-mux mux --srt = --audio" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt d.wav -o out.mp4
row "$C: dub-mux mux --srt = -o" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt out.mp4 -o out.mp4
row "$C: dub-mux mux --vtt = -o" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --vtt out.mp4 -o out.mp4
row "$C: dub-mux mux --srt = --vtt" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt side.txt --vtt side.txt -o out.mp4
row "$C: dub-mux mux --report = --video" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --report v.mp4 -o out.mp4
row "$C: dub-mux mux --report = --audio" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --report d.wav -o out.mp4
row "$C: dub-mux mux --report = --subs" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --report s.srt -o out.mp4
row "$C: dub-mux mux --report = -o" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --report out.mp4 -o out.mp4
row "$C: dub-mux mux --report = --srt" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --srt side.srt --report side.srt -o out.mp4
row "$C: dub-mux mux --report = --vtt" dub-mux 64 setup="$MXS" -- dub-mux mux $MX --subs s.srt --vtt side.vtt --report side.vtt -o out.mp4
row "$C control: clip-highlights makes clips/clip-5s-1.wav and manifest.json" clip-highlights 0 want="od/clips/clip-5s-1.wav od/manifest.json" setup="cp $FX/a.wav in.wav" -- clip-highlights in.wav --lengths 5 --outdir od
row "$C: clip-highlights INPUT = OUTDIR/clips/clip-5s-1.wav" clip-highlights 64 setup="mkdir -p od/clips; cp $FX/a.wav od/clips/clip-5s-1.wav" -- clip-highlights od/clips/clip-5s-1.wav --lengths 5 --outdir od
row "$C: clip-highlights INPUT = OUTDIR/manifest.json" clip-highlights 64 setup="mkdir od; cp $FX/a.wav od/manifest.json" -- clip-highlights od/manifest.json --lengths 5 --outdir od
row "$C control: clip-highlights makes thumbs/video-50.jpg" clip-highlights 0 want="od/thumbs/video-50.jpg" setup="cp $FX/v.mp4 in.mp4" -- clip-highlights in.mp4 --lengths 5 --outdir od
row "$C: clip-highlights video INPUT = OUTDIR/thumbs/video-50.jpg" clip-highlights 64 setup="mkdir -p od/thumbs; cp $FX/v.mp4 od/thumbs/video-50.jpg" -- clip-highlights od/thumbs/video-50.jpg --lengths 5 --outdir od
row "$C: clip-highlights --outdir = INPUT (64 or 73)" clip-highlights "64 73" setup="cp $FX/a.wav in.wav" -- clip-highlights in.wav --lengths 5 --outdir in.wav

# ---------------------------------------------------------------------------- 5. /dev/full
F="stdout on /dev/full"
row "$F: wf-hash" wf-hash 74 out=/dev/full -- wf-hash "$FX/as.wav"
row "$F: wf-peaks (json)" wf-peaks 74 out=/dev/full -- wf-peaks "$FX/as.wav"
row "$F: wf-peaks --format waveflow" wf-peaks 74 out=/dev/full -- wf-peaks --format waveflow "$FX/as.wav"
row "$F: wf-mixstems -o m.wav" wf-mixstems 74 out=/dev/full -- wf-mixstems -q "$FX/as.wav" "$FX/bs.wav" -o m.wav
row "$F: wf-mixstems -o m.wav --peaks p.json" wf-mixstems 74 out=/dev/full -- wf-mixstems -q --peaks p.json "$FX/as.wav" "$FX/bs.wav" -o m.wav
row "$F: djb-analyze" djb-analyze 74 out=/dev/full -- djb-analyze "$FX/a.wav"
row "$F: djb-transition pair" djb-transition 74 out=/dev/full -- djb-transition "$FX/a.json" "$FX/b.json"
row "$F: djb-transition --plan" djb-transition 74 out=/dev/full -- djb-transition --plan "$FX/a.json" "$FX/b.json"
row "$F: djb-transition learn" djb-transition 74 out=/dev/full -- djb-transition learn "$FX/fb.jsonl"
row "$F: djb-render --bundle" djb-render 74 out=/dev/full -- djb-render "$FX/plan.json" -o mix.wav --bundle mix.zip
row "$F: clip-highlights" clip-highlights 74 out=/dev/full -- clip-highlights "$FX/a.wav" --lengths 5 --outdir od
row "$F: dub-mux extract" dub-mux 74 out=/dev/full -- dub-mux extract "$FX/vs.mp4" -o out.wav
row "$F: dub-mux extract -o - (the WAV)" dub-mux 74 out=/dev/full -- dub-mux extract "$FX/vs.mp4" -o -
row "$F: dub-mux mux with sidecars" dub-mux 74 out=/dev/full -- dub-mux mux --video "$FX/vs.mp4" --audio "$FX/as.wav" --subs "$FX/s.srt" --srt side.srt --vtt side.vtt -o out.mp4
row "$F: dub-mux mux -o - --report r.json" dub-mux 74 out=/dev/full -- dub-mux mux --video "$FX/vs.mp4" --audio "$FX/as.wav" --report r.json -o -
row "$F: golden-diff (text)" golden-diff 74 out=/dev/full -- golden-diff "$FX/e.json" "$FX/near.json"
row "$F: golden-diff --json" golden-diff 74 out=/dev/full -- golden-diff --json "$FX/e.json" "$FX/near.json"
for p in $PROGS; do
  row "$F: $p --version" "$p" 74 out=/dev/full -- "$p" --version
done

# ---------------------------------------------------------------------------- 6. messages
Q="message"
row "$Q control: wf-peaks -- -x.wav" wf-peaks 0 want=out.json setup="cp $FX/as.wav ./-x.wav" -- wf-peaks -o out.json -- -x.wav
row "$Q: wf-peaks -x.wav (a file) without --" wf-peaks 64 say=-x.wav nosay="is required" setup="cp $FX/as.wav ./-x.wav" -- wf-peaks -x.wav -o out.json
row "$Q control: clip-highlights -- -x.wav" clip-highlights 0 want=od/manifest.json setup="cp $FX/a.wav ./-x.wav" -- clip-highlights --lengths 5 --outdir od -- -x.wav
row "$Q: clip-highlights -x.wav (a file) without --" clip-highlights 64 say=-x.wav nosay="is required" setup="cp $FX/a.wav ./-x.wav" -- clip-highlights -x.wav --lengths 5 --outdir od
row "$Q control: golden-diff -- -e.json" golden-diff 0 setup="cp $FX/e.json ./-e.json" -- golden-diff -- -e.json "$FX/e.json"
row "$Q: golden-diff -e.json (a file) without --" golden-diff 64 say=-e.json nosay="is required" setup="cp $FX/e.json ./-e.json" -- golden-diff -e.json "$FX/e.json"
row "$Q: dub-mux frobnicate" dub-mux 64 say=frobnicate -- dub-mux frobnicate
row "$Q: djb-render plan with \"path\": \"\"" djb-render 65 re='^djb-render: [^: ][^:]*: ' \
  setup="jnum $FX/plan.json 'd.tracks[0].input.path' '\"\"' >plan.json" -- djb-render plan.json -o out.wav
row "$Q: djb-transition analysis with \"path\": \"\"" djb-transition 65 re='^djb-transition: [^: ][^:]*: ' \
  setup="jnum $FX/a.json 'd.input.path' '\"\"' >a.json" -- djb-transition a.json "$FX/b.json"

# ---------------------------------------------------------------------------- 4. SIGTERM
# Each run is stopped after a delay drawn (seeded) from 0.2-1.5 s; afterwards all of its
# outputs exist or none does, and no temporary (a dot-file, or anything in TMPDIR) is left.
# They run in the background while the first pool does; they are checked with the rest.
all_or_none() {  # all_or_none FILE...: 0 when all or none exist
  local have=0 f
  for f; do [ -e "$f" ] && have=$((have + 1)); done
  [ "$have" = 0 ] || [ "$have" = $# ]
}
clips_all_or_none() {  # od/manifest.json and every file it names, or no file under od at all
  if [ -e od/manifest.json ]; then
    node -e 'const fs = require("fs"); const d = JSON.parse(fs.readFileSync("od/manifest.json", "utf8"));
      const f = [...d.clips.flatMap(c => [c.file, ...c.thumbnails.map(t => t.file)]), ...d.thumbnails.map(t => t.file)];
      process.exit(f.every(x => fs.existsSync("od/" + x)) ? 0 : 1)' 2>/dev/null
  else
    [ -z "$(find od -type f 2>/dev/null)" ]
  fi
}
TERM_ROWS=(
  "djb-render --bundle|all_or_none mix.mp3 mix.lrc mix.cue mix.zip|djb-render $FX/lplan.json -o mix.mp3 --bundle mix.zip"
  "clip-highlights --exact --aspect|clips_all_or_none|clip-highlights $FX/lv.mp4 --lengths 10,15,30 --per-length 2 --exact --aspect 9:16 --outdir od"
  "wf-mixstems lufs, --peaks|all_or_none mix.flac p.json|wf-mixstems --normalize lufs:-14 --peaks p.json $FX/n1.wav $FX/n2.wav -o mix.flac"
  "dub-mux mux (re-encode, duck, sidecars, report)|all_or_none o.mp4 o.srt o.vtt o.json|dub-mux mux --video $FX/lv.mp4 --audio $FX/ldub.wav --subs $FX/s.srt --srt o.srt --vtt o.vtt --report o.json --duck 12 -o o.mp4"
)
term_run() {  # term_run K SEED DELAY CMD...: one run, stopped by SIGTERM after DELAY seconds
  local d="$WORK/c/term-$1-$2" r="$M/term-$1-$2" delay=$3 pid dog rc
  shift 3
  mkdir -p "$d/tmp"
  await "$1"
  (cd "$d" && TMPDIR="$d/tmp" exec "$BIN/$1" "${@:2}" >"$r.out" 2>"$r.err") &
  pid=$!
  (sleep $((T + 10)); kill -KILL "$pid" 2>/dev/null) &
  dog=$!
  sleep "$delay"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  kill "$dog" 2>/dev/null
  wait "$dog" 2>/dev/null
  echo "$rc" >"$r.rc"
}
term_all() {
  local k=0 r label outputs cmdline seed delay words
  for r in "${TERM_ROWS[@]}"; do
    IFS='|' read -r label outputs cmdline <<<"$r"
    k=$((k + 1))
    read -ra words <<<"$cmdline"
    for seed in 1 2 3; do
      delay=$(awk -v s=$((seed * 10 + k)) 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() * 1.3 }')
      echo "$delay" >"$M/term-$k-$seed.delay"
      term_run "$k" "$seed" "$delay" "${words[@]}"
    done
  done
}
term_check() {
  local k=0 r label outputs cmdline seed d delay left
  for r in "${TERM_ROWS[@]}"; do
    IFS='|' read -r label outputs cmdline <<<"$r"
    k=$((k + 1))
    for seed in 1 2 3; do
      d="$WORK/c/term-$k-$seed"
      read -r delay <"$M/term-$k-$seed.delay"
      case_ "SIGTERM after ${delay}s: $label"
      RC=none
      [ -s "$M/term-$k-$seed.rc" ] && read -r RC <"$M/term-$k-$seed.rc"
      OUT=""
      slurp ERR "$M/term-$k-$seed.err" 600
      if [ "$RC" = 0 ]; then echo "note [$CURRENT]: finished before the signal; the row only checks a complete run" >&2; fi
      [ "$RC" = 143 ] || [ "$RC" = 0 ] || problem "expected exit 143 (stopped by SIGTERM), got $RC$(rc_note)"
      (cd "$d" && eval "$outputs") || problem "some outputs exist and some do not: $(cd "$d" && find . -type f ! -path './tmp/*' | tr '\n' ' ')"
      left="$(cd "$d" && find . -name '.*' -type f) $(ls -A "$d/tmp")"
      [ "$left" = " " ] || problem "temporaries left: $left"
      verdict
    done
  done
}

# ---------------------------------------------------------------------------- run, then check
A=() B=()
for id in $(seq "$N"); do if [ "${R_POOL[id]}" = B ]; then B+=("$id"); else A+=("$id"); fi; done
term_all &
pool 3 3000000 "${A[@]}"
# The device and FIFO rows, four at a time (an endless one reads up to its bound), with less memory
# (a program reading /dev/zero into memory stops at 1.5 GB).
pool 4 1500000 "${B[@]}"
wait
term_check
for id in $(seq "$N"); do evaluate "$id"; done

case_ "the fixtures are untouched"
check "same files, same bytes" '[ "$(cd "$FX" && find . -type f -exec sha256sum {} + | LC_ALL=C sort)" = "$FXSUM" ]'
case_ "numeric options were found in --help"
for o in --threshold --pixels-per-second --peaks-pixels-per-second --rate --max-duration --max-length \
  --target-lufs --preview-bars --fade --crf --abs-tol --min-snr --max-length-diff --offset --duck --stream; do
  check "$o found" '[[ " $FOUND " == *" $o "* ]]'
done
finish
