#include "libmix/clip_cutter.hpp"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libmix/thumbnails.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::vector<float> decode(const std::string& path, int& rate, int& channels) {
  audio::Decoder d(path);
  rate = d.sample_rate();
  channels = d.channels();
  std::vector<float> out, chunk(4096 * std::size_t(channels));
  while (std::size_t n = d.read(chunk.data(), 4096))
    out.insert(out.end(), chunk.begin(), chunk.begin() + long(n * std::size_t(channels)));
  return out;
}

TEST(ClipCutter, AudioClipsKeepTheFormatAndFadeTheEdges) {
  testutil::TempDir dir;
  const std::string in = testutil::write_audio(dir / "in.wav", synth::sine(440, 10, 44100, 2, 0.5),
                                               audio::SampleFormat::pcm24);
  const auto res = mix::cut_audio(in, {{2.0, 5.0, dir / "a.wav"}, {4.0, 9.5, dir / "b.flac"}});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_DOUBLE_EQ(res[0].start, 2.0);
  EXPECT_DOUBLE_EQ(res[0].end, 5.0);
  int rate = 0, ch = 0;
  const auto a = decode(dir / "a.wav", rate, ch);
  EXPECT_EQ(rate, 44100);
  EXPECT_EQ(ch, 2);
  EXPECT_EQ(a.size(), std::size_t(3 * 44100 * 2));
  EXPECT_EQ(audio::probe_audio(dir / "a.wav").bits_per_sample, 24);
  EXPECT_NEAR(a[0], 0.0, 1e-6);  // faded in
  EXPECT_NEAR(a[a.size() - 1], 0.0, 1e-3);
  // In the middle, the input's samples (the sine at 3.5 s).
  const std::size_t mid = std::size_t(1.5 * 44100);
  EXPECT_NEAR(a[2 * mid], 0.5 * std::sin(2 * M_PI * 440 * 3.5), 1e-3);
  const auto b = decode(dir / "b.flac", rate, ch);
  EXPECT_EQ(b.size(), std::size_t(5.5 * 44100 * 2));
}

TEST(ClipCutter, Mp3ClipsForOtherInputs) {
  testutil::TempDir dir;
  const std::string wav = testutil::write_audio(dir / "in.wav", synth::sine(440, 6, 44100, 2, 0.5));
  const auto res = mix::cut_audio(wav, {{1.0, 4.0, dir / "c.mp3"}});
  const audio::AudioInfo info = audio::probe_audio(dir / "c.mp3");
  EXPECT_EQ(info.codec, "mp3");
  EXPECT_NEAR(info.duration, 3.0, 0.1);
  EXPECT_EQ(mix::audio_clip_extension(audio::probe_audio(wav)), "wav");
  EXPECT_EQ(mix::audio_clip_extension(info), "mp3");
}

TEST(ClipCutter, NothingLeftBehindOnFailure) {
  testutil::TempDir dir;
  const std::string wav = testutil::write_audio(dir / "in.wav", synth::sine(440, 2, 44100, 1, 0.5));
  EXPECT_THROW(mix::cut_video(wav, {{0.0, 1.0, dir / "v.mp4"}}), audio::Error);
  EXPECT_THROW(mix::check_aspect("4:3"), audio::Error);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.path().filename() != "in.wav";
  EXPECT_EQ(files, 0u);
}

// Video tests use the ffmpeg CLI only to make the lavfi fixture: 12 s at 25 fps, a keyframe
// every 2 s, H.264 (ultrafast: no B-frames, unless `codec` says otherwise) and AAC.
bool make_video(const std::string& path, const std::string& extra = "",
                const std::string& codec = "-c:v libx264 -preset ultrafast") {
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25:duration=12 -f lavfi -i "
      "sine=frequency=440:duration=12 " +
      extra + " " + codec + " -g 50 -pix_fmt yuv420p -c:a aac -shortest '" + path + "'";
  return std::system(cmd.c_str()) == 0;
}

// libx264 at its veryfast preset (3 B-frames, B-pyramid) or without B-frames; keyframes only
// every 50 frames (no scene-cut keyframes), so keyframes fall on 0, 2, 4, ... s.
const std::string kWithBFrames = "-c:v libx264 -preset veryfast -sc_threshold 0";
const std::string kNoBFrames = "-c:v libx264 -preset veryfast -bf 0 -sc_threshold 0";

