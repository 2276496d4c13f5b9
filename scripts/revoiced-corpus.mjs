// revoiced-corpus: songs with a known key, tempo, beat grid and form, written as General MIDI
// and rendered by FluidSynth through a sampled-instrument soundfont. They mirror the song form
// of tests/synth (intro / verse / chorus / breakdown / outro, 80-175 BPM) but are played on
// real instrument samples, whose overtones the synthesizer's pure tones do not have.
//
// 48 songs, 60-100 s each: every one of the 24 keys twice (once in each half of the
// evaluation), half major and half minor (natural, harmonic and dorian minor), 4-chord loops
// that often start off the tonic, inverted and open/close voicings, a bass line, a melody in
// the key's scale, GM drums in several grooves, four songs in 3/4. Each song is
// DIR/NAME.wav + DIR/NAME.truth.json (schema eval.truth/1), NAME = revoiced-<piece>-<voicing>.
// Existing songs are skipped; the same command makes the same files (seeded PRNG).
//
// Usage: node scripts/revoiced-corpus.mjs [--soundfont SF2] [--only PIECE,...] [--keep-midi MDIR] DIR
//        node scripts/revoiced-corpus.mjs [--soundfont SF2] --check-alignment PIECE,...
// --check-alignment renders only the drums of the given pieces and measures, for every
// kick or snare on a truth beat, how far the audible onset lies from the beat.
// Exit codes: 64 usage, 69 a tool or the soundfont missing, 70 a render failed.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import {
  readFileSync, writeFileSync, mkdirSync, existsSync, renameSync, rmSync, mkdtempSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'tests', 'js', 'package.json'));

const prog = 'revoiced-corpus';
const cleanup = [];
process.on('exit', () => { for (const p of cleanup) rmSync(p, { recursive: true, force: true }); });
function die(code, msg) {
  process.stderr.write(`${prog}: ${msg}\n`);
  process.exit(code);
}

let writeMidi;
try {
  ({ writeMidi } = require('midi-file'));
} catch {
  die(69, 'npm package midi-file not found (npm install in tests/js)');
}

// ---------------------------------------------------------------------------------------------
// Command line

const args = process.argv.slice(2);
let soundfont = process.env.SOUNDFONT || '/usr/share/sounds/sf2/FluidR3_GM.sf2';
let only = null;
let check = null;
let keepMidi = null;
const pos = [];
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  if (a === '--soundfont' && i + 1 < args.length) soundfont = args[++i];
  else if (a === '--only' && i + 1 < args.length) only = new Set(args[++i].split(','));
  else if (a === '--keep-midi' && i + 1 < args.length) keepMidi = args[++i];
  else if (a === '--check-alignment' && i + 1 < args.length) check = args[++i].split(',');
  else if (a.startsWith('-')) die(64, `unknown option ${a}`);
  else pos.push(a);
}
if ((check === null && pos.length !== 1) || (check !== null && pos.length !== 0))
  die(64, 'usage: revoiced-corpus.mjs [--soundfont SF2] [--only PIECE,...] [--keep-midi MDIR] DIR | --check-alignment PIECE,...');
if (!existsSync(soundfont)) die(69, `${soundfont}: soundfont not found (scripts/install-eval-deps)`);
if (spawnSync('fluidsynth', ['--version'], { stdio: 'ignore' }).status !== 0)
  die(69, 'fluidsynth not found (scripts/install-eval-deps)');

// ---------------------------------------------------------------------------------------------
// Deterministic helpers

// POSIX cksum (CRC-32/CKSUM over the bytes, then the length), as `printf %s X | cksum`.
function cksum(s) {
  const bytes = Buffer.from(s, 'utf8');
  let crc = 0;
  const step = (b) => {
    crc ^= b << 24;
    for (let k = 0; k < 8; ++k) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  };
  for (const b of bytes) step(b);
  for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff);
  return (~crc) >>> 0;
}

function hashString(s) {  // FNV-1a, 32 bit
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; ++i) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function makeRng(seed) {  // mulberry32, the seed scrambled first (near seeds, unrelated streams)
  let a = seed >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> 0;
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35) >>> 0;
  a = (a ^ (a >>> 16)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),  // inclusive
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

const round6 = (x) => Math.round(x * 1e6) / 1e6;
const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
const near = (pc, ref) => ref + ((((pc - ref) % 12) + 18) % 12) - 6;  // pitch class pc near ref

// ---------------------------------------------------------------------------------------------
// Music tables

const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const NATURAL = [0, 2, 3, 5, 7, 8, 10];
const DORIAN = [0, 2, 3, 5, 7, 9, 10];

// 4-chord loops by mode. Every loop holds the tonic chord; many do not start on it.
const LOOPS = {
  major: ['I-V-vi-IV', 'vi-IV-I-V', 'IV-V-vi-I', 'ii-V-I-vi', 'I-vi-IV-V', 'IV-I-V-vi',
    'I-IV-vi-V', 'V-vi-IV-I', 'vi-ii-V-I', 'I-iii-IV-V'],
  natural: ['i-VI-III-VII', 'VI-VII-i-i', 'i-iv-v-i', 'i-VII-VI-VII', 'iv-VI-VII-i',
    'i-III-VII-VI', 'VI-III-VII-i'],
  harmonic: ['iv-i-V-i', 'i-iv-V-i', 'i-VI-iv-V', 'VI-iv-V-i', 'i-VII-VI-V'],
  dorian: ['i-IV-i-VII', 'i-VII-IV-i', 'i-ii-IV-i', 'VII-IV-i-i', 'i-IV-VII-i'],
};
const DETAIL = { major: 'major', natural: 'natural minor', harmonic: 'harmonic minor', dorian: 'dorian' };
const ROMAN = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii'];

