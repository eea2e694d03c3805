#include "test_framework.hpp"

int main() {
  int failed = 0;
  const auto& tests = trtocr_test::Registry::get().tests;
  for (const auto& [name, fn] : tests) {
    try {
      fn();
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: %s\n", name.c_str(), e.what());
    }
  }
  std::printf("%zu passed, %d failed\n", tests.size() - failed, failed);
  return failed == 0 ? 0 : 1;
}
