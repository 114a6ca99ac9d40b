// BloomFilter and RollingBloomFilter: nim-sds tests/test_bloom.nim ported
// case by case (run once per StringHash), golden vectors from
// shared/reference/sds-nim.md §1.5 items 4–6, the js-waku layout, the rolling
// rule, and validation of received / hostile parameters.

#include "sds/bloom_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/rolling_bloom_filter.h"
#include "sds/string_hash.h"
#include "wire_test_support.h"

namespace sds {
namespace {

using wire_test::FromHex;
using wire_test::ToHex;

BloomFilter MustCreate(std::uint64_t capacity, double error_rate, int k = 0, int force = 0) {
  auto filter = BloomFilter::Create(capacity, error_rate, k, force);
  EXPECT_TRUE(filter.has_value()) << filter.error().ToString();
  return std::move(*filter);
}

// Set bit indices, ascending.
std::vector<std::uint64_t> SetBits(const BloomFilter& filter) {
  std::vector<std::uint64_t> bits;
  for (std::size_t w = 0; w < filter.words().size(); ++w) {
    for (int b = 0; b < 64; ++b) {
      if ((filter.words()[w] >> b) & 1u) bits.push_back(64 * w + static_cast<std::uint64_t>(b));
    }
  }
  return bits;
}

// StringHashName in CamelCase ("js-waku" -> "JsWaku"): gtest names take no '-'.
std::string HashParamName(const testing::TestParamInfo<StringHash>& info) {
  std::string name;
  bool word_start = true;
  for (char c : StringHashName(info.param)) {
    if (c == '-') {
      word_start = true;
      continue;
    }
    name += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    word_start = false;
  }
  return name;
}

// nim-sds's sample alphabet; `rand(51)` only ever picks the 52 letters.
constexpr std::string_view kSampleChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

class RandomStrings {
 public:
  explicit RandomStrings(std::uint64_t seed) : rng_(seed) {}
  std::string Next(int length) {
    std::uniform_int_distribution<int> pick(0, 51);
    std::string s;
    for (int j = 0; j < length; ++j) s += kSampleChars[static_cast<std::size_t>(pick(rng_))];
    return s;
  }
  int Below(int n) { return std::uniform_int_distribution<int>(0, n)(rng_); }

 private:
  std::mt19937_64 rng_;
};

// ---- suite "bloom filter" (tests/test_bloom.nim) ------------------------------

class BloomFilterTest : public testing::TestWithParam<StringHash> {
 protected:
  static constexpr int kElementsToTest = 10000;

  void SetUp() override {
    auto created = BloomFilter::Create(kElementsToTest, 0.001);
    ASSERT_TRUE(created.has_value());
    bf_.emplace(std::move(*created));
    for (int i = 0; i < kElementsToTest; ++i) test_elements_.push_back(random_.Next(8));
    for (const auto& item : test_elements_) bf_->Insert(item, GetParam());
  }

  StringHash hash() const { return GetParam(); }