// Every video frame of a file, decoded with libavcodec as a player would (the MP4 edit list
// applied), with the luma planes, and the decoding errors FFmpeg logged or returned.
struct DecodedVideo {
  std::vector<double> times;               // seconds
  std::vector<std::vector<uint8_t>> luma;  // width x height each
  double stream_duration = 0, audio_start = NAN;
  int errors = 0;
};

std::atomic<int> g_logged_errors{0};

DecodedVideo decode_video(const std::string& path) {
  DecodedVideo d;
  g_logged_errors = 0;
  av_log_set_level(AV_LOG_ERROR);
  av_log_set_callback([](void*, int level, const char*, va_list) {
    if (level <= AV_LOG_ERROR) ++g_logged_errors;
  });
  {
    audio::ff::FormatPtr in = audio::ff::open_input(path);
    const int v = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    const int a = av_find_best_stream(in.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (v < 0) throw std::runtime_error("no video in " + path);
    const AVStream* st = in->streams[v];
    d.stream_duration = double(st->duration) * av_q2d(st->time_base);
    if (a >= 0)
      d.audio_start = double(in->streams[a]->start_time) * av_q2d(in->streams[a]->time_base);
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    audio::ff::CodecPtr dec(avcodec_alloc_context3(codec));
    avcodec_parameters_to_context(dec.get(), st->codecpar);
    dec->pkt_timebase = st->time_base;
    dec->err_recognition |= AV_EF_EXPLODE;
    if (avcodec_open2(dec.get(), codec, nullptr) < 0) throw std::runtime_error("no decoder");
    audio::ff::PacketPtr pkt(av_packet_alloc());
    audio::ff::FramePtr f(av_frame_alloc());
    auto take = [&] {
      while (avcodec_receive_frame(dec.get(), f.get()) == 0) {
        if (f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT)) ++d.errors;
        d.times.push_back(double(f->best_effort_timestamp) * av_q2d(st->time_base));
        std::vector<uint8_t> y(std::size_t(f->width * f->height));
        for (int r = 0; r < f->height; ++r)
          std::copy_n(f->data[0] + r * f->linesize[0], f->width, y.begin() + r * f->width);
        d.luma.push_back(std::move(y));
        av_frame_unref(f.get());
      }
    };
    while (av_read_frame(in.get(), pkt.get()) >= 0) {
      if (pkt->stream_index == v) {
        if (avcodec_send_packet(dec.get(), pkt.get()) < 0) ++d.errors;
        take();
      }
      av_packet_unref(pkt.get());
    }
    avcodec_send_packet(dec.get(), nullptr);
    take();
  }
  d.errors += g_logged_errors;
  av_log_set_callback(av_log_default_callback);
  audio::ff::init_logging();
  return d;
}

// Mean absolute difference of two luma planes.
double mad(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size() || a.empty()) return 255;
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += std::abs(int(a[i]) - int(b[i]));
  return sum / double(a.size());
}

// The index of the source frame most like `frame` among source frames [lo, hi).
std::size_t closest(const DecodedVideo& source, const std::vector<uint8_t>& frame, std::size_t lo,
                    std::size_t hi) {
  std::size_t best = lo;
  double best_mad = std::numeric_limits<double>::infinity();
  for (std::size_t i = lo; i < std::min(hi, source.luma.size()); ++i) {
    const double m = mad(source.luma[i], frame);
    if (m < best_mad) best_mad = m, best = i;
  }
  return best;
}

// Checks a frame-accurate clip of `source` that should start at source frame `first` and
// hold `count` frames (1/25 s each): its length, timestamps, clean decoding, and that every
// frame is the source frame it should be (the first one searched among all of them).
void expect_accurate_clip(const DecodedVideo& source, const std::string& clip, std::size_t first,
                          std::size_t count) {
  const DecodedVideo c = decode_video(clip);
  EXPECT_EQ(c.errors, 0);
  EXPECT_NEAR(c.stream_duration, double(count) / 25, 1.0 / 25 + 1e-6);
  EXPECT_NEAR(double(c.times.size()), double(count), 1.0);
  ASSERT_FALSE(c.times.empty());
  EXPECT_DOUBLE_EQ(c.times.front(), 0.0);
  EXPECT_NEAR(c.audio_start, 0.0, 0.03);  // AAC packets are 1024/44100 s
  EXPECT_EQ(closest(source, c.luma.front(), 0, source.luma.size()), first);
  EXPECT_LT(mad(c.luma.front(), source.luma[first]), 2.5);  // CRF 20 re-encode
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < c.luma.size(); ++i) {
    const std::size_t want = first + i;
    wrong += closest(source, c.luma[i], want > 3 ? want - 3 : 0, want + 4) != want;
    EXPECT_NEAR(c.times[i], double(i) / 25, 1e-3) << "frame " << i;
  }
  EXPECT_EQ(wrong, 0u);
}

