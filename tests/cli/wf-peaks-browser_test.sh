#!/usr/bin/env bash
# wf-peaks' default output in the client it is made for: headless Chromium loads peaks.js
# (from npm, tests/js) with its default configuration (zoom levels from 512 samples per
# pixel) and our JSON or .dat, and the zoom view must draw a waveform. The control case, a
# 4000-peak file of a one-minute track (about 660 samples per pixel), must be refused the way
# peaks.js refuses it, so the check can fail. Skipped (exit 77) where Chromium is not
# installed (scripts/install-deps installs it).
. "$(dirname "$0")/lib.sh"
peaks_js="$(cd "$(dirname "$0")/../js" && pwd)/node_modules/peaks.js/dist/peaks.js"
cd "$WORK" || exit 1
need_chromium
if [ ! -f "$peaks_js" ]; then
  echo "tests/js/node_modules/peaks.js is missing; run scripts/install-deps first" >&2
  exit 1
fi
cp "$peaks_js" peaks.js

# A one-minute track: 4000 peaks over it would be about 660 samples per pixel.
"$SYNTH" track --bpm 124 --key Am --sections intro:8,drop:24 -o track.wav >/dev/null

cat >page.html <<'EOF'
<!doctype html>
<body style="margin:0">
<div id="zoomview" style="width:1000px;height:200px"></div>
<div id="overview" style="width:1000px;height:80px"></div>
<audio id="audio" src="track.wav" preload="metadata"></audio>
<script src="peaks.js"></script>
<script>
const data = location.hash.slice(1);
const dataUri = data.endsWith('.dat') ? {arraybuffer: data} : {json: data};
const report = (o) => { document.title = JSON.stringify(o); };
// peaks.js may throw from inside its own promise chain, past the init callback.
window.addEventListener('error', (e) => report({error: String(e.message)}));
window.addEventListener('unhandledrejection', (e) =>
  report({error: String((e.reason && e.reason.message) || e.reason)}));
try {
  peaks.init({
    zoomview: {container: document.getElementById('zoomview')},
    overview: {container: document.getElementById('overview')},
    mediaElement: document.getElementById('audio'),
    dataUri: dataUri
  }, (err, instance) => {
    if (err) { report({error: String(err.message || err)}); return; }
    setTimeout(() => {
      // Drawn pixels in the zoom view's canvases: a waveform, not an empty stage.
      let drawn = 0;
      for (const c of document.querySelectorAll('#zoomview canvas')) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) drawn += d[i] > 0;
      }
      report({drawn: drawn, zoom: instance.zoom.getZoomLevel()});
    }, 500);
  });
} catch (e) {
  report({error: String(e.message || e)});
}
</script>
EOF

# Loads page.html#DATA in Chromium and prints the page's title (its report).
load() {
  timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
    --autoplay-policy=no-user-gesture-required --virtual-time-budget=10000 \
    --dump-dom "file://$WORK/page.html#$1" 2>/dev/null |
    sed -n 's:.*<title>\(.*\)</title>.*:\1:p' | sed 's/&quot;/"/g'
}

for ext in json dat; do
  case_ "the default wf-peaks $ext renders in peaks.js's default configuration"
  run "$BIN/wf-peaks" track.wav -o "track.$ext"
  expect_rc 0
  title=$(load "track.$ext")
  check "peaks.js initialised (title: $title)" \
    '[ "${title:0:1}" = "{" ] && [ "$(jl "$title" "d.error === undefined")" = true ]'
  check "the zoom view drew a waveform ($title)" \
    '[ "${title:0:1}" = "{" ] && [ "$(jl "$title" "d.drawn || 0")" -gt 1000 ]'
  check "at peaks.js's first zoom level, 512" '[ "$(jl "$title" "d.zoom")" = 512 ]'
done

case_ "control: 4000 peaks over a minute are refused by peaks.js, as the issue found"
run "$BIN/wf-peaks" track.wav --peaks 4000 -o coarse.json
expect_rc 0
title=$(load coarse.json)
check "peaks.js refused the coarse data (title: $title)" \
  '[ "${title:0:1}" = "{" ] && jl "$title" "d.error" | grep -q "too low"'

finish
