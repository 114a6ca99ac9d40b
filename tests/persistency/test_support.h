// Helpers shared by the persistency test suites: result assertions, byte
// helpers, scratch directories and a few SQL helpers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "persistency/bytes.h"
#include "persistency/encoding.h"
#include "persistency/error.h"
#include "persistency/key.h"

#define SDS_TEST_CONCAT_INNER(a, b) a##b
#define SDS_TEST_CONCAT(a, b) SDS_TEST_CONCAT_INNER(a, b)

// Asserts that a Result/Status holds a value, printing the error otherwise.
#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    auto&& sds_test_result_ = (expr);                                          \
    ASSERT_TRUE(sds_test_result_.has_value()) << sds_test_result_.error().ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                                        \
  do {                                                                         \
    auto&& sds_test_result_ = (expr);                                          \
    EXPECT_TRUE(sds_test_result_.has_value()) << sds_test_result_.error().ToString(); \
  } while (0)

// `lhs = *expr`, after asserting that expr holds a value.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  SDS_TEST_ASSIGN_IMPL(SDS_TEST_CONCAT(sds_test_assign_, __LINE__), lhs, expr)
#define SDS_TEST_ASSIGN_IMPL(tmp, lhs, expr)                   \
  auto tmp = (expr);                                           \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().ToString();      \
  lhs = std::move(*tmp)

// Asserts that a Result/Status failed with the given ErrorKind.
#define EXPECT_ERROR_KIND(expr, expected_kind)                                         \
  do {                                                                                 \
    auto&& sds_test_result_ = (expr);                                                  \
    if (sds_test_result_.has_value()) {                                                \
      ADD_FAILURE() << #expr << " succeeded; expected "                                \
                    << ::persistency::ErrorKindName(expected_kind);                    \
    } else {                                                                           \
      EXPECT_EQ(sds_test_result_.error().kind, expected_kind)                          \
          << sds_test_result_.error().ToString();                                      \
    }                                                                                  \
  } while (0)

namespace persistency {

// Readable gtest output for keys and rows (found by ADL).
inline void PrintTo(const Key& key, std::ostream* out) { *out << "Key(" << key.ToHex() << ")"; }
inline void PrintTo(const KvRow& row, std::ostream* out) {
  *out << "KvRow(" << row.key.ToHex() << " -> " << Key::Raw(row.payload).ToHex() << ")";
}

}  // namespace persistency

namespace persistency::testing_support {

namespace fs = std::filesystem;

inline Bytes B(std::string_view text) { return ToBytes(text); }

inline std::string Str(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// The payload of an optional row as text, or "<none>" when absent.
inline std::string Str(const std::optional<Bytes>& bytes) {
  return bytes ? Str(*bytes) : std::string("<none>");
}

inline Key K(std::initializer_list<std::uint8_t> bytes) {
  return Key::Raw(Bytes(bytes.begin(), bytes.end()));
}

// A SQL blob literal (X'..') holding `bytes`.
inline std::string SqlBlob(ByteView bytes) {
  return "X'" + Key::Raw(bytes).ToHex() + "'";
}

// The keys of scanned rows, in order.
inline std::vector<Key> KeysOf(const std::vector<KvRow>& rows) {
  std::vector<Key> keys;
  keys.reserve(rows.size());
  for (const KvRow& row : rows) keys.push_back(row.key);
  return keys;
}

// A fresh, uniquely named directory under the system temp directory,
// removed with everything in it on destruction. The directory itself is
// created; tests build their roots below it.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "sds_persistency_test_";
    if (info != nullptr) {
      name += std::string(info->test_suite_name()) + "_" + info->name() + "_";
    }
    name += std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "_" +
            std::to_string(random()) + "_" + std::to_string(counter++);
    path_ = fs::temp_directory_path() / name;
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }
  // A path below the scratch directory (not created).
  std::string Sub(std::string_view relative) const { return (path_ / relative).string(); }

 private:
  fs::path path_;
};

// Changes the working directory for the lifetime of the guard.
class CurrentDirGuard {
 public:
  explicit CurrentDirGuard(const fs::path& dir) : previous_(fs::current_path()) {
    fs::current_path(dir);
  }
  ~CurrentDirGuard() {
    std::error_code ec;
    fs::current_path(previous_, ec);
  }
  CurrentDirGuard(const CurrentDirGuard&) = delete;
  CurrentDirGuard& operator=(const CurrentDirGuard&) = delete;

 private:
  fs::path previous_;
};

inline void WriteFile(const fs::path& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Names of the entries directly inside `dir`, sorted.
inline std::vector<std::string> ListDir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace persistency::testing_support
