#!/usr/bin/env bash
# CLI tests for dub-mux: extract against FFmpeg's own conversion; mux on lavfi-made videos
# (H.264 copied packet for packet, mpeg4 re-encoded, with and without audio, an odd start
# time, dubs shorter and longer than the video, offset, keep-original, duck, subtitles,
# fragmented stdout); bad inputs; nothing left behind on failure.
. "$(dirname "$0")/lib.sh"
P="$BIN/dub-mux"
cd "$WORK"

jget() { node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"; }
ff() { ffmpeg -nostdin -v error -y "$@"; }
# Checksum of a stream's packets: payload and timing (pts, dts, duration, flags) in order.
packets() { ffprobe -v error -select_streams "$2" -show_entries packet=pts,dts,duration,flags,data_hash -show_data_hash sha256 -of csv "$1" | sha256sum | cut -c1-16; }
payloads() { ffprobe -v error -select_streams "$2" -show_entries packet=size,data_hash -show_data_hash sha256 -of csv "$1" | sha256sum | cut -c1-16; }
stream_field() { ffprobe -v error -select_streams "$2" -show_entries "stream=$3" -of default=nw=1:nk=1 "$1" | head -1; }
# Every stream decodes with no error message at all.
decodes_clean() { [ -z "$(ffmpeg -nostdin -v error -i "$1" -map 0:v -map 0:a? -f null - 2>&1)" ]; }
# RMS of a WAV's span [start, start+len) after a band-pass around FREQ, by sox: rms FILE START LEN FREQ
rms_all() { sox "$1" -n trim "$2" "$3" stat 2>&1 | awk '/^RMS +amplitude/ { print $3 }'; }
rms() { sox "$1" -n trim "$2" "$3" sinc "$(($4 - 40))-$(($4 + 40))" stat 2>&1 | awk '/^RMS +amplitude/ { print $3 }'; }

# Fixtures: 4 s 320x240 25 fps videos.
SRC=(-f lavfi -i testsrc2=size=320x240:rate=25)
ff "${SRC[@]}" -f lavfi -i sine=frequency=300:sample_rate=44100 -t 4 -c:v libx264 -preset ultrafast -c:a aac -shortest h264_a.mp4
ff "${SRC[@]}" -t 4 -c:v libx264 -preset ultrafast -bf 2 h264_bf.mp4
ff "${SRC[@]}" -t 4 -c:v mpeg4 mpeg4.mp4
ff "${SRC[@]}" -f lavfi -i sine=frequency=300:sample_rate=48000 -t 4 -c:v mpeg4 -c:a libvorbis -shortest vorbis.mkv
ff "${SRC[@]}" -t 4 -c:v libx264 -preset ultrafast -output_ts_offset 1.5 odd.mp4
"$SYNTH" tone --freq 440 --seconds 3 --channels 1 --amp 0.3 --rate 48000 -o short.wav
"$SYNTH" tone --freq 440 --seconds 6 --channels 2 --amp 0.3 --rate 44100 -o long.wav
printf '1\n00:00:00,500 --> 00:00:01,500\nHello <i>world</i>\n\n2\n00:00:02,000 --> 00:00:03,250\nSecond\ntwo lines\n\n' >subs.srt
printf 'WEBVTT\n\n00:00.500 --> 00:01.500\nHello &amp; bye\n\n00:03.000 --> 00:09.000\nruns past the end\n' >subs.vtt

case_ "mux: H.264 copied, short dub padded, SRT embedded and written as sidecars"
run "$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt --lang spa --srt side.srt --vtt side.vtt -o out.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "schema first" '[[ "$OUT" == "{\"schema\":\"dub.mux/1\","* ]]'
check "video copied" '[ "$(jget r.json d.tracks[0].action)" = copy ]'
check "dub padded by 1 s" '[ "$(jget r.json d.dub.fit)" = padded ] && [ "$(jget r.json d.dub.padding)" = 1 ]'
check "dub loudness reported" 'near "$(jget r.json d.dub.sample_peak_dbfs)" -10.46 0.05'
check "input hashed" '[ "$(jget r.json d.inputs.video.sha256)" = "$(sha256sum h264_a.mp4 | cut -d" " -f1)" ]'
check "decodes without error" 'decodes_clean out.mp4'
check "video packets identical (payload and timing)" '[ "$(packets out.mp4 v:0)" = "$(packets h264_a.mp4 v:0)" ]'
vd=$(stream_field h264_a.mp4 v:0 duration)
check "audio lasts the video's duration within one AAC frame ($(stream_field out.mp4 a:0 duration) vs $vd)" \
  'near "$(stream_field out.mp4 a:0 duration)" "$vd" 0.0214'