  RandomStrings random_{2882};
  std::optional<BloomFilter> bf_;
  std::vector<std::string> test_elements_;
};

TEST_P(BloomFilterTest, InitializationParameters) {
  EXPECT_EQ(bf_->capacity(), 10000u);
  EXPECT_EQ(bf_->error_rate(), 0.001);
  EXPECT_EQ(bf_->k(), 10u);
  EXPECT_EQ(bf_->m_bits() / bf_->capacity(), 15u);  // bits per element
}

TEST_P(BloomFilterTest, BasicOperations) {
  EXPECT_FALSE(bf_->Contains("nonexistent", hash()));

  BloomFilter bf2 = MustCreate(100, 0.01);
  bf2.Insert("test string", hash());
  EXPECT_TRUE(bf2.Contains("test string", hash()));
  EXPECT_FALSE(bf2.Contains("different string", hash()));
}

TEST_P(BloomFilterTest, ErrorRate) {
  int false_positives = 0;
  const int test_size = kElementsToTest / 2;
  for (int i = 0; i < test_size; ++i) {
    if (bf_->Contains(random_.Next(9), hash())) ++false_positives;  // other length than setup
  }
  const double actual = static_cast<double>(false_positives) / test_size;
  EXPECT_LT(actual, bf_->error_rate() * 1.5) << false_positives << " false positives";
}

TEST_P(BloomFilterTest, PerfectRecall) {
  int lookup_errors = 0;
  for (const auto& item : test_elements_) {
    if (!bf_->Contains(item, hash())) ++lookup_errors;
  }
  EXPECT_EQ(lookup_errors, 0);
}

TEST_P(BloomFilterTest, KMBitsSpecification) {
  auto error_case = BloomFilter::BitsPerElementForK(13, 0.01);
  ASSERT_FALSE(error_case.has_value());
  EXPECT_EQ(error_case.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(error_case.error().message,
            "K must be <= 12 if forceNBitsPerElem is not also specified.");

  auto error_case2 = BloomFilter::BitsPerElementForK(2, 0.00001);
  ASSERT_FALSE(error_case2.has_value());
  EXPECT_EQ(error_case2.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(error_case2.error().message,
            "Specified value of k and error rate not achievable using less than 4 bytes / "
            "element.");

  EXPECT_EQ(BloomFilter::BitsPerElementForK(2, 0.1).value(), 6);
  EXPECT_EQ(BloomFilter::BitsPerElementForK(7, 0.01).value(), 10);
  EXPECT_EQ(BloomFilter::BitsPerElementForK(7, 0.001).value(), 16);

  BloomFilter bf2 = MustCreate(10000, 0.001, 4, 20);
  EXPECT_EQ(bf2.k(), 4u);
  EXPECT_EQ(bf2.m_bits(), 200000u);

  // The same errors come out of Create on the table path.
  auto k13 = BloomFilter::Create(10000, 0.01, 13);
  ASSERT_FALSE(k13.has_value());
  EXPECT_EQ(k13.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(k13.error().message, error_case.error().message);
  auto unachievable = BloomFilter::Create(10000, 0.00001, 2);
  ASSERT_FALSE(unachievable.has_value());
  EXPECT_EQ(unachievable.error().message, error_case2.error().message);
  // And the table sizes them.
  BloomFilter table = MustCreate(1000, 0.01, 7);
  EXPECT_EQ(table.k(), 7u);
  EXPECT_EQ(table.m_bits(), 10000u);
}

TEST_P(BloomFilterTest, StringRepresentation) {
  BloomFilter bf3 = MustCreate(1000, 0.01, 4);
  const std::string str = bf3.ToString();
  EXPECT_NE(str.find("1000"), std::string::npos) << str;
  EXPECT_NE(str.find("4 hash"), std::string::npos) << str;
  EXPECT_NE(str.find("1.0e-02"), std::string::npos) << str;
  // The whole of nim-sds's `$` (k 4 at 0.01 => 11 bits per element).
  EXPECT_EQ(str,
            "Bloom filter with 1000 capacity, 1.0e-02 error rate, 4 hash functions, and "
            "requiring 11 bits of memory.");
}

INSTANTIATE_TEST_SUITE_P(Hashes, BloomFilterTest,
                         testing::Values(StringHash::kFarm, StringHash::kMurmur,
                                         StringHash::kJsWaku),
                         HashParamName);

// ---- suite "bloom filter special cases" ---------------------------------------

class BloomFilterSpecialCasesTest : public testing::TestWithParam<StringHash> {};

TEST_P(BloomFilterSpecialCasesTest, DifferentPatternsOfStrings) {
  const StringHash h = GetParam();
  constexpr int kTestSize = 10000;
  std::string repeated_pattern;
  for (int i = 0; i < 10; ++i) repeated_pattern += "pattern";
  const std::vector<std::string> patterns = {
      "shortstr",
      std::string(1000, 'a'),                                         // very long string
      "special@#$%^&*()",                                             // special characters
      "unicode\xe2\x86\x92\xe2\x98\x85\xe2\x88\x91\xe2\x89\x88",      // "unicode→★∑≈"
      repeated_pattern,                                               // repeating pattern
  };

  BloomFilter bf = MustCreate(kTestSize, 0.01);
  for (const auto& pattern : patterns) {
    bf.Insert(pattern, h);
    ASSERT_TRUE(bf.Contains(pattern, h)) << "failed lookup pattern: " << pattern;
  }

  RandomStrings random(2882);
  std::vector<std::string> inserted;
  for (int i = 0; i < kTestSize; ++i) {
    inserted.push_back(std::to_string(i) + "test" + std::to_string(random.Below(1000)));
    bf.Insert(inserted.back(), h);
  }
  int lookup_errors = 0;
  for (const auto& item : inserted) {
    if (!bf.Contains(item, h)) ++lookup_errors;
  }
  EXPECT_EQ(lookup_errors, 0);

  int false_positives = 0;
  const int fp_test_size = kTestSize / 2;
  for (int i = 0; i < fp_test_size; ++i) {
    const std::string item = "notpresent" + std::to_string(i) + std::to_string(random.Below(1000));
    if (bf.Contains(item, h)) ++false_positives;
  }
  const double fp_rate = static_cast<double>(false_positives) / fp_test_size;
  EXPECT_LT(fp_rate, bf.error_rate() * 1.5) << false_positives << " false positives";
}

INSTANTIATE_TEST_SUITE_P(Hashes, BloomFilterSpecialCasesTest,
                         testing::Values(StringHash::kFarm, StringHash::kMurmur,
                                         StringHash::kJsWaku),
                         HashParamName);

// ---- golden vectors -------------------------------------------------------------

BloomFilter SmallFilter(StringHash hash) {
  BloomFilter filter = MustCreate(10, 0.01);
  for (std::string_view id : {"msg1", "msg2", "hello"}) filter.Insert(id, hash);
  return filter;
}

// §1.5 item 4.
TEST(BloomFilterGolden, SmallFilterSizing) {
  BloomFilter filter = MustCreate(10, 0.01);
  EXPECT_EQ(filter.k(), 7u);
  EXPECT_EQ(filter.m_bits(), 100u);
  EXPECT_EQ(filter.words().size(), 2u);
  EXPECT_EQ(filter.capacity(), 10u);
  EXPECT_EQ(filter.error_rate(), 0.01);
}

TEST(BloomFilterGolden, SmallFilterFarmWords) {
  EXPECT_EQ(ToHex(SmallFilter(StringHash::kFarm).WordsLittleEndian()),
            "01015d9a1402c1400001000400000000");
}

TEST(BloomFilterGolden, SmallFilterMurmurWords) {
  EXPECT_EQ(ToHex(SmallFilter(StringHash::kMurmur).WordsLittleEndian()),
            "0821a412068289402012008008000000");
}

TEST(BloomFilterGolden, SmallFilterJsWakuBigEndianBytes) {
  // @waku/sds 0.0.8: new BloomFilter({capacity: 10, errorRate: 0.01}, hashN),
  // insert msg1, msg2, hello, toBytes().
  EXPECT_EQ(ToHex(SmallFilter(StringHash::kJsWaku).WordsBigEndian()),
            "0008800212b421480000000890204200");
  // Same with non-ASCII ids ("αβγδε", "😀x", "unicode→★∑≈").
  BloomFilter filter = MustCreate(10, 0.01);
  for (std::string_view id : {"\xce\xb1\xce\xb2\xce\xb3\xce\xb4\xce\xb5", "\xf0\x9f\x98\x80x",
                              "unicode\xe2\x86\x92\xe2\x98\x85\xe2\x88\x91\xe2\x89\x88"}) {
    filter.Insert(id, StringHash::kJsWaku);
  }
  EXPECT_EQ(ToHex(filter.WordsBigEndian()), "0040100021001030000000040810a041");
}

TEST(BloomFilterGolden, BitLayoutIsBitHOfWordHDiv64) {
  // Little-endian words: bit h is byte h/8, bit h%8 of the data.
  const Bytes data = SmallFilter(StringHash::kFarm).WordsLittleEndian();
  const BloomFilter filter = SmallFilter(StringHash::kFarm);
  for (std::uint64_t h = 0; h < 128; ++h) {
    const bool in_words = (filter.words()[h / 64] >> (h % 64)) & 1u;
    const bool in_bytes = (data[h / 8] >> (h % 8)) & 1u;
    EXPECT_EQ(in_words, in_bytes) << h;
  }
  // Trailing bits beyond m_bits (100..127) stay 0.
  EXPECT_EQ(filter.words()[1] >> 36, 0u);
}

// §1.5 item 5.
TEST(BloomFilterGolden, DefaultFilterSizing) {
  BloomFilter filter = MustCreate(10000, 0.001);
  EXPECT_EQ(filter.k(), 10u);
  EXPECT_EQ(filter.m_bits(), 150000u);
  EXPECT_EQ(filter.words().size(), 2344u);
  EXPECT_EQ(filter.WordsLittleEndian().size(), 18752u);
  for (std::uint64_t w : filter.words()) ASSERT_EQ(w, 0u);

  BloomFilter rolled = MustCreate(12000, 0.001);
  EXPECT_EQ(rolled.k(), 10u);
  EXPECT_EQ(rolled.m_bits(), 180000u);
  EXPECT_EQ(rolled.words().size(), 2813u);
  EXPECT_EQ(rolled.WordsLittleEndian().size(), 22504u);

  // §3.1's other sizes.
  EXPECT_EQ(MustCreate(100, 0.01).k(), 7u);
  EXPECT_EQ(MustCreate(100, 0.01).m_bits(), 1000u);
  auto sizing = BloomFilter::ComputeSizing(10000, 0.001);
  ASSERT_TRUE(sizing.has_value());
  EXPECT_EQ(sizing->bits_per_element, 15u);
  EXPECT_EQ(sizing->word_count, 2344u);
}

// §1.5 item 6.
TEST(BloomFilterGolden, Msg1BitsInDefaultFilter) {
  struct Case {
    StringHash hash;
    std::vector<std::uint64_t> indices;  // in i = 0..9 order
  };
  const Case cases[] = {
      {StringHash::kFarm, {72816, 148619, 74422, 225, 76028, 1831, 77634, 3437, 79240, 5043}},
      {StringHash::kMurmur,
       {31776, 51669, 71562, 91455, 111348, 131241, 1134, 21027, 40920, 60813}},
      // @waku/sds 0.0.8 default filter after insert("msg1").
      {StringHash::kJsWaku,
       {135520, 5413, 25306, 45199, 65092, 84985, 104878, 124771, 144664, 14557}},
  };
  for (const Case& c : cases) {
    BloomFilter filter = MustCreate(10000, 0.001);
    filter.Insert("msg1", c.hash);
    std::vector<std::uint64_t> expected = c.indices;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(SetBits(filter), expected) << StringHashName(c.hash);
    EXPECT_TRUE(filter.Contains("msg1", c.hash));
  }
}

// ---- layouts and value semantics ---------------------------------------------------

TEST(BloomFilterWords, LittleAndBigEndianRoundTrip) {
  const std::vector<std::uint64_t> words = {0x0102030405060708ull, 0xF0E0D0C0B0A09080ull};
  auto filter = BloomFilter::FromParts(words, 10, 0.01, 7, 100);
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(ToHex(filter->WordsLittleEndian()), "08070605040302018090a0b0c0d0e0f0");
  EXPECT_EQ(ToHex(filter->WordsBigEndian()), "0102030405060708f0e0d0c0b0a09080");
  EXPECT_EQ(BloomFilter::WordsFromLittleEndian(filter->WordsLittleEndian()), words);
  EXPECT_EQ(BloomFilter::WordsFromBigEndian(filter->WordsBigEndian()), words);
}

TEST(BloomFilterWords, ParsersTakeLenDiv8Words) {
  Bytes bytes = FromHex("0807060504030201ffff");  // 10 bytes: 1 word + 2 ignored
  EXPECT_EQ(BloomFilter::WordsFromLittleEndian(bytes),
            (std::vector<std::uint64_t>{0x0102030405060708ull}));
  EXPECT_EQ(BloomFilter::WordsFromBigEndian(bytes),
            (std::vector<std::uint64_t>{0x0807060504030201ull}));
  EXPECT_TRUE(BloomFilter::WordsFromLittleEndian({}).empty());
  EXPECT_TRUE(BloomFilter::WordsFromBigEndian(ByteView(bytes).first(7)).empty());
}

TEST(BloomFilterWords, RebuiltFromWordsAnswersTheSame) {
  for (StringHash h : {StringHash::kFarm, StringHash::kMurmur, StringHash::kJsWaku}) {
    BloomFilter original = MustCreate(10000, 0.001);
    for (int i = 0; i < 500; ++i) original.Insert("id-" + std::to_string(i), h);
    auto rebuilt = BloomFilter::FromParts(
        BloomFilter::WordsFromLittleEndian(original.WordsLittleEndian()), original.capacity(),
        original.error_rate(), original.k(), original.m_bits());
    ASSERT_TRUE(rebuilt.has_value());
    EXPECT_EQ(*rebuilt, original);
    for (int i = 0; i < 500; ++i) EXPECT_TRUE(rebuilt->Contains("id-" + std::to_string(i), h));
  }
}

TEST(BloomFilterValue, CopyMoveAndEquality) {
  BloomFilter a = SmallFilter(StringHash::kFarm);
  BloomFilter b = a;
  EXPECT_EQ(a, b);
  b.Insert("another", StringHash::kFarm);
  EXPECT_NE(a, b);
  BloomFilter c = std::move(b);
  EXPECT_TRUE(c.Contains("another", StringHash::kFarm));
  // A moved-from filter is safe to use: it holds nothing.
  // NOLINTNEXTLINE(bugprone-use-after-move)
  b.Insert("x", StringHash::kFarm);
  EXPECT_FALSE(b.Contains("x", StringHash::kFarm));
  b = a;
  EXPECT_EQ(b, a);
  EXPECT_NE(MustCreate(10, 0.01), MustCreate(10, 0.02));
}

TEST(BloomFilterValue, ToStringWithZeroCapacityDoesNotDivide) {
  auto filter = BloomFilter::FromParts({0, 0}, 0, 0.0, 7, 100);
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->ToString(),
            "Bloom filter with 0 capacity, 0.0e+00 error rate, 7 hash functions, and requiring 0 "
            "bits of memory.");
}

// ---- validation ----------------------------------------------------------------------

void ExpectRefused(Result<BloomFilter> result, std::string_view what) {
  ASSERT_FALSE(result.has_value()) << what;
  EXPECT_EQ(result.error().kind, ErrorKind::kDeserializationError) << what;
}

TEST(BloomFilterFromParts, Validation) {
  const std::vector<std::uint64_t> two(2, 0);
  ASSERT_TRUE(BloomFilter::FromParts(two, 10, 0.01, 7, 100).has_value());
  ExpectRefused(BloomFilter::FromParts(two, 10, 0.01, 0, 100), "k = 0");
  ExpectRefused(BloomFilter::FromParts(two, 10, 0.01, 7, 0), "m_bits = 0");
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, 7, 100), "1 word for 100 bits");
  ExpectRefused(BloomFilter::FromParts({}, 10, 0.01, 7, 1), "no words");
  // m_bits 128 needs 1 + 128/64 = 3 words (nim-sds's allocation rule).
  ExpectRefused(BloomFilter::FromParts(two, 10, 0.01, 7, 128), "2 words for 128 bits");
  EXPECT_TRUE(BloomFilter::FromParts({0, 0, 0}, 10, 0.01, 7, 128).has_value());
  EXPECT_TRUE(BloomFilter::FromParts({0}, 10, 0.01, 1, 63).has_value());
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, 1, 64), "1 word for 64 bits");
  // Error rates: absent on the wire (0) is fine; NaN / infinite / negative not.
  EXPECT_TRUE(BloomFilter::FromParts(two, 0, 0.0, 7, 100).has_value());
  ExpectRefused(BloomFilter::FromParts(two, 10, std::nan(""), 7, 100), "NaN error rate");
  ExpectRefused(BloomFilter::FromParts(two, 10, -0.5, 7, 100), "negative error rate");
  ExpectRefused(
      BloomFilter::FromParts(two, 10, std::numeric_limits<double>::infinity(), 7, 100),
      "infinite error rate");
  // Extra words are kept as received.
  auto extra = BloomFilter::FromParts({1, 2, 3, 4}, 10, 0.01, 7, 100);
  ASSERT_TRUE(extra.has_value());
  EXPECT_EQ(extra->words().size(), 4u);
}

