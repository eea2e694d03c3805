#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "test_framework.hpp"
#include "trtocr/ctc.hpp"

using namespace trtocr;

TEST_CASE("ctc merges repeats and drops blanks") {
  CTCDecoder decoder({"a", "b"});
  // steps: a a blank a b  -> "aab"
  const int labels[] = {1, 1, 0, 1, 2};
  std::vector<float> probs(5 * 3, 0.f);
  for (int s = 0; s < 5; ++s) probs[s * 3 + labels[s]] = 0.8f;
  auto out = decoder.decode(probs.data(), 1, 5, 3, true);
  CHECK(out[0].text == "aab");
  CHECK(out[0].steps == (std::vector<int>{0, 3, 4}));
}

TEST_CASE("settle_o_zero: a run of 0/O takes its neighbours' class") {
  const auto settled = [](std::string s) {
    settle_o_zero(s);
    return s;
  };
  CHECK(settled("N0RTH") == "NORTH");  // between letters
  CHECK(settled("0f 5") == "Of 5");    // a letter on one side, a space on the other
  CHECK(settled("R0OM") == "ROOM");    // a mixed run is settled as a whole
  CHECK(settled("G2O") == "G20");      // beside a digit only
  CHECK(settled("#O1-15") == "#01-15");
  CHECK(settled("T0049") == "T0049");  // a letter and a digit: left as read
  CHECK(settled("CO2") == "CO2");
  CHECK(settled("RM0.02") == "RM0.02");  // a digit across '.' counts as a digit
  CHECK(settled("15.0C") == "15.0C");
  CHECK(settled("1,0A") == "1,0A");
  CHECK(settled("A.0") == "A.0");  // '.' without a digit beyond is no neighbour
  CHECK(settled("0") == "0");
  CHECK(settled("O") == "O");
  CHECK(settled("") == "");
  CHECK(settled("\xe6\x97\xa50\xe6\x97\xa5") == "\xe6\x97\xa50\xe6\x97\xa5");  // beside CJK
  CHECK(settled("\xc3\xa90") == "\xc3\xa90");  // a non-ASCII letter is not a Latin letter here
}

TEST_CASE("ctc settles 0/O only when asked, and keeps the steps aligned") {
  // classes: 1 '0', 2 'N', 3 'R'; steps: N blank 0 blank R
  const int labels[] = {2, 0, 1, 0, 3};
  std::vector<float> probs(5 * 4, 0.f);
  for (int s = 0; s < 5; ++s) probs[s * 4 + labels[s]] = 0.9f;
  auto plain = CTCDecoder({"0", "N", "R"}).decode(probs.data(), 1, 5, 4, true);
  auto settled = CTCDecoder({"0", "N", "R"}, true).decode(probs.data(), 1, 5, 4, true);
  CHECK(plain[0].text == "N0R");
  CHECK(settled[0].text == "NOR");
  CHECK(settled[0].steps == plain[0].steps);
  CHECK(settled[0].score == plain[0].score);
}

TEST_CASE("ctc rejects a class count that does not match") {
  CTCDecoder decoder({"a", "b"});
  std::vector<float> probs(4, 0.f);
  CHECK_THROWS(decoder.decode(probs.data(), 1, 1, 4, false));
}

TEST_CASE("ctc argmax over many classes: first maximum, NaN skipped, NaN blank gives blank") {
  std::vector<std::string> chars;
  for (int i = 0; i < 99; ++i) chars.push_back(std::string(1, static_cast<char>('!' + i % 90)));
  CTCDecoder decoder(chars);
  const std::size_t c = 100, t = 5;
  std::vector<float> probs(t * c, 0.1f);
  probs[0 * c + 77] = 0.9f;  // step 0: class 77 (in the scalar tail after blocks of 32)
  probs[0 * c + 99] = 0.9f;  // a later tie does not win
  probs[1 * c + 3] = std::nanf("");
  probs[1 * c + 40] = 0.5f;  // step 1: NaN skipped, class 40
  probs[2 * c + 0] = std::nanf("");
  probs[2 * c + 50] = 0.9f;  // step 2: NaN blank -> blank
  probs[3 * c + 99] = 0.7f;  // step 3: the last class
  // step 4: all equal -> class 0 (blank)
  auto out = decoder.decode(probs.data(), 1, t, c, true);
  // classes 77, 40, 99 are chars[76], chars[39], chars[98]
  CHECK(out[0].text == chars[76] + chars[39] + chars[98]);
  CHECK(out[0].steps == (std::vector<int>{0, 1, 3}));
}

TEST_CASE("ctc decode_best gives decode's text, score and steps from argmax + max") {
  CTCDecoder decoder({"a", "b", "c"});
  const std::size_t n = 3, t = 7, c = 4;
  std::vector<float> probs(n * t * c);
  unsigned state = 12345u;
  for (float& p : probs) {
    state = state * 1664525u + 1013904223u;
    p = static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
  }
  std::vector<std::int32_t> best(n * t);
  std::vector<float> best_p(n * t);
  for (std::size_t k = 0; k < n * t; ++k) {
    const float* row = probs.data() + k * c;
    std::size_t b = 0;
    for (std::size_t j = 1; j < c; ++j)
      if (row[j] > row[b]) b = j;
    best[k] = static_cast<std::int32_t>(b);
    best_p[k] = row[b];
  }
  const auto full = decoder.decode(probs.data(), n, t, c, true);
  const auto fast = decoder.decode_best(best.data(), best_p.data(), n, t, true);
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(full[i].text == fast[i].text);
    CHECK(full[i].score == fast[i].score);
    CHECK(full[i].steps == fast[i].steps);
  }
}

TEST_CASE("ctc decode_best rejects a class index outside the character list") {
  CTCDecoder decoder({"a", "b"});
  const std::int32_t best[] = {1, 3};
  const float p[] = {0.5f, 0.5f};
  CHECK_THROWS(decoder.decode_best(best, p, 1, 2, false));
  const std::int32_t negative[] = {-1, 0};
  CHECK_THROWS(decoder.decode_best(negative, p, 1, 2, false));
}

TEST_CASE("decide_orientation_best matches decide_orientation") {
  const float probs[] = {0.05f, 0.95f, 0.6f, 0.4f, 0.1f, 0.9f};
  const std::int32_t labels[] = {1, 0, 1};
  const float scores[] = {0.95f, 0.6f, 0.9f};
  const auto a = decide_orientation(probs, 3, 2, 1, 0.9f);
  const auto b = decide_orientation_best(labels, scores, 3, 2, 1, 0.9f);
  for (int i = 0; i < 3; ++i) {
    CHECK(a[i].label == b[i].label);
    CHECK(a[i].score == b[i].score);
    CHECK(a[i].flip == b[i].flip);
  }
  const std::int32_t bad[] = {2};
  CHECK_THROWS(decide_orientation_best(bad, scores, 1, 2, 1, 0.9f));
}
