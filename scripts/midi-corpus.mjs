// Builds the MIDI corpus of the real-music evaluation: real compositions shipped as Standard
// MIDI Files in Debian packages, rendered by FluidSynth, each with an exact truth taken from the
// file itself (tempo map, time signatures, key signature and notes). See make-midi-corpus for
// the sources and the conventions of the truth; this file does the work.
//
// Each piece is rendered twice: with its own General MIDI programs ("original") and re-voiced,
// every program change of the melodic channels rewritten to one instrument family (piano,
// epiano, organ, guitar or strings: one of those the piece does not mostly play already,
// chosen by the piece's CRC); the drums (channel 10) are left as they are. A piece longer than
// --cap seconds is cut at the last bar line before the cap, in the MIDI file (so nothing past
// it is rendered) and in the audio (a 30 ms fade-out ending on that bar line).
//
// Usage: node scripts/midi-corpus.mjs [--cap SECONDS] [--rate HZ] [--soundfont SF2] [--only REGEX] [--list] [--truth-only] OUTDIR
// --rate is FluidSynth's (and the WAV's) sample rate, 22050 Hz unless told: half the cost of
// 44100 Hz (FluidSynth renders this corpus at about 25 times real time on one core at 44.1 kHz)
// and the rate djb-analyze's onset and chroma features work at anyway.
// --only makes (or lists) only the pieces whose name ("openmsx/boogi_marabi_redfarn") matches.
// --list renders nothing: it prints each piece's truth summary and key evidence as a JSON line.
// --truth-only renders nothing either: it rewrites NAME.truth.json of every existing NAME.wav
// (its duration from the WAV), e.g. after a change to the truth's rules.
// Writes OUTDIR/NAME.wav and OUTDIR/NAME.truth.json (truth last, so an item whose truth exists
// is complete: those are skipped). Progress and the summary go to stderr.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import {
  readFileSync, writeFileSync, mkdirSync, existsSync, renameSync, readdirSync, rmSync, mkdtempSync,
} from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'tests', 'js', 'package.json'));
const { parseMidi, writeMidi } = require('midi-file');

const SOURCES = [
  { tag: 'openmsx', pkg: 'openttd-openmsx', dir: '/usr/share/games/openttd/baseset/openmsx' },
  { tag: 'simutrans', pkg: 'simutrans-data', dir: '/usr/share/games/simutrans/music' },
  { tag: 'planetblupi', pkg: 'planetblupi-music-midi', dir: '/usr/share/planetblupi/music' },
];
// Re-voicings: name, GM program, GM family (program / 8) it belongs to.
const VOICINGS = [
  { name: 'piano', program: 0, family: 0 },     // Acoustic Grand Piano
  { name: 'epiano', program: 4, family: 0 },    // Electric Piano 1
  { name: 'organ', program: 16, family: 2 },    // Drawbar Organ
  { name: 'guitar', program: 25, family: 3 },   // Acoustic Guitar (steel)
  { name: 'strings', program: 48, family: 6 },  // String Ensemble 1
];
const DRUMS = 9;
const MIN_SECONDS = 20;
const MIN_BEATS = 16;
const FADE = 0.03;  // fade-out at a cut (seconds)
const TAIL = 3;     // kept after the last note-off of a piece that is not cut (seconds)
const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
// Krumhansl & Kessler (1982) probe-tone ratings; Temperley (2007) Kostka-Payne key profiles.
const PROFILES = {
  kk: {
    major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
    minor: [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
  },
  temperley: {
    major: [0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400],
    minor: [0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330],
  },
};
// Without a key signature the profile's winner must lead the runner-up by this much (Pearson r).
const KEY_MARGIN = 0.08;

const fail = (code, msg) => {
  process.stderr.write(`midi-corpus: ${msg}\n`);
  process.exit(code);
};

// --- arguments -------------------------------------------------------------------------------
const USAGE = 'usage: midi-corpus.mjs [--cap SECONDS] [--rate HZ] [--soundfont SF2] [--only REGEX] [--list] [--truth-only] OUTDIR';
const args = process.argv.slice(2);
let cap = 60;
let RATE = 22050;
let soundfont = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
let out = null;
let list = false;
let truthOnly = false;
let only = null;
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--cap' && i + 1 < args.length) cap = Number(args[++i]);
  else if (args[i] === '--soundfont' && i + 1 < args.length) soundfont = args[++i];
  else if (args[i] === '--list') list = true;
  else if (args[i] === '--truth-only') truthOnly = true;
  else if (args[i] === '--rate' && i + 1 < args.length) RATE = Number(args[++i]);
  else if (args[i] === '--only' && i + 1 < args.length) only = new RegExp(args[++i]);
  else if (args[i].startsWith('-') || out !== null) fail(64, USAGE);
  else out = args[i];
}
if (out === null || !(cap > MIN_SECONDS) || !(RATE >= 8000 && RATE <= 96000)) fail(64, USAGE);
if (!existsSync(soundfont)) fail(66, `${soundfont}: no such soundfont (package fluid-soundfont-gm)`);
for (const tool of ['fluidsynth', 'ffmpeg', 'ffprobe']) {
  if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).error) fail(69, `${tool}: not found`);
}
if (!list && !truthOnly) mkdirSync(out, { recursive: true });

