#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_framework.hpp"
#include "trtocr/half_float.hpp"

using namespace trtocr;

TEST_CASE("half_to_float: every binary16 value widens exactly") {
  // Reference: value = (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024.
  std::vector<std::uint16_t> all(65536);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
  std::vector<float> got(all.size()), tails(all.size());
  half_to_float(all.data(), all.size(), got.data());
  // In pieces of 7 every value also goes through the scalar path that follows a vector loop
  // (and that runs alone on a CPU without F16C).
  for (std::size_t i = 0; i < all.size(); i += 7)
    half_to_float(all.data() + i, std::min<std::size_t>(7, all.size() - i), tails.data() + i);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const int sign = (i >> 15) & 1, e = (i >> 10) & 31, m = i & 1023;
    const double mag = e == 0    ? std::ldexp(m / 1024.0, -14)
                       : e == 31 ? (m ? std::nan("") : HUGE_VAL)
                                 : std::ldexp(1.0 + m / 1024.0, e - 15);
    const double want = sign ? -mag : mag;
    for (const float v : {got[i], tails[i]}) {
      if (std::isnan(want)) {
        CHECK(std::isnan(v));
      } else {
        CHECK(static_cast<double>(v) == want);
        CHECK(std::signbit(v) == (sign == 1));
      }
    }
  }
}

TEST_CASE("largest_half_not_above: the last non-negative binary16 value not above v") {
  std::vector<std::uint16_t> all(0x7c00);  // +0 .. +inf
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
  std::vector<float> value(all.size());
  half_to_float(all.data(), all.size(), value.data());
  for (const float v :
       {0.f, 1e-8f, 5.9604645e-8f, 0.1f, 0.3f, 0.5f, 0.6f, 0.99999f, 1.f, 65504.f, 1e6f}) {
    const std::uint16_t h = largest_half_not_above(v);
    CHECK(value[h] <= v);
    CHECK(h == 0x7bff || value[h + 1] > v);
  }
  CHECK(largest_half_not_above(0.5f) == 0x3800);  // exactly representable: itself
  CHECK_THROWS(largest_half_not_above(-0.1f));
  CHECK_THROWS(largest_half_not_above(std::nanf("")));
}