// A chord: root degree (0-6) and whether it is major; its tones are degrees r, r+2, r+4 of the
// scale that sounds over it (harmonic minor raises the 7th over V only).
function parseChord(sym) {
  const deg = ROMAN.indexOf(sym.toLowerCase());
  if (deg < 0) throw new Error(`bad chord ${sym}`);
  return { sym, deg, major: sym !== sym.toLowerCase() };
}
function scaleOver(detail, chord) {
  if (detail === 'major') return MAJOR;
  if (detail === 'dorian') return DORIAN;
  if (detail === 'harmonic' && chord.deg === 4 && chord.major) return [0, 2, 3, 5, 7, 8, 11];
  return NATURAL;
}
// Pitch (relative to the tonic's octave 0) of scale degree d (any integer) over a chord.
function degreePitch(scale, d) {
  const o = Math.floor(d / 7);
  return 12 * o + scale[((d % 7) + 7) % 7];
}
function chordPcs(detail, chord, tonic) {
  const s = scaleOver(detail, chord);
  return [0, 2, 4].map((k) => (tonic + degreePitch(s, chord.deg + k)) % 12);
}

// Instruments (GM programs, 0-based).
const HARMONY = [
  { voicing: 'piano', choices: [[0, 'acoustic grand piano']], style: 'keys', lo: 52, hi: 74 },
  { voicing: 'epiano', choices: [[4, 'electric piano 1'], [5, 'electric piano 2']], style: 'keys', lo: 52, hi: 74 },
  { voicing: 'guitar', choices: [[24, 'nylon guitar'], [25, 'steel guitar']], style: 'strum', lo: 45, hi: 69 },
  { voicing: 'organ', choices: [[16, 'drawbar organ']], style: 'sustain', lo: 53, hi: 76 },
  { voicing: 'strings', choices: [[48, 'string ensemble']], style: 'sustain', lo: 50, hi: 79 },
  { voicing: 'pad', choices: [[89, 'warm pad']], style: 'pad', lo: 53, hi: 76 },
];
const BASSES = [[33, 'fingered bass'], [34, 'picked bass'], [38, 'synth bass'], [32, 'acoustic bass']];
const LEADS = [
  [73, 'flute', 79], [65, 'alto sax', 67], [56, 'trumpet', 70], [0, 'piano', 76],
  [80, 'square lead', 74], [71, 'clarinet', 70], [11, 'vibraphone', 76],
];

// Drums (GM percussion keys).
const KICK = 36, SNARE = 38, STICK = 37, CLAP = 39, HAT = 42, PEDAL = 44, OPEN = 46,
  CRASH = 49, RIDE = 51, TOM_LO = 45, TOM_MID = 47, TOM_HI = 50;

// Tempi: 80-175 BPM, non-integer ones and the awkward ones included. Eight-step fractions keep
// the MIDI tempo (integer microseconds per beat) within a microsecond of the figure.
const TEMPI = [80, 82.5, 84, 86, 87.5, 89, 90, 91.5, 93, 95, 96.5, 98, 100, 101.25, 102, 104,
  106, 108, 109.5, 111, 112, 114, 116, 118, 119.75, 120, 122, 123.5, 126, 127.5, 128, 130,
  132, 134, 136.5, 138, 140, 142, 145, 147.5, 150, 154, 158, 162, 166.5, 170, 174, 175];

// Forms (label, bars), in the manner of tests/synth's song mode.
const FORMS = [
  [['intro', 4], ['verse', 8], ['chorus', 8], ['outro', 4]],
  [['intro', 4], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8]],
  [['intro', 2], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8], ['outro', 2]],
  [['intro', 4], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8], ['outro', 4]],
  [['intro', 4], ['verse', 8], ['chorus', 8], ['verse', 8], ['chorus', 8], ['outro', 4]],
  [['intro', 4], ['verse', 8], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8], ['outro', 4]],
  [['intro', 8], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8], ['chorus', 8], ['outro', 4]],
  [['intro', 4], ['verse', 8], ['chorus', 8], ['verse', 8], ['chorus', 8], ['breakdown', 4], ['chorus', 8], ['outro', 4]],
  [['intro', 4], ['verse', 8], ['chorus', 8], ['verse', 8], ['chorus', 8], ['breakdown', 8], ['chorus', 8], ['chorus', 8], ['outro', 4]],
];

const TPB = 960;  // ticks per beat
const LEAD_IN = 0.5;  // seconds of silence before the first beat
const TAIL = 1.0;  // seconds of MIDI after the last bar (FluidSynth renders the release on)

// ---------------------------------------------------------------------------------------------
// The plan: which song gets which key, tempo, meter, instrument. Balanced within each half.

