#!/usr/bin/env bash
# dub-mux's output in a real browser: headless Chromium plays the MP4 in a <video> with the
# default WebVTT sidecar as its <track>, plays it from the start and reports the track's
# active cue; it also reports how many text tracks the MP4 itself exposes (Chromium shows
# none for mov_text: that is why the sidecar is written by default, dub-mux(1)). Skipped
# (exit 77) where Chromium is not installed (scripts/install-deps installs it).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
need_chromium
ff() { ffmpeg -nostdin -v error -y "$@"; }

ff -f lavfi -i "testsrc2=s=320x240:r=25:d=5" -c:v libx264 -preset veryfast -pix_fmt yuv420p video.mp4
"$SYNTH" tone --freq 440 --seconds 5 --channels 2 --amp 0.3 -o dub.wav
printf '1\n00:00:00,000 --> 00:00:01,500\nHola mundo\n\n2\n00:00:02,000 --> 00:00:03,250\nSegunda\n\n' >subs.srt

case_ "a dub plays in Chromium with its subtitles shown from the default WebVTT sidecar"
run "$BIN/dub-mux" mux --video video.mp4 --audio dub.wav --subs subs.srt --lang spa -o dub.mp4
expect_rc 0
expect_file dub.spa.vtt
cat >page.html <<'EOF'
<!doctype html>
<video id="v" src="dub.mp4" muted preload="auto">
  <track id="t" kind="subtitles" srclang="es" label="Español" src="dub.spa.vtt" default>
</video>
<script>
const v = document.getElementById('v');
const report = (o) => { document.title = JSON.stringify(o); };
v.addEventListener('error', () => report({error: v.error && v.error.code}));
const el = document.getElementById('t');
document.title = 'stage: waiting for the video and the sidecar';
el.track.mode = 'showing';
// Seek only once both the video and the sidecar have loaded: a seek that lands before the
// cues arrive leaves activeCues empty until the next time update.
const loaded = (target, event, ready) =>
  new Promise((resolve) => { if (ready()) resolve(); else target.addEventListener(event, resolve); });
// The first cue starts at 0: playing from the start shows it at once. (A paused element does
// not update activeCues, and a seek under headless Chromium's virtual time may never land.)
Promise.all([loaded(v, 'loadeddata', () => v.readyState >= 2),
             loaded(el, 'load', () => el.readyState === 2)]).then(() => {
  const track = el.track;
  document.title = 'stage: playing';
  v.play().catch((e) => report({error: 'play: ' + e.message}));
  let tries = 0;
  const poll = setInterval(() => {
    const active = track.activeCues ? Array.from(track.activeCues).map(c => c.text) : [];
    if (active.length > 0 || ++tries > 50) {
      clearInterval(poll);
      report({tracks: v.textTracks.length, cues: track.cues ? track.cues.length : 0,
              active: active, time: v.currentTime, duration: v.duration});
    }
  }, 100);
});
el.addEventListener('error', () => report({error: 'the sidecar did not load'}));
</script>
EOF
# A loaded machine can starve the page of its media before the virtual time runs out: up to
# three tries for a report at all (what it says is checked below, once).
for try in 1 2 3; do
  title=$(timeout 90 "$chrome" --headless --no-sandbox --disable-gpu \
    --allow-file-access-from-files --autoplay-policy=no-user-gesture-required \
    --virtual-time-budget=30000 \
    --dump-dom "file://$WORK/page.html" 2>/dev/null |
    sed -n 's:.*<title>\(.*\)</title>.*:\1:p' | sed 's/&quot;/"/g')
  [ "${title:0:1}" = "{" ] && break
  echo "note: try $try: Chromium gave no report (${title:-no title})" >&2
done
check "Chromium played the MP4 (title: $title)" \
  '[ "${title:0:1}" = "{" ] && [ "$(jl "$title" "d.error === undefined")" = true ]'
[ "${title:0:1}" = "{" ] || title='{"tracks":0,"cues":0,"active":[]}'
check "the sidecar's two cues loaded" '[ "$(jl "$title" d.cues)" = 2 ]'
check "at the first frame the first cue is shown" '[ "$(jl "$title" "d.active.join(\"|\")")" = "Hola mundo" ]'
check "the page's only text track is the sidecar (the MP4's mov_text is not exposed)" \
  '[ "$(jl "$title" d.tracks)" = 1 ]'

finish
