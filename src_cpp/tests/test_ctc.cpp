#include <cmath>
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
