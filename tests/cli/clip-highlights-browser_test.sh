#!/usr/bin/env bash
# clip-highlights' smart-cut clips in a real browser: headless Chromium loads the MP4 in a
# <video>, draws the frame it shows first onto a canvas and reports its duration. Every
# source frame has its own grey level (16 + 7n mod 200), so the first frame Chromium shows
# names its source frame: it must be the one at the clip's planned start (a bar line between
# two keyframes, with B-frames), not the keyframe before it, and the clip must last its
# length within one frame. Skipped (exit 77) where Chromium is not installed
# (scripts/install-deps installs it). It fails when the same clip is cut with --cut copy.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
need_chromium
ff() { ffmpeg -nostdin -v error -y "$@"; }

# A song at 120 BPM (2 s bars) under 25 fps video, keyframes every 1.48 s, B-frames.
"$SYNTH" song --bpm 120 --key C --sections intro:4,verse:4,chorus:8,outro:2 -o song.wav >/dev/null
ff -f lavfi -i "color=c=black:s=320x240:r=25:d=40,geq=lum='16+mod(N*7\,200)':cb=128:cr=128" \
  -i song.wav -c:v libx264 -preset veryfast -g 37 -sc_threshold 0 -bf 2 -pix_fmt yuv420p \
  -c:a aac -b:a 128k -shortest src.mp4

case_ "a smart-cut clip plays in Chromium from its planned first frame, for its length"
run "$BIN/clip-highlights" src.mp4 --lengths 8 --no-thumbnails --outdir out
expect_rc 0
m="$OUT"
start=$(jl "$m" 'd.clips[0].start')
length=$(jl "$m" 'd.clips[0].length')
check "the clip was smart-cut (some frames re-encoded)" '[ "$(jl "$m" d.clips[0].cut.reencoded_frames)" -gt 0 ]'
cat >page.html <<'EOF'
<!doctype html>
<video id="v" src="out/clips/clip-8s-1.mp4" muted preload="auto"></video>
<script>
const v = document.getElementById('v');
v.addEventListener('loadeddata', () => {
  const c = document.createElement('canvas');
  c.width = v.videoWidth;
  c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
  document.title = JSON.stringify({duration: v.duration, time: v.currentTime,
                                   mean: sum / (d.length / 4 * 3)});
});
v.addEventListener('error', () => { document.title = 'error ' + (v.error && v.error.code); });
</script>
EOF
title=$(timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
  --virtual-time-budget=10000 --dump-dom "file://$WORK/page.html" 2>/dev/null |
  sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
check "Chromium decoded the clip (title: $title)" '[ "${title:0:1}" = "{" ]'
[ "${title:0:1}" = "{" ] || title='{"duration":0,"time":-1,"mean":-1}'
check "duration $(jl "$title" d.duration) s is the clip's ${length:-?} s within one frame" \
  '[ -n "$length" ] && near "$(jl "$title" d.duration)" "$length" 0.04'
check "shown from time 0" '[ "$(jl "$title" d.time)" = 0 ]'

# The source frames around the start, decoded by FFmpeg, each one's mean RGB level; the one
# nearest what Chromium showed must be the frame at the start.
first=$(awk -v s="$start" 'BEGIN { printf "%d", s * 25 + 0.5 }')
lo=$((first - 40)) hi=$((first + 40))
ff -i src.mp4 -vf "select=between(n\,$lo\,$hi)" -fps_mode passthrough -f rawvideo \
  -pix_fmt rgb24 frames.rgb
shown=$(node -e '
  const buf = require("fs").readFileSync("frames.rgb"), size = 320 * 240 * 3;
  const [lo, mean] = [Number(process.argv[1]), Number(process.argv[2])];
  let best = -1, gap = Infinity;
  for (let k = 0; (k + 1) * size <= buf.length; ++k) {
    let s = 0;
    for (let i = k * size; i < (k + 1) * size; ++i) s += buf[i];
    const d = Math.abs(s / size - mean);
    if (d < gap) { gap = d; best = lo + k; }
  }
  console.log(best);' "$lo" "$(jl "$title" d.mean)")
check "first frame shown is source frame $first (the planned start), not $shown" '[ "$shown" = "$first" ]'

finish
