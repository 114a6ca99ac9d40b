#include "sds/config.h"

#include <gtest/gtest.h>

#include <functional>

namespace sds {
namespace {

TEST(SdsConfig, DefaultsAreValidAndMatchNimSds) {
  Config config;
  EXPECT_TRUE(ValidateConfig(config).has_value());
  EXPECT_EQ(config.bloom_filter_capacity, 10000);
  EXPECT_EQ(config.bloom_filter_error_rate, 0.001);
  EXPECT_EQ(config.max_message_history, 1000u);
  EXPECT_EQ(config.max_causal_history, 10u);
  EXPECT_EQ(config.resend_interval_ms, 60'000);
  EXPECT_EQ(config.max_resend_attempts, 5);
  EXPECT_EQ(config.repair_t_min_ms, 30'000);
  EXPECT_EQ(config.repair_t_max_ms, 300'000);
}

TEST(SdsConfig, OutOfRangeValuesAreInvalidArguments) {
  const std::function<void(Config&)> breakers[] = {
      [](Config& c) { c.bloom_filter_capacity = 0; },
      [](Config& c) { c.bloom_filter_error_rate = 0; },
      [](Config& c) { c.bloom_filter_error_rate = 1; },
      [](Config& c) { c.max_message_history = 0; },
      [](Config& c) { c.resend_interval_ms = 0; },
      [](Config& c) { c.max_resend_attempts = -1; },
      [](Config& c) { c.sync_message_interval_ms = -5; },
      [](Config& c) { c.buffer_sweep_interval_ms = 0; },
      [](Config& c) { c.repair_t_min_ms = -1; },
      [](Config& c) { c.repair_t_max_ms = c.repair_t_min_ms - 1; },
      [](Config& c) { c.repair_sweep_interval_ms = 0; },
      [](Config& c) { c.possible_acks_threshold = 0; },
      [](Config& c) { c.incoming_buffer_timeout_ms = -1; },
      [](Config& c) { c.max_incoming_buffer = 0; },
  };
  for (const auto& make_bad : breakers) {
    Config config;
    make_bad(config);
    Status status = ValidateConfig(config);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(status.error().message.find("invalid config"), std::string::npos);
  }
}

}  // namespace
}  // namespace sds
