// synth: writes deterministic test signals for tests, golden files, benchmarks and the demo.
//   synth tone   --freq 440 --seconds 2 [--channels 2] [--amp 0.5] -o tone.wav
//   synth noise  --seconds 2 [--seed 1] -o noise.wav
//   synth clicks --bpm 120 --seconds 10 -o clicks.wav
//   synth track  --bpm 124 --key Am [--groove breakbeat] [--sections intro:4,drop:8]
//                [--lead-in 2] [--truth t.json] -o track.wav
//   synth stems  --bpm 124 --key Am --outdir DIR     (drums/bass/chords/lead .wav)
//   synth pad    --key Am --seconds 30 -o pad.wav      (no onsets: swelling chords)
//   synth babble --seconds 30 [--seed 1] -o talk.wav   (speech-like syllables, no beat)
//   synth song   --bpm 100 --key C [--sections intro:4,verse:8,chorus:8,...] [--truth t.json]
//                -o song.wav   (verse/chorus/bridge song form: see TrackSpec::song)
//   synth applause --seconds 10 -o crowd.wav
//   synth concert --songs 3 [--gap 16] [--truth t.json] -o concert.wav
#include <filesystem>
#include <fstream>
#include <iostream>

#include "libaudio/cli.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"

namespace {

void write_audio(const synth::Audio& a, const std::string& path, const std::string& bits) {
  audio::SoundWriter w(path, a.rate, a.channels, audio::parse_sample_format(bits),
                       audio::container_for_path(path));
  w.write(a.samples.data(), a.frames());
  w.commit();
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("synth", "Deterministic test signals for the djb-toolkit test suite");
  CLI::App& app = tool.app();
  app.require_subcommand(1);
  double freq = 440, seconds = 2, amp = 0.5, bpm = 124, lead_in = 0, offset = 0;
  int rate = 44100, channels = 1;
  std::uint64_t seed = 1;
  std::string out, bits = "16", key = "Am", sections, truth_path, outdir,
                   groove = "four-on-the-floor";

  auto common = [&](CLI::App* sub, bool needs_out) {
    sub->add_option("--rate", rate, "Sample rate")->check(CLI::Range(8000, 192000));
    sub->add_option("--bits", bits, "16, 24 or 32f");
    if (needs_out) sub->add_option("-o,--output", out, "Output .wav or .flac")->required();
  };
  CLI::App* tone = app.add_subcommand("tone", "A sine tone");
  tone->add_option("--freq", freq)->check(CLI::Range(1.0, 96000.0));
  tone->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  tone->add_option("--channels", channels)->check(CLI::Range(1, 8));
  tone->add_option("--amp", amp)->check(CLI::Range(0.0, 4.0));
  common(tone, true);
  CLI::App* noise = app.add_subcommand("noise", "White noise");
  noise->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  noise->add_option("--channels", channels)->check(CLI::Range(1, 8));
  noise->add_option("--amp", amp)->check(CLI::Range(0.0, 4.0));
  noise->add_option("--seed", seed);
  common(noise, true);
  CLI::App* clk = app.add_subcommand("clicks", "A click on every beat");
  clk->add_option("--bpm", bpm)->check(CLI::Range(20.0, 400.0));
  clk->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  clk->add_option("--offset", offset)->check(CLI::Range(0.0, 60.0));
  common(clk, true);
  CLI::App* pad = app.add_subcommand("pad", "Swelling chords without onsets (no beat)");
  pad->add_option("--key", key, "e.g. Am, C, F#m");
  pad->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  common(pad, true);
  CLI::App* babble = app.add_subcommand("babble", "Speech-like syllables (no beat)");
  babble->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  babble->add_option("--seed", seed);
  common(babble, true);
  CLI::App* track = app.add_subcommand("track", "A short musical track with known truth");
  CLI::App* stems = app.add_subcommand("stems", "The four stems of a track");
  CLI::App* song = app.add_subcommand("song", "A song: intro, verses, choruses, bridge, outro");
  CLI::App* clap = app.add_subcommand("applause", "Crowd applause (no beat, no pitch)");
  clap->add_option("--seconds", seconds)->check(CLI::Range(0.0, 36000.0));
  clap->add_option("--seed", seed);
  common(clap, true);
  CLI::App* concert = app.add_subcommand("concert", "Songs separated by applause and talk");
  int songs = 3;
  double gap = 16;
  concert->add_option("--songs", songs)->check(CLI::Range(1, 50));
  concert->add_option("--gap", gap, "Seconds between songs (half applause, half talk)")
      ->check(CLI::Range(2.0, 600.0));
  concert->add_option("--seed", seed);
  concert->add_option("--truth", truth_path, "Write the ground truth JSON here");
  common(concert, true);
  for (CLI::App* sub : {track, stems, song}) {
    sub->add_option("--bpm", bpm)->check(CLI::Range(40.0, 300.0));
    sub->add_option("--key", key, "e.g. Am, C, F#m");
    sub->add_option("--groove", groove, "four-on-the-floor, breakbeat or half-time");
    sub->add_option("--sections", sections,
                    "label:bars[@bpm],... (default intro:4,drop:8,breakdown:4,drop:8,outro:4)");
    sub->add_option("--lead-in", lead_in, "Seconds of silence before the first beat")
        ->check(CLI::Range(0.0, 60.0));
    sub->add_option("--seed", seed);
    sub->add_option("--truth", truth_path, "Write the ground truth JSON here");
  }
  bool shared_loop = false;
  song->add_flag("--shared-loop", shared_loop,
                 "Verse, prechorus and chorus play one chord loop (only the arrangement differs)");
  common(track, true);
  common(song, true);
  common(stems, false);
  stems->add_option("--outdir", outdir, "Directory for drums.wav, bass.wav, chords.wav, lead.wav")
      ->required();

  return tool.run(argc, argv, [&]() -> audio::Exit {
    auto spec_from_options = [&] {
      synth::TrackSpec spec;
      try {
        spec.bpm = bpm;
        spec.key = synth::parse_key(key);
        spec.groove = synth::parse_groove(groove);
        if (!sections.empty()) spec.sections = synth::parse_sections(sections);
      } catch (const std::exception& e) {
        throw audio::Error(audio::Exit::usage, "", e.what());
      }
      spec.lead_in = lead_in;
      spec.rate = rate;
      spec.seed = seed;
      return spec;
    };
    auto write_truth = [&](const synth::TrackSpec& spec, double duration) {
      if (truth_path.empty()) return;
      std::ofstream f(truth_path);
      f << synth::truth(spec, duration).dump(2) << '\n';
      if (!f) throw audio::Error(audio::Exit::cant_create, truth_path, "cannot write");
    };
    if (tone->parsed()) {
      write_audio(synth::sine(freq, seconds, rate, channels, amp), out, bits);
    } else if (noise->parsed()) {
      write_audio(synth::white_noise(seconds, rate, channels, amp, seed), out, bits);
    } else if (pad->parsed()) {
      synth::Key k;
      try {
        k = synth::parse_key(key);
      } catch (const std::exception& e) {
        throw audio::Error(audio::Exit::usage, "", e.what());
      }
      write_audio(synth::pad(k, seconds, rate), out, bits);
    } else if (babble->parsed()) {
      write_audio(synth::babble(seconds, rate, seed), out, bits);
    } else if (clk->parsed()) {
      write_audio(synth::clicks(bpm, seconds, rate, offset), out, bits);
    } else if (track->parsed()) {
      auto spec = spec_from_options();
      auto a = synth::render_track(spec);
      write_audio(a, out, bits);
      write_truth(spec, static_cast<double>(a.frames()) / a.rate);
    } else if (song->parsed()) {
      auto spec = spec_from_options();
      spec.song = true;
      spec.shared_loop = shared_loop;
      if (sections.empty()) spec.sections = synth::default_song_sections();
      auto a = synth::render_track(spec);
      write_audio(a, out, bits);
      write_truth(spec, static_cast<double>(a.frames()) / a.rate);
    } else if (clap->parsed()) {
      write_audio(synth::applause(seconds, rate, seed), out, bits);
    } else if (concert->parsed()) {
      // Each song its own tempo and key, chosen deterministically from the seed.
      static const double tempos[] = {96, 128, 84, 140, 112, 72, 150, 104};
      static const char* keys[] = {"C", "Am", "G", "Em", "D", "F#m", "Bb", "Cm"};
      std::vector<synth::TrackSpec> specs;
      for (int k = 0; k < songs; ++k) {
        synth::TrackSpec s;
        const auto i = static_cast<std::size_t>((static_cast<std::uint64_t>(k) + seed) % 8);
        s.bpm = tempos[i];
        s.key = synth::parse_key(keys[i]);
        s.song = true;
        s.sections = synth::default_song_sections();
        s.seed = seed + static_cast<std::uint64_t>(k);
        specs.push_back(s);
      }
      const synth::Concert c = synth::render_concert(specs, gap, rate);
      write_audio(c.audio, out, bits);
      if (!truth_path.empty()) {
        std::ofstream f(truth_path);
        f << c.truth.dump(2) << '\n';
        if (!f) throw audio::Error(audio::Exit::cant_create, truth_path, "cannot write");
      }
    } else if (stems->parsed()) {
      auto spec = spec_from_options();
      std::filesystem::create_directories(outdir);
      auto st = synth::render_stems(spec);
      write_audio(st.drums, outdir + "/drums.wav", bits);
      write_audio(st.bass, outdir + "/bass.wav", bits);
      write_audio(st.chords, outdir + "/chords.wav", bits);
      write_audio(st.lead, outdir + "/lead.wav", bits);
      write_truth(spec, static_cast<double>(st.drums.frames()) / st.drums.rate);
    }
    return audio::Exit::ok;
  });
}