// --- small helpers ---------------------------------------------------------------------------
const r6 = (x) => Math.round(x * 1e6) / 1e6;
const r3 = (x) => Math.round(x * 1e3) / 1e3;

// POSIX cksum: CRC-32 (polynomial 0x04C11DB7, MSB first) over the bytes and then the length.
function cksum(str) {
  const bytes = [...Buffer.from(str, 'utf8')];
  for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) bytes.push(n & 0xff);
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; ++k) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) : (crc << 1);
    crc >>>= 0;
  }
  return (~crc) >>> 0;
}

function weightedMedian(items) {  // [{value, weight}]
  const s = items.filter((x) => x.weight > 0).sort((a, b) => a.value - b.value);
  const total = s.reduce((a, x) => a + x.weight, 0);
  let acc = 0;
  for (const x of s) {
    acc += x.weight;
    if (acc >= total / 2) return x.value;
  }
  return s.length ? s[s.length - 1].value : NaN;
}

function pearson(a, b) {
  const n = a.length;
  const ma = a.reduce((x, y) => x + y, 0) / n;
  const mb = b.reduce((x, y) => x + y, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

const keyName = (tonic, minor) => `${NAMES[((tonic % 12) + 12) % 12]} ${minor ? 'minor' : 'major'}`;

// --- the MIDI file as one timeline ----------------------------------------------------------
function load(file) {
  const midi = parseMidi(readFileSync(file));
  const tpq = midi.header.ticksPerBeat;
  if (!tpq) throw new Error('SMPTE time division is not supported');
  const tracks = midi.tracks.map((tr) => {
    let t = 0;
    return tr.map((e) => ({ ...e, tick: (t += e.deltaTime) }));
  });
  const all = tracks.flat().map((e, i) => ({ e, i })).sort((a, b) => a.e.tick - b.e.tick || a.i - b.i).map((x) => x.e);

  // Tempo map (the last event at a tick wins; 120 quarter notes a minute until the first).
  const tempos = [{ tick: 0, us: 500000 }];
  for (const e of all) {
    if (e.type !== 'setTempo' || !(e.microsecondsPerBeat > 0)) continue;
    if (tempos[tempos.length - 1].tick === e.tick) tempos[tempos.length - 1].us = e.microsecondsPerBeat;
    else tempos.push({ tick: e.tick, us: e.microsecondsPerBeat });
  }
  let sec = 0;
  for (let i = 0; i < tempos.length; ++i) {
    if (i > 0) sec += ((tempos[i].tick - tempos[i - 1].tick) * tempos[i - 1].us) / 1e6 / tpq;
    tempos[i].sec = sec;
  }
  const seconds = (tick) => {
    let i = tempos.length - 1;
    while (i > 0 && tempos[i].tick > tick) --i;
    return tempos[i].sec + ((tick - tempos[i].tick) * tempos[i].us) / 1e6 / tpq;
  };
  const tickAt = (s) => {
    let i = tempos.length - 1;
    while (i > 0 && tempos[i].sec > s) --i;
    return tempos[i].tick + ((s - tempos[i].sec) * 1e6 * tpq) / tempos[i].us;
  };

  // Time signatures (4/4 until the first).
  const sigs = [{ tick: 0, num: 4, den: 4 }];
  for (const e of all) {
    if (e.type !== 'timeSignature' || !(e.numerator > 0) || !(e.denominator > 0)) continue;
    const s = { tick: e.tick, num: e.numerator, den: e.denominator };
    if (sigs[sigs.length - 1].tick === e.tick) sigs[sigs.length - 1] = s;
    else sigs.push(s);
  }

  // Notes (note-ons paired with note-offs first in, first out, per channel and key).
  const notes = [];
  const open = new Map();
  for (const e of all) {
    if (e.type !== 'noteOn' && e.type !== 'noteOff') continue;
    const k = e.channel * 128 + e.noteNumber;
    if (e.type === 'noteOn') {
      if (!open.has(k)) open.set(k, []);
      open.get(k).push(e.tick);
    } else if (open.get(k)?.length) {
      const on = open.get(k).shift();
      notes.push({ on, off: e.tick, channel: e.channel, pitch: e.noteNumber });
    }
  }
  const lastTick = all.length ? all[all.length - 1].tick : 0;
  for (const [k, ons] of open) {
    for (const on of ons) notes.push({ on, off: Math.max(lastTick, on), channel: Math.floor(k / 128), pitch: k % 128 });
  }
  notes.sort((a, b) => a.on - b.on || a.pitch - b.pitch);

  const keySigs = all.filter((e) => e.type === 'keySignature').map((e) => ({ tick: e.tick, key: e.key, scale: e.scale }));
  const programs = all.filter((e) => e.type === 'programChange');
  const hasTimeSignature = all.some((e) => e.type === 'timeSignature');
  return { midi, tpq, tracks, tempos, seconds, tickAt, sigs, hasTimeSignature, notes, keySigs, programs };
}

// The beat of a time signature: the denominator's note, but a dotted one in compound meters
// (6/8, 9/8, 12/8, 6/16 ...: 2, 3, 4 ... beats a bar); cut time (2/2) and other x/2 meters count
// quarter notes (2/2 is 4 beats a bar). Odd meters in eighths or sixteenths (5/8, 7/8, 7/16)
// have no even beat: they are marked irregular.
function beatOf(sig, tpq) {
  const noteTicks = (4 * tpq) / sig.den;
  if (sig.den >= 8 && sig.num > 3 && sig.num % 3 === 0) return { ticks: 3 * noteTicks, perBar: sig.num / 3 };
  if (sig.den === 2) return { ticks: tpq, perBar: sig.num * 2 };
  return { ticks: noteTicks, perBar: sig.num, irregular: sig.den >= 8 && sig.num > 4 };
}

// Every beat of the grid up to endTick: {tick, downbeat, perBar, beatTicks}. A time signature
// starts a new bar where it stands.
function grid(m, endTick) {
  const beats = [];
  for (let i = 0; i < m.sigs.length; ++i) {
    const from = m.sigs[i].tick;
    const to = i + 1 < m.sigs.length ? m.sigs[i + 1].tick : endTick + 1;
    const b = beatOf(m.sigs[i], m.tpq);
    for (let k = 0; ; ++k) {
      const tick = from + k * b.ticks;
      if (tick >= to - 1e-9 || tick > endTick) break;
      beats.push({ tick, downbeat: k % b.perBar === 0, inBar: k % b.perBar, perBar: b.perBar, beatTicks: b.ticks, irregular: !!b.irregular });
    }
  }
  return beats;
}

// Beat tempo (beats a minute) between two ticks, as constant pieces [{start, end, bpm}] in seconds.
function tempoPieces(m, beats, fromTick, toTick) {
  const cuts = new Set([fromTick, toTick]);
  for (const t of m.tempos) if (t.tick > fromTick && t.tick < toTick) cuts.add(t.tick);
  for (const s of m.sigs) if (s.tick > fromTick && s.tick < toTick) cuts.add(s.tick);
  const ticks = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < ticks.length; ++i) {
    const a = ticks[i];
    let ti = m.tempos.length - 1;
    while (ti > 0 && m.tempos[ti].tick > a) --ti;
    let si = m.sigs.length - 1;
    while (si > 0 && m.sigs[si].tick > a) --si;
    const beat = beatOf(m.sigs[si], m.tpq);
    const bpm = (60e6 / m.tempos[ti].us) * (m.tpq / beat.ticks);
    pieces.push({ start: m.seconds(a), end: m.seconds(ticks[i + 1]), bpm });
  }
  return pieces;
}

// --- key -------------------------------------------------------------------------------------
function profileScores(pcs, profile) {
  const scores = [];
  for (const minor of [false, true]) {
    const p = profile[minor ? 'minor' : 'major'];
    for (let tonic = 0; tonic < 12; ++tonic) {
      const rotated = pcs.map((_, pc) => p[(pc - tonic + 12) % 12]);
      scores.push({ tonic, minor, r: pearson(pcs, rotated) });
    }
  }
  scores.sort((a, b) => b.r - a.r);
  return scores;
}

function findKey(m, endTick) {
  const melodic = m.notes.filter((n) => n.channel !== DRUMS);
  if (!melodic.length) return { key: null, evidence: { rule: 'no pitched notes' } };
  const pcs = new Array(12).fill(0);
  for (const n of melodic) {
    if (n.on >= endTick) continue;
    pcs[n.pitch % 12] += Math.max(0, m.seconds(Math.min(n.off, endTick)) - m.seconds(n.on));
  }
  const kk = profileScores(pcs, PROFILES.kk);
  const tp = profileScores(pcs, PROFILES.temperley);
  const same = (a, b) => a.tonic === b.tonic && a.minor === b.minor;

  // First bass note: the lowest of the notes that start within half a quarter of the first
  // pitched note. Last bass note: the lowest still sounding within half a quarter of the end
  // of the last pitched note (of the whole piece: its ending, not the cut).
  const first = melodic[0].on;
  const firstBass = Math.min(...melodic.filter((n) => n.on <= first + m.tpq / 2).map((n) => n.pitch));
  const end = Math.max(...melodic.map((n) => n.off));
  const lastBass = Math.min(...melodic.filter((n) => n.off > end - m.tpq / 2 && n.on < end).map((n) => n.pitch));

  const total = pcs.reduce((a, b) => a + b, 0);
  const evidence = {
    pitch_class_seconds: pcs.map((x) => r3(x)),
    kk: { best: keyName(kk[0].tonic, kk[0].minor), r: r3(kk[0].r), second: keyName(kk[1].tonic, kk[1].minor), r2: r3(kk[1].r) },
    temperley: { best: keyName(tp[0].tonic, tp[0].minor), r: r3(tp[0].r), second: keyName(tp[1].tonic, tp[1].minor), r2: r3(tp[1].r) },
    first_bass: NAMES[firstBass % 12],
    last_bass: NAMES[lastBass % 12],
  };
  if (!(total > 0)) return { key: null, evidence: { ...evidence, rule: 'no pitched notes' } };

  const sigs = m.keySigs;
  if (sigs.length) {
    const distinct = [...new Set(sigs.map((s) => `${s.key}/${s.scale}`))];
    evidence.key_signature = distinct;
    if (distinct.length > 1) return { key: null, evidence: { ...evidence, rule: 'key signature changes: no single key' } };
    const { key: sharps, scale } = sigs[0];
    if (sharps < -7 || sharps > 7 || (scale !== 0 && scale !== 1)) {
      return { key: null, evidence: { ...evidence, rule: 'malformed key signature' } };
    }
    const major = { tonic: (((7 * sharps) % 12) + 12) % 12, minor: false };
    const minor = { tonic: (major.tonic + 9) % 12, minor: true };
    const fits = (k) => same(k, major) || same(k, minor);
    if (!fits(kk[0]) || !fits(tp[0])) {
      return { key: null, evidence: { ...evidence, rule: 'key signature and profiles disagree' } };
    }
    // The mode: the profiles (when both say the same), the first and the last bass note vote,
    // +1 for the major key, -1 for its relative minor. A minor flag in the key signature is
    // taken unless the votes say major; without it (0 is also every sequencer's default) the
    // votes must give one side at least two.
    let vote = 0;
    const votes = {};
    if (same(kk[0], tp[0])) vote += votes.profiles = kk[0].minor ? -1 : 1;
    for (const [name, pc] of [['first_bass', firstBass % 12], ['last_bass', lastBass % 12]]) {
      votes[name] = pc === major.tonic ? 1 : pc === minor.tonic ? -1 : 0;
      vote += votes[name];
    }
    evidence.mode_votes = votes;
    let chosen;
    if (scale === 1) {
      if (vote > 0) return { key: null, evidence: { ...evidence, rule: 'minor key signature, but profiles and bass say major' } };
      chosen = minor;
      evidence.rule = 'key signature agreed by both profiles, minor by its flag';
    } else {
      if (Math.abs(vote) < 2) return { key: null, evidence: { ...evidence, rule: 'key signature agreed, major or relative minor undecided' } };
      chosen = vote > 0 ? major : minor;
      evidence.rule = 'key signature agreed by both profiles, mode by vote';
    }
    return { key: keyName(chosen.tonic, chosen.minor), evidence };
  }

  // No key signature: a clear profile winner (both profiles) whose tonic is the final bass note.
  evidence.key_signature = null;
  const margin = kk[0].r - kk[1].r;
  evidence.kk.margin = r3(margin);
  if (!same(kk[0], tp[0])) return { key: null, evidence: { ...evidence, rule: 'no key signature; profiles disagree' } };
  if (margin < KEY_MARGIN) return { key: null, evidence: { ...evidence, rule: `no key signature; profile margin under ${KEY_MARGIN}` } };
  if (lastBass % 12 !== kk[0].tonic) return { key: null, evidence: { ...evidence, rule: 'no key signature; final bass note is not the tonic' } };
  evidence.rule = 'no key signature; clear profile winner ending on its tonic';
  return { key: keyName(kk[0].tonic, kk[0].minor), evidence };
}

// --- grid phase ------------------------------------------------------------------------------
// Some files do not put their notes on their own tick grid: a sequencer offset or an
// unquantised export leaves every note, say, half a beat after the grid's beats. The notes
// tell: a histogram of the note-on positions as a fraction of the beat (PHASE_BINS bins, bin 0
// centred on the grid's beat), the notes that mark the beat weighing more (kick 3, snare and
// hand clap 2, pitched notes below MIDI note 52 2, every other note 1). Smoothed over +-1 bin,
// its strongest peak must lie more than PHASE_MIN_SHIFT of a beat from 0 (circularly), hold
// PHASE_RATIO times the weight at 0 and PHASE_MIN_SHARE of all weight (notes spread evenly
// show no phase: the grid stays), else the grid stays. Swing and shuffle put many notes at 2/3
// of the beat, ragtime its right hand between the beats, but kick and bass stay on it.
// The bars: after the beat shift, the weight of the note-ons within 1/8 beat of each beat of
// the bar (kick 3, bass 2, chord starts, three or more pitched notes at one tick, 2); another
// beat of the bar than the first must hold BAR_RATIO times the first's weight, BAR_RUNNER_UP
// times that of every other beat and BAR_MIN_SHARE of the weight of all beats of the bar to
// rotate the downbeats onto it (only in a piece of one meter with a time signature).
const PHASE_BINS = 48;
const PHASE_MIN_SHIFT = 0.1;
const PHASE_RATIO = 2;
const PHASE_MIN_SHARE = 0.2;
const BAR_RATIO = 2;
const BAR_MIN_SHARE = 0.4;
const BAR_RUNNER_UP = 1.25;
const beatWeight = (n) => {
  if (n.channel === DRUMS) {
    if (n.pitch === 35 || n.pitch === 36) return 3;
    if (n.pitch === 38 || n.pitch === 40 || n.pitch === 39) return 2;
    return 1;
  }
  return n.pitch < 52 ? 2 : 1;
};

// The position of a tick on the grid, in beats (beat index + fraction).
function gridPos(all, tick) {
  let lo = 0, hi = all.length - 1;
  if (tick < all[0].tick) return (tick - all[0].tick) / all[0].beatTicks;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (all[mid].tick <= tick) lo = mid; else hi = mid - 1;
  }
  return lo + (tick - all[lo].tick) / all[lo].beatTicks;
}

