// Minimal self-registering test harness so the core's tests need no external framework.
#pragma once

#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace trtocr_test {

struct Registry {
  std::vector<std::pair<std::string, std::function<void()>>> tests;
  static Registry& get() {
    static Registry r;
    return r;
  }
};

struct Register {
  Register(const char* name, std::function<void()> fn) {
    Registry::get().tests.emplace_back(name, std::move(fn));
  }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace trtocr_test

#define TRTOCR_CONCAT2(a, b) a##b
#define TRTOCR_CONCAT(a, b) TRTOCR_CONCAT2(a, b)
#define TEST_CASE(name)                                            \
  static void TRTOCR_CONCAT(test_fn_, __LINE__)();                 \
  static trtocr_test::Register TRTOCR_CONCAT(test_reg_, __LINE__)( \
      name, &TRTOCR_CONCAT(test_fn_, __LINE__));                   \
  static void TRTOCR_CONCAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::ostringstream os_;                                            \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed"; \
      throw trtocr_test::Failure(os_.str());                             \
    }                                                                    \
  } while (0)

#define CHECK_THROWS(expr)                                                                         \
  do {                                                                                             \
    bool thrown_ = false;                                                                          \
    try {                                                                                          \
      expr;                                                                                        \
    } catch (const std::invalid_argument&) {                                                       \
      thrown_ = true;                                                                              \
    }                                                                                              \
    if (!thrown_) throw trtocr_test::Failure(std::string(__FILE__) + ": " #expr " did not throw"); \
  } while (0)
