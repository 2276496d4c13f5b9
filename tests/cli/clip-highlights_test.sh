#!/usr/bin/env bash
# CLI tests for clip-highlights: the manifest against the synthesizer's truth, clips and
# thumbnails on disk, paths relative to DIR, video modes (--cut smart, the default; --cut copy;
# --exact, alias of --cut exact; --aspect), --user,
# unmet lengths, determinism, bad input with one-line errors and nothing left behind.
. "$(dirname "$0")/lib.sh"
P="$BIN/clip-highlights"
cd "$WORK" || exit 1

ff() { ffmpeg -nostdin -v error -y "$@"; }
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
vdur() { ffprobe -v error -select_streams v -show_entries stream=duration -of csv=p=0 "$1"; }
vframes() { ffprobe -v error -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }

# A song at 120 BPM (2 s bars): intro 0-8, verse 8-24, chorus 24-40, verse 40-56,
# chorus 56-72, outro 72-80.
"$SYNTH" song --bpm 120 --key C --sections intro:4,verse:8,chorus:8,verse:8,chorus:8,outro:4 \
  -o song.wav --truth song.json
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=82 -i song.wav -c:v libx264 \
  -preset ultrafast -g 50 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest video.mp4
ff -f lavfi -i testsrc2=size=160x120:rate=25:duration=5 -c:v libx264 -preset ultrafast noaudio.mp4
# Keyframes every 1.48 s, off the bar lines, and B-frames: what a smart cut has to re-encode.
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=82 -i song.wav -c:v libx264 \
  -preset veryfast -g 37 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest offgop.mp4
"$SYNTH" tone --seconds 10 -o short.wav
"$SYNTH" tone --seconds 30 --amp 0 -o silent.wav
head -c 100000 song.wav >truncated.wav
echo "not audio" >text.mp3
: >empty.wav

in_chorus() { # START END: inside a true chorus (0.25 s slack)
  awk -v s="$1" -v e="$2" 'BEGIN { exit !((s >= 23.75 && e <= 40.25) || (s >= 55.75 && e <= 72.25)) }'
}

case_ "audio: manifest, clips, sections"
run "$P" song.wav --lengths 15,30 --outdir out
expect_rc 0
expect_err_empty
m="$OUT"
check "manifest on stdout: one line" '[ "$(printf "%s\n" "$m" | wc -l)" = 1 ]'
check "manifest on stdout is DIR/manifest.json's document" \
  '[ "$(jl "$m" "JSON.stringify(d)")" = "$(jl "$(cat out/manifest.json)" "JSON.stringify(d)")" ]'
check "schema first" '[ "$(jl "$m" "Object.keys(d)[0]")" = schema ] && [ "$(jl "$m" d.schema)" = clips.manifest/1 ]'
check "keys" '[ "$(jl "$m" "Object.keys(d).join(\" \")")" = "schema toolkit_version input duration media tempo songs gaps sections options clips unmet thumbnails" ]'
check "sha256" '[ "$(jl "$m" d.input.sha256)" = "$(sha256sum song.wav | cut -d" " -f1)" ]'
check "tempo" 'near "$(jl "$m" d.tempo)" 120 0.5'
check "six sections" '[ "$(jl "$m" d.sections.length)" = 6 ]'
check "labels" '[ "$(jl "$m" "d.sections.map(s => s.label).join(\",\")")" = intro,verse,chorus,verse,chorus,outro ]'
check "boundaries within 0.5 s" 'near "$(jl "$m" d.sections[2].start)" 24 0.5 && near "$(jl "$m" d.sections[4].start)" 56 0.5'
check "two clips" '[ "$(jl "$m" d.clips.length)" = 2 ]'
check "15 s clip is a chorus" '[ "$(jl "$m" d.clips[0].type)" = chorus ]'
check "15 s clip inside a true chorus" 'in_chorus "$(jl "$m" d.clips[0].start)" "$(jl "$m" d.clips[0].end)"'
check "15 s clip is 7 bars" '[ "$(jl "$m" d.clips[0].bars)" = 7 ] && near "$(jl "$m" d.clips[0].length)" 14 0.05'
check "score breakdown" '[ "$(jl "$m" "Object.keys(d.clips[0].score).join(\" \")")" = "total repetition energy position crowd_penalty talk_penalty" ]'
check "relative file" '[ "$(jl "$m" d.clips[0].file)" = clips/clip-15s-1.wav ]'
expect_file out/clips/clip-15s-1.wav
expect_file out/clips/clip-30s-1.wav
check "clip length on disk" 'near "$(dur out/clips/clip-15s-1.wav)" "$(jl "$m" d.clips[0].length)" 0.01'
check "no thumbnails for audio" '[ "$(jl "$m" d.thumbnails.length)" = 0 ] && [ ! -e out/thumbs ]'
expect_no_temps out
expect_no_temps out/clips