check "format duration is the video's" 'near "$(ffprobe -v error -show_entries format=duration -of csv=p=0 out.mp4)" "$vd" 0.0214'
check "tracks: h264, aac, mov_text" '[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 out.mp4 | tr "\n" " ")" = "h264 aac mov_text " ]'
check "subtitle language" '[ "$(ffprobe -v error -select_streams s:0 -show_entries stream_tags=language -of csv=p=0 out.mp4)" = spa ]'
ffmpeg -nostdin -v error -i out.mp4 -map 0:s -f srt - >back.srt
check "subtitles come out at their times" 'grep -q "00:00:00,500 --> 00:00:01,500" back.srt && grep -q "00:00:02,000 --> 00:00:03,250" back.srt'
check "subtitle text (styles kept)" 'grep -q "Hello <i>world</i>" back.srt'
check "index at the front (faststart)" '[ "$(head -c 40 out.mp4 | grep -c moov)" = 1 ] || head -c 64 out.mp4 | grep -q moov'
check "SRT sidecar equals the input" 'cmp -s side.srt subs.srt'
check "VTT sidecar" 'grep -q "^00:00:02.000 --> 00:00:03.250$" side.vtt && head -1 side.vtt | grep -qx WEBVTT'
expect_no_temps .

case_ "mux: the copy check can fail (a re-encode is not a copy)"
ff -i h264_a.mp4 -c:v libx264 -preset ultrafast -crf 30 -an reenc.mp4
check "different packets differ" '[ "$(packets reenc.mp4 v:0)" != "$(packets h264_a.mp4 v:0)" ]'

case_ "mux: B-frames, long dub trimmed, offset"
run "$P" mux --video h264_bf.mp4 --audio long.wav --offset 0.25 -o bf.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "video packets identical" '[ "$(packets bf.mp4 v:0)" = "$(packets h264_bf.mp4 v:0)" ]'
check "trimmed 2.25 s" '[ "$(jget r.json d.dub.fit)" = trimmed ] && near "$(jget r.json d.dub.trimmed)" 2.25 1e-6'
check "lead silence 0.25 s" 'near "$(jget r.json d.dub.lead_silence)" 0.25 1e-6'
check "dub keeps its rate and channels" '[ "$(stream_field bf.mp4 a:0 sample_rate)" = 44100 ] && [ "$(stream_field bf.mp4 a:0 channels)" = 2 ]'
check "audio duration = video's within one AAC frame" 'near "$(stream_field bf.mp4 a:0 duration)" "$(stream_field h264_bf.mp4 v:0 duration)" 0.0233'
check "decodes without error" 'decodes_clean bf.mp4'
# The offset is real: the first 0.25 s of the dub track is silent, then the tone.
ff -i bf.mp4 -map 0:a -ac 1 bf.wav
check "silent before the offset" '[ "$(awk "BEGIN{print ($(rms_all bf.wav 0.03 0.2) < 0.001)}")" = 1 ]'
check "tone after it" '[ "$(awk "BEGIN{print ($(rms_all bf.wav 0.3 0.5) > 0.1)}")" = 1 ]'

case_ "mux: mpeg4 is re-encoded to H.264, with the reason"
run "$P" mux --video mpeg4.mp4 --audio short.wav -o enc.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "encoded" '[ "$(jget r.json d.tracks[0].action)" = encode ]'
check "reason" '[[ "$(jget r.json d.tracks[0].reason)" == "mpeg4 is not H.264"* ]]'
check "h264 out" '[ "$(stream_field enc.mp4 v:0 codec_name)" = h264 ]'
check "same frame count" '[ "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 enc.mp4)" = 100 ]'
check "decodes without error" 'decodes_clean enc.mp4'
check "durations" 'near "$(stream_field enc.mp4 a:0 duration)" "$(stream_field mpeg4.mp4 v:0 duration)" 0.0214'