function planSongs() {
  const pieces = [];
  for (let i = 1; i <= 48; ++i) {
    const piece = `song-${String(i).padStart(2, '0')}`;
    pieces.push({ piece, half: cksum(piece) % 2 ? 'held-out' : 'tuning' });
  }
  const songs = [];
  for (const [h, half] of ['tuning', 'held-out'].entries()) {
    const mine = pieces.filter((p) => p.half === half);
    let minorCount = 0;
    const loopCount = { major: 0, natural: 0, harmonic: 0, dorian: 0 };
    mine.forEach((p, j) => {
      const minor = (j + h) % 2 === 1;
      const m = Math.floor(j / 2);  // 0..(n/2 - 1): each tonic once per half and mode
      const tonic = minor ? (m * 5 + 9 + h * 4) % 12 : (m * 7 + h * 3) % 12;
      const detail = minor ? ['natural', 'harmonic', 'dorian'][(minorCount++ + h) % 3] : 'major';
      const harmony = HARMONY[(m + 3 * h) % 6];
      const pool = LOOPS[detail];
      const loop = pool[(loopCount[detail]++ + 4 * h) % pool.length];  // the chorus loop, in turn
      const tempo = TEMPI[2 * ((j * 7 + 3 * h) % mine.length) + h];
      const meter = j === 5 || j === 16 ? 3 : 4;
      songs.push({ ...p, minor, tonic, detail, harmony, tempo, meter, loop, index: j });
    });
  }
  songs.sort((a, b) => a.piece.localeCompare(b.piece));
  return songs;
}

// ---------------------------------------------------------------------------------------------
// Composition