TEST(BloomFilterFromParts, AbsurdParametersAreRefused) {
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, BloomFilter::kMaxHashes + 1, 1), "k 65");
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, std::numeric_limits<std::uint32_t>::max(), 1),
                "k 2^32-1");
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, 7, BloomFilter::kMaxBits + 1),
                "m_bits 2^27+1");
  ExpectRefused(
      BloomFilter::FromParts({0}, 10, 0.01, 7, std::numeric_limits<std::uint64_t>::max()),
      "m_bits 2^64-1");
  // 2^63 bits: the word-count arithmetic must not wrap into acceptance.
  ExpectRefused(BloomFilter::FromParts({0}, 10, 0.01, 7, std::uint64_t{1} << 63), "m_bits 2^63");
}

TEST(BloomFilterFromParts, HostileButValidParametersStayCheap) {
  // The largest filter we accept, with the most hashes: lookups are still
  // k = 64 bit probes, and every probe stays in range.
  const std::size_t words = BloomFilter::WordCountFor(BloomFilter::kMaxBits);
  auto filter = BloomFilter::FromParts(std::vector<std::uint64_t>(words, ~std::uint64_t{0}), 0,
                                       0.0, BloomFilter::kMaxHashes, BloomFilter::kMaxBits);
  ASSERT_TRUE(filter.has_value());
  for (StringHash h : {StringHash::kFarm, StringHash::kMurmur, StringHash::kJsWaku}) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(filter->Contains("probe-" + std::to_string(i), h));
    }
  }
  // m_bits = 1: every index is 0.
  auto one_bit = BloomFilter::FromParts({0}, 1, 0.5, 64, 1);
  ASSERT_TRUE(one_bit.has_value());
  EXPECT_FALSE(one_bit->Contains("a", StringHash::kFarm));
  one_bit->Insert("a", StringHash::kFarm);
  EXPECT_EQ(one_bit->words()[0], 1u);
  EXPECT_TRUE(one_bit->Contains("anything", StringHash::kFarm));
  // Odd m_bits with trailing bits: indices never reach them.
  auto odd = BloomFilter::FromParts({0, 0}, 1, 0.5, 64, 65);
  ASSERT_TRUE(odd.has_value());
  for (int i = 0; i < 200; ++i) odd->Insert(std::to_string(i), StringHash::kMurmur);
  EXPECT_EQ(odd->words()[1] >> 1, 0u);
}