TEST(ClipCutter, VideoStreamCopyStartsOnAKeyframeAndExactDoesNot) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in));
  mix::CutOptions plain;
  plain.mode = mix::CutMode::copy;
  const auto copy = mix::cut_video(in, {{3.3, 6.0, dir / "copy.mp4"}}, plain);
  EXPECT_DOUBLE_EQ(copy[0].start, 2.0);  // keyframes every 2 s
  EXPECT_EQ(copy[0].reencoded_frames, 0);
  EXPECT_FALSE(copy[0].reencoded);
  EXPECT_TRUE(audio::probe_audio(dir / "copy.mp4").has_video);
  EXPECT_NEAR(audio::probe_audio(dir / "copy.mp4").duration, 4.0, 0.2);
  mix::CutOptions exact;
  exact.mode = mix::CutMode::exact;
  const auto re = mix::cut_video(in, {{3.3, 6.0, dir / "exact.mp4"}}, exact);
  EXPECT_NEAR(re[0].start, 3.32, 0.021);  // the first frame at or after 3.3 s
  EXPECT_NEAR(audio::probe_audio(dir / "exact.mp4").duration, 2.7, 0.15);
  EXPECT_EQ(re[0].reencoded_frames, 67);  // 3.32 to 5.96 s
  mix::CutOptions tall;
  tall.aspect = "9:16";
  mix::cut_video(in, {{1.0, 2.0, dir / "tall.mp4"}}, tall);
  const std::string probe =
      "ffprobe -v error -select_streams v -show_entries stream=width,height "
      "-of csv=p=0 '" +
      (dir / "tall.mp4") + "' > '" + (dir / "size.txt") + "'";
  ASSERT_EQ(std::system(probe.c_str()), 0);
  std::ifstream f(dir / "size.txt");
  std::string size;
  f >> size;
  EXPECT_EQ(size, "134,240");  // 240 x 9/16 = 135, made even
}

// A smart cut from mid-GOP (3.37 s: the frame at 3.36 s is the nearest; keyframes at 2 and
// 4 s) for 5 s: 125 frames from source frame 84, re-encoded up to the keyframe at 4 s (16
// frames), copied from there. With B-frames the frames just before the end may reference
// one after it, and up to a mini-GOP (3 frames) is re-encoded there as well.
void expect_smart_cut(const std::string& codec, int max_end_frames) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in, "", codec));
  const DecodedVideo source = decode_video(in);
  ASSERT_EQ(source.errors, 0);
  ASSERT_EQ(source.luma.size(), 300u);
  const auto r = mix::cut_video(in, {{3.37, 8.37, dir / "smart.mp4"}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].start, 3.36, 1e-9);
  EXPECT_NEAR(r[0].end, 8.36, 1e-9);
  EXPECT_TRUE(r[0].reencoded);
  EXPECT_GE(r[0].reencoded_frames, 16);
  EXPECT_LE(r[0].reencoded_frames, 16 + max_end_frames);
  EXPECT_EQ(r[0].note, "");
  expect_accurate_clip(source, dir / "smart.mp4", 84, 125);
}

TEST(ClipCutter, SmartCutIsFrameAccurateWithoutBFrames) {
  expect_smart_cut(kNoBFrames, 0);
}

TEST(ClipCutter, SmartCutIsFrameAccurateWithBFrames) {
  expect_smart_cut(kWithBFrames, 3);
}