case_ "deterministic"
run "$P" song.wav --lengths 15,30 --outdir out2
check "same manifest but for nothing" '[ "$OUT" = "$m" ]'
check "same clip bytes" 'cmp -s out/clips/clip-15s-1.wav out2/clips/clip-15s-1.wav'

case_ "unmet lengths are reported, not dropped"
run "$P" song.wav --lengths 15,200 --per-length 2 --outdir out3
expect_rc 0
check "two 15 s clips" '[ "$(jl "$OUT" "d.clips.filter(c => c.length_asked == 15).length")" = 2 ]'
check "they do not overlap" '[ "$(jl "$OUT" "d.clips[0].end <= d.clips[1].start || d.clips[1].end <= d.clips[0].start")" = true ]'
check "both choruses" '[ "$(jl "$OUT" "d.clips.map(c => c.type).join()")" = chorus,chorus ]'
check "200 s unmet" '[ "$(jl "$OUT" d.unmet[0].length)" = 200 ] && [[ "$(jl "$OUT" d.unmet[0].reason)" == *"longest song"* ]]'

case_ "--audio-format mp3 and --user"
run "$P" song.wav --lengths 15 --audio-format mp3 --user 25.3-38.7 --outdir out4
expect_rc 0
expect_file out4/clips/clip-15s-1.mp3
expect_file out4/clips/user.mp3
check "user clip snapped to bars" 'near "$(jl "$OUT" d.clips[1].start)" 26 0.3 && near "$(jl "$OUT" d.clips[1].end)" 38 0.3'
check "user kind" '[ "$(jl "$OUT" d.clips[1].kind)" = user ]'
check "mp3" '[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 out4/clips/user.mp3)" = mp3 ]'

case_ "video: --cut copy, thumbnails"
run "$P" video.mp4 --lengths 15,30 --cut copy --outdir vid
expect_rc 0
v="$OUT"
check "video in media" '[ "$(jl "$v" d.media.video)" = true ]'
expect_file vid/clips/clip-15s-1.mp4
check "cut mode in the options" '[ "$(jl "$v" d.options.cut)" = copy ] && [ "$(jl "$v" d.options.exact)" = false ]'
check "h264 + aac copied" '[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 vid/clips/clip-15s-1.mp4 | tr "\n" " ")" = "h264 aac " ]'
check "cut starts on a keyframe at or before the clip" '[ "$(jl "$v" "d.clips[0].cut.start <= d.clips[0].start && d.clips[0].start - d.clips[0].cut.start < 2.01")" = true ]'
check "cut length" 'near "$(dur vid/clips/clip-15s-1.mp4)" "$(jl "$v" "d.clips[0].end - d.clips[0].cut.start")" 0.15'
check "3 thumbnails per clip + 3 of the video" '[ "$(ls vid/thumbs/*.jpg | wc -l)" = 9 ]'
check "thumbnail paths relative" '[ "$(jl "$v" d.clips[0].thumbnails[1].file)" = thumbs/clip-15s-1-50.jpg ] && [ "$(jl "$v" d.thumbnails[2].file)" = thumbs/video-90.jpg ]'
check "thumbnail at 50 %" 'near "$(jl "$v" d.clips[0].thumbnails[1].time)" "$(jl "$v" "(d.clips[0].start + d.clips[0].end) / 2")" 0.05'
check "JPEG" '[ "$(head -c 2 vid/thumbs/video-50.jpg | od -An -tx1 | tr -d " ")" = ffd8 ]'
check "thumbnail size" '[ "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 vid/thumbs/video-50.jpg)" = 320,240 ]'
expect_no_temps vid/clips
expect_no_temps vid/thumbs

