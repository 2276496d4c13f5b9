// The H.264 byte helpers of the smart cut (libmix/src/h264_config.hpp), on parameter sets
// libx264 wrote: the source's (ids 0) and a smart cut's own (sps-id=1).
#include "h264_config.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

using mix::detail::Bytes;

Bytes hex(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    b.push_back(std::uint8_t(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

const Bytes kSps0 = hex("6764000dacd94141fb011000000300100000030320f1429960");
const Bytes kPps0 = hex("68ef8fcb");
const Bytes kSps1 = hex("6764000d4b2d0283f602200000030020000c8001e28554");
const Bytes kPps1 = hex("684af06f2c");
// A High-profile avcC: 4-byte NAL lengths, one SPS, one PPS, then chroma/bit-depth fields.
const Bytes kAvcc =
    hex("0164000dffe10019" + std::string("6764000dacd94141fb011000000300100000030320f1429960") +
        "010004" + "68ef8fcb" + "fdf8f800");

TEST(H264Config, AvccRoundTripsAndTakesMoreParameterSets) {
  const auto c = mix::detail::parse_avcc(kAvcc.data(), kAvcc.size());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->profile, 0x64);
  EXPECT_EQ(c->level, 13);
  EXPECT_EQ(c->length_size, 4);
  ASSERT_EQ(c->sps.size(), 1u);
  ASSERT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(c->sps[0], kSps0);
  EXPECT_EQ(c->pps[0], kPps0);
  EXPECT_EQ(c->trailer, hex("fdf8f800"));
  EXPECT_EQ(mix::detail::write_avcc(*c), kAvcc);

  auto joint = *c;
  joint.sps.push_back(kSps1);
  joint.pps.push_back(kPps1);
  const Bytes out = mix::detail::write_avcc(joint);
  EXPECT_EQ(out[5], 0xe2);  // two SPS
  const auto back = mix::detail::parse_avcc(out.data(), out.size());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sps, (std::vector<Bytes>{kSps0, kSps1}));
  EXPECT_EQ(back->pps, (std::vector<Bytes>{kPps0, kPps1}));
  EXPECT_EQ(back->trailer, c->trailer);
}

TEST(H264Config, AvccRejectsOtherBytes) {
  const Bytes annexb =
      hex("00000001"
          "6764000d");
  EXPECT_FALSE(mix::detail::parse_avcc(annexb.data(), annexb.size()));
  EXPECT_FALSE(mix::detail::parse_avcc(kAvcc.data(), 20));  // cut inside the SPS
  EXPECT_FALSE(mix::detail::parse_avcc(nullptr, 0));
}

TEST(H264Config, ParameterSetIds) {
  EXPECT_EQ(mix::detail::sps_id(kSps0), 0);
  EXPECT_EQ(mix::detail::pps_id(kPps0), 0);
  EXPECT_EQ(mix::detail::sps_id(kSps1), 1);
  EXPECT_EQ(mix::detail::pps_id(kPps1), 1);
  EXPECT_EQ(mix::detail::sps_id(kPps1), -1);  // not an SPS
  // 00 00 03: the 03 is skipped, so 23 zero bits, a one, and 23 one bits follow.
  EXPECT_EQ(mix::detail::pps_id(hex("68000003"
                                    "01ffffff")),
            (1 << 24) - 2);
  mix::detail::AvcConfig c;
  c.sps = {kSps0};
  c.pps = {kPps0};
  EXPECT_EQ(mix::detail::free_parameter_set_id(c), 1);
  c.sps.push_back(kSps1);
  EXPECT_EQ(mix::detail::free_parameter_set_id(c), 2);
}

TEST(H264Config, AnnexBToLengthPrefixed) {
  const Bytes annexb =
      hex("00000001"
          "67aa"
          "000001"
          "68bb"
          "00000001"
          "65cc00");
  const auto nals = mix::detail::annexb_nals(annexb.data(), annexb.size());
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(nals[0], hex("67aa"));
  EXPECT_EQ(nals[1], hex("68bb"));
  EXPECT_EQ(nals[2], hex("65cc"));
  EXPECT_EQ(mix::detail::length_prefixed(nals, 4), hex("0000000267aa"
                                                       "0000000268bb"
                                                       "0000000265cc"));
  EXPECT_EQ(mix::detail::length_prefixed({nals[0]}, 2), hex("000267aa"));
}

TEST(H264Config, IdrSlices) {
  const Bytes idr =
      hex("0000000206aa"
          "0000000365bbcc");
  EXPECT_TRUE(mix::detail::has_idr_slice(idr.data(), idr.size(), 4));
  const Bytes p =
      hex("0000000206aa"
          "0000000341bbcc");
  EXPECT_FALSE(mix::detail::has_idr_slice(p.data(), p.size(), 4));
  const Bytes broken =
      hex("0000002006aa"
          "0000000365bbcc");  // first length overruns
  EXPECT_FALSE(mix::detail::has_idr_slice(broken.data(), broken.size(), 4));
  const Bytes short_lengths =
      hex("000206aa"
          "000365bbcc");
  EXPECT_TRUE(mix::detail::has_idr_slice(short_lengths.data(), short_lengths.size(), 2));
}

}  // namespace