case_ "mux: odd start time (1.5 s) kept; dub and subtitles start with the video"
run "$P" mux --video odd.mp4 --audio short.wav --subs subs.srt -o odd_out.mp4
expect_rc 0
check "video packets identical" '[ "$(packets odd_out.mp4 v:0)" = "$(packets odd.mp4 v:0)" ]'
check "video starts at 1.5" 'near "$(stream_field odd_out.mp4 v:0 start_time)" 1.5 0.001'
# The AAC encoder's 1024 priming samples come before the start (21.3 ms at 48 kHz).
check "audio starts with the video (less one priming frame)" 'near "$(stream_field odd_out.mp4 a:0 start_time)" 1.4787 0.001'
check "decodes without error" 'decodes_clean odd_out.mp4'
check "first cue at 1.5 + 0.5 s" '[ "$(ffprobe -v error -select_streams s:0 -show_entries packet=pts_time,duration_time -of csv=p=0 odd_out.mp4 | sed -n 2p)" = "2.000000,1.000000" ]'

case_ "mux: a WebVTT sidecar for browsers by default; --lang tags the dub too"
run "$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt --lang spa -o def.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
expect_file def.spa.vtt
check "the report names the sidecar" '[ "$(jget r.json d.subtitles.vtt)" = def.spa.vtt ]'
check "the sidecar holds the cues" 'head -1 def.spa.vtt | grep -qx WEBVTT && grep -q "^00:00:00.500 --> 00:00:01.500$" def.spa.vtt'
check "the dub's audio is tagged spa" '[ "$(ffprobe -v error -select_streams a:0 -show_entries stream_tags=language -of csv=p=0 def.mp4)" = spa ]'
check "the report's dub language" '[ "$(jget r.json d.tracks[1].language)" = spa ]'
check "subtitle default flag as read back equals the report's" \
  '[ "$(ffprobe -v error -select_streams s:0 -show_entries stream_disposition=default -of csv=p=0 def.mp4)" = 1 ] && [ "$(jget r.json d.tracks[2].default)" = true ]'
run "$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt --no-vtt -o novtt.mp4
expect_rc 0
expect_no_file novtt.und.vtt
run "$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt --no-vtt --vtt x.vtt -o novtt.mp4
expect_rc 64
expect_one_line_err dub-mux

case_ "mux: WebVTT, a cue past the end is cut"
run "$P" mux --video h264_a.mp4 --audio short.wav --subs subs.vtt -o vtt.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "cut one" '[ "$(jget r.json d.subtitles.cut)" = 1 ] && [ "$(jget r.json d.subtitles.format)" = vtt ]'
ffmpeg -nostdin -v error -i vtt.mp4 -map 0:s -f srt - >back.srt
check "entity decoded, cue cut at 4 s" 'grep -q "Hello & bye" back.srt && grep -q "00:00:03,000 --> 00:00:04,000" back.srt'

case_ "mux: --keep-original keeps the original as a second, non-default track"
run "$P" mux --video h264_a.mp4 --audio short.wav --keep-original -o keep.mp4
expect_rc 0
check "two audio tracks" '[ "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 keep.mp4 | wc -l)" = 2 ]'
check "dispositions: dub default, original not" '[ "$(ffprobe -v error -select_streams a -show_entries stream_disposition=default -of csv=p=0 keep.mp4 | tr "\n" " ")" = "1 0 " ]'
check "original copied packet for packet" '[ "$(payloads keep.mp4 a:1)" = "$(payloads h264_a.mp4 a:0)" ]'
check "decodes without error" '[ -z "$(ffmpeg -nostdin -v error -i keep.mp4 -map 0 -f null - 2>&1)" ]'
run "$P" mux --video vorbis.mkv --audio short.wav --keep-original -o keepv.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "vorbis encoded to AAC, video re-encoded" '[ "$(jget r.json d.tracks[2].action)" = encode ] && [ "$(stream_field keepv.mp4 a:1 codec_name)" = aac ] && [ "$(jget r.json d.tracks[0].action)" = encode ]'
check "decodes without error" '[ -z "$(ffmpeg -nostdin -v error -i keepv.mp4 -map 0 -f null - 2>&1)" ]'