function gridPhase(m, all, endTick) {
  const notes = m.notes.filter((n) => n.on < endTick);
  const hist = new Array(PHASE_BINS).fill(0);
  for (const n of notes) {
    const pos = gridPos(all, n.on);
    const frac = pos - Math.floor(pos);
    hist[Math.round(frac * PHASE_BINS) % PHASE_BINS] += beatWeight(n);
  }
  const total = hist.reduce((a, b) => a + b, 0);
  const smooth = hist.map((_, i) => hist[(i + PHASE_BINS - 1) % PHASE_BINS] + hist[i] + hist[(i + 1) % PHASE_BINS]);
  let peak = 0;
  for (let i = 1; i < PHASE_BINS; ++i) if (smooth[i] > smooth[peak]) peak = i;
  // The peak's place: the weighted mean of its three bins, in beats, in (-0.5, 0.5] (a peak
  // half a beat away is taken as later), to the thousandth.
  let centre = 0;
  for (let j = -1; j <= 1; ++j) centre += j * hist[(peak + j + PHASE_BINS) % PHASE_BINS];
  centre = smooth[peak] > 0 ? peak + centre / smooth[peak] : peak;
  let phase = r3((((centre / PHASE_BINS) % 1) + 1) % 1);
  if (phase > 0.5) phase = r3(phase - 1);
  const at0 = smooth[0];
  const atPeak = smooth[peak];
  const shift = Math.abs(phase) > PHASE_MIN_SHIFT && atPeak >= PHASE_RATIO * at0 && atPeak >= PHASE_MIN_SHARE * total ? phase : 0;

  // Bars, on the shifted grid.
  const perBars = new Set(all.map((b) => b.perBar));
  let barShift = 0;
  let barWeights = null;
  if (m.hasTimeSignature && perBars.size === 1) {
    const perBar = all[0].perBar;
    barWeights = new Array(perBar).fill(0);
    const pitchedAt = new Map();
    for (const n of notes) if (n.channel !== DRUMS) pitchedAt.set(n.on, (pitchedAt.get(n.on) || 0) + 1);
    const add = (tick, w) => {
      const pos = gridPos(all, tick) - shift;
      const r = Math.round(pos);
      if (r < 0 || r >= all.length || Math.abs(pos - r) > 0.125) return;
      barWeights[all[r].inBar] += w;
    };
    for (const n of notes) {
      if (n.channel === DRUMS ? n.pitch === 35 || n.pitch === 36 : n.pitch < 52) add(n.on, n.channel === DRUMS ? 3 : 2);
    }
    for (const [tick, count] of pitchedAt) if (count >= 3) add(tick, 2);
    const barTotal = barWeights.reduce((a, b) => a + b, 0);
    let best = 0;
    for (let i = 1; i < perBar; ++i) if (barWeights[i] > barWeights[best]) best = i;
    const runnerUp = Math.max(...barWeights.filter((_, i) => i !== best));
    if (best !== 0 && barWeights[best] >= BAR_RATIO * barWeights[0] && barWeights[best] >= BAR_MIN_SHARE * barTotal
      && barWeights[best] >= BAR_RUNNER_UP * runnerUp) barShift = best;
  }
  const evidence = {
    bins: PHASE_BINS,
    total: r3(total),
    weight_at_0: r3(at0),
    peak_phase: r3(phase),
    weight_at_peak: r3(atPeak),
  };
  if (barWeights) evidence.bar_beat_weights = barWeights.map(r3);
  return { shift, barShift, evidence, hist };
}

