#include "libaudio/content_hash.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::content_hash;

std::string write_audio(const testutil::TempDir& dir, const std::string& name,
                        const synth::Audio& a,
                        audio::SampleFormat fmt = audio::SampleFormat::pcm16) {
  return testutil::write_audio(dir / name, a, fmt);
}

// Lossy fixtures and re-tagged copies come from the ffmpeg program, as a user makes them.
void ffmpeg(const std::string& args) {
  const std::string cmd = "ffmpeg -nostdin -v error -y " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::string q(const std::string& path) {
  return "'" + path + "'";
}

synth::Audio short_track(double bpm = 124, const char* key = "Am") {
  synth::TrackSpec spec;
  spec.bpm = bpm;
  spec.key = synth::parse_key(key);
  spec.sections = {{"intro", 1}, {"drop", 2}};
  return synth::render_track(spec);
}

TEST(ContentHash, PcmRuleIsTheDocumentedByteStream) {
  testutil::TempDir dir;
  auto tone = synth::sine(440, 0.5, 22050, 2, 0.5);
  // Quantise as the 16-bit file will hold it, so the expected stream is exact.
  for (float& v : tone.samples) v = std::nearbyint(v * 32768.0f) / 32768.0f;
  auto path = write_audio(dir, "t.wav", tone);
  audio::Sha256 sha;
  const std::string header = "wf-content-pcm/1 rate=22050 channels=2\n";
  sha.update(header.data(), header.size());
  sha.update(tone.samples.data(), tone.samples.size() * sizeof(float));  // little-endian host
  auto c = content_hash(path);
  EXPECT_EQ(c.rule, "pcm");
  EXPECT_EQ(c.units, tone.frames());
  EXPECT_EQ(c.sha256, sha.hex_digest());
}

TEST(ContentHash, SamePcmInWavAndFlacAt16And24BitsHashesTheSame) {
  testutil::TempDir dir;
  auto track = short_track();
  // 16-bit samples stored in every form: the decoded values are identical.
  auto wav16 = write_audio(dir, "a.wav", track);
  auto flac16 = write_audio(dir, "a.flac", track);
  ffmpeg("-i " + q(wav16) + " -c:a pcm_s24le " + q(dir / "a24.wav"));
  ffmpeg("-i " + q(wav16) + " -c:a flac -sample_fmt s32 " + q(dir / "a24.flac"));
  auto ref = content_hash(wav16);
  EXPECT_EQ(ref.rule, "pcm");
  EXPECT_EQ(content_hash(flac16).sha256, ref.sha256);
  EXPECT_EQ(content_hash(dir / "a24.wav").sha256, ref.sha256);
  EXPECT_EQ(content_hash(dir / "a24.flac").sha256, ref.sha256);
  // The file hashes differ, of course: only the content hash ignores the container.
  EXPECT_NE(audio::sha256_file(wav16).sha256, audio::sha256_file(flac16).sha256);
}

TEST(ContentHash, DifferentAudioOrFormatHashesDifferently) {
  testutil::TempDir dir;
  auto a = content_hash(write_audio(dir, "a.wav", synth::sine(440, 1.0, 44100, 1, 0.5)));
  auto b = content_hash(write_audio(dir, "b.wav", synth::sine(441, 1.0, 44100, 1, 0.5)));
  // One sample changed by one LSB.
  auto tone = synth::sine(440, 1.0, 44100, 1, 0.5);
  tone.samples[1000] += 1.0f / 32768.0f;
  auto c = content_hash(write_audio(dir, "c.wav", tone));
  // Same samples declared at another rate: a different recording.
  auto d = content_hash(write_audio(dir, "d.wav", synth::sine(440, 1.0, 44100, 1, 0.5)));
  auto slow = synth::sine(440, 1.0, 44100, 1, 0.5);
  slow.rate = 48000;
  auto e = content_hash(write_audio(dir, "e.wav", slow));
  EXPECT_NE(a.sha256, b.sha256);
  EXPECT_NE(a.sha256, c.sha256);
  EXPECT_EQ(a.sha256, d.sha256);
  EXPECT_NE(a.sha256, e.sha256);
}

TEST(ContentHash, RetaggedMp3KeepsItsHash) {
  testutil::TempDir dir;
  auto wav = write_audio(dir, "t.wav", short_track());
  const std::string mp3 = dir / "t.mp3";
  ffmpeg("-i " + q(wav) + " -b:a 192k " + q(mp3));
  ffmpeg("-i " + q(mp3) + " -c copy -metadata title=X " + q(dir / "b.mp3"));
  ffmpeg("-i " + q(mp3) + " -c copy -metadata title=Y -metadata artist=Z -id3v2_version 3 " +
         q(dir / "c.mp3"));
  ffmpeg("-i " + q(mp3) + " -c copy -write_id3v1 1 -metadata title=V " + q(dir / "d.mp3"));
  // Without the Xing/Info frame FFmpeg writes (and rewrites on every remux).
  ffmpeg("-i " + q(mp3) + " -c copy -write_xing 0 " + q(dir / "e.mp3"));
  // An APEv2 tag appended after the last frame, as some taggers do.
  std::filesystem::copy_file(mp3, dir / "f.mp3");
  {
    std::ofstream f(dir / "f.mp3", std::ios::app | std::ios::binary);
    const std::string item = std::string("\x0a\0\0\0\0\0\0\0", 8) + "Title" + '\0' + "Some title";
    std::string footer = "APETAGEX";
    const std::uint32_t fields[4] = {2000, static_cast<std::uint32_t>(item.size() + 32), 1, 0};
    footer.append(reinterpret_cast<const char*>(fields), sizeof fields);
    footer.append(8, '\0');
    f << item << footer;
  }
  // The same frames in another container.
  ffmpeg("-i " + q(mp3) + " -c copy " + q(dir / "g.mka"));
  auto ref = content_hash(mp3);
  EXPECT_EQ(ref.rule, "packets");
  EXPECT_GT(ref.units, 100u);
  for (const char* name : {"b.mp3", "c.mp3", "d.mp3", "e.mp3", "f.mp3", "g.mka"}) {
    auto c = content_hash(dir / name);
    EXPECT_EQ(c.sha256, ref.sha256) << name;
    EXPECT_EQ(c.units, ref.units) << name;
    EXPECT_NE(audio::sha256_file(dir / name).sha256, audio::sha256_file(mp3).sha256) << name;
  }
}

TEST(ContentHash, DifferentMp3sDiffer) {
  testutil::TempDir dir;
  auto a = write_audio(dir, "a.wav", short_track(124, "Am"));
  auto b = write_audio(dir, "b.wav", short_track(124, "Em"));
  ffmpeg("-i " + q(a) + " -b:a 192k " + q(dir / "a.mp3"));
  ffmpeg("-i " + q(b) + " -b:a 192k " + q(dir / "b.mp3"));
  ffmpeg("-i " + q(a) + " -b:a 128k " + q(dir / "a128.mp3"));
  auto ha = content_hash(dir / "a.mp3");
  EXPECT_NE(ha.sha256, content_hash(dir / "b.mp3").sha256);
  // Re-encoding is a new set of frames: that is the fingerprint's job, not this hash's.
  EXPECT_NE(ha.sha256, content_hash(dir / "a128.mp3").sha256);
}

TEST(ContentHash, AacInAdtsAndMp4AndRetaggedVorbisAgree) {
  testutil::TempDir dir;
  auto wav = write_audio(dir, "t.wav", short_track());
  ffmpeg("-i " + q(wav) + " -c:a aac -b:a 128k " + q(dir / "t.m4a"));
  ffmpeg("-i " + q(dir / "t.m4a") + " -c copy " + q(dir / "t.aac"));
  ffmpeg("-i " + q(dir / "t.m4a") + " -c copy -metadata title=X " + q(dir / "u.m4a"));
  ffmpeg("-i " + q(wav) + " -c:a libvorbis -q:a 3 " + q(dir / "t.ogg"));
  ffmpeg("-i " + q(dir / "t.ogg") + " -c copy -metadata title=X " + q(dir / "u.ogg"));
  auto aac = content_hash(dir / "t.m4a");
  EXPECT_EQ(aac.rule, "packets");
  EXPECT_EQ(content_hash(dir / "t.aac").sha256, aac.sha256);
  EXPECT_EQ(content_hash(dir / "u.m4a").sha256, aac.sha256);
  EXPECT_EQ(content_hash(dir / "u.ogg").sha256, content_hash(dir / "t.ogg").sha256);
  EXPECT_NE(content_hash(dir / "t.ogg").sha256, aac.sha256);
}

TEST(ContentHash, NotAudioIsADataError) {
  testutil::TempDir dir;
  std::ofstream(dir / "text.mp3") << "this is not audio at all, just some words\n";
  try {
    content_hash(dir / "text.mp3");
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
  }
}

}  // namespace