function composeSong(spec) {
  const rng = makeRng(hashString(`revoiced:${spec.piece}`));
  const { tonic, detail, meter } = spec;
  const uspb = Math.round(60e6 / spec.tempo);
  const spb = uspb / 1e6;
  const barTicks = meter * TPB;
  const leadTicks = Math.round((LEAD_IN / spb) * TPB);

  // Form: the one nearest a target length among those 60-100 s long.
  const target = 62 + rng.next() * 28;
  const lengthOf = (form) => LEAD_IN + form.reduce((s, [, b]) => s + b, 0) * meter * spb + TAIL;
  const fits = FORMS.filter((f) => lengthOf(f) >= 59 && lengthOf(f) <= 93);
  if (fits.length === 0) throw new Error(`no form fits ${spec.tempo} BPM in ${meter}/4`);
  fits.sort((a, b) => Math.abs(lengthOf(a) - target) - Math.abs(lengthOf(b) - target));
  const form = fits[0];

  // Loops: the chorus loop, and for about a third of the songs another verse loop.
  const pool = LOOPS[detail];
  const chorusLoop = spec.loop;
  let verseLoop = chorusLoop;
  if (rng.chance(0.4)) verseLoop = rng.pick(pool.filter((l) => l !== chorusLoop));
  const loops = { chorus: chorusLoop, verse: verseLoop };
  const parseLoop = (l) => l.split('-').map(parseChord);

  const [harmProg, harmName] = rng.pick(spec.harmony.choices);
  const [bassProg, bassName] = rng.pick(BASSES);
  let lead = rng.pick(LEADS);
  if (lead[1] === 'piano' && spec.harmony.voicing === 'piano') lead = LEADS[6];
  const [leadProg, leadName, leadCenter] = lead;

  const groove = meter === 3 ? 'waltz' : ['rock', 'four-on-the-floor', 'half-time', 'shuffle'][
    (spec.index + (spec.half === 'tuning' ? 0 : 2)) % 4];
  const introDrums = rng.pick(['none', 'none', 'hats', 'soft']);
  const breakdownDrums = rng.pick(['none', 'hats', 'stick']);
  const bassStyle = meter === 3 ? 'waltz'
    : groove === 'four-on-the-floor' ? rng.pick(['octaves', 'eighths'])
    : rng.pick(['root-fifth', 'eighths', 'syncopated', 'halves']);
  const spread = { verse: rng.pick(['close', 'open']), chorus: rng.pick(['open', 'close', 'open']) };
  const breakdownMelody = rng.chance(0.5);

  const ev = { harm: [], bass: [], lead: [], drums: [] };
  const note = (track, ch, tick, dur, pitch, vel) => {
    ev[track].push({ tick, type: 'on', ch, pitch, vel: clamp(Math.round(vel), 1, 127) });
    ev[track].push({ tick: tick + Math.max(1, dur), type: 'off', ch, pitch });
  };
  const hum = (v, spreadV = 6) => v + rng.int(-spreadV, spreadV);

  // Voicing: chord tones placed in [lo, hi], the inversion nearest the previous voicing.
  let prevVoicing = null;
  function voice(pcs, kind) {
    const { lo, hi } = spec.harmony;
    const cands = [];
    for (let inv = 0; inv < 3; ++inv) {
      const order = [pcs[inv], pcs[(inv + 1) % 3], pcs[(inv + 2) % 3]];
      for (let base = lo - 12; base <= hi; base += 12) {
        let p = base + ((order[0] - base) % 12 + 12) % 12;
        const v = [p];
        for (let k = 1; k < 3; ++k) {
          p += ((order[k] - p) % 12 + 12) % 12 || 12;
          v.push(p);
        }
        v.push(v[0] + 12);  // four voices: the bottom tone doubled on top
        let chord = v;
        if (kind === 'open') chord = [v[2] - 12, v[0], v[1], v[3]];  // drop 2
        if (spec.harmony.style === 'strum') chord = [v[0] - 12, v[2] - 12, v[0], v[1], v[2]];
        if (chord[0] >= lo && chord[chord.length - 1] <= hi + 5) cands.push(chord);
      }
    }
    const center = (spec.harmony.lo + spec.harmony.hi) / 2;
    if (cands.length === 0) {  // cannot happen with the ranges above; a safe fallback
      const root = spec.harmony.lo + ((pcs[0] - spec.harmony.lo) % 12 + 12) % 12;
      cands.push([root, root + ((pcs[1] - pcs[0] + 12) % 12), root + ((pcs[2] - pcs[0] + 12) % 12)]);
    }
    let best = null, bestCost = Infinity;
    for (const c of cands) {
      const mean = c.reduce((s, x) => s + x, 0) / c.length;
      let cost = prevVoicing
        ? Math.abs(mean - prevVoicing.reduce((s, x) => s + x, 0) / prevVoicing.length) * 1.5 +
          Math.abs(c[c.length - 1] - prevVoicing[prevVoicing.length - 1])
        : Math.abs(mean - center);
      cost += Math.abs(mean - center) * 0.3 + rng.next() * 1.5;
      if (cost < bestCost) { bestCost = cost; best = c; }
    }
    prevVoicing = best;
    return best;
  }

  // Harmony rhythm: [onset, length] in eighths within the bar.
  function harmRhythm(label) {
    const sustained = label === 'intro' || label === 'breakdown';
    const style = spec.harmony.style;
    if (meter === 3) {
      if (sustained || style === 'pad' || style === 'sustain') return [[0, 6]];
      return style === 'strum' ? [[0, 2], [2, 2], [4, 2]] : [[0, 2], [2, 2], [4, 2]];
    }
    if (style === 'pad' || sustained) return [[0, 8]];
    if (style === 'sustain') return label === 'chorus' ? [[0, 5], [5, 3]] : [[0, 8]];
    if (style === 'strum')
      return label === 'chorus' ? [[0, 2], [2, 1], [3, 2], [5, 1], [6, 2]] : [[0, 3], [3, 3], [6, 2]];
    return label === 'chorus' ? [[0, 3], [3, 2], [5, 3]] : [[0, 4], [4, 4]];
  }

  // Melody: a 4-bar phrase per section label, in scale degrees, chord tones on strong beats.
  const RHYTHMS4 = {
    verse: [[[0, 2], [2, 2], [4, 3]], [[0, 3], [3, 1], [4, 4]], [[0, 4], [4, 2], [6, 2]],
      [[1, 1], [2, 2], [4, 4]], [[0, 2], [3, 1], [4, 4]]],
    chorus: [[[0, 1], [1, 1], [2, 2], [4, 2], [6, 2]], [[0, 2], [2, 1], [3, 1], [4, 3], [7, 1]],
      [[0, 2], [3, 1], [4, 2], [6, 1], [7, 1]], [[0, 3], [3, 1], [4, 2], [6, 2]]],
    breakdown: [[[0, 8]], [[0, 4], [4, 4]]],
  };
  const RHYTHMS3 = {
    verse: [[[0, 2], [2, 2], [4, 2]], [[0, 4], [4, 2]], [[0, 3], [3, 1], [4, 2]]],
    chorus: [[[0, 1], [1, 1], [2, 2], [4, 2]], [[0, 2], [2, 1], [3, 1], [4, 2]], [[0, 3], [3, 1], [4, 2]]],
    breakdown: [[[0, 6]]],
  };
  const leadRef = near(tonic, leadCenter - 6);  // the melody's tonic
  const phrases = {};
  function phrase(label, loop) {
    if (phrases[label]) return phrases[label];
    const table = (meter === 3 ? RHYTHMS3 : RHYTHMS4)[label];
    const lift = label === 'chorus' ? rng.int(1, 3) : 0;
    let d = lift + rng.pick([0, 2, 4]);
    const bars = [];
    for (let b = 0; b < 4; ++b) {
      let rhythm = rng.pick(table);
      if (b === 3) rhythm = meter === 3 ? [[0, 6]] : rng.pick([[[0, 6]], [[0, 2], [2, 6]], [[0, 4], [4, 4]]]);
      const chord = loop[b];
      const notes = [];
      for (const [on, len] of rhythm) {
        const strong = on === 0 || (meter === 4 && on === 4) || len >= 3;
        if (strong || b === 3) {
          // nearest chord tone, leaning up or down at random
          const dir = rng.chance(0.5) ? 1 : -1;
          let bestD = d, bestCost = Infinity;
          for (let c = d - 5; c <= d + 5; ++c) {
            if ((((c - chord.deg) % 7) + 7) % 7 % 2 !== 0 || (((c - chord.deg) % 7) + 7) % 7 === 6) continue;
            const cost = Math.abs(c - d) + (Math.sign(c - d) === dir ? 0 : 0.6) + Math.abs(c - lift - 2) * 0.15;
            if (cost < bestCost) { bestCost = cost; bestD = c; }
          }
          d = bestD;
        } else {
          d += rng.pick([-2, -1, -1, 1, 1, 2]);
        }
        d = clamp(d, -2 + lift, 8 + lift);
        notes.push({ on, len, d });
      }
      bars.push(notes);
    }
    phrases[label] = bars;
    return bars;
  }

  // Drum bar: [eighth offset (may be fractional), key, velocity].
  function drumBar(label, b, bars, nextHasDrums) {
    const out = [];
    const last = b === bars - 1;
    let mode = 'full';
    if (label === 'intro') mode = introDrums;
    if (label === 'breakdown') mode = breakdownDrums;
    if (label === 'outro' && last) mode = 'end';
    if (mode === 'none') return out;
    if (mode === 'end') return [[0, KICK, 100], [0, CRASH, 100]];
    const soft = mode === 'soft' ? 0.7 : 1;
    const chorusLift = label === 'chorus' ? 8 : 0;
    if ((b === 0 && (label === 'chorus' || (label === 'verse' && introDrums !== 'full'))) ||
        (label === 'outro' && b === 0)) out.push([0, CRASH, 96]);
    if (mode === 'hats') {
      for (let e = 0; e < meter * 2; e += 2) out.push([e, label === 'breakdown' ? PEDAL : HAT, 62]);
      return out;
    }
    if (mode === 'stick') {
      out.push([0, KICK, 80]);
      for (let q = 1; q < meter; q += 2) out.push([2 * q, STICK, 70]);
      return out;
    }
    const beats = meter;
    const hat = label === 'chorus' && groove === 'rock' ? RIDE : HAT;
    switch (groove) {
      case 'rock':
        out.push([0, KICK, 108], [4, KICK, 100]);
        if (b % 2 === 1) out.push([5, KICK, 86]);
        out.push([2, SNARE, 104], [6, SNARE, 108]);
        for (let e = 0; e < 8; ++e) out.push([e, hat, e % 2 ? 64 : 84]);
        break;
      case 'four-on-the-floor':
        for (let q = 0; q < 4; ++q) out.push([2 * q, KICK, q === 0 ? 112 : 104]);
        out.push([2, label === 'chorus' ? CLAP : SNARE, 100], [6, label === 'chorus' ? CLAP : SNARE, 104]);
        for (let q = 0; q < 4; ++q) out.push([2 * q + 1, OPEN, 76], [2 * q, HAT, 58]);
        break;
      case 'half-time':
        out.push([0, KICK, 110], [4, SNARE, 110]);
        if (b % 2 === 1) out.push([3, KICK, 88]);
        for (let e = 0; e < 8; ++e) out.push([e, HAT, e % 2 ? 58 : 80]);
        break;
      case 'shuffle':
        out.push([0, KICK, 106], [4, KICK, 98], [2, SNARE, 102], [6, SNARE, 106]);
        if (b % 4 === 3) out.push([5 + 1 / 3, KICK, 80]);
        for (let q = 0; q < 4; ++q) out.push([2 * q, HAT, 84], [2 * q + 4 / 3, HAT, 62]);
        break;
      case 'waltz':
        out.push([0, KICK, 108], [2, SNARE, 84], [4, SNARE, 88]);
        for (let e = 0; e < 6; ++e) out.push([e, HAT, e % 2 ? 56 : 76]);
        break;
    }
    // a fill into the next section
    if (last && nextHasDrums && label !== 'intro') {
      const from = (beats - 1) * 2;
      for (let i = out.length - 1; i >= 0; --i) if (out[i][0] >= from && out[i][1] !== KICK) out.splice(i, 1);
      const toms = [SNARE, SNARE, TOM_HI, TOM_MID, TOM_LO];
      for (let s = 0; s < 4; ++s) out.push([from + s / 2, rng.pick(toms), 80 + 8 * s]);
    }
    return out.map(([e, k, v]) => [e, k, (v + chorusLift) * soft]);
  }

  // Sections -> events.
  const sections = [];
  let bar0 = 0;
  form.forEach(([label, bars], si) => {
    const loopName = label === 'verse' ? loops.verse : loops.chorus;
    const loop = parseLoop(loopName);
    const next = form[si + 1];
    const nextHasDrums = next && !(next[0] === 'breakdown' && breakdownDrums === 'none');
    sections.push({ label, bar0, bars, loop: loopName });
    for (let b = 0; b < bars; ++b) {
      const barTick = leadTicks + (bar0 + b) * barTicks;
      const isEnd = label === 'outro' && b === bars - 1;
      const chord = isEnd ? parseChord(detail === 'major' ? 'I' : 'i') : loop[b % 4];
      const nextChord = isEnd ? chord : b + 1 < bars ? loop[(b + 1) % 4]
        : next ? parseLoop(next[0] === 'verse' ? loops.verse : loops.chorus)[0] : chord;
      const pcs = chordPcs(detail, chord, tonic);
      const e8 = TPB / 2;
      const sectionGain = { intro: 0.8, verse: 0.9, chorus: 1.0, breakdown: 0.75, outro: 0.85 }[label];

      // harmony
      const kind = label === 'verse' ? spread.verse : label === 'chorus' ? spread.chorus : 'open';
      const v = voice(pcs, kind);
      const rhythm = isEnd ? [[0, meter * 2 + 2]] : harmRhythm(label);
      for (const [on, len] of rhythm) {
        const accent = on === 0 ? 8 : 0;
        const strumStep = spec.harmony.style === 'strum' ? Math.round((0.0025 / spb) * TPB) : 0;
        const down = spec.harmony.style !== 'strum' || on % 2 === 0;
        const order = down ? v : [...v].reverse();
        // pads overlap into the next chord a little; others detach slightly
        const dur = spec.harmony.style === 'pad' ? len * e8 + 30 : Math.round(len * e8 * 0.92);
        order.forEach((p, k) => {
          if (!down && k >= 3) return;  // upstrokes hit the top strings only
          const base = spec.harmony.style === 'strum' ? (down ? 84 : 66) : 80;
          note('harm', 0, barTick + on * e8 + k * strumStep, dur - k * strumStep, p,
            hum((base + accent) * sectionGain));
        });
      }

      // bass
      if (!(label === 'intro' && introDrums === 'none' && b < bars / 2)) {
        const rootPc = pcs[0], fifthPc = pcs[2];
        const root = 33 + ((rootPc - 33) % 12 + 12) % 12 + (((rootPc - 33) % 12 + 12) % 12 > 10 ? -12 : 0);
        const fifth = root + ((fifthPc - rootPc + 12) % 12);
        const nextRootPc = chordPcs(detail, nextChord, tonic)[0];
        const nextRoot = 33 + ((nextRootPc - 33) % 12 + 12) % 12;
        // approach tone: the scale step above or below the next root, or a semitone under it
        const sc = scaleOver(detail, chord);
        const approach = rng.chance(0.3) ? nextRoot - 1
          : near(tonic + degreePitch(sc, nextChord.deg + (rng.chance(0.5) ? 1 : -1)), nextRoot);
        let pat;  // [eighth, length, pitch, velocity]
        const quiet = label === 'intro' || label === 'breakdown' || isEnd;
        if (quiet) pat = [[0, meter * 2, root, 84]];
        else if (bassStyle === 'waltz') pat = [[0, 2, root, 96], [2, 2, fifth, 78], [4, 2, b % 2 ? approach : root + 12, 80]];
        else if (bassStyle === 'halves') pat = [[0, 4, root, 98], [4, 3, b % 2 ? root + 12 : fifth, 86], [7, 1, approach, 78]];
        else if (bassStyle === 'root-fifth') pat = [[0, 3, root, 100], [3, 1, root, 76], [4, 2, fifth, 88], [6, 1, root + 12, 80], [7, 1, approach, 80]];
        else if (bassStyle === 'syncopated') pat = [[0, 2, root, 100], [3, 2, root, 84], [5, 1, root + 12, 80], [6, 1, fifth, 82], [7, 1, approach, 80]];
        else if (bassStyle === 'octaves') pat = [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [e, 1, e % 2 ? root + 12 : root, e % 2 ? 82 : 98]);
        else pat = [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [e, 1, e === 7 ? approach : e === 5 ? root + 12 : root, e % 2 ? 80 : 96]);
        for (const [on, len, p, vel] of pat)
          note('bass', 1, barTick + on * e8, Math.round(len * e8 * 0.9), clamp(p, 28, 58), hum(vel * sectionGain, 5));
      }

      // melody
      const melodic = label === 'verse' || label === 'chorus' || (label === 'breakdown' && breakdownMelody);
      if (melodic) {
        const bars4 = phrase(label, loop);
        const scale = scaleOver(detail, chord);
        for (const n of bars4[b % 4]) {
          if (b % 4 === 3 && b + 1 === bars && n.on > 0 && label !== 'breakdown') continue;
          const pitch = leadRef + degreePitch(scale, n.d);
          const strong = n.on % 4 === 0 ? 10 : n.on % 2 === 0 ? 4 : 0;
          note('lead', 2, barTick + n.on * e8, Math.round(n.len * e8 * 0.9), clamp(pitch, 55, 96),
            hum((82 + strong) * sectionGain, 7));
        }
      }

      // drums
      for (const [e, key, vel] of drumBar(label, b, bars, nextHasDrums))
        note('drums', 9, barTick + Math.round(e * e8), Math.round(e8 * 0.8), key, hum(vel, 5));
    }
    bar0 += bars;
  });

  const totalBars = bar0;
  const endTick = leadTicks + totalBars * barTicks;
  const tailTicks = Math.round((TAIL / spb) * TPB);
  return {
    uspb, leadTicks, endTick, tailTicks, sections, totalBars, groove, loops, form,
    programs: { harmony: [harmProg, harmName], bass: [bassProg, bassName], lead: [leadProg, leadName] },
    events: ev,
  };
}

