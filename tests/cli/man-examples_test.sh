#!/usr/bin/env bash
# Every example in the EXAMPLES section of every man page, run as written: the commands are
# taken from the pages themselves (not copied here, so an edited example is tested as
# edited), on synthesized inputs with the names the examples use, one scratch directory per
# page with the examples of a page run in order (later ones use what earlier ones made).
# Each must exit as the page says: 0, or the status of a "# exit N" comment, or the status
# the page's prose gives (the small EXPECT table below). The few examples that cannot run
# on one machine (GNU Parallel to other hosts) are listed in SKIP with the reason, which is
# printed. A man page whose examples no longer parse, or an example that fails, fails here.
. "$(dirname "$0")/lib.sh"
SRC="${DJB_SOURCE:?DJB_SOURCE must name the source tree}"
cd "$WORK" || exit 1
START=$SECONDS

ff() { ffmpeg -nostdin -v error -y "$@"; }
# FFmpeg's AAC encoder in its fast mode: the default one takes seconds per minute of audio.
AAC=(-c:a aac -aac_coder fast)

# ---------------------------------------------------------------------------------------
# Extraction. A man page's examples are the lines of its EXAMPLES section inside .nf/.fi,
# .EX/.EE or .RS/.RE blocks (the prose between blocks is not a command). Groff escapes are
# turned back into shell text, a "$ " prompt is dropped, and a line ending in a backslash,
# a pipe or && goes on with the next one. A block that is a CI step ("- name:" first) is one
# example. Prints the examples NUL-separated.

