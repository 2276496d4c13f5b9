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
// --set structure makes another set instead, for song-structure analysis: 32 songs in 4/4,
// 84-178 BPM, all 24 keys, piano (mostly acoustic grand) + bass + GM drums + leads, 1.5-4.5
// minutes each, in which verse and chorus SHARE ONE 4-chord loop and differ only by arrangement
// (what plays on top, the drums, the piano's rhythm and voicing, the level), sometimes only
// subtly (drums and level). Forms: intro 8 / verse 16 / chorus 16 / breakdown 8 / chorus 16 /
// outro 8 (18 songs), or with a second verse for the breakdown, or with a prechorus and a
// doubled last chorus, or with the verse in two halves. Each song is rendered until its
// choruses measure 1.3-3.7 dB (seeded target) louder than its verses (RMS over the sections;
// usually two renders). NAME = structure-NN-<voicing>; the truth adds "set": "structure",
// "shared_loop": true, "form", "arrangement" and "section_rms_db" (one per section).
//
// Usage: node scripts/revoiced-corpus.mjs [--set structure] [--soundfont SF2] [--only PIECE,...] [--keep-midi MDIR] DIR
//        node scripts/revoiced-corpus.mjs [--set structure] [--soundfont SF2] --check-alignment PIECE,...
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
let set = 'default';
const pos = [];
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  if (a === '--soundfont' && i + 1 < args.length) soundfont = args[++i];
  else if (a === '--only' && i + 1 < args.length) only = new Set(args[++i].split(','));
  else if (a === '--keep-midi' && i + 1 < args.length) keepMidi = args[++i];
  else if (a === '--check-alignment' && i + 1 < args.length) check = args[++i].split(',');
  else if (a === '--set' && i + 1 < args.length) set = args[++i];
  else if (a.startsWith('-')) die(64, `unknown option ${a}`);
  else pos.push(a);
}
if ((check === null && pos.length !== 1) || (check !== null && pos.length !== 0))
  die(64, 'usage: revoiced-corpus.mjs [--set default|structure] [--soundfont SF2] [--only PIECE,...] [--keep-midi MDIR] DIR | --check-alignment PIECE,...');
if (set !== 'default' && set !== 'structure') die(64, `--set: ${set}: unknown set (default, structure)`);
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
// The structure set (--set structure): verse and chorus share one chord loop and differ only by
// arrangement. Its own plan, composer and seeds; nothing here touches the default set.

const S_FORMS = [
  [['intro', 8], ['verse', 16], ['chorus', 16], ['breakdown', 8], ['chorus', 16], ['outro', 8]],
  [['intro', 8], ['verse', 16], ['chorus', 16], ['verse', 16], ['chorus', 16], ['outro', 8]],
  [['intro', 4], ['verse', 16], ['prechorus', 8], ['chorus', 16], ['breakdown', 8], ['chorus', 16],
    ['chorus', 16], ['outro', 8]],
  [['intro', 8], ['verse', 8], ['verse', 8], ['chorus', 16], ['breakdown', 8], ['chorus', 16], ['outro', 4]],
];
const S_PIANOS = {
  piano: [[0, 'acoustic grand piano']],
  brightpiano: [[1, 'bright acoustic piano']],
  epiano: [[4, 'electric piano 1'], [5, 'electric piano 2']],
};
const S_BASSES = [[33, 'fingered bass'], [34, 'picked bass'], [32, 'acoustic bass'], [33, 'fingered bass']];
// Leads: [program, name, centre of the chorus register]; the verse sits an octave or a fifth
// under the chorus when the melody moves up.
const S_VERSE_LEADS = [[73, 'flute', 79], [65, 'alto sax', 67], [71, 'clarinet', 70], [11, 'vibraphone', 76],
  [24, 'nylon guitar', 67], [68, 'oboe', 74], [66, 'tenor sax', 62], [40, 'violin', 76], [56, 'trumpet', 70]];
const S_CHORUS_LEADS = [[81, 'sawtooth lead', 72], [56, 'trumpet', 70], [40, 'violin', 76], [65, 'alto sax', 67],
  [80, 'square lead', 74], [61, 'brass section', 67], [73, 'flute', 79]];
const S_DOUBLES = [[48, 'string ensemble', 0], [73, 'flute', 12], [9, 'glockenspiel', 12],
  [11, 'vibraphone', 12], [52, 'choir aahs', 0]];
// Loudness of these programs in FluidR3 evened out (dB added through the channel volume,
// measured on the same line at velocity 88): the synth leads are ~13 dB louder than the rest.
const S_GAIN = { 1: 0, 4: -5, 5: -4, 9: 4, 11: 5, 24: 3, 40: 2, 48: 2, 52: 2, 56: 3, 61: 2, 80: -11, 81: -13 };
const sVolume = (base, program) => clamp(Math.round(base * 10 ** ((S_GAIN[program] || 0) / 40)), 1, 127);

