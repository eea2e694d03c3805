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