unescape() {
  local s=$1
  # \e is a backslash: held aside first, so "\e-" or "\en" cannot read as another escape.
  s=${s//'\e'/$'\x01'}
  s=${s//'\-'/-}
  s=${s//'\(aq'/"'"}
  s=${s//'\(dq'/'"'}
  s=${s//'\(ti'/'~'}
  s=${s//'\(ha'/'^'}
  s=${s//'\&'/}
  s=${s//'\fB'/}
  s=${s//'\fI'/}
  s=${s//'\fR'/}
  s=${s//'\fP'/}
  s=${s//$'\x01'/\\}
  printf '%s' "$s"
}

extract() {
  local line in_ex=0 depth=0 cmd="" ci=0 first=1
  flush() { [ -z "$cmd" ] || printf '%s\0' "$cmd"; cmd=""; }
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      .SH*)
        flush
        if [[ "$line" == *EXAMPLES* ]]; then in_ex=1; else in_ex=0; fi
        depth=0
        continue ;;
    esac
    [ "$in_ex" = 1 ] || continue
    case "$line" in
      .nf* | .EX* | .RS*) flush; depth=$((depth + 1)); ci=0; first=1; continue ;;
      .fi* | .EE* | .RE*) flush; [ "$depth" -eq 0 ] || depth=$((depth - 1)); ci=0; continue ;;
      .* | "'"*) continue ;;  # other requests (.ft CW, .PP, .B ...)
    esac
    [ "$depth" -gt 0 ] || continue
    line=$(unescape "$line")
    [[ "$line" =~ ^[[:space:]]*$ ]] && continue
    if [ "$first" = 1 ] && [[ "$line" == "- name:"* ]]; then ci=1; fi
    first=0
    if [ "$ci" = 1 ]; then
      cmd+="${cmd:+$'\n'}$line"
    elif [[ "$line" == '$ '* ]]; then
      flush; cmd=${line#'$ '}
    elif [ -n "$cmd" ] && [[ "$cmd" =~ (\\|\||&&)[[:space:]]*$ ]]; then
      cmd+=$'\n'"$line"
    else
      flush; cmd=$line
    fi
  done <"$1"
  flush
}

# ---------------------------------------------------------------------------------------
# Examples that cannot run on one machine, each with the reason (page, glob, reason). An
# entry that matches no example fails the test, so the table cannot outlive its examples.
SKIP=(
  $'djb-analyze.1\t*parallel --sshlogin 4/a,4/b*\tGNU Parallel over ssh to the hosts a and b, sharing /srv over a network file system'
  $'library-scan.1\t*--sshlogin 8/nas,4/studio*\tGNU Parallel over ssh to the hosts nas and studio, sharing /srv over NFS'
)
# Exit statuses the page states in its prose rather than in a "# exit N" comment
# (page, glob, status, what the page says).
EXPECT=(
  $'wf-hash.1\tfind ~/Music -type f*\t123\tnon-audio files (~/Music holds cover art and a playlist) are skipped and xargs exits 123'
  $'wf-hash.1\t*--fail-on-duplicate upload.mp3\t1\trefuse an upload that is already there (the store holds an earlier copy): exit status 1'
)
declare -A USED=()

# ---------------------------------------------------------------------------------------
# Fixtures. Short tracks (16 to 40 s; one 168 s video where an example cuts 2:10-2:40) so
# that every page runs in seconds.
mkdir -p src
"$SYNTH" -q song --bpm 120 --key C --sections intro:2,verse:4,chorus:4,outro:2 -o src/song.wav
"$SYNTH" -q song --bpm 120 --key C --sections intro:2,verse:4,chorus:4,verse:4,chorus:4,outro:2 \
  -o src/song40.wav
i=0
for spec in "124 Am" "126 Em" "122 C"; do
  read -r bpm key <<<"$spec"
  i=$((i + 1))
  "$SYNTH" -q track --bpm "$bpm" --key "$key" --sections intro:2,drop:4,outro:2 --seed "$i" -o "src/t$i.wav"
  ff -i "src/t$i.wav" -b:a 192k "src/t$i.mp3"
  ff -i "src/t$i.wav" "src/t$i.flac"
done

# A home like a user's (the examples use ~/Music and ~/.cache): tracks in the three formats
# the examples name, a lossless duplicate, the cover art and playlist every real music
# folder has, and the ~/.cache every home has (a cron line appends its log there, which
# would not create the directory). Each page gets a fresh copy.
HOME_TEMPLATE="$WORK/home-template"
mkdir -p "$HOME_TEMPLATE"/{.cache,Music/incoming,Music/archive,Music/friday}
cp src/t1.flac "$HOME_TEMPLATE/Music/incoming/one.flac"
cp src/t2.flac "$HOME_TEMPLATE/Music/incoming/two.flac"
cp src/t1.wav "$HOME_TEMPLATE/Music/archive/one.wav"
for n in 1 2 3; do cp "src/t$n.mp3" "$HOME_TEMPLATE/Music/friday/0$n.mp3"; done
ff -f lavfi -i color=c=teal:s=64x64 -frames:v 1 "$HOME_TEMPLATE/Music/cover.jpg"
printf 'friday/01.mp3\nfriday/02.mp3\nfriday/03.mp3\n' >"$HOME_TEMPLATE/Music/friday.m3u"

# What "| upload" sends the data to: reads it all, and fails when it got nothing.
mkdir -p stubs
cat >stubs/upload <<'EOF'
#!/usr/bin/env bash
[ "$(wc -c)" -gt 0 ]
EOF
chmod +x stubs/upload

fixtures_clip-highlights.1() {
  # A short song stands in for the concert; gig.mp4 must reach past 2:40 for --user.
  ff -f lavfi -i testsrc2=size=320x180:rate=25 -i "$WORK/src/song40.wav" -c:v libx264 \
    -preset ultrafast -pix_fmt yuv420p "${AAC[@]}" -shortest concert.mp4
  ff -i "$WORK/src/song40.wav" song.flac
  "$SYNTH" -q song --bpm 120 --key C --rate 22050 \
    --sections intro:4,verse:16,chorus:16,verse:16,chorus:16,outro:16 -o "$WORK/src/gig.wav"
  ff -f lavfi -i testsrc2=size=320x180:rate=10 -i "$WORK/src/gig.wav" -c:v libx264 \
    -preset ultrafast -pix_fmt yuv420p "${AAC[@]}" -shortest gig.mp4
  ff -f lavfi -i testsrc2=size=320x180:rate=25 -i "$WORK/src/song40.wav" -c:v libx264 \
    -preset ultrafast -g 250 -keyint_min 250 -sc_threshold 0 -pix_fmt yuv420p "${AAC[@]}" \
    -shortest long-gop.mp4
}
fixtures_djb-analyze.1() {
  cp "$WORK/src/t1.mp3" track.mp3
  "$SYNTH" -q track --bpm 90 --key Dm --groove breakbeat --sections intro:2,verse:4 -o beat.wav
}
fixtures_djb-render.1() {
  cp "$WORK/src/t1.mp3" one.mp3
  cp "$WORK/src/t2.mp3" two.mp3
  cp "$WORK/src/t3.mp3" three.mp3
}
fixtures_djb-mix.1() {
  cp "$WORK/src/t3.flac" opener.flac
}
fixtures_djb-transition.1() {
  "$BIN/djb-analyze" -q "$WORK/src/t1.wav" >a.json
  "$BIN/djb-analyze" -q "$WORK/src/t2.wav" >b.json
  cp "$WORK/src/t1.flac" one.flac
  cp "$WORK/src/t2.flac" two.flac
  cp "$WORK/src/t3.flac" anthem.flac
  cp "$WORK/src/t1.mp3" one.mp3
  cp "$WORK/src/t2.mp3" two.mp3
  cp "$WORK/src/t3.mp3" three.mp3
  # djb.feedback/1 records as in LEARNING: both verdicts, and a rating.
  local b1='"tempo": 0.97, "harmonic": 0.9, "energy": 0.99, "phrase": 0.81, "coverage": 1, "clash": 0.92'
  local b2='"tempo": 0.95, "harmonic": 0.3, "energy": 0.8, "phrase": 0.7, "coverage": 1, "clash": 0.4'
  local b3='"tempo": 0.6, "harmonic": 0.85, "energy": 0.9, "phrase": 0.9, "coverage": 0.8, "clash": 0.9'
  {
    echo "{\"schema\": \"djb.feedback/1\", \"breakdown\": {$b1}, \"accepted\": true}"
    echo "{\"schema\": \"djb.feedback/1\", \"breakdown\": {$b2}, \"accepted\": false}"
    echo "{\"schema\": \"djb.feedback/1\", \"breakdown\": {$b3}, \"rating\": 4}"
    echo "{\"schema\": \"djb.feedback/1\", \"breakdown\": {$b2}, \"rating\": 1, \"user\": \"u1\"}"
  } >feedback.jsonl
}
fixtures_dub-mux.1() {
  "$SYNTH" -q babble --seconds 6 -o talk.en.wav
  "$SYNTH" -q babble --seconds 6 --seed 2 -o talk.es.wav
  "$SYNTH" -q babble --seconds 5 --seed 3 -o voice.wav
  ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=6 -i talk.en.wav -c:v libx264 \
    -preset ultrafast -pix_fmt yuv420p "${AAC[@]}" -shortest talk.mp4
  # Video, English, Spanish: stream 2 is the second audio track.
  ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=6 -i talk.en.wav -i talk.es.wav \
    -map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "${AAC[@]}" \
    -metadata:s:a:0 language=eng -metadata:s:a:1 language=spa -shortest talk.mkv
  printf '1\n00:00:00,500 --> 00:00:02,000\nHola\n\n2\n00:00:03,000 --> 00:00:04,500\nAdiós\n\n' \
    >talk.es.srt
}
fixtures_golden-diff.1() {
  # A project under git (the last example reviews the change with git diff): the golden
  # tree and the test input are committed; out/ holds what the build made, as the CI
  # step makes it.
  mkdir -p tests golden out
  "$SYNTH" -q babble --seconds 4 -o tests/interview.wav
  ff -i tests/interview.wav -ar 16000 -ac 1 golden/speech.wav
  cp golden/speech.wav out/speech.wav
  echo '{"*.wav": {"min_snr": 90}}' >golden/tolerances.json
  git init -q . && git add golden tests &&
    git -c user.name=djb -c user.email=djb@example.invalid -c commit.gpgsign=false commit -q -m golden
}
fixtures_wf-hash.1() {
  cp "$WORK/src/song.wav" song.wav
  ff -i song.wav -b:a 192k song.mp3
  cp "$WORK/src/t2.mp3" upload.mp3
  # The upload store already holds an earlier upload of the same file.
  mkdir -p "$WORK/srv/uploads/earlier"
  cp upload.mp3 "$WORK/srv/uploads/earlier/upload.mp3"
  "$BIN/wf-hash" -q --content --store "$WORK/srv/uploads/store" "$WORK/srv/uploads/earlier/upload.mp3" >/dev/null
}
fixtures_wf-mixstems.1() {
  "$SYNTH" -q stems --sections intro:2,drop:4 --outdir .
}
fixtures_wf-peaks.1() {
  cp "$WORK/src/song.wav" song.wav
  ff -i song.wav -b:a 192k song.mp3
  ff -i song.wav song.flac
  mkdir -p music/live
  cp "$WORK/src/t1.flac" music/one.flac
  cp "$WORK/src/t2.flac" "music/live/two (live).flac"
}

# ---------------------------------------------------------------------------------------
# Running. Programs by bare name come from $BIN first; scripts/... resolves through a link
# to the source tree's scripts, which are also on the PATH (library-scan by bare name).
EXPATH="$BIN:$WORK/stubs:$PATH:$SRC/scripts"

# table_lookup TABLE-NAME PAGE CMD: true when an entry matches; FOUND = its fields after the
# glob. (Not in a $(...) subshell: it marks the entry used.)
FOUND=""
table_lookup() {
  local -n table=$1
  local e page glob
  for e in "${table[@]}"; do
    IFS=$'\t' read -r page glob FOUND <<<"$e"
    # shellcheck disable=SC2053 # the glob is a pattern
    if [ "$page" = "$2" ] && [[ "$3" == $glob ]]; then
      # shellcheck disable=SC2034 # read in the conditions of the table checks at the end
      USED["$1:$page:$glob"]=1
      return 0
    fi
  done
  return 1
}

# One example, in the current directory: run_example PAGE CMD
run_example() {
  local page=$1 cmd=$2 shown want=0
  shown=${cmd//$'\\\n'/}
  shown=$(printf '%s' "${shown//$'\n'/ }" | tr -s ' ' | sed -E 's/[[:space:]]+#[[:space:]].*$//')
  if table_lookup SKIP "$page" "$cmd"; then
    echo "skipped [man/$page]: $shown"
    echo "  because: $FOUND"
    SKIPPED=$((SKIPPED + 1))
    return
  fi
  [[ "$cmd" =~ \#[[:space:]]*exit[[:space:]]+([0-9]+) ]] && want=${BASH_REMATCH[1]}
  if table_lookup EXPECT "$page" "$cmd"; then want=${FOUND%%$'\t'*}; fi
  # A crontab line: what cron would run is the command after the five schedule fields.
  if [[ "$cmd" =~ ^([0-9*/,-]+[[:space:]]+){5}(.*)$ ]]; then cmd=${BASH_REMATCH[2]}; fi
  # The paths of an installation and of a server, kept in the scratch directory: the
  # installed scripts are the source tree's, the server's files are under $WORK/srv.
  cmd=${cmd//\/opt\/djb-toolkit\//$SRC/}
  cmd=${cmd//\/srv\//$WORK/srv/}
  # pipefail: a toolkit program failing on the left of "| jq" must not be hidden by the
  # status of the last command of the pipeline.
  local where=. opts=(-o pipefail)
  if [[ "$cmd" == "- name:"* ]]; then
    # A CI step: its "run: |" script, run as CI runs it (bash -e) in a fresh checkout of
    # the project, where no out/ is left from the examples before it.
    cmd=$(printf '%s\n' "$cmd" | sed -n '/^[[:space:]]*run: |[[:space:]]*$/,$p' | sed '1d; s/^[[:space:]]*//')
    where="$WORK/ci" opts=(-e -o pipefail)
    rm -rf "$where" && git clone -q . "$where"
  fi
  # HOME is the scratch home for ~; DJB_STORE and XDG_CACHE_HOME are unset so that the
  # scripts' default stores are under it too.
  if ! cd "$where"; then check "man/$page: $shown (no directory $where)" false; return; fi
  run env -u DJB_STORE -u XDG_CACHE_HOME HOME="$WORK/home" PATH="$EXPATH" DJB_BIN="$BIN" \
    timeout 300 bash "${opts[@]}" -c "$cmd"
  cd - >/dev/null || return
  RAN=$((RAN + 1))
  check "man/$page: $shown" "[ $RC = $want ]"
  if [ "$RC" != "$want" ]; then
    echo "  expected exit $want, got $RC$([ "$RC" = 124 ] && echo ' (timed out)'); stderr begins:" >&2
    printf '%s\n' "$ERR" | head -n 5 | sed 's/^/    /' >&2
  fi
}

RAN=0
SKIPPED=0
SUMMARY=()
for page in "$SRC"/man/*.[1-8]; do
  name=$(basename "$page")
  case_ "man/$name"
  mapfile -d '' examples < <(extract "$page")
  if ! grep -q '^\.SH.*EXAMPLES' "$page"; then
    SUMMARY+=("$name: no EXAMPLES section")
    continue
  fi
  check "man/$name: its EXAMPLES section yields examples" '[ "${#examples[@]}" -gt 0 ]'
  dir="$WORK/pages/$name"
  mkdir -p "$dir"
  rm -rf "${WORK:?}/home" && cp -a "$HOME_TEMPLATE" "$WORK/home"
  ln -s "$SRC/scripts" "$dir/scripts"
  cd "$dir" || exit 1
  before_ran=$RAN before_skipped=$SKIPPED before_t=$SECONDS
  if declare -F "fixtures_$name" >/dev/null; then "fixtures_$name" || check "man/$name: fixtures" false; fi
  for ex in "${examples[@]}"; do run_example "$name" "$ex"; done
  SUMMARY+=("$name: ${#examples[@]} examples, $((RAN - before_ran)) run, $((SKIPPED - before_skipped)) skipped, $((SECONDS - before_t)) s")
  cd "$WORK" || exit 1
done

case_ "tables"
for e in "${SKIP[@]}"; do
  IFS=$'\t' read -r page glob _ <<<"$e"
  check "SKIP entry '$page: $glob' matches an example" '[ -n "${USED[SKIP:$page:$glob]:-}" ]'
done
for e in "${EXPECT[@]}"; do
  IFS=$'\t' read -r page glob _ <<<"$e"
  check "EXPECT entry '$page: $glob' matches an example" '[ -n "${USED[EXPECT:$page:$glob]:-}" ]'
done

printf '%s\n' "${SUMMARY[@]}"
echo "$RAN examples run, $SKIPPED skipped, in $((SECONDS - START)) s"
finish