function planStructureSongs() {
  const rng = makeRng(hashString('structure:plan'));
  const shuffle = (xs) => {
    for (let i = xs.length - 1; i > 0; --i) {
      const j = rng.int(0, i);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const fill = (counts) => shuffle(counts.flatMap(([v, n]) => Array(n).fill(v)));
  // Tonics per mode: all 12 shuffled, 8 to the tuning half, the other 4 and again 4 of the
  // tuning half's to the held-out half (no key twice within a half; all 24 keys in the set).
  const tonics = () => {
    const t = shuffle([...Array(12).keys()]);
    return [t.slice(0, 8), shuffle(t.slice(8).concat(shuffle(t.slice(0, 8)).slice(0, 4)))];
  };
  const majors = tonics(), minors = tonics();
  // Tempi: 32 strata of 84-178 BPM, one quarter-BPM tempo drawn in each; of two neighbouring
  // strata one goes to each half, so both halves span the range.
  const W = (178 - 84) / 32;
  const tempi = [[], []];
  for (let p = 0; p < 16; ++p) {
    const pair = [0, 1].map((k) => clamp(Math.round((84 + (2 * p + k + rng.next()) * W) * 4) / 4, 84, 178));
    const first = rng.int(0, 1);
    tempi[0].push(pair[first]);
    tempi[1].push(pair[1 - first]);
  }
  const loopOrder = {};
  for (const d of Object.keys(LOOPS)) loopOrder[d] = shuffle([...LOOPS[d]]);
  const loopUsed = { major: 0, natural: 0, harmonic: 0, dorian: 0 };
  let minorCount = 0;
  const songs = [];
  for (const [h, half] of ['tuning', 'held-out'].entries()) {
    const tempo = shuffle(tempi[h]);
    const forms = fill([[0, 9], [1, 2], [2, 3], [3, 2]]);
    const voicings = fill([['piano', 13], ['brightpiano', 2], ['epiano', 1]]);
    const subtle = fill([[true, 3], [false, 13]]);
    const minorFirst = rng.int(0, 1);
    for (let j = 0; j < 16; ++j) {
      const nn = 2 * j + 1 + h;  // odd numbers tuning, even held-out
      const minor = (j + minorFirst) % 2 === 1;
      const tonic = (minor ? minors : majors)[h][Math.floor(j / 2)];
      const detail = minor ? ['natural', 'harmonic', 'dorian'][minorCount++ % 3] : 'major';
      const loop = loopOrder[detail][loopUsed[detail]++ % loopOrder[detail].length];
      const voicing = voicings[j];
      songs.push({
        set: 'structure', piece: `structure-${String(nn).padStart(2, '0')}`, half, minor, tonic, detail,
        harmony: { voicing, choices: S_PIANOS[voicing] }, tempo: tempo[j], meter: 4, loop,
        form: forms[j], subtle: subtle[j], index: j,
      });
    }
  }
  songs.sort((a, b) => a.piece.localeCompare(b.piece));
  return songs;
}

function composeStructure(spec) {
  const rng = makeRng(hashString(`structure:${spec.piece}`));
  const { tonic, detail } = spec;
  const meter = 4;
  const uspb = Math.round(60e6 / spec.tempo);
  const spb = uspb / 1e6;
  const barTicks = meter * TPB, e8 = TPB / 2;
  const leadTicks = Math.round((LEAD_IN / spb) * TPB);
  const form = S_FORMS[spec.form];
  const loop = spec.loop.split('-').map(parseChord);
  const tonicChord = parseChord(detail === 'major' ? 'I' : 'i');
  const subtle = spec.subtle;

  // Instruments.
  const [harmProg, harmName] = rng.pick(spec.harmony.choices);
  const [bassProg, bassName] = rng.pick(S_BASSES);
  let verseLead = rng.pick(S_VERSE_LEADS);
  if (verseLead[1] === 'vibraphone' && spec.harmony.voicing === 'epiano') verseLead = S_VERSE_LEADS[0];
  let chorusLead = rng.pick(S_CHORUS_LEADS.filter((l) => l[1] !== verseLead[1]));
  const double = rng.pick(S_DOUBLES.filter((d) => d[1] !== verseLead[1]));

  // Arrangement: what changes from verse to chorus. Subtle songs: only the drums and the level.
  const groove = rng.pick(['rock', 'rock', 'pop', 'pop', 'half-time', 'four-on-the-floor']);
  const a = {
    verseMelody: subtle ? rng.chance(0.6) : rng.chance(0.8),
    shift: subtle ? 'none' : rng.pick(['octave', 'octave', 'fifth', 'none']),
    leadChange: subtle ? 'same' : rng.pick(['same', 'same', 'switch', 'double']),
    pianoChange: subtle ? false : rng.chance(0.65),
    bassChange: subtle ? false : rng.chance(0.5),
    verseDrums: subtle ? 'soft'
      : rng.pick(groove === 'half-time' ? ['light', 'soft', 'soft'] : ['light', 'soft', 'soft', 'half-time']),
    chorusHat: groove === 'four-on-the-floor' ? 'open hats' : rng.pick(['ride', 'open hats', 'ride']),
    crash: subtle ? rng.chance(0.5) : rng.chance(0.85),
    extraKicks: rng.chance(0.6),
    fills: rng.chance(0.75),
  };
  if (!subtle) {
    // several differences, never all of them at once
    const all = a.shift !== 'none' && a.leadChange !== 'same' && a.pianoChange && a.bassChange && a.verseDrums !== 'soft';
    if (all) a[rng.pick(['bassChange', 'pianoChange'])] = false;
    if (a.shift === 'none' && a.leadChange === 'same' && !a.pianoChange) a.pianoChange = true;
  }
  if (a.leadChange !== 'switch') chorusLead = verseLead;
  const pianoVerse = subtle ? rng.pick(['halves', 'pop', 'quarters', 'arp'])
    : a.pianoChange ? rng.pick(['sustain', 'halves', 'arp', 'sparse']) : rng.pick(['halves', 'pop', 'quarters', 'arp']);
  const pianoChorus = a.pianoChange ? rng.pick(['eighths', 'eighths', 'pop', 'quarters']) : pianoVerse;
  const bassVerse = a.bassChange ? rng.pick(['whole', 'halves', 'halves', 'root-fifth'])
    : rng.pick(['halves', 'root-fifth', 'syncopated', 'eighths']);
  const bassChorus = a.bassChange
    ? rng.pick(groove === 'four-on-the-floor' ? ['octaves', 'eighths'] : ['eighths', 'root-fifth', 'syncopated'])
    : bassVerse;
  const introKind = rng.pick(['piano', 'piano-hats', 'band']);
  const breakdown = {
    piano: rng.pick(['sustain', 'arp']), bass: rng.chance(0.4), drums: rng.pick(['none', 'none', 'hats', 'stick']),
    melody: rng.chance(0.35),
  };
  const outroKind = rng.pick(['chorus', 'piano', 'verse']);
  const prechorusDrums = rng.pick(['snare', 'toms']);
  // Section levels (dB under the chorus); the verse's, x, is found by rendering (setLevels).
  const target = round6(Math.round((1.3 + rng.next() * 2.4) * 10) / 10);  // chorus over verse, dB
  const extra = {
    intro: Math.round(rng.next() * 15) / 10, breakdown: 1 + Math.round(rng.next() * 15) / 10,
    outro: Math.round(rng.next() * 10) / 10,
  };

  const ev = { harm: [], bass: [], lead: [], lead2: [], drums: [] };
  const note = (track, ch, tick, dur, pitch, vel) => {
    ev[track].push({ tick, type: 'on', ch, pitch, vel: clamp(Math.round(vel), 1, 127) });
    ev[track].push({ tick: tick + Math.max(1, dur), type: 'off', ch, pitch });
  };
  const hum = (v, s = 5) => v + rng.int(-s, s);

  // Piano voicing: 4 voices (the bottom doubled on top, or drop-2 when open) near a centre,
  // the inversion nearest the previous chord.
  let prevV = null;
  function voice(pcs, center, open) {
    const cands = [];
    for (let inv = 0; inv < 3; ++inv) {
      const order = [pcs[inv], pcs[(inv + 1) % 3], pcs[(inv + 2) % 3]];
      for (let base = center - 18; base <= center + 6; base += 12) {
        let p = base + ((order[0] - base) % 12 + 12) % 12;
        const v = [p];
        for (let k = 1; k < 3; ++k) {
          p += ((order[k] - p) % 12 + 12) % 12 || 12;
          v.push(p);
        }
        v.push(v[0] + 12);
        const c = open ? [v[2] - 12, v[0], v[1], v[3]] : v;
        const mean = c.reduce((s, x) => s + x, 0) / c.length;
        cands.push([c, mean]);
      }
    }
    const close = cands.filter(([, mean]) => Math.abs(mean - center) <= 7);
    let best = null, bestCost = Infinity;
    for (const [c, mean] of close.length ? close : cands) {
      let cost = Math.abs(mean - center) * 0.5 + rng.next();
      if (prevV) cost += Math.abs(c[3] - prevV[3]) + Math.abs(mean - prevV.mean);
      if (cost < bestCost) { bestCost = cost; best = c; }
    }
    best.mean = best.reduce((s, x) => s + x, 0) / best.length;
    prevV = best;
    return best;
  }
  const lowRoot = (pc, lo) => lo + ((pc - lo) % 12 + 12) % 12;

  // Piano patterns: right-hand [onset, length] in eighths (arp: broken chord), left hand the root.
  const PIANO = {
    sustain: { rh: [[0, 8]], lh: [[0, 8]], legato: true },
    halves: { rh: [[0, 4], [4, 4]], lh: [[0, 8]], legato: true },
    arp: { arp: [[0, 0], [2, 1], [4, 2], [6, 3]], lh: [[0, 8]], legato: true },
    sparse: { rh: [[0, 6]], top: [[6, 2]], lh: [[0, 8]], legato: true },
    pop: { rh: [[0, 3], [3, 3], [6, 2]], lh: [[0, 4], [4, 4]], octave: true },
    quarters: { rh: [[0, 2], [2, 2], [4, 2], [6, 2]], lh: [[0, 4], [4, 4]], octave: true },
    eighths: { rh: [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [e, 1]), lh: [[0, 2], [2, 2], [4, 2], [6, 2]], octave: true },
  };
  function pianoBar(barTick, chord, pattern, { vel, center, open, noLh = false, hold = false }) {
    const pcs = chordPcs(detail, chord, tonic);
    const v = voice(pcs, center, open);
    const p = hold ? PIANO.sustain : PIANO[pattern];
    const len = (l) => Math.round(l * e8 * (p.legato ? 1 : 0.9));
    const acc = (on) => (on === 0 ? 8 : on === 4 ? 4 : on % 2 ? -6 : 0);
    for (const [on, l] of p.rh || [])
      for (const x of v) note('harm', 0, barTick + on * e8, len(l), x, hum(vel + acc(on), 4));
    for (const [on, k] of p.arp || [])
      note('harm', 0, barTick + on * e8, len(8 - on), v[k], hum(vel + acc(on) + 2, 4));
    for (const [on, l] of p.top || []) note('harm', 0, barTick + on * e8, len(l), v[3], hum(vel - 4, 4));
    if (!noLh) {
      const r = lowRoot(pcs[0], 36);
      for (const [on, l] of p.lh) {
        note('harm', 0, barTick + on * e8, len(l), r, hum(vel - 6, 4));
        if (p.octave || hold) note('harm', 0, barTick + on * e8, len(l), r + 12, hum(vel - 10, 4));
      }
    }
    return v;
  }

  // Bass patterns: [eighth, length, r|f|o|a (root, fifth, octave, approach), velocity].
  const BASS = {
    whole: [[0, 8, 'r', 92]],
    halves: [[0, 4, 'r', 96], [4, 4, 'f', 86]],
    'root-fifth': [[0, 3, 'r', 100], [3, 1, 'r', 76], [4, 2, 'f', 88], [6, 1, 'o', 80], [7, 1, 'a', 80]],
    syncopated: [[0, 2, 'r', 100], [3, 2, 'r', 84], [5, 1, 'o', 80], [6, 1, 'f', 82], [7, 1, 'a', 80]],
    eighths: [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [e, 1, e === 7 ? 'a' : e === 5 ? 'o' : 'r', e % 2 ? 80 : 96]),
    octaves: [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [e, 1, e % 2 ? 'o' : 'r', e % 2 ? 82 : 98]),
    quarters: [[0, 2, 'r', 96], [2, 2, 'r', 84], [4, 2, 'r', 90], [6, 2, 'r', 86]],
  };
  function bassBar(barTick, chord, nextChord, pattern, gain = 1) {
    const pcs = chordPcs(detail, chord, tonic);
    const root = lowRoot(pcs[0], 28);
    const fifth = root + ((pcs[2] - pcs[0] + 12) % 12);
    const nextRoot = lowRoot(chordPcs(detail, nextChord, tonic)[0], 28);
    const sc = scaleOver(detail, chord);
    const approach = rng.chance(0.3) ? nextRoot - 1
      : near(tonic + degreePitch(sc, nextChord.deg + (rng.chance(0.5) ? 1 : -1)), nextRoot);
    for (const [on, l, w, vel] of BASS[pattern]) {
      const p = w === 'r' ? root : w === 'f' ? fifth : w === 'o' ? root + 12 : approach;
      note('bass', 1, barTick + on * e8, Math.round(l * e8 * 0.9), clamp(p, 26, 55), hum(vel * gain, 4));
    }
  }

  // Melody: 8 bars (a 4-bar phrase, then again with a new ending) of scale degrees over the
  // loop; chord tones on strong beats. Sparse for verses, dense for choruses.
  const SPARSE = [[[0, 3], [4, 3]], [[2, 2], [4, 4]], [[0, 6]], [[0, 2], [2, 2], [4, 4]], [[1, 1], [2, 3], [6, 2]],
    [[0, 4]], []];
  const DENSE = [[[0, 1], [1, 1], [2, 2], [4, 2], [6, 2]], [[0, 2], [2, 1], [3, 1], [4, 3], [7, 1]],
    [[0, 2], [3, 1], [4, 2], [6, 1], [7, 1]], [[0, 3], [3, 1], [4, 2], [6, 2]],
    [[0, 1], [1, 1], [2, 1], [3, 1], [4, 2], [6, 2]]];
  function melody(dense, lo, hi) {
    let d = lo + 2 + rng.pick([0, 2, 4]);
    const bar = (b, last) => {
      const rhythm = last
        ? rng.pick(dense ? [[[0, 6]], [[0, 2], [2, 6]], [[0, 4], [4, 4]]] : [[[0, 6]], [[0, 4]], []])
        : rng.pick(dense ? DENSE : SPARSE);
      const chord = loop[b % 4];
      const notes = [];
      for (const [on, len] of rhythm) {
        if (on === 0 || on === 4 || len >= 3 || last) {
          const dir = rng.chance(0.5) ? 1 : -1;
          let bestD = d, bestCost = Infinity;
          for (let c = lo; c <= hi; ++c) {
            const rel = (((c - chord.deg) % 7) + 7) % 7;
            if (rel !== 0 && rel !== 2 && rel !== 4) continue;
            const cost = Math.abs(c - d) + (Math.sign(c - d) === dir ? 0 : 0.6) + Math.abs(c - (lo + hi) / 2) * 0.15;
            if (cost < bestCost) { bestCost = cost; bestD = c; }
          }
          d = bestD;
        } else {
          d = clamp(d + rng.pick([-2, -1, -1, 1, 1, 2]), lo, hi);
        }
        notes.push({ on, len, d });
      }
      return notes;
    };
    const A = [0, 1, 2, 3].map((b) => bar(b, b === 3));
    return [...A, A[0], A[1], bar(2, false), bar(3, true)];
  }
  const shiftDeg = { octave: 7, fifth: 4, none: 0 }[a.shift];
  const chorusRef = near(tonic, chorusLead[2] - 6);  // the chorus melody's tonic
  const chorusTune = melody(true, -1, 8);
  const verseTune = subtle ? chorusTune : melody(false, -2 - shiftDeg, 6 - shiftDeg);
  const verseVel = subtle ? 84 : 76, chorusVel = 88;
  function leadBar(barTick, b, tune, chord, track, ch, transpose, vel) {
    const sc = scaleOver(detail, chord);
    for (const n of tune[b % 8]) {
      const pitch = clamp(chorusRef + degreePitch(sc, n.d) + transpose, 48, 98);
      const strong = n.on % 4 === 0 ? 8 : n.on % 2 === 0 ? 3 : 0;
      note(track, ch, barTick + n.on * e8, Math.round(n.len * e8 * 0.9), pitch, hum(vel + strong, 6));
    }
  }

  // Drums: [eighth (fractional allowed), key, velocity] for one bar.
  function grooveBar(g, b, full) {
    const out = [];
    const hatKey = full ? (a.chorusHat === 'ride' ? RIDE : OPEN) : HAT;
    const hats = (vOn, vOff) => {
      if (full && a.chorusHat === 'open hats')
        for (let q = 0; q < 4; ++q) out.push([2 * q, HAT, vOn - 10], [2 * q + 1, OPEN, vOff + 6]);
      else for (let e = 0; e < 8; ++e) out.push([e, hatKey, e % 2 ? vOff : vOn]);
    };
    switch (g) {
      case 'rock':
        out.push([0, KICK, 108], [4, KICK, 100], [2, SNARE, 104], [6, SNARE, 108]);
        if (full && a.extraKicks) out.push([5, KICK, 90], [b % 2 ? 7 : 3, KICK, 84]);
        hats(82, 62);
        break;
      case 'pop':
        out.push([0, KICK, 108], [3, KICK, 92], [4, KICK, 100], [2, SNARE, 104], [6, SNARE, 106]);
        if (full && a.extraKicks) out.push([7, KICK, 86], [b % 2 ? 5 : 1, KICK, 80]);
        hats(80, 60);
        break;
      case 'half-time':
        out.push([0, KICK, 110], [4, SNARE, 110]);
        if (b % 2 === 1) out.push([3, KICK, 88]);
        if (full && a.extraKicks) out.push([5, KICK, 86], [7, KICK, 80]);
        hats(80, 58);
        break;
      case 'four-on-the-floor':
        for (let q = 0; q < 4; ++q) out.push([2 * q, KICK, q === 0 ? 112 : 104]);
        out.push([2, full ? CLAP : SNARE, 100], [6, full ? CLAP : SNARE, 104]);
        if (full && a.extraKicks) out.push([7, KICK, 76]);
        hats(70, 66);
        break;
    }
    return out;
  }
  function drumBar(kind, b, bars, { fill = false, crash = false } = {}) {
    let out = [];
    if (kind === 'none') return out;
    if (kind === 'end') return [[0, KICK, 100], [0, CRASH, 100]];
    if (kind === 'hats') for (let q = 0; q < 4; ++q) out.push([2 * q, q % 2 ? PEDAL : HAT, 60]);
    else if (kind === 'stick') out.push([0, KICK, 78], [2, STICK, 66], [6, STICK, 70], [4, HAT, 50]);
    else if (kind === 'light') {
      out.push([0, KICK, 96], [4, KICK, 88], [2, STICK, 78], [6, STICK, 82]);
      for (let q = 0; q < 4; ++q) out.push([2 * q, HAT, 66]);
    } else if (kind === 'soft') out = grooveBar(groove, b, false).map(([e, k, v]) => [e, k, v - 8]);
    else if (kind === 'half-time') out = grooveBar('half-time', b, false).map(([e, k, v]) => [e, k, v - 10]);
    else if (kind === 'full') out = grooveBar(groove, b, true);
    else if (kind === 'build') {
      // prechorus: kick on the beat, then snare (or toms) in quarters, eighths, sixteenths, rising
      const step = b < 4 ? 2 : b < 6 ? 2 : b < 7 ? 1 : 0.5;
      const v0 = 54 + (b / bars) * 48;
      for (let q = 0; q < 4; ++q) out.push([2 * q, KICK, 96]);
      if (b < 4) out.push([2, SNARE, 92], [6, SNARE, 96]);
      for (let e = b < 4 ? 1 : 0; e < 8; e += b < 4 ? 2 : step)
        out.push([e, b < 4 ? HAT : prechorusDrums === 'snare' ? SNARE : e < 4 ? TOM_MID : TOM_LO, b < 4 ? 60 : v0 + e * 3]);
    }
    if (crash) out.push([0, CRASH, 100]);
    if (fill) {
      for (let i = out.length - 1; i >= 0; --i) if (out[i][0] >= 6 && out[i][1] !== KICK) out.splice(i, 1);
      const toms = [SNARE, SNARE, TOM_HI, TOM_MID, TOM_LO];
      for (let s = 0; s < 4; ++s) out.push([6 + s / 2, rng.pick(toms), 82 + 8 * s]);
    }
    return out;
  }

  // Sections -> events.
  const sections = [];
  const verseCenter = 62, chorusCenter = a.pianoChange ? 66 : 62;
  const firstDrums = { piano: 'none', 'piano-hats': 'hats', band: 'light' }[introKind];
  let bar0 = 0;
  form.forEach(([label, bars], si) => {
    const next = form[si + 1] ? form[si + 1][0] : null;
    const prev = si > 0 ? form[si - 1][0] : null;
    sections.push({ label, bar0, bars });
    for (let b = 0; b < bars; ++b) {
      const barTick = leadTicks + (bar0 + b) * barTicks;
      const isEnd = !next && b === bars - 1;
      const chord = isEnd ? tonicChord : loop[b % 4];
      const nextChord = b + 1 < bars ? loop[(b + 1) % 4] : loop[0];
      const lastBar = b === bars - 1;
      let drums = 'none';
      let crash = false;
      const fill = a.fills && lastBar && next && next !== 'breakdown' && label !== 'prechorus' && label !== 'intro';
      if (isEnd) {
        pianoBar(barTick, chord, 'sustain', { vel: 72, center: 62, open: true, hold: true });
        bassBar(barTick, chord, chord, 'whole', 0.85);
        drums = outroKind === 'piano' ? 'none' : 'end';
      } else if (label === 'intro') {
        pianoBar(barTick, chord, a.pianoChange ? pianoVerse : 'halves', { vel: 66, center: verseCenter, open: false });
        if (introKind === 'band' || (introKind === 'piano-hats' && b >= bars / 2)) bassBar(barTick, chord, nextChord, 'whole', 0.8);
        drums = introKind === 'piano' ? 'none' : introKind === 'band' ? 'light' : b >= bars / 2 ? 'hats' : 'none';
      } else if (label === 'verse') {
        const firstHalf = spec.form === 3 && next === 'verse';  // form 4: the drums fill out in the second verse
        pianoBar(barTick, chord, pianoVerse, { vel: subtle ? 74 : a.pianoChange ? 74 : 72, center: verseCenter, open: false });
        bassBar(barTick, chord, nextChord, bassVerse, a.bassChange ? 0.96 : 0.92);
        if (a.verseMelody) leadBar(barTick, b, verseTune, chord, 'lead', 2, 0, verseVel);
        drums = firstHalf ? (a.verseDrums === 'soft' ? 'light' : 'hats') : a.verseDrums;
        crash = b === 0 && prev === 'intro' && firstDrums === 'none' && !firstHalf && rng.chance(0.5);
      } else if (label === 'prechorus') {
        const rise = Math.round((b / bars) * 6);
        pianoBar(barTick, chord, 'quarters', { vel: 66 + b * 1.5, center: verseCenter + rise, open: false });
        bassBar(barTick, chord, nextChord, 'quarters', 0.8 + b * 0.02);
        // the rising line: one scale step a bar, from a fifth under the chorus tonic
        const sc = scaleOver(detail, chord);
        note('lead', 2, barTick, Math.round(barTicks * 0.95), clamp(chorusRef + degreePitch(sc, b - 4), 48, 98),
          hum(70 + b * 3, 3));
        drums = 'build';
      } else if (label === 'chorus') {
        // (denser piano and bass parts are louder by themselves: played no harder than the verse's)
        pianoBar(barTick, chord, pianoChorus, { vel: a.pianoChange ? 72 : subtle ? 74 : 75, center: chorusCenter, open: a.pianoChange });
        bassBar(barTick, chord, nextChord, bassChorus, a.bassChange ? 0.86 : 0.96);
        if (subtle && !a.verseMelody) { /* no melody in either */ }
        else if (a.leadChange === 'switch') leadBar(barTick, b, chorusTune, chord, 'lead2', 3, 0, chorusVel);
        else leadBar(barTick, b, chorusTune, chord, 'lead', 2, 0, subtle ? verseVel : chorusVel);
        if (a.leadChange === 'double') leadBar(barTick, b, chorusTune, chord, 'lead2', 3, double[2], 70);
        drums = 'full';
        crash = b === 0 && a.crash;
      } else if (label === 'breakdown') {
        pianoBar(barTick, chord, breakdown.piano, { vel: 64, center: 60, open: true });
        if (breakdown.bass) bassBar(barTick, chord, nextChord, 'whole', 0.7);
        if (breakdown.melody) {  // the piano's right hand plays the chorus tune
          const sc = scaleOver(detail, chord);
          for (const n of chorusTune[b % 8])
            note('harm', 0, barTick + n.on * e8, Math.round(n.len * e8 * 0.9),
              clamp(near(chorusRef + degreePitch(sc, n.d), 76), 67, 88), hum(70, 4));
        }
        drums = breakdown.drums;
        if (lastBar && a.fills && drums !== 'none') drums = 'stick';
      } else if (label === 'outro') {
        if (outroKind === 'chorus') {
          pianoBar(barTick, chord, pianoChorus, { vel: a.pianoChange ? 80 : 74, center: chorusCenter, open: a.pianoChange });
          bassBar(barTick, chord, nextChord, bassChorus, 0.95);
          drums = b < bars / 2 ? 'full' : a.verseDrums;
        } else if (outroKind === 'verse') {
          pianoBar(barTick, chord, pianoVerse, { vel: 70, center: verseCenter, open: false });
          bassBar(barTick, chord, nextChord, bassVerse, 0.9);
          drums = a.verseDrums;
        } else {
          pianoBar(barTick, chord, 'sustain', { vel: 68, center: verseCenter, open: true });
          bassBar(barTick, chord, nextChord, 'whole', 0.8);
          drums = b < bars / 2 ? 'hats' : 'none';
        }
        crash = b === 0 && outroKind === 'chorus';
      }
      const hits = drumBar(drums, b, bars, { fill: fill && drums !== 'none', crash });
      for (const [e, key, vel] of hits)
        note('drums', 9, barTick + Math.round(e * e8), Math.round(e8 * 0.8), key, hum(vel, 5));
    }
    bar0 += bars;
  });

  const totalBars = bar0;
  const endTick = leadTicks + totalBars * barTicks;
  const tailTicks = Math.round((TAIL / spb) * TPB);
  const tracks = ['harm', 'bass', 'lead', 'lead2', 'drums'];
  const lead2 = a.leadChange === 'switch' ? chorusLead : a.leadChange === 'double' ? double : [0, 'none'];
  const song = {
    uspb, leadTicks, endTick, tailTicks, sections, totalBars, groove, form,
    loops: { chorus: spec.loop, verse: spec.loop },
    programs: {
      harmony: [harmProg, harmName], bass: [bassProg, bassName],
      // the lead named in the truth: the verse's, else the chorus's, else none
      lead: a.verseMelody ? verseLead : subtle ? [0, 'none'] : a.leadChange === 'switch' ? chorusLead : verseLead,
    },
    trackNames: tracks,
    setup: {
      harm: [0, harmProg, sVolume(92, harmProg), 60, 45], bass: [1, bassProg, 96, 64, 20],
      lead: [2, verseLead[0], sVolume(80, verseLead[0]), 76, 50],
      lead2: [3, lead2[0], sVolume(a.leadChange === 'double' ? 62 : 80, lead2[0]), 50, 55], drums: [9, 0, 92, 64, 30],
    },
    events: ev,
    verseAtt: null,
    target,
  };
  // Levels: CC11 on every channel at each section start, chorus 0 dB, verse -x, intro, breakdown
  // and outro a little under the verse; the prechorus (building) and an outro on the chorus
  // arrangement a little under both verse and chorus; the loudest section at 127.
  // FluidSynth's CC11 follows 40 log10(v/127) dB.
  song.setLevels = (x) => {
    song.verseAtt = x;
    const att = song.sections.map((s) => ({
      chorus: 0, verse: x, prechorus: Math.max(x, 0) + 1, intro: x + extra.intro, breakdown: x + extra.breakdown,
      outro: (outroKind === 'chorus' ? Math.max(x, 0) + 0.5 : x) + extra.outro,
    })[s.label]);
    const top = Math.min(...att);
    song.controls = {};
    tracks.forEach((name) => {
      const ch = song.setup[name][0];
      song.controls[name] = song.sections.map((s, k) => ({
        tick: k === 0 ? 0 : leadTicks + s.bar0 * barTicks,
        ev: { type: 'controller', channel: ch, controllerType: 11,
          value: clamp(Math.round(127 * 10 ** (-(att[k] - top) / 40)), 1, 127) },
      }));
    });
  };
  const instrumentsOf = (lead) => lead[1];
  song.arrangement = {
    subtle,
    chorus_over_verse_db_target: target,
    verse: {
      piano: pianoVerse, bass: bassVerse, drums: a.verseDrums === 'soft' ? `${groove}, closed hats, soft` : a.verseDrums,
      lead: a.verseMelody ? instrumentsOf(verseLead) : null,
      melody: a.verseMelody ? (subtle ? 'the chorus melody' : `sparse${shiftDeg ? `, ${a.shift} under the chorus` : ''}`) : null,
    },
    chorus: {
      piano: pianoChorus, bass: bassChorus,
      drums: `${groove}, ${a.chorusHat}${a.extraKicks ? ', extra kicks' : ''}${a.crash ? ', crash on bar 1' : ''}`,
      lead: subtle && !a.verseMelody ? null : a.leadChange === 'switch' ? chorusLead[1] : verseLead[1],
      doubling: a.leadChange === 'double' ? `${double[1]}${double[2] ? ', an octave up' : ''}` : null,
      melody: subtle ? (a.verseMelody ? 'same as the verse' : null) : 'dense',
    },
    intro: introKind, breakdown: S_FORMS[spec.form].some(([l]) => l === 'breakdown')
      ? `piano ${breakdown.piano}${breakdown.melody ? ' with the chorus tune' : ''}, ${breakdown.bass ? 'quiet bass' : 'no bass'}, drums ${breakdown.drums}` : null,
    outro: outroKind,
  };
  return song;
}

// Stereo RMS (dBFS) of a 16-bit WAV over [start, end) second ranges, and its peak.
function wavLevels(path, ranges) {
  const buf = readFileSync(path);
  let off = 12, fmt = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12) };
    else if (id === 'data' && fmt) {
      const n = Math.floor(Math.min(size, buf.length - off - 8) / 2);
      const frames = Math.floor(n / fmt.channels);
      const pcm = new Int16Array(buf.buffer.slice(buf.byteOffset + off + 8, buf.byteOffset + off + 8 + 2 * n));
      let peak = 0;
      for (let i = 0; i < n; ++i) peak = Math.max(peak, Math.abs(pcm[i]));
      const energy = ranges.map(([s, e]) => {
        const i0 = clamp(Math.round(s * fmt.rate), 0, frames), i1 = clamp(Math.round(e * fmt.rate), 0, frames);
        let sum = 0;
        for (let i = i0 * fmt.channels; i < i1 * fmt.channels; ++i) {
          const x = pcm[i] / 32768;
          sum += x * x;
        }
        return { sum, n: (i1 - i0) * fmt.channels };
      });
      return { energy, peak: peak / 32768 };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}
const dbOf = (sum, n) => (n > 0 && sum > 0 ? 10 * Math.log10(sum / n) : -Infinity);

// Render a structure song, adjusting the verse level until the choruses measure the target
// over the verses (within 0.15 dB; at most 4 renders). Returns the levels measured.
function renderStructure(spec, song, midiPath, wavPath) {
  const spb = song.uspb / 1e6;
  const ranges = song.sections.map((s) => [s.bar0, s.bar0 + s.bars].map((bar) => (song.leadTicks / TPB + bar * 4) * spb));
  const lift = (lv) => {
    const pool = (label) => lv.energy.filter((_, k) => song.sections[k].label === label)
      .reduce((acc, x) => ({ sum: acc.sum + x.sum, n: acc.n + x.n }), { sum: 0, n: 0 });
    const c = pool('chorus'), v = pool('verse');
    return dbOf(c.sum, c.n) - dbOf(v.sum, v.n);
  };
  let x = song.target - 1.5;
  const tried = [];
  let lv, got, renders = 0;
  for (;;) {
    song.setLevels(round6(Math.round(x * 100) / 100));
    writeFileSync(midiPath, toMidi(spec, song));
    render(midiPath, wavPath);
    ++renders;
    lv = wavLevels(wavPath, ranges);
    got = lift(lv);
    tried.push([song.verseAtt, got]);
    if (Math.abs(got - song.target) <= 0.15 || renders >= 4) break;
    let slope = 1;
    if (tried.length >= 2) {
      const [[x0, y0], [x1, y1]] = tried.slice(-2);
      if (x1 !== x0) slope = clamp((y1 - y0) / (x1 - x0), 0.3, 2);
    }
    x = song.verseAtt + (song.target - got) / slope;
  }
  const rms = lv.energy.map((e) => Math.round(dbOf(e.sum, e.n) * 100) / 100);
  return { renders, lift: Math.round(got * 100) / 100, rms, peak: lv.peak, verseAtt: song.verseAtt };
}

// ---------------------------------------------------------------------------------------------
// MIDI file

// song.trackNames / song.setup / song.controls (per-track extra events, e.g. CC11 levels) are
// set by the structure set only; without them this is the default set's 4-track layout.
function toMidi(spec, song, tracksWanted = null) {
  const { uspb, endTick, tailTicks } = song;
  const last = endTick + tailTicks;
  const conductor = [
    { tick: 0, ev: { type: 'trackName', text: `${spec.piece} ${keyName(spec)}` } },
    { tick: 0, ev: { type: 'timeSignature', numerator: spec.meter, denominator: 4, metronome: 24, thirtyseconds: 8 } },
    { tick: 0, ev: { type: 'setTempo', microsecondsPerBeat: uspb } },
  ];
  const setup = song.setup || {
    harm: [0, song.programs.harmony[0], 78, 54],  // channel volumes leave ~3 dB of headroom
    bass: [1, song.programs.bass[0], 88, 64],
    lead: [2, song.programs.lead[0], 76, 76],
    drums: [9, 0, 84, 64],
  };
  const tracks = [conductor];
  for (const name of song.trackNames || ['harm', 'bass', 'lead', 'drums']) {
    const [ch, program, volume, pan, reverb] = setup[name];
    const t = [
      { tick: 0, ev: { type: 'programChange', channel: ch, programNumber: program } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 7, value: volume } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 10, value: pan } },
      { tick: 0, ev: { type: 'controller', channel: ch, controllerType: 91, value: reverb ?? (name === 'drums' ? 30 : 50) } },
    ];
    if (song.controls && song.controls[name]) t.push(...song.controls[name]);
    if (!tracksWanted || tracksWanted.includes(name)) {
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
    ...(spec.set ? { set: spec.set } : {}),
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
  if (spec.set) truth.shared_loop = true;
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
  if (spec.set) Object.assign(truth, song.extraTruth);
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Alignment check: drums only; onset of every kick/snare hit on a truth beat.

function checkAlignment(pieces) {
  const songs = set === 'structure' ? planStructureSongs() : planSongs();
  const tmp = mkdtempSync(join(tmpdir(), `${prog}-`));
  cleanup.push(tmp);
  const all = [];
  try {
    for (const piece of pieces) {
      const spec = songs.find((s) => s.piece === piece);
      if (!spec) die(64, `no piece ${piece}`);
      const song = set === 'structure' ? composeStructure(spec) : composeSong(spec);
      if (song.setLevels) song.setLevels(0);
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
const songs = (set === 'structure' ? planStructureSongs() : planSongs()).filter((s) => !only || only.has(s.piece));
const tmp = mkdtempSync(join(tmpdir(), `${prog}-`));
cleanup.push(tmp);
let made = 0, skipped = 0;
const t0 = Date.now();
try {
  songs.forEach((spec, k) => {
    const name = set === 'structure' ? `${spec.piece}-${spec.harmony.voicing}` : `revoiced-${spec.piece}-${spec.harmony.voicing}`;
    const wav = join(dir, `${name}.wav`), truthPath = join(dir, `${name}.truth.json`);
    if (existsSync(wav) && existsSync(truthPath)) { ++skipped; return; }
    const structure = set === 'structure';
    const song = structure ? composeStructure(spec) : composeSong(spec);
    const midi = join(tmp, `${name}.mid`);
    const part = join(dir, `${name}.part.wav`);
    cleanup.push(part);
    const start = Date.now();
    let levels = null;
    if (structure) {
      levels = renderStructure(spec, song, midi, part);
      song.extraTruth = {
        form: spec.form + 1,
        arrangement: { ...song.arrangement, verse_mix_db: -levels.verseAtt, chorus_over_verse_db: levels.lift },
        section_rms_db: levels.rms,
      };
    } else {
      writeFileSync(midi, toMidi(spec, song));
      render(midi, part);
    }
    if (keepMidi) {
      mkdirSync(keepMidi, { recursive: true });
      writeFileSync(join(keepMidi, `${name}.mid`), readFileSync(midi));
    }
    const { seconds } = readWav(part, false);
    renameSync(part, wav);
    const truth = truthOf(spec, song, seconds);
    writeFileSync(`${truthPath}.tmp`, JSON.stringify(truth) + '\n');
    renameSync(`${truthPath}.tmp`, truthPath);
    ++made;
    process.stderr.write(`${prog}: [${k + 1}/${songs.length}] ${name}: ${truth.key} (${truth.mode_detail}), ` +
      `${truth.bpm} BPM ${spec.meter}/4, ${truth.loop}, ${seconds.toFixed(1)} s, rendered in ` +
      `${((Date.now() - start) / 1000).toFixed(1)} s` + (levels ? `, form ${spec.form + 1}, ${spec.half}, ` +
      `chorus ${levels.lift} dB over verse (verse mix ${levels.verseAtt > 0 ? '-' : '+'}${Math.abs(levels.verseAtt)} dB, ${levels.renders} renders), peak ${(20 * Math.log10(levels.peak)).toFixed(1)} dBFS` : '') +
      '\n');
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stderr.write(`${prog}: ${made} made, ${skipped} already there, in ${dir} ` +
  `(${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