// ---------------------------------------------------------------------------------------------
// MIDI file

function toMidi(spec, song, tracksWanted = ['harm', 'bass', 'lead', 'drums']) {
  const { uspb, endTick, tailTicks } = song;
  const last = endTick + tailTicks;
  const conductor = [
    { tick: 0, ev: { type: 'trackName', text: `${spec.piece} ${keyName(spec)}` } },
    { tick: 0, ev: { type: 'timeSignature', numerator: spec.meter, denominator: 4, metronome: 24, thirtyseconds: 8 } },
    { tick: 0, ev: { type: 'setTempo', microsecondsPerBeat: uspb } },
  ];
  const setup = {
    harm: [0, song.programs.harmony[0], 78, 54],  // channel volumes leave ~3 dB of headroom
    bass: [1, song.programs.bass[0], 88, 64],
    lead: [2, song.programs.lead[0], 76, 76],
    drums: [9, 0, 84, 64],
  };
  const tracks = [conductor];
  for (const name of ['harm', 'bass', 'lead', 'drums']) {
    const [ch, program, volume, pan] = setup[name];
    const t = [
      { tick: 0, ev: { type: 'programChange', channel: ch, programNumber: program } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 7, value: volume } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 10, value: pan } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 91, value: name === 'drums' ? 30 : 50 } },
    ];
    if (tracksWanted.includes(name)) {
      for (const e of song.events[name]) {
        t.push({
          tick: e.tick,
          ev: e.type === 'on'
            ? { type: 'noteOn', channel: e.ch, noteNumber: e.pitch, velocity: e.vel }
            : { type: 'noteOff', channel: e.ch, noteNumber: e.pitch, velocity: 0 },
        });
      }
    }
    tracks.push(t);
  }
  // Offs before ons at the same tick; everything ends by the end of the tail.
  const out = tracks.map((t) => {
    const sorted = t.map((x, i) => ({ ...x, tick: Math.min(x.tick, last), i }))
      .sort((a, b) => a.tick - b.tick || (a.ev.type === 'noteOff' ? 0 : 1) - (b.ev.type === 'noteOff' ? 0 : 1) || a.i - b.i);
    let prev = 0;
    const evs = sorted.map((x) => {
      const d = x.tick - prev;
      prev = x.tick;
      return { deltaTime: d, ...x.ev };
    });
    evs.push({ deltaTime: last - prev, type: 'endOfTrack' });
    return evs;
  });
  return Buffer.from(writeMidi({ header: { format: 1, numTracks: out.length, ticksPerBeat: TPB }, tracks: out }));
}