case_ "video: smart cut (the default), frame-accurate"
run "$P" offgop.mp4 --lengths 15,30 --no-thumbnails --outdir smart
expect_rc 0
expect_err_empty
s="$OUT"
check "smart is the default" '[ "$(jl "$s" d.options.cut)" = smart ]'
check "cut starts at the clip" 'near "$(jl "$s" d.clips[0].cut.start)" "$(jl "$s" d.clips[0].start)" 0.021'
check "the frames before the next keyframe re-encoded" '[ "$(jl "$s" d.clips[0].cut.reencoded)" = true ]'
check "video length within one frame" 'near "$(vdur smart/clips/clip-15s-1.mp4)" "$(jl "$s" d.clips[0].length)" 0.04'
check "30 s clip too" 'near "$(vdur smart/clips/clip-30s-1.mp4)" "$(jl "$s" d.clips[1].length)" 0.04'
check "frame count" 'near "$(vframes smart/clips/clip-15s-1.mp4)" "$(jl "$s" "d.clips[0].length * 25")" 1'
check "decodes without errors" '[ -z "$(ffmpeg -nostdin -v error -i smart/clips/clip-15s-1.mp4 -f null - 2>&1)" ]'
check "h264 + aac" '[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 smart/clips/clip-15s-1.mp4 | tr "\n" " ")" = "h264 aac " ]'
run "$P" offgop.mp4 --lengths 15 --cut smart --no-thumbnails --outdir smart2
expect_rc 0
check "--cut smart: same clip" 'cmp -s smart/clips/clip-15s-1.mp4 smart2/clips/clip-15s-1.mp4'
expect_no_temps smart/clips
run "$P" offgop.mp4 --lengths 15 --cut copy --no-thumbnails --outdir copy2
check "--cut copy starts at the keyframe before" '[ "$(jl "$OUT" "d.clips[0].cut.start < d.clips[0].start - 0.02")" = true ]'

case_ "video: --aspect 9:16 and --exact re-encode"
run "$P" video.mp4 --lengths 15 --aspect 9:16 --no-thumbnails --outdir tall
expect_rc 0
check "9:16" '[ "$(ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0 tall/clips/clip-15s-1.mp4)" = 134,240 ]'
check "re-encoded flag" '[ "$(jl "$OUT" d.clips[0].cut.reencoded)" = true ]'
run "$P" video.mp4 --lengths 15 --exact --no-thumbnails --outdir exact
expect_rc 0
check "exact start" 'near "$(jl "$OUT" d.clips[0].cut.start)" "$(jl "$OUT" d.clips[0].start)" 0.041'
check "exact length" 'near "$(dur exact/clips/clip-15s-1.mp4)" "$(jl "$OUT" d.clips[0].length)" 0.15'
check "--exact is --cut exact" '[ "$(jl "$OUT" d.options.cut)" = exact ] && [ "$(jl "$OUT" d.options.exact)" = true ]'

case_ "stdin"
run_stdin song.wav "$P" - --lengths 15 --outdir stdin
expect_rc 0
check "input path -" '[ "$(jl "$OUT" d.input.path)" = - ]'
expect_file stdin/clips/clip-15s-1.wav

bad() { # NAME CODE TEXT FILE [OPTIONS...]
  local name="$1" code="$2" text="$3"
  shift 3
  case_ "bad input: $name"
  rm -rf bad
  run "$P" "$@" --outdir bad
  expect_rc "$code"
  expect_one_line_err clip-highlights
  expect_err_has "$text"
  check "no manifest" '[ ! -e bad/manifest.json ]'
  check "nothing left" '[ ! -e bad ]'
}
bad "no audio stream" 65 "no audio stream" noaudio.mp4
bad "shorter than every length" 65 "shorter than every asked clip length" short.wav
bad "silence" 65 "silence" silent.wav
bad "truncated" 65 "truncated" truncated.wav
bad "text named .mp3" 65 "not a media file" text.mp3
bad "empty" 65 "empty" empty.wav
bad "missing" 66 "no such file" missing.wav
bad "directory" 66 "is a directory" .
bad "bad length" 64 "--lengths" song.wav --lengths 0
bad "bad user range" 64 "--user" song.wav --user 50-40
bad "bad aspect" 64 "--aspect" song.wav --aspect 4:3
bad "bad cut mode" 64 "--cut" video.mp4 --cut bogus
bad "--exact with --cut" 64 "--exact" video.mp4 --exact --cut copy
if locked_copy song.wav locked.wav; then
  bad "unreadable" 66 "permission denied" locked.wav
fi
case_ "output directory cannot be made"
: >afile
run "$P" song.wav --lengths 15 --outdir afile/sub
expect_rc 73
expect_one_line_err clip-highlights

finish