void ExpectInvalid(Result<BloomFilter> result, std::string_view what) {
  ASSERT_FALSE(result.has_value()) << what;
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidArgument) << what;
}

TEST(BloomFilterCreate, HostileParametersAreRefused) {
  ExpectInvalid(BloomFilter::Create(0, 0.001), "capacity 0");
  ExpectInvalid(BloomFilter::Create(std::numeric_limits<std::uint64_t>::max(), 0.001),
                "capacity 2^64-1 (m_bits overflow)");
  ExpectInvalid(BloomFilter::Create(BloomFilter::kMaxBits / 15 + 1, 0.001), "m_bits over cap");
  EXPECT_TRUE(BloomFilter::Create(BloomFilter::kMaxBits / 15, 0.001).has_value());
  for (double rate : {0.0, 1.0, -0.1, 2.0}) {
    ExpectInvalid(BloomFilter::Create(100, rate), "error rate " + std::to_string(rate));
  }
  ExpectInvalid(BloomFilter::Create(100, std::nan("")), "NaN");
  ExpectInvalid(BloomFilter::Create(100, std::numeric_limits<double>::infinity()), "inf");
  ExpectInvalid(BloomFilter::Create(100, std::numeric_limits<double>::infinity(), 2), "inf, k 2");
  ExpectInvalid(BloomFilter::Create(100, 1e-30), "optimal k would be 100");
  ExpectInvalid(BloomFilter::Create(100, 0.01, 65, 10), "k 65 with forced bits");
  ExpectInvalid(BloomFilter::Create(100, 0.01, 4, std::numeric_limits<int>::max()),
                "forced bits too large");
  // nim-sds's table path: negative k goes to the optimal path, k = -1 too.
  BloomFilter negative_k = MustCreate(100, 0.01, -1);
  EXPECT_EQ(negative_k.k(), 7u);
  // A rate of 0 on the table path is "not achievable", as in nim-sds.
  auto zero_rate = BloomFilter::Create(100, 0.0, 3);
  ASSERT_FALSE(zero_rate.has_value());
  EXPECT_EQ(zero_rate.error().message,
            "Specified value of k and error rate not achievable using less than 4 bytes / "
            "element.");
  // Negative k for the table lookup itself is out of 0..12.
  EXPECT_FALSE(BloomFilter::BitsPerElementForK(-1, 0.5).has_value());
  // k = 0 for the table lookup: row 0 has nothing from m/n = 2 on.
  auto k0 = BloomFilter::BitsPerElementForK(0, 0.5);
  ASSERT_FALSE(k0.has_value());
  EXPECT_EQ(k0.error().message,
            "Specified value of k and error rate not achievable using less than 4 bytes / "
            "element.");
}