function keyName(spec) {
  return `${NAMES[spec.tonic]} ${spec.minor ? 'minor' : 'major'}`;
}

// ---------------------------------------------------------------------------------------------
// Rendering and WAV reading

function render(midiPath, wavPath) {
  const r = spawnSync('fluidsynth', ['-ni', '-g', '0.6', '-r', '44100', '-T', 'wav', '-F', wavPath, soundfont, midiPath],
    { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0 || !existsSync(wavPath)) {
    const msg = `${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').pop() || `exit ${r.status}`;
    die(70, `fluidsynth failed on ${midiPath}: ${msg}`);
  }
}

function readWav(path, wantSamples) {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error(`${path}: not a WAV file`);
  let off = 12, fmt = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      fmt = { channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    } else if (id === 'data' && fmt) {
      const bytes = Math.min(size, buf.length - off - 8);
      const frames = Math.floor(bytes / (fmt.channels * fmt.bits / 8));
      const res = { ...fmt, frames, seconds: frames / fmt.rate };
      if (wantSamples) {
        if (fmt.bits !== 16) throw new Error(`${path}: expected 16-bit PCM`);
        const mono = new Float32Array(frames);
        for (let i = 0; i < frames; ++i) {
          let s = 0;
          for (let c = 0; c < fmt.channels; ++c) s += buf.readInt16LE(off + 8 + 2 * (i * fmt.channels + c));
          mono[i] = s / fmt.channels / 32768;
        }
        res.mono = mono;
      }
      return res;
    }
    off += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

// ---------------------------------------------------------------------------------------------
// Truth

function truthOf(spec, song, duration) {
  const spb = song.uspb / 1e6;
  const tickTime = (tick) => round6((tick / TPB) * spb);
  const beats = [], downbeats = [];
  for (let bar = 0; bar < song.totalBars; ++bar) {
    for (let q = 0; q < spec.meter; ++q) {
      const t = tickTime(song.leadTicks + (bar * spec.meter + q) * TPB);
      beats.push(t);
      if (q === 0) downbeats.push(t);
    }
  }
  const barTick = (bar) => song.leadTicks + bar * spec.meter * TPB;
  const truth = {
    schema: 'eval.truth/1',
    corpus: 'revoiced',
    piece: spec.piece,
    voicing: spec.harmony.voicing,
    half: spec.half,
    bpm: Math.round(60e6 / song.uspb * 1e3) / 1e3,
    constant_tempo: true,
    meter: spec.meter,
    beats,
    downbeats,
    key: keyName(spec),
    mode_detail: DETAIL[spec.detail],
    loop: song.loops.chorus,
  };
  if (song.loops.verse !== song.loops.chorus) truth.verse_loop = song.loops.verse;
  Object.assign(truth, {
    groove: song.groove,
    instruments: {
      harmony: song.programs.harmony[1], bass: song.programs.bass[1], lead: song.programs.lead[1],
    },
    duration: round6(duration),
    sections: song.sections.map((s) => ({
      label: s.label,
      start: tickTime(barTick(s.bar0)),
      end: tickTime(barTick(s.bar0 + s.bars)),
      bars: s.bars,
    })),
  });
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Alignment check: drums only; onset of every kick/snare hit on a truth beat.

function checkAlignment(pieces) {
  const songs = planSongs();
  const tmp = mkdtempSync(join(tmpdir(), `${prog}-`));
  cleanup.push(tmp);
  const all = [];
  try {
    for (const piece of pieces) {
      const spec = songs.find((s) => s.piece === piece);
      if (!spec) die(64, `no piece ${piece}`);
      const song = composeSong(spec);
      const midi = join(tmp, `${piece}.mid`), wav = join(tmp, `${piece}.wav`);
      writeFileSync(midi, toMidi(spec, song, ['drums']));
      render(midi, wav);
      const w = readWav(wav, true);
      const spb = song.uspb / 1e6;
      const onBeat = new Set(song.events.drums
        .filter((e) => e.type === 'on' && (e.pitch === KICK || e.pitch === SNARE) && e.tick % TPB === song.leadTicks % TPB)
        .map((e) => e.tick));
      const offs = [];
      for (const tick of [...onBeat].sort((a, b) => a - b)) {
        const t = (tick / TPB) * spb;
        const i0 = Math.round((t - 0.015) * w.rate), i1 = Math.round((t + 0.04) * w.rate);
        // the hit's onset: from the window's peak back to where the level (the largest sample
        // in the last 0.5 ms) falls under a tenth of the peak
        let peak = 0, ip = i0;
        for (let i = i0; i < i1; ++i) if (Math.abs(w.mono[i]) > peak) { peak = Math.abs(w.mono[i]); ip = i; }
        if (peak < 0.01) continue;
        const win = Math.round(0.0005 * w.rate);
        const level = (i) => { let m = 0; for (let k = i - win; k <= i; ++k) m = Math.max(m, Math.abs(w.mono[k])); return m; };
        let at = ip;
        while (at > i0 - win && level(at) >= peak / 10) at -= 8;
        if (at <= i0 - win) continue;  // no quiet before the hit: not measurable
        offs.push((at / w.rate - t) * 1000);
      }
      // the first drum hit: the first sample that is not silent (nothing else sounds)
      const first = song.events.drums.filter((e) => e.type === 'on').sort((x, y) => x.tick - y.tick)[0];
      const ft = (first.tick / TPB) * spb;
      let fi = 0;
      while (fi < w.frames && Math.abs(w.mono[fi]) < 1e-4) ++fi;
      offs.sort((a, b) => a - b);
      const q = (p) => offs[Math.min(offs.length - 1, Math.floor(p * offs.length))];
      const line = { piece, first_hit_key: first.pitch, first_hit_midi_s: round6(ft),
        first_hit_audio_s: round6(fi / w.rate), first_hit_ms: Math.round((fi / w.rate - ft) * 1e4) / 10, hits: offs.length,
        median_ms: Math.round(q(0.5) * 10) / 10, p95_ms: Math.round(q(0.95) * 10) / 10,
        min_ms: Math.round(offs[0] * 10) / 10, max_ms: Math.round(offs[offs.length - 1] * 10) / 10 };
      process.stdout.write(JSON.stringify(line) + '\n');
      all.push(line);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const bad = all.filter((l) => Math.abs(l.first_hit_ms) > 5 || Math.abs(l.median_ms) > 10);
  process.exit(bad.length ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Main

if (check) checkAlignment(check);

const dir = pos[0];
mkdirSync(dir, { recursive: true });
const songs = planSongs().filter((s) => !only || only.has(s.piece));
const tmp = mkdtempSync(join(tmpdir(), `${prog}-`));
cleanup.push(tmp);
let made = 0, skipped = 0;
const t0 = Date.now();
try {
  songs.forEach((spec, k) => {
    const name = `revoiced-${spec.piece}-${spec.harmony.voicing}`;
    const wav = join(dir, `${name}.wav`), truthPath = join(dir, `${name}.truth.json`);
    if (existsSync(wav) && existsSync(truthPath)) { ++skipped; return; }
    const song = composeSong(spec);
    const midi = join(tmp, `${name}.mid`);
    writeFileSync(midi, toMidi(spec, song));
    if (keepMidi) {
      mkdirSync(keepMidi, { recursive: true });
      writeFileSync(join(keepMidi, `${name}.mid`), readFileSync(midi));
    }
    const start = Date.now();
    const part = join(dir, `${name}.part.wav`);
    cleanup.push(part);
    render(midi, part);
    const { seconds } = readWav(part, false);
    renameSync(part, wav);
    const truth = truthOf(spec, song, seconds);
    writeFileSync(`${truthPath}.tmp`, JSON.stringify(truth) + '\n');
    renameSync(`${truthPath}.tmp`, truthPath);
    ++made;
    process.stderr.write(`${prog}: [${k + 1}/${songs.length}] ${name}: ${truth.key} (${truth.mode_detail}), ` +
      `${truth.bpm} BPM ${spec.meter}/4, ${truth.loop}, ${seconds.toFixed(1)} s, rendered in ` +
      `${((Date.now() - start) / 1000).toFixed(1)} s\n`);
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stderr.write(`${prog}: ${made} made, ${skipped} already there, in ${dir} ` +
  `(${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