// Every later GOP is copied untouched; a clip from keyframe to keyframe is a pure copy.
TEST(ClipCutter, SmartCutOnKeyframesReencodesNothing) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in, "", kWithBFrames));
  const DecodedVideo source = decode_video(in);
  const auto r = mix::cut_video(
      in, {{4.01, 8.0, dir / "a.mp4"}, {3.99, 6.0, dir / "b.mp4"}, {2.0, 7.2, dir / "c.mp4"}});
  EXPECT_EQ(r[0].reencoded_frames, 0);  // 4.01: within half a frame of the keyframe at 4 s
  EXPECT_FALSE(r[0].reencoded);
  EXPECT_DOUBLE_EQ(r[0].start, 4.0);
  EXPECT_DOUBLE_EQ(r[0].end, 8.0);
  EXPECT_EQ(r[1].reencoded_frames, 0);
  EXPECT_DOUBLE_EQ(r[1].start, 4.0);
  expect_accurate_clip(source, dir / "a.mp4", 100, 100);
  expect_accurate_clip(source, dir / "b.mp4", 100, 50);
  EXPECT_LE(r[2].reencoded_frames, 3);  // at most the frames just before 7.2 s
  expect_accurate_clip(source, dir / "c.mp4", 50, 130);
}

TEST(ClipCutter, SmartCutWithoutBFramesReencodesOnlyTheHead) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in, "", kNoBFrames));
  const auto r = mix::cut_video(in, {{4.0, 7.2, dir / "a.mp4"}, {1.0, 2.5, dir / "b.mp4"}});
  EXPECT_EQ(r[0].reencoded_frames, 0);
  EXPECT_EQ(r[1].reencoded_frames, 25);  // 1.0 to 2.0 s; copied from the keyframe at 2 s
  const DecodedVideo source = decode_video(in);
  expect_accurate_clip(source, dir / "b.mp4", 25, 37);
}

// A clip that ends before the next keyframe is re-encoded whole, still frame-accurate.
TEST(ClipCutter, SmartCutInsideOneGop) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in, "", kWithBFrames));
  const auto r = mix::cut_video(in, {{4.5, 5.5, dir / "a.mp4"}});
  EXPECT_EQ(r[0].reencoded_frames, 25);
  expect_accurate_clip(decode_video(in), dir / "a.mp4", 112, 25);
}

// Video libx264 cannot continue (MPEG-4 Part 2) is cut as in exact, and the result says so.
TEST(ClipCutter, SmartCutFallsBackToExactForOtherCodecs) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in, "", "-c:v mpeg4 -q:v 2"));
  const auto r = mix::cut_video(in, {{3.37, 8.37, dir / "a.mp4"}});
  EXPECT_TRUE(r[0].reencoded);
  EXPECT_NE(r[0].note.find("not H.264"), std::string::npos) << r[0].note;
  EXPECT_NEAR(audio::probe_audio(dir / "a.mp4").duration, 5.0, 0.1);
  EXPECT_EQ(decode_video(dir / "a.mp4").errors, 0);
}

TEST(ClipCutter, CutModeNames) {
  EXPECT_EQ(mix::parse_cut_mode("smart"), mix::CutMode::smart);
  EXPECT_EQ(mix::parse_cut_mode("copy"), mix::CutMode::copy);
  EXPECT_EQ(mix::parse_cut_mode("exact"), mix::CutMode::exact);
  EXPECT_STREQ(mix::cut_mode_name(mix::CutMode::copy), "copy");
  EXPECT_EQ(testutil::exit_code_of([] { mix::parse_cut_mode("bogus"); }), audio::Exit::usage);
  EXPECT_EQ(mix::CutOptions{}.mode, mix::CutMode::smart);
}

TEST(Thumbnails, SkipBlackFramesAndWriteJpeg) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  // Black for the first 4 s, then the test pattern.
  ASSERT_TRUE(make_video(in, "-vf \"drawbox=c=black:t=fill:enable='lt(t,4)'\""));
  const auto shots = mix::take_thumbnails(
      in, {{1.0, 8.0, dir / "a.jpg"}, {6.0, 8.0, dir / "b.jpg"}, {1.0, 2.0, dir / "c.jpg"}}, 160);
  ASSERT_EQ(shots.size(), 3u);
  EXPECT_FALSE(shots[0].black);
  EXPECT_GE(shots[0].time, 4.0);  // moved past the black frames
  EXPECT_LT(shots[0].time, 4.6);
  EXPECT_NEAR(shots[1].time, 6.0, 0.041);
  EXPECT_TRUE(shots[2].black);  // nothing but black before its search end
  EXPECT_EQ(shots[1].width, 160);
  EXPECT_EQ(shots[1].height, 120);
  std::ifstream jpg(dir / "b.jpg", std::ios::binary);
  unsigned char soi[2] = {0, 0};
  jpg.read(reinterpret_cast<char*>(soi), 2);
  EXPECT_EQ(soi[0], 0xFF);
  EXPECT_EQ(soi[1], 0xD8);
}

}  // namespace
