// eval-writers: drives libmix's output writers outside the unit tests.
//
//   eval-writers encode IN OUT.mp3   decodes IN (any format, its own rate and channels) and
//                                    encodes it with mix::Mp3Writer at 320 kbps CBR, quality
//                                    2: the library path djb-render encodes through, timed
//                                    against `lame -b 320 -q 2 IN OUT` for the encoder floor.
//   eval-writers samples DIR         writes DIR/sample.lrc and DIR/sample.cue for a fixed
//                                    track list with times past 99 minutes and texts with
//                                    quotes, brackets and line breaks, for the JavaScript
//                                    LRC parser tests (tests/js/lrc.test.mjs knows the list).
// Exit 0, or 64 on bad use, or the writers' error codes.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libmix/mp3_writer.hpp"
#include "libmix/track_list.hpp"

namespace {

int encode(const std::string& in, const std::string& out) {
  audio::Decoder d(in);
  mix::Mp3Options o;
  o.sample_rate = d.sample_rate();
  o.channels = d.channels();
  mix::Mp3Writer w(out, o);
  // Large chunks, as djb-render feeds it.
  constexpr std::size_t kFrames = 65536;
  std::vector<float> buf(kFrames * static_cast<std::size_t>(d.channels()));
  while (const std::size_t n = d.read(buf.data(), kFrames)) w.write(buf.data(), n);
  w.commit();
  if (w.clipped_samples() > 0) {
    std::cerr << "eval-writers: " << in << ": " << w.clipped_samples() << " samples clipped\n";
  }
  return 0;
}

// The list tests/js/lrc.test.mjs expects (keep the two in step).
mix::TrackList sample_list() {
  mix::TrackList l;
  l.title = "Night [Part 1]";
  l.artist = "DJ \"B\"";
  l.album = "Sets";
  l.length_seconds = 8000.4;
  l.tool = "djb-render";
  l.tool_version = "0.0.0-test";
  l.tracks = {
      {0.0, "Artist A", "Opening", "a.flac"},
      {61.234, "", "No Artist Here", "b.mp3"},                 // -> 01:01.23
      {125.005, "Q \"Quote\"", "Say \"hi\"\nagain", "c.wav"},  // tie-ish: 12500.5 cs -> 02:05.01
      {3599.996, "X", "[01:00] Not a time", "d.wav"},          // rolls over to 60:00.00
      {5999.994, "Y", "Just Before 100", "e.wav"},             // 99:59.99
      {6000.0, "Z", "One Hundred", "f.wav"},                   // 100:00.00
      {7384.5, "Déjà", "Vu — 夜 <3", "g.wav"},                 // 123:04.50
  };
  return l;
}

int samples(const std::string& dir) {
  const auto list = sample_list();
  std::ofstream lrc(dir + "/sample.lrc", std::ios::binary);
  mix::write_lrc(lrc, list);
  std::ofstream cue(dir + "/sample.cue", std::ios::binary);
  mix::write_cue(cue, list, "sample.mp3");
  if (!lrc.flush() || !cue.flush())
    throw audio::Error(audio::Exit::cant_create, dir, "cannot write");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "encode") return encode(args[1], args[2]);
    if (args.size() == 2 && args[0] == "samples") return samples(args[1]);
  } catch (const audio::Error& e) {
    std::cerr << "eval-writers: " << e.subject() << ": " << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  std::cerr << "usage: eval-writers encode IN OUT.mp3 | eval-writers samples DIR\n";
  return 64;
}
