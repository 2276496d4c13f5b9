#!/usr/bin/env node
// Test helper: a djb.plan/1 (see djb-render(1)) from djb-analyze documents, in the given
// order, without any scoring: each transition overlaps the last BARS bars before A's
// outro-ish end with B from its first downbeat, at A's tempo (B stretched to it).
//   make-plan.mjs [--types crossfade,bass_swap,...] [--bars N] ANALYSIS.jsonl|- > plan.json
// Types cycle over the transitions. Deterministic.
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
let types = ["crossfade"], bars = 8, input = "-";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--types") types = args[++i].split(",");
  else if (args[i] === "--bars") bars = Number(args[++i]);
  else input = args[i];
}
const text = fs.readFileSync(input === "-" ? 0 : input, "utf8");
const docs = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const r3 = (x) => Math.round(x * 1e6) / 1e6;
const cue = (d, name) => (d.cues || []).find((c) => c.name === name)?.time;

const tracks = docs.map((d, index) => ({
  index,
  input: { path: d.input.path, sha256: d.input.sha256 },
  analysis_version: d.analysis_version,
  title: (d.tags && d.tags.title) || path.basename(d.input.path).replace(/\.[^.]*$/, ""),
  artist: (d.tags && d.tags.artist) || null,
  duration: d.duration,
  bpm: d.bpm,
  beat_grid: d.beat_grid ? { first_beat: d.beat_grid.first_beat, period: d.beat_grid.period } : null,
  downbeats: d.downbeats || [],
  key: d.key ? { name: d.key.name, camelot: d.key.camelot } : null,
  loudness: { integrated_lufs: d.loudness.integrated_lufs, true_peak_dbtp: d.loudness.true_peak_dbtp },
  play: { start: 0, end: d.duration },
}));

const transitions = [];
let prevEntryEnd = cue(docs[0], "mix_in") || 0;
tracks[0].play.start = prevEntryEnd;
for (let i = 0; i + 1 < docs.length; i++) {
  const a = docs[i], b = docs[i + 1];
  const type = types[i % types.length];
  const beatless = !a.bpm || !b.bpm || type === "fade";
  const target = beatless ? 0 : a.bpm;
  const stretchB = beatless ? 1 : target / b.bpm;
  let aSec, mixSec, bSec, overlapBars;
  if (type === "cut") { aSec = mixSec = bSec = 0; overlapBars = 0; }
  else if (beatless) { aSec = mixSec = bSec = 8; overlapBars = null; }
  else {
    overlapBars = bars;
    aSec = (bars * 4 * 60) / a.bpm;
    mixSec = aSec;
    bSec = mixSec * stretchB;
  }
  // A's exit: the last downbeat whose overlap still ends a bar before A's audible end.
  const end = cue(a, "audible_end") || a.duration;
  const barSec = a.bpm ? (4 * 60) / a.bpm : 2;
  const dbs = a.downbeats.length ? a.downbeats : [Math.max(0, end - aSec - barSec)];
  let exit = dbs.filter((d) => d + aSec <= end - barSec && d >= prevEntryEnd).pop();
  if (exit === undefined) exit = Math.max(prevEntryEnd, end - aSec - barSec);
  const entry = (b.downbeats && b.downbeats.find((d) => d >= (cue(b, "mix_in") || 0))) || 0;
  const params = { crossfade: { curve: "equal_power" }, bass_swap: { swap_bar: Math.floor(bars / 2), shelf_hz: 180 },
    cut: { fade_ms: 8 }, filter: { filter: "highpass", from_hz: 20, to_hz: 2000 }, mashup: {},
    fade: { curve: "equal_power" } }[type];
  transitions.push({
    from: i, to: i + 1, type, exit: r3(exit), entry: r3(entry), overlap_bars: overlapBars,
    overlap: { a_seconds: r3(aSec), b_seconds: r3(bSec), mix_seconds: r3(mixSec) },
    tempo: { target_bpm: target || null, stretch_a: 1, stretch_b: r3(stretchB), b_multiplier: 1 },
    params, score: 0.5, breakdown: {},
  });
  tracks[i].play.end = r3(exit + aSec);
  tracks[i + 1].play.start = r3(entry);
  prevEntryEnd = entry + bSec;
}
const last = docs[docs.length - 1];
tracks[tracks.length - 1].play.end = r3(cue(last, "audible_end") || last.duration);
let duration = 0;
for (let i = 0; i < tracks.length; i++) {
  const solo = (i + 1 < tracks.length ? transitions[i].exit : tracks[i].play.end) -
    (i > 0 ? transitions[i - 1].entry + transitions[i - 1].overlap.b_seconds : tracks[i].play.start);
  duration += solo + (i + 1 < tracks.length ? transitions[i].overlap.mix_seconds : 0);
}
const plan = { schema: "djb.plan/1", toolkit_version: docs[0].toolkit_version,
  options: { keep_order: true, arc: "flat", first: null, last: null, max_length: null, weights: "default" },
  tracks, transitions, score: 0.5, duration: r3(duration) };
process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