// --- truth -----------------------------------------------------------------------------------
function truthOf(m) {
  const notes = m.notes;
  if (!notes.length) return { skip: 'no notes' };
  const firstTick = notes[0].on;
  const lastOff = Math.max(...notes.map((n) => n.off));
  const musicEnd = m.seconds(lastOff);

  // The whole grid, one bar past the music.
  const all = grid(m, lastOff + 8 * m.tpq).map((b) => ({ ...b, sec: m.seconds(b.tick) }));
  let cutTick = null;
  let cutSec = null;
  if (musicEnd > cap) {
    const bars = all.filter((b) => b.downbeat && b.sec <= cap + 1e-9 && b.tick > firstTick);
    if (!bars.length) return { skip: `no bar line before ${cap} s` };
    cutTick = bars[bars.length - 1].tick;
    cutSec = bars[bars.length - 1].sec;
  }
  const endTick = cutTick ?? lastOff;
  // The audio: to the cut, else the music and TAIL seconds of its dying away (at most cap).
  const audioEnd = cutSec ?? Math.min(cap, musicEnd + TAIL);
  const stopTick = cutTick ?? Math.ceil(m.tickAt(audioEnd));

  // The grid moved onto the notes where they sit off it (see gridPhase): every beat shifted by
  // the same fraction of its own length (its local tempo), the bars rotated by whole beats.
  const phase = gridPhase(m, all, endTick);
  const placed = phase.shift === 0 && phase.barShift === 0 ? all : all.map((b) => {
    const tick = b.tick + phase.shift * b.beatTicks;
    return { ...b, tick, sec: m.seconds(tick), downbeat: b.inBar === phase.barShift };
  });

  // Beats where music plays: from the first note-on (a quarter of a beat early still counts)
  // to one beat after the last note-off, and before the cut.
  const beats = placed.filter((b) => b.tick >= 0 && b.tick >= firstTick - b.beatTicks / 4 && b.tick <= lastOff + b.beatTicks && (cutTick === null || b.tick < cutTick));
  if (beats.length < MIN_BEATS) return { skip: `${beats.length} beats` };
  if (beats.filter((b) => b.irregular).length * 2 > beats.length) return { skip: 'odd meter without an even beat' };
  const playedSec = (cutSec ?? musicEnd) - m.seconds(firstTick);
  if (playedSec < MIN_SECONDS) return { skip: `${r3(playedSec)} s of music` };

  // Meter: the beats-a-bar that most beats are in.
  const count = new Map();
  for (const b of beats) count.set(b.perBar, (count.get(b.perBar) || 0) + 1);
  const meter = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];

  // Tempo over the span of the beats (to the cut, or one beat past the last one).
  const spanEnd = cutTick ?? beats[beats.length - 1].tick + beats[beats.length - 1].beatTicks;
  const pieces = tempoPieces(m, beats, beats[0].tick, spanEnd);
  const median = weightedMedian(pieces.map((p) => ({ value: p.bpm, weight: p.end - p.start })));
  const constant = pieces.every((p) => Math.abs(p.bpm / median - 1) <= 0.02);
  // Without a time signature in the file, 4/4 from tick 0 is only the default: the beats hold
  // (quarter notes), but the bars are unknown (some files start a beat or two before bar 1).
  const truth = {
    bpm: r3(median),
    constant_tempo: constant,
    meter: m.hasTimeSignature ? meter : null,
    beats: beats.map((b) => r6(b.sec)),
    downbeats: m.hasTimeSignature ? beats.filter((b) => b.downbeat).map((b) => r6(b.sec)) : [],
  };
  if (!constant) {
    const segs = [];
    for (const p of pieces) {
      const bpm = r3(p.bpm);
      if (!segs.length || segs[segs.length - 1].bpm !== bpm) segs.push({ start: r6(p.start), bpm });
    }
    truth.tempo_segments = segs;
  }
  const key = findKey(m, endTick);
  return { truth, key, phase, cutTick, cutSec, endTick, stopTick, audioEnd };
}

