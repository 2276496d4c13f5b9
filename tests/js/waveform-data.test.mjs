// wf-peaks output must load unchanged in waveform-data (the library peaks.js is built on).
// Fixtures come from run.sh (DJB_JS_FIXTURES); each test compares what waveform-data reads
// with what wf-peaks wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WaveformData from 'waveform-data';

const dir = process.env.DJB_JS_FIXTURES;
assert.ok(dir, 'DJB_JS_FIXTURES is not set: run tests/js/run.sh');

const json = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const arrayBuffer = (name) => {
  const b = readFileSync(join(dir, name));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};

// Every min/max waveform-data reads equals the raw interleaved array wf-peaks wrote.
function assertSameData(waveform, doc) {
  for (let c = 0; c < doc.channels; c++) {
    const ch = waveform.channel(c);
    const mins = ch.min_array();
    const maxs = ch.max_array();
    assert.equal(mins.length, doc.length);
    for (let i = 0; i < doc.length; i++) {
      const at = (i * doc.channels + c) * 2;
      assert.equal(mins[i], doc.data[at], `min, channel ${c}, pixel ${i}`);
      assert.equal(maxs[i], doc.data[at + 1], `max, channel ${c}, pixel ${i}`);
    }
  }
}

test('default JSON (8-bit, mixdown, 256 samples per pixel) loads with its metadata', () => {
  const doc = json('track.json');
  const w = WaveformData.create(doc);
  assert.equal(w.channels, 1);
  assert.equal(w.sample_rate, 44100);
  assert.equal(w.bits, 8);
  assert.equal(w.scale, doc.samples_per_pixel);
  assert.equal(w.length, doc.length);
  assert.equal(doc.samples_per_pixel, 256); // audiowaveform's default, peaks.js's finest zoom
  assert.deepEqual(doc, json('track-256.json')); // the same as asking for 256 explicitly
  assertSameData(w, doc);
  // The track has real content: its loudest pixel is well above silence.
  assert.ok(Math.max(...w.channel(0).max_array()) > 32);
  // peaks.js zooms out with resample(); it must accept our data.
  const zoomed = w.resample({ width: 100 });
  assert.ok(zoomed.scale > w.scale);
  assert.ok(zoomed.length >= 100 && zoomed.length <= 101, `length ${zoomed.length}`);
  assert.equal(Math.max(...zoomed.channel(0).max_array()), Math.max(...w.channel(0).max_array()));
});

test('a known signal gives the known peaks: half-scale tone at 8 bits', () => {
  const doc = json('tone.json');
  const w = WaveformData.create(doc);
  assert.equal(w.scale, 441);
  assert.equal(w.length, 200); // 2 s at 100 pixels per second
  assert.equal(w.pixels_per_second, 100);
  assert.ok(Math.abs(w.duration - 2) < 1e-9);
  for (let i = 0; i < w.length; i++) {
    // 0.5 full scale = 16384 in 16 bits = 64 in 8 bits (a sampled sine peaks just under).
    assert.ok(w.channel(0).max_sample(i) >= 63 && w.channel(0).max_sample(i) <= 64);
    assert.ok(w.channel(0).min_sample(i) <= -63 && w.channel(0).min_sample(i) >= -64);
  }
});

test('binary .dat loads and matches the JSON of the same run', () => {
  const doc = json('track-256.json');
  const w = WaveformData.create(arrayBuffer('track-256.dat'));
  assert.equal(w.channels, 1);
  assert.equal(w.scale, 256);
  assert.equal(w.bits, 8);
  assert.equal(w.sample_rate, 44100);
  assert.equal(w.length, doc.length);
  assertSameData(w, doc);
  assertSameData(WaveformData.create(doc), doc);
});

test('16-bit split channels, JSON and .dat', () => {
  const doc = json('track-split16.json');
  assert.equal(doc.samples_per_pixel, 882); // 44100 / 50
  for (const w of [WaveformData.create(doc), WaveformData.create(arrayBuffer('track-split16.dat'))]) {
    assert.equal(w.channels, 2);
    assert.equal(w.bits, 16);
    assert.equal(w.scale, 882);
    assert.equal(w.length, doc.length);
    assertSameData(w, doc);
    const peak = Math.max(...w.channel(0).max_array());
    assert.ok(peak > 8192 && peak <= 32767, `peak ${peak}`);
  }
});

test('output made from stdin (length unknown) loads too', () => {
  const doc = json('track-stdin.json');
  const w = WaveformData.create(doc);
  assert.ok(w.length <= 500 && w.length > 444, `length ${w.length}`);
  assertSameData(w, doc);
});