TEST(BloomFilterCreate, TableEdges) {
  // First entry of every row, and the last (m/n = 32).
  EXPECT_EQ(BloomFilter::BitsPerElementForK(1, 0.4).value(), 2);    // 0.393
  EXPECT_EQ(BloomFilter::BitsPerElementForK(1, 0.031).value(), 32);  // 0.0308
  EXPECT_FALSE(BloomFilter::BitsPerElementForK(1, 0.0308).has_value());
  EXPECT_EQ(BloomFilter::BitsPerElementForK(12, 0.001).value(), 15);  // 0.000778
  EXPECT_EQ(BloomFilter::BitsPerElementForK(12, 0.000001).value(), 32);  // 8.74e-7
  EXPECT_EQ(BloomFilter::BitsPerElementForK(3, 0.01).value(), 13);    // 0.00875
  // Rates above 1: the leading 1.0 entries qualify (nim-sds iterates from 2).
  EXPECT_EQ(BloomFilter::BitsPerElementForK(12, 1.5).value(), 2);
  // Strictly below: a rate equal to an entry moves on to the next one.
  EXPECT_EQ(BloomFilter::BitsPerElementForK(7, 0.001).value(), 16);
}

// ---- rolling bloom filter (§3.4) --------------------------------------------------

RollingBloomFilter MustCreateRolling(std::int64_t capacity = 10000, double error_rate = 0.001,
                                     StringHash hash = StringHash::kFarm) {
  auto rolling = RollingBloomFilter::Create(capacity, error_rate, hash);
  EXPECT_TRUE(rolling.has_value()) << rolling.error().ToString();
  return std::move(*rolling);
}