case_ "mux: --duck lowers the original under the dub's speech"
# Dub: 1 s silence, 1.5 s of a 1 kHz tone, silence; original: the 300 Hz sine of h264_a.mp4.
sox -n -r 48000 -c 1 -b 16 voice.wav synth 1.5 sine 1000 vol 0.3 pad 1 1.5
run "$P" mux --video h264_a.mp4 --audio voice.wav --duck 12 -o duck.mp4
expect_rc 0
printf '%s\n' "$OUT" >r.json
check "one speech segment of 1.5 s" '[ "$(jget r.json d.duck.speech_segments)" = 1 ] && near "$(jget r.json d.duck.speech_seconds)" 1.5 0.03'
ff -i duck.mp4 -map 0:a duck.wav
before=$(rms duck.wav 0.2 0.5 300) under=$(rms duck.wav 1.3 0.9 300) after=$(rms duck.wav 3.3 0.5 300)
check "original 12 dB lower under speech (before $before, under $under)" 'near "$(awk "BEGIN{print 20*log(${under}/${before})/log(10)}")" -12 0.7'
check "and back up after the release (after $after)" 'near "$(awk "BEGIN{print 20*log(${after}/${before})/log(10)}")" 0 0.5'
check "the look-ahead ducks before the voice" '[ "$(awk "BEGIN{print ($(rms duck.wav 0.9 0.08 300) < 0.8 * $before)}")" = 1 ]'
check "decodes without error" 'decodes_clean duck.mp4'

case_ "mux: -o - writes fragmented MP4 to stdout, report to --report"
"$P" mux --video h264_a.mp4 --audio short.wav --report rep.json -o - >frag.mp4 2>err.txt
RC=$?
expect_rc 0
check "nothing on stderr" '[ ! -s err.txt ]'
check "fragmented (moof boxes)" 'grep -c moof frag.mp4 >/dev/null'
check "decodes without error" 'decodes_clean frag.mp4'
check "video payloads identical" '[ "$(payloads frag.mp4 v:0)" = "$(payloads h264_a.mp4 v:0)" ]'
check "report written" '[ "$(jget rep.json d.schema)" = dub.mux/1 ] && [ "$(jget rep.json d.output.layout)" = fragmented ]'

case_ "mux: deterministic"
"$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt -o det1.mp4 >det1.json
"$P" mux --video h264_a.mp4 --audio short.wav --subs subs.srt -o det2.mp4 >det2.json
check "same bytes twice" 'cmp -s det1.mp4 det2.mp4'
check "same report twice (but the path)" '[ "$(sed s/det1/detX/g det1.json)" = "$(sed s/det2/detX/g det2.json)" ]'

case_ "extract: matches ffmpeg -vn -ac 1 -ar 16000"
run "$P" extract h264_a.mp4 -o raw.wav
expect_rc 0
printf '%s\n' "$OUT" >r.json
ff -i h264_a.mp4 -vn -ac 1 -ar 16000 ref.wav
check "schema" '[ "$(jget r.json d.schema)" = dub.extract/1 ] && [ "$(jget r.json d.output.sample_rate)" = 16000 ]'
check "same length as ffmpeg" '[ "$(soxi -s raw.wav)" = "$(soxi -s ref.wav)" ]'
# Tolerance: at most 1 LSB of 16-bit per sample (both use libswresample's defaults; in
# practice the samples are identical).
d=$(sox -m -v 1 raw.wav -v -1 ref.wav -n stat 2>&1 | awk '/^Maximum amplitude/ {a=$3} /^Minimum amplitude/ {b=-$3} END {print (a > b ? a : b)}')
check "max |diff| <= 1/32768 (got $d)" 'near "$d" 0 0.0000306'
ff -i h264_a.mp4 -vn -ac 1 -ar 22050 ref22.wav
sox ref22.wav -r 16000 ref22to16.wav
d=$(sox -m -v 1 raw.wav -v -1 ref22to16.wav -n stat 2>&1 | awk '/^Maximum amplitude/ {a=$3} /^Minimum amplitude/ {b=-$3} END {print (a > b ? a : b)}')
check "the comparison can fail: another resampling path differs (diff $d)" '! near "$d" 0 0.0000306'
# A stereo source with different channels: the downmix must be FFmpeg's ((L + R) / 2).
# Tolerance 4/32768 (-78 dBFS): we resample each channel and then mix, FFmpeg mixes and then
# resamples; the float rounding of the two orders differs by up to 3 steps of 16-bit.
sox -n -r 44100 -c 2 -b 16 st.wav synth 2 sine 440 sine 1000 vol 0.4
ff "${SRC[@]}" -i st.wav -map 0:v -map 1:a -t 2 -c:v libx264 -preset ultrafast -c:a aac -b:a 192k st.mp4
run "$P" extract st.mp4 -o st_ours.wav --no-report
expect_rc 0
ff -i st.mp4 -vn -ac 1 -ar 16000 st_ref.wav
d=$(sox -m -v 1 st_ours.wav -v -1 st_ref.wav -n stat 2>&1 | awk '/^Maximum amplitude/ {a=$3} /^Minimum amplitude/ {b=-$3} END {print (a > b ? a : b)}')
check "stereo source: max |diff| <= 4/32768 (got $d)" 'near "$d" 0 0.000123'
check "stereo source: same length" '[ "$(soxi -s st_ours.wav)" = "$(soxi -s st_ref.wav)" ]'
"$P" extract h264_a.mp4 -o - >pipe.wav
check "stdout holds the same samples" 'cmp -s <(tail -c +45 pipe.wav) <(tail -c +45 raw.wav)'
check "ffmpeg reads the piped WAV" '[ "$(ffprobe -v error -count_packets -show_entries stream=sample_rate,channels -of csv=p=0 pipe.wav)" = "16000,1" ]'
run "$P" extract vorbis.mkv --rate 8000 --channels 2 --stream 1 --bits 24 -o st.wav
expect_rc 0
check "rate, channels, bits" '[ "$(soxi -r st.wav)" = 8000 ] && [ "$(soxi -c st.wav)" = 2 ] && [ "$(soxi -b st.wav)" = 24 ]'

