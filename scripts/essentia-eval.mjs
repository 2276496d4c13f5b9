// Runs essentia.js (KeyExtractor, RhythmExtractor2013) on audio files and prints one JSON
// line per file: {"file", "sha256", "key", "scale", "strength", "key_edma", "scale_edma",
// "bpm", "ticks", "seconds"}. Each file is decoded by the ffmpeg CLI to 44.1 kHz mono float.
// Results are cached by the file's SHA-256 (the analysis is slow): --cache DIR.
// --no-edma skips the second KeyExtractor run (for timing one key and one rhythm analysis).
// Usage: node scripts/essentia-eval.mjs [--cache DIR] [--no-rhythm] [--no-edma] FILE...
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'tests', 'js', 'package.json'));
const { Essentia, EssentiaWASM } = require('essentia.js');

const args = process.argv.slice(2);
let cache = null;
let rhythm = true;
let edmaKey = true;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--cache') cache = args[++i];
  else if (args[i] === '--no-rhythm') rhythm = false;
  else if (args[i] === '--no-edma') edmaKey = false;
  else files.push(args[i]);
}
if (cache) mkdirSync(cache, { recursive: true });

const essentia = new Essentia(EssentiaWASM);
const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
let failed = 0;

for (const file of files) {
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const cached = cache && join(cache, `${sha256}${rhythm ? '' : '-key'}${edmaKey ? '' : '-noedma'}.json`);
  if (cached && existsSync(cached)) {
    const r = JSON.parse(readFileSync(cached, 'utf8'));
    process.stdout.write(JSON.stringify({ file, ...r }) + '\n');
    continue;
  }
  const dec = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '44100', '-'],
    { maxBuffer: 1 << 30 });
  if (dec.status !== 0) {
    process.stderr.write(`essentia-eval: ${file}: ffmpeg failed: ${dec.stderr}\n`);
    failed = 1;
    continue;
  }
  const buf = dec.stdout;
  const samples = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const start = process.hrtime.bigint();
  const vec = essentia.arrayToVector(samples);
  const key = essentia.KeyExtractor(vec);
  const r = { sha256, key: key.key, scale: key.scale, strength: round(key.strength, 4) };
  if (edmaKey) {
    const edma = essentia.KeyExtractor(vec, true, 4096, 4096, 12, 3500, 60, 25, 0.2, 'edma');
    r.key_edma = edma.key;
    r.scale_edma = edma.scale;
  }
  if (rhythm) {
    const rh = essentia.RhythmExtractor2013(vec);
    r.bpm = round(rh.bpm, 3);
    r.ticks = Array.from(essentia.vectorToArray(rh.ticks), (t) => round(t, 4));
    rh.ticks.delete?.();
    rh.estimates?.delete?.();
    rh.bpmIntervals?.delete?.();
  }
  vec.delete?.();
  r.seconds = round(Number(process.hrtime.bigint() - start) / 1e9, 3);
  r.audio_seconds = round(samples.length / 44100, 3);
  if (cached) {
    writeFileSync(`${cached}.tmp`, JSON.stringify(r));
    renameSync(`${cached}.tmp`, cached);
  }
  process.stdout.write(JSON.stringify({ file, ...r }) + '\n');
}
process.exit(failed);