// --- rendering -------------------------------------------------------------------------------
// The MIDI to render: events past endTick dropped (notes still sounding there are released
// on it), all sound off at stopTick (FluidSynth renders until its last voice has died away:
// this ends the file there), and with a re-voicing every melodic channel's program set to one.
function renderMidi(m, endTick, stopTick, voicing) {
  const tracks = m.tracks.map((tr, ti) => {
    const kept = [];
    const sounding = new Map();
    for (const e of tr) {
      if (e.type === 'endOfTrack') continue;
      if (e.tick > endTick || (e.tick === endTick && e.type === 'noteOn')) continue;
      if (voicing && e.channel !== undefined && e.channel !== DRUMS) {
        if (e.type === 'programChange') { kept.push({ ...e, programNumber: voicing.program }); continue; }
        if (e.type === 'controller' && (e.controllerType === 0 || e.controllerType === 32)) continue;  // bank select
      }
      if (e.type === 'noteOn') sounding.set(e.channel * 128 + e.noteNumber, (sounding.get(e.channel * 128 + e.noteNumber) || 0) + 1);
      if (e.type === 'noteOff') {
        const k = e.channel * 128 + e.noteNumber;
        if (sounding.get(k) > 0) sounding.set(k, sounding.get(k) - 1);
      }
      kept.push(e);
    }
    for (const [k, n] of [...sounding].sort((a, b) => a[0] - b[0])) {
      for (let i = 0; i < n; ++i) kept.push({ tick: endTick, type: 'noteOff', channel: Math.floor(k / 128), noteNumber: k % 128, velocity: 0 });
    }
    if (ti === 0) {
      for (let channel = 0; channel < 16; ++channel) kept.push({ tick: stopTick, type: 'controller', channel, controllerType: 120, value: 0 });
    }
    if (voicing && ti === 0) {
      // Channels that never change program play program 0: give every melodic channel its program.
      const used = [...new Set(m.notes.filter((n) => n.channel !== DRUMS).map((n) => n.channel))].sort((a, b) => a - b);
      kept.unshift(...used.map((channel) => ({ tick: 0, type: 'programChange', channel, programNumber: voicing.program })));
    }
    kept.push({ tick: Math.max(stopTick, kept.length ? kept[kept.length - 1].tick : 0), meta: true, type: 'endOfTrack' });
    let prev = 0;
    return kept.map(({ tick, ...e }) => {
      const d = Math.max(0, Math.round(tick - prev));
      prev += d;
      return { ...e, deltaTime: d };
    });
  });
  return Buffer.from(writeMidi({ header: { ...m.midi.header, numTracks: tracks.length }, tracks }, { useByte9ForNoteOff: false }));
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} failed: ${(r.error?.message || r.stderr || '').trim().split('\n').pop()}`);
  }
  return r.stdout;
}

function wavSeconds(file) {
  const s = run('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration_ts,sample_rate', '-of', 'json', file]);
  const st = JSON.parse(s).streams[0];
  return st.duration_ts / Number(st.sample_rate);
}

// --- main ------------------------------------------------------------------------------------
const pieces = [];
for (const src of SOURCES) {
  if (!existsSync(src.dir)) {
    process.stderr.write(`midi-corpus: ${src.dir}: missing (package ${src.pkg}), skipped\n`);
    continue;
  }
  for (const f of readdirSync(src.dir).filter((f) => /\.midi?$/i.test(f)).sort()) {
    const piece = `${src.tag}/${f.replace(/\.midi?$/i, '')}`;
    if (!only || only.test(piece)) pieces.push({ src, file: join(src.dir, f), piece });
  }
}
if (!pieces.length && only) fail(66, `no piece matches ${only}`);
if (!pieces.length) fail(66, `no MIDI files found (packages ${SOURCES.map((s) => s.pkg).join(', ')})`);

const safe = (s) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
const work = mkdtempSync(join(tmpdir(), 'midi-corpus-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const stats = { pieces: 0, renderings: 0, made: 0, rewritten: 0, skipped: 0, keys: 0, failed: 0 };
let index = 0;
for (const p of pieces) {
  ++index;
  let m, t;
  try {
    m = load(p.file);
    t = truthOf(m);
  } catch (err) {
    process.stderr.write(`midi-corpus: ${p.file}: ${err.message || err}\n`);
    ++stats.failed;
    continue;
  }
  if (t.skip) {
    process.stderr.write(`midi-corpus: [${index}/${pieces.length}] ${p.piece}: skipped (${t.skip})\n`);
    ++stats.skipped;
    continue;
  }
  ++stats.pieces;
  if (t.key.key) ++stats.keys;
  const crc = cksum(p.piece);
  const half = crc % 2 === 1 ? 'held-out' : 'tuning';
  if (t.phase.shift !== 0 || t.phase.barShift !== 0) {
    process.stderr.write(`midi-corpus: ${p.piece}: notes off the file's grid: beats shifted by ${t.phase.shift} beat, `
      + `downbeats by ${t.phase.barShift} beats (${JSON.stringify(t.phase.evidence)})\n`);
  }
  if (list) {
    const { beats, downbeats, ...rest } = t.truth;
    process.stdout.write(JSON.stringify({ piece: p.piece, crc, half, ...rest, beats: beats.length, first_beat: beats[0],
      downbeats: downbeats.length, cut: t.cutSec, key: t.key.key, key_evidence: t.key.evidence,
      grid_shift_beats: t.phase.shift, bar_shift_beats: t.phase.barShift, grid_evidence: t.phase.evidence }) + '\n');
    continue;
  }

  // The re-voicing: one of the families the piece does not mostly play already, by its CRC.
  const famSeconds = new Map();
  const progOf = new Map();
  for (const e of m.programs) if (e.tick === 0 || !progOf.has(e.channel)) progOf.set(e.channel, e.programNumber);
  for (const n of m.notes) {
    if (n.channel === DRUMS) continue;
    const fam = Math.floor((progOf.get(n.channel) ?? 0) / 8);
    famSeconds.set(fam, (famSeconds.get(fam) || 0) + (n.off - n.on));
  }
  const mainFamily = [...famSeconds].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  const choices = VOICINGS.filter((v) => v.family !== mainFamily);
  const revoice = choices[Math.floor(crc / 2) % choices.length];

  for (const voicing of [null, revoice]) {
    const vname = voicing ? voicing.name : 'original';
    const name = safe(`${p.src.tag}-${p.piece.slice(p.src.tag.length + 1)}-${vname}`);
    const wav = join(out, `${name}.wav`);
    const truthFile = join(out, `${name}.truth.json`);
    ++stats.renderings;
    if (truthOnly) {  // the truth of an existing rendering, rewritten (its audio is kept)
      if (!existsSync(wav)) continue;
      try {
        const truth = truthFor(p, t, vname, half, voicing, wavSeconds(wav));
        writeFileSync(`${truthFile}.tmp`, JSON.stringify(truth) + '\n');
        renameSync(`${truthFile}.tmp`, truthFile);
        ++stats.rewritten;
      } catch (err) {
        process.stderr.write(`midi-corpus: ${name}: ${err.message || err}\n`);
        ++stats.failed;
      }
      continue;
    }
    if (existsSync(truthFile) && existsSync(wav)) continue;
    const started = Date.now();
    try {
      const mid = join(work, 'in.mid');
      const raw = join(work, 'raw.wav');
      const tmpWav = join(out, `${name}.tmp.wav`);
      writeFileSync(mid, renderMidi(m, t.endTick, t.stopTick, voicing));
      run('fluidsynth', ['-q', '-ni', '-f', '/dev/null', '-o', 'synth.dynamic-sample-loading=1', '-g', '0.6',
        '-r', String(RATE), '-F', raw, soundfont, mid]);
      const rendered = wavSeconds(raw);
      const filters = [];
      let duration;
      if (t.cutSec !== null) {  // cut on a bar line, with a short fade-out ending there
        duration = t.cutSec;
        if (rendered < duration) filters.push(`apad=whole_dur=${r6(duration)}`);
        filters.push(`afade=t=out:st=${r6(duration - FADE)}:d=${FADE}`);
      } else {  // the whole piece and its dying away, faded out over the last half second
        duration = Math.min(t.audioEnd, rendered);
        if (rendered > t.audioEnd - 0.5) filters.push(`afade=t=out:st=${r6(duration - 0.5)}:d=0.5`);
      }
      const samples = Math.round(duration * RATE);
      filters.push(`atrim=end_sample=${samples}`);
      run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', raw, '-af', filters.join(','), '-ar', String(RATE),
        '-c:a', 'pcm_s16le', '-fflags', '+bitexact', '-flags:a', '+bitexact', '-f', 'wav', tmpWav]);
      duration = samples / RATE;
      const truth = truthFor(p, t, vname, half, voicing, duration);
      renameSync(tmpWav, wav);
      writeFileSync(`${truthFile}.tmp`, JSON.stringify(truth) + '\n');
      renameSync(`${truthFile}.tmp`, truthFile);
      ++stats.made;
      process.stderr.write(`midi-corpus: [${index}/${pieces.length}] ${name}: ${r3(duration)} s, ${truth.beats.length} beats, `
        + `${truth.bpm} BPM${truth.constant_tempo ? '' : ' (varies)'}, ${truth.meter ?? '?'}/bar, key ${truth.key ?? '-'} `
        + `(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (err) {
      process.stderr.write(`midi-corpus: ${name}: ${err.message || err}\n`);
      ++stats.failed;
    }
  }
}
process.stderr.write(`midi-corpus: ${stats.pieces} pieces (${stats.skipped} skipped), ${stats.renderings} renderings `
  + `(${stats.made} made now${truthOnly ? `, ${stats.rewritten} truths rewritten` : ''}), ${stats.keys} pieces with a key, `
  + `${stats.failed} failures, in ${out}\n`);
process.exit(stats.failed ? 1 : 0);

// The truth of one rendering of duration seconds.
function truthFor(p, t, vname, half, voicing, duration) {
      const truth = {
        schema: 'eval.truth/1',
        corpus: 'midi',
        piece: p.piece,
        voicing: vname,
        half,
        bpm: t.truth.bpm,
        constant_tempo: t.truth.constant_tempo,
        meter: t.truth.meter,
        beats: t.truth.beats.filter((b) => b < duration),
        downbeats: t.truth.downbeats.filter((b) => b < duration),
        key: t.key.key,
        duration: r6(duration),
        source: `${p.src.pkg}: ${basename(p.file)}`,
      };
      if (t.truth.tempo_segments) truth.tempo_segments = t.truth.tempo_segments.filter((s) => s.start < duration);
      truth.key_evidence = t.key.evidence;
      if (voicing) truth.program = voicing.program;
      // The grid's phase check (see gridPhase): 0 and 0 where the notes sit on the file's grid.
      truth.grid_shift_beats = t.phase.shift;
      if (t.truth.meter !== null) truth.bar_shift_beats = t.phase.barShift;
      truth.grid_evidence = t.phase.evidence;
      return truth;
}