std::string Id(int i) { return "id-" + std::to_string(i); }

TEST(RollingBloomFilter, Defaults) {
  RollingBloomFilter rolling = MustCreateRolling();
  EXPECT_EQ(rolling.capacity(), 10000);
  EXPECT_EQ(rolling.min_capacity(), 8000);
  EXPECT_EQ(rolling.max_capacity(), 12000);
  EXPECT_EQ(rolling.error_rate(), 0.001);
  EXPECT_EQ(rolling.hash(), StringHash::kFarm);
  EXPECT_EQ(rolling.size(), 0u);
  EXPECT_EQ(rolling.filter(), MustCreate(10000, 0.001));
  auto defaulted = RollingBloomFilter::Create();
  ASSERT_TRUE(defaulted.has_value());
  EXPECT_EQ(*defaulted, rolling);
}

TEST(RollingBloomFilter, OutOfRangeParametersFallBackToDefaults) {
  for (std::int64_t capacity : {std::int64_t{0}, std::int64_t{-5},
                                std::numeric_limits<std::int64_t>::min()}) {
    RollingBloomFilter rolling = MustCreateRolling(capacity, 0.01);
    EXPECT_EQ(rolling.capacity(), 10000) << capacity;
    EXPECT_EQ(rolling.error_rate(), 0.01);
  }
  for (double rate : {0.0, 1.0, -1.0, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    RollingBloomFilter rolling = MustCreateRolling(500, rate);
    EXPECT_EQ(rolling.error_rate(), 0.001) << rate;
    EXPECT_EQ(rolling.capacity(), 500);
  }
}

TEST(RollingBloomFilter, MinAndMaxCapacityTruncate) {
  struct Case {
    std::int64_t capacity, min, max;
  };
  for (const Case& c : {Case{10, 8, 12}, Case{1, 0, 1}, Case{3, 2, 3}, Case{7, 5, 8},
                        Case{12000, 9600, 14400}, Case{999, 799, 1198}}) {
    RollingBloomFilter rolling = MustCreateRolling(c.capacity);
    EXPECT_EQ(rolling.min_capacity(), c.min) << c.capacity;
    EXPECT_EQ(rolling.max_capacity(), c.max) << c.capacity;
  }
}

TEST(RollingBloomFilter, TooLargeCapacityFails) {
  // The filter itself would fit, but its rolled-over size (1.2x) would not.
  const auto capacity = static_cast<std::int64_t>(BloomFilter::kMaxBits / 15);
  auto rolling = RollingBloomFilter::Create(capacity, 0.001);
  ASSERT_FALSE(rolling.has_value());
  EXPECT_EQ(rolling.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_FALSE(RollingBloomFilter::Create(std::numeric_limits<std::int64_t>::max()).has_value());
}

TEST(RollingBloomFilter, KeepCapacityRollsAtTheStartingSize) {
  auto created = RollingBloomFilter::Create(10000, 0.001, StringHash::kJsWaku,
                                            RollSize::kKeepCapacity);
  ASSERT_TRUE(created.has_value());
  RollingBloomFilter& rolling = *created;
  for (int i = 0; i < 12001; ++i) rolling.Add(Id(i));
  EXPECT_EQ(rolling.size(), 8000u);  // the newest min_capacity ids
  EXPECT_EQ(rolling.filter().capacity(), 10000u);
  EXPECT_EQ(rolling.filter().m_bits(), 150000u);
  for (int i = 12001 - 8000; i < 12001; ++i) ASSERT_TRUE(rolling.Contains(Id(i))) << i;
}

TEST(RollingBloomFilter, NoRollUpToMaxCapacity) {
  RollingBloomFilter rolling = MustCreateRolling();
  for (int i = 0; i < 12000; ++i) rolling.Add(Id(i));
  EXPECT_EQ(rolling.size(), 12000u);
  EXPECT_EQ(rolling.filter().capacity(), 10000u);
  EXPECT_EQ(rolling.filter().m_bits(), 150000u);
  for (int i = 0; i < 12000; ++i) ASSERT_TRUE(rolling.Contains(Id(i))) << i;
  rolling.Clean();  // at max: nothing to do
  EXPECT_EQ(rolling.size(), 12000u);
}

TEST(RollingBloomFilter, RollsOverAfterMaxCapacity) {
  for (StringHash h : {StringHash::kFarm, StringHash::kMurmur, StringHash::kJsWaku}) {
    RollingBloomFilter rolling = MustCreateRolling(10000, 0.001, h);
    for (int i = 0; i <= 12000; ++i) rolling.Add(Id(i));  // 12001 adds

    // Keeps exactly the newest 8000 (ids 4001..12000), in order.
    ASSERT_EQ(rolling.size(), 8000u);
    EXPECT_EQ(rolling.ids().front(), Id(4001));
    EXPECT_EQ(rolling.ids().back(), Id(12000));

    // The wire filter is now sized for 12000 (§1.5 item 5) ...
    EXPECT_EQ(rolling.filter().capacity(), 12000u);
    EXPECT_EQ(rolling.filter().m_bits(), 180000u);
    EXPECT_EQ(rolling.filter().words().size(), 2813u);
    EXPECT_EQ(rolling.filter().k(), 10u);
    EXPECT_EQ(rolling.filter().error_rate(), 0.001);
    EXPECT_EQ(rolling.capacity(), 10000);  // the wrapper's capacity does not change

    // ... and bit for bit a fresh 12000-filter of the newest 8000 ids.
    BloomFilter expected = MustCreate(12000, 0.001);
    for (int i = 4001; i <= 12000; ++i) expected.Insert(Id(i), h);
    EXPECT_EQ(rolling.filter(), expected) << StringHashName(h);

    for (int i = 4001; i <= 12000; ++i) ASSERT_TRUE(rolling.Contains(Id(i))) << i;
    // The dropped ids are gone, apart from rare false positives (about 3.5e-5
    // each at this fill). These particular ones were checked to be absent.
    for (int i : {0, 1, 2, 100, 2000, 4000}) EXPECT_FALSE(rolling.Contains(Id(i))) << i;
    int false_positives = 0;
    for (int i = 0; i <= 4000; ++i) false_positives += rolling.Contains(Id(i)) ? 1 : 0;
    EXPECT_LE(false_positives, 2) << StringHashName(h);
  }
}

TEST(RollingBloomFilter, KeepsRollingAtTheSameSize) {
  RollingBloomFilter rolling = MustCreateRolling(100, 0.01);
  EXPECT_EQ(rolling.min_capacity(), 80);
  EXPECT_EQ(rolling.max_capacity(), 120);
  const BloomFilter empty_rolled = MustCreate(120, 0.01);
  for (int i = 0; i < 10000; ++i) {
    rolling.Add(Id(i));
    ASSERT_LE(rolling.size(), 120u);
    if (i >= 120) {
      ASSERT_EQ(rolling.filter().m_bits(), empty_rolled.m_bits());
      ASSERT_EQ(rolling.filter().capacity(), 120u);
    }
  }
  // 10000 adds: the last roll happened at the add that made 121 ids; each
  // roll keeps 80, so rolls happen every 41 adds.
  for (std::size_t j = 0; j < rolling.size(); ++j) {
    EXPECT_EQ(rolling.ids()[j], Id(static_cast<int>(10000 - rolling.size() + j)));
  }
  for (const std::string& id : rolling.ids()) EXPECT_TRUE(rolling.Contains(id));
}

TEST(RollingBloomFilter, LongLivedChannelCostStaysFlat) {
  // 300k adds to a default-size filter: memory stays bounded (<= 12000 ids),
  // and the total work is linear (a clean every 4000 adds rebuilds 8000).
  RollingBloomFilter rolling = MustCreateRolling();
  std::size_t max_size = 0;
  for (int i = 0; i < 300000; ++i) {
    rolling.Add(Id(i));
    max_size = std::max(max_size, rolling.size());
  }
  EXPECT_EQ(max_size, 12000u);
  EXPECT_TRUE(rolling.Contains(Id(299999)));
  EXPECT_EQ(rolling.filter().m_bits(), 180000u);
}

TEST(RollingBloomFilter, Clear) {
  RollingBloomFilter rolling = MustCreateRolling(100, 0.01);
  for (int i = 0; i < 500; ++i) rolling.Add(Id(i));
  EXPECT_EQ(rolling.filter().capacity(), 120u);
  rolling.Clear();
  EXPECT_EQ(rolling.size(), 0u);
  EXPECT_EQ(rolling.filter(), MustCreate(100, 0.01));
  EXPECT_FALSE(rolling.Contains(Id(499)));
  rolling.Add("again");
  EXPECT_TRUE(rolling.Contains("again"));
  EXPECT_EQ(rolling.size(), 1u);
}

TEST(RollingBloomFilter, HashIsFixedPerFilter) {
  RollingBloomFilter farm = MustCreateRolling(10000, 0.001, StringHash::kFarm);
  RollingBloomFilter murmur = MustCreateRolling(10000, 0.001, StringHash::kMurmur);
  farm.Add("msg1");
  murmur.Add("msg1");
  EXPECT_NE(farm.filter(), murmur.filter());
  EXPECT_TRUE(farm.filter().Contains("msg1", StringHash::kFarm));
  EXPECT_TRUE(murmur.filter().Contains("msg1", StringHash::kMurmur));
  BloomFilter expected = MustCreate(10000, 0.001);
  expected.Insert("msg1", StringHash::kMurmur);
  EXPECT_EQ(murmur.filter(), expected);
}

}  // namespace
}  // namespace sds
