#include "xmpp/server/warning_throttle.hpp"

#include <gtest/gtest.h>

namespace stoa::xmpp::server {
namespace {

using namespace std::chrono_literals;

TEST(WarningThrottleTest, Record_FirstOccurrenceWarnsAtOnce) {
  WarningThrottle throttle(10s);
  EXPECT_EQ(throttle.record(WarningThrottle::Clock::time_point{} + 1h), 1u);
}

TEST(WarningThrottleTest, Record_WithinTheInterval_HeldBackThenCountedInTheNextWarning) {
  WarningThrottle throttle(10s);
  const auto start = WarningThrottle::Clock::time_point{} + 1h;
  ASSERT_EQ(throttle.record(start), 1u);
  EXPECT_EQ(throttle.record(start + 1s), 0u);
  EXPECT_EQ(throttle.record(start + 9s), 0u);
  EXPECT_EQ(throttle.record(start + 10s), 3u);
  EXPECT_EQ(throttle.record(start + 11s), 0u);
}

}  // namespace
}  // namespace stoa::xmpp::server
