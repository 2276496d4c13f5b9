// djb-render's LRC track lists must read correctly in independent LRC parsers: clrc and
// lrc-kit (npm), and FFmpeg's lrc demuxer. The fixture is written by `eval-writers samples`
// (run.sh) from a fixed list with times past 99 minutes and awkward titles; the expectations
// below are that list worked out by hand (keep them in step with tests/eval/writers.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, LineType } from 'clrc';
import { Lrc } from 'lrc-kit';

const dir = process.env.DJB_JS_FIXTURES;
assert.ok(dir, 'DJB_JS_FIXTURES is not set: run tests/js/run.sh');
const lrcPath = join(dir, 'sample.lrc');
const text = readFileSync(lrcPath, 'utf8');

// [start in ms, line text]
const tracks = [
  [0, 'Artist A - Opening'],
  [61230, 'No Artist Here'],
  [125010, 'Q "Quote" - Say "hi" again'],
  [3600000, 'X - (01:00) Not a time'],
  [5999990, 'Y - Just Before 100'],
  [6000000, 'Z - One Hundred'],
  [7384500, 'Déjà - Vu — 夜 <3'],
];
const headers = {
  ti: 'Night (Part 1)',
  ar: 'DJ "B"',
  al: 'Sets',
  length: '133:20',
  re: 'djb-render',
  ve: '0.0.0-test',
};

test('clrc reads every track line with its time and text, past 99 minutes too', () => {
  const lines = parse(text);
  const lyrics = lines.filter((l) => l.type === LineType.LYRIC);
  assert.deepEqual(
    lyrics.map((l) => [l.startMillisecond, l.content]),
    tracks,
  );
  const meta = Object.fromEntries(
    lines.filter((l) => l.type === LineType.METADATA).map((l) => [l.key, l.value]),
  );
  assert.deepEqual(meta, headers);
  // The file ends with a newline, so the one line clrc cannot place is the empty last one.
  const invalid = lines.filter((l) => l.type === LineType.INVALID);
  assert.deepEqual(invalid.map((l) => l.raw), ['']);
});

test('lrc-kit reads every track line with its time and text, past 99 minutes too', () => {
  const lrc = Lrc.parse(text);
  assert.equal(lrc.lyrics.length, tracks.length);
  lrc.lyrics.forEach((l, i) => {
    // lrc-kit gives seconds as floats: compare to the centisecond.
    assert.equal(Math.round(l.timestamp * 100), tracks[i][0] / 10, `time of track ${i + 1}`);
    assert.equal(l.content, tracks[i][1], `text of track ${i + 1}`);
  });
  assert.deepEqual(lrc.info, headers);
});

test("FFmpeg's lrc demuxer reads the same times and texts", () => {
  const srt = execFileSync('ffmpeg', ['-v', 'error', '-i', lrcPath, '-f', 'srt', '-'], {
    encoding: 'utf8',
  });
  const cues = srt
    .trim()
    .split(/\r?\n\r?\n/)
    .map((block) => {
      const [, times, ...body] = block.split(/\r?\n/);
      const m = times.match(/^(\d+):(\d\d):(\d\d),(\d\d\d) -->/);
      assert.ok(m, `srt times: ${times}`);
      const ms = ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4];
      return [ms, body.join('\n')];
    });
  assert.deepEqual(cues, tracks);
});