case_ "bad input: one line, sysexits code, nothing written"
bad() {  # bad CODE TEXT ARGS...: the run fails with CODE, one line naming TEXT, no out file
  local code="$1" text="$2"
  shift 2
  rm -f bad.mp4 bad.srt bad.wav
  run "$P" "$@"
  expect_rc "$code"
  expect_one_line_err dub-mux
  expect_err_has "$text"
  expect_out_empty
  expect_no_file bad.mp4
  expect_no_file bad.wav
  expect_no_file bad.srt
  expect_no_temps .
}
bad 65 "no video stream" mux --video short.wav --audio short.wav -o bad.mp4
bad 65 "no audio stream" mux --video h264_a.mp4 --audio mpeg4.mp4 -o bad.mp4
printf '[Script Info]\nScriptType: v4.00+\n' >x.ass
bad 65 "not SRT or WebVTT" mux --video h264_a.mp4 --audio short.wav --subs x.ass --srt bad.srt -o bad.mp4
printf '1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:00:62,000\nB\n' >badcue.srt
bad 65 "line 6: minutes or seconds above 59" mux --video h264_a.mp4 --audio short.wav --subs badcue.srt -o bad.mp4
echo "not a video" >text.mp4
bad 65 "not a media file" mux --video text.mp4 --audio short.wav -o bad.mp4
ff -i h264_a.mp4 -c copy -movflags +faststart fs.mp4
head -c 60000 fs.mp4 >trunc.mp4
bad 65 "truncated" mux --video trunc.mp4 --audio short.wav -o bad.mp4
head -c 30000 short.wav >trunc.wav
bad 65 "truncated" mux --video h264_a.mp4 --audio trunc.wav -o bad.mp4
: >empty.wav
bad 65 "empty" mux --video h264_a.mp4 --audio empty.wav -o bad.mp4
bad 66 "no such file" mux --video missing.mp4 --audio short.wav -o bad.mp4
bad 66 "is a directory" mux --video . --audio short.wav -o bad.mp4
bad 73 "does not exist" mux --video h264_a.mp4 --audio short.wav -o nodir/bad.mp4
bad 65 "has no audio stream to keep" mux --video mpeg4.mp4 --audio short.wav --keep-original -o bad.mp4
bad 64 "--lang" mux --video h264_a.mp4 --audio short.wav --subs subs.srt --lang english -o bad.mp4
bad 64 "--duck" mux --video h264_a.mp4 --audio short.wav --duck loud -o bad.mp4
bad 64 "" mux --video h264_a.mp4 -o bad.mp4
bad 64 "must name a file" mux --video h264_a.mp4 --audio - -o bad.mp4
bad 64 "overwrite the input" mux --video h264_a.mp4 --audio short.wav -o h264_a.mp4
bad 65 "no audio stream" extract mpeg4.mp4 -o bad.wav
bad 64 "unknown output type" extract h264_a.mp4 -o bad.mp4
if locked_copy short.wav locked.wav; then
  bad 66 "permission denied" mux --video h264_a.mp4 --audio locked.wav -o bad.mp4
fi
mkdir -p ro && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
  bad 73 "" mux --video h264_a.mp4 --audio short.wav -o ro/bad.mp4
fi
check "the video input is untouched" '[ "$(sha256sum h264_a.mp4 | cut -c1-64)" = "$(jget det1.json d.inputs.video.sha256)" ]'

finish
