// Bounds on unauthenticated streams: the login deadline and the server-wide cap, beyond which
// new connections wait.

#include <algorithm>
#include <memory>
#include <vector>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

using namespace std::chrono_literals;

class LimitsTest : public WireTest {};

TEST_F(LimitsTest, UnauthenticatedStreamIdle_ConnectionTimeoutThenClosed) {
  ASSERT_TRUE(server_.start({{"limits.auth_timeout_seconds", "1"}}));
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  ASSERT_TRUE(stream.open_stream());
  ASSERT_TRUE(stream.wait_for_features()) << stream.received();
  // Nothing more is sent: the server must give up on the stream by itself.
  const std::optional<xmpp::Element> error = stream.wait_for_stream_error();
  ASSERT_TRUE(error) << "no stream error; received: " << stream.received();
  EXPECT_EQ(error_condition(*error, xmpp::ns::kStreamErrors), "connection-timeout") << error->str();
  EXPECT_TRUE(stream.wait_closed()) << stream.received();
}

TEST_F(LimitsTest, SilentTcpConnection_ClosedAfterAuthTimeout) {
  ASSERT_TRUE(server_.start({{"limits.auth_timeout_seconds", "1"}}));
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  // Not even a stream header: the deadline runs from the accept.
  EXPECT_TRUE(stream.wait_closed()) << stream.received();
}

// Streams beyond max_unauthenticated are neither served nor refused: they wait, and are served
// as the streams ahead of them end.
TEST_F(LimitsTest, UnauthenticatedFlood_ExcessWaitsAndIsServedAsSlotsFree) {
  constexpr std::size_t kLimit = 20;
  constexpr std::size_t kConnections = 60;
  constexpr std::size_t kFreed = 5;
  // No login deadline within the test: only the closes below free slots.
  ASSERT_TRUE(start_with_users({{"limits.max_unauthenticated", std::to_string(kLimit)},
                                {"limits.auth_timeout_seconds", "3600"}}));

  std::vector<std::unique_ptr<RawStream>> flood;
  for (std::size_t i = 0; i < kConnections; ++i) {
    flood.push_back(std::make_unique<RawStream>(server_.c2s_port()));
    ASSERT_TRUE(flood.back()->connected()) << flood.back()->error();
    ASSERT_TRUE(flood.back()->open_stream()) << flood.back()->error();
  }
  const auto count_served = [&flood] {
    return static_cast<std::size_t>(std::count_if(
        flood.begin(), flood.end(), [](const auto& stream) { return stream->header_received(); }));
  };
  const auto pump_until_served = [&](std::size_t wanted) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
    while (count_served() < wanted && std::chrono::steady_clock::now() < deadline) {
      for (auto& stream : flood) {
        stream->pump(1ms);
      }
    }
  };

  pump_until_served(kLimit);
  ASSERT_EQ(count_served(), kLimit) << "streams served while every slot was taken";
  std::vector<RawStream*> waiting;
  for (auto& stream : flood) {
    if (stream->header_received()) {
      EXPECT_TRUE(stream->wait_for_features()) << stream->received();
    } else {
      EXPECT_FALSE(stream->closed()) << "a connection beyond the limit was refused";
      waiting.push_back(stream.get());
    }
  }

  std::size_t freed = 0;
  for (auto& stream : flood) {
    if (stream->header_received() && freed < kFreed) {
      stream->close();
      ++freed;
    }
  }
  pump_until_served(kLimit + kFreed);
  EXPECT_EQ(count_served(), kLimit + kFreed) << "freed slots did not go to the waiting streams";
  for (RawStream* stream : waiting) {
    if (stream->header_received()) {
      EXPECT_TRUE(stream->wait_for_features()) << stream->received();
    }
  }

  // Once the flood is gone, a login waits at most for the server to see the closes.
  flood.clear();
  XmppClient alice;
  const ConnectResult result = alice.connect(kAlice, kPassword, starttls());
  EXPECT_TRUE(result) << "no login possible after the flood ended: " << result.error;
}

// The abuse case: idle streams holding every slot lose them at the login deadline, and the
// queue moves on.
TEST_F(LimitsTest, IdleStreamsHoldingEverySlot_ClosedAtDeadlineThenWaitingStreamServed) {
  ASSERT_TRUE(
      server_.start({{"limits.max_unauthenticated", "1"}, {"limits.auth_timeout_seconds", "1"}}));
  RawStream idle(server_.c2s_port());
  ASSERT_TRUE(idle.connected()) << idle.error();
  ASSERT_TRUE(idle.open_stream());
  ASSERT_TRUE(idle.wait_for_features()) << idle.received();
  RawStream waiting(server_.c2s_port());
  ASSERT_TRUE(waiting.connected()) << waiting.error();
  ASSERT_TRUE(waiting.open_stream());

  const std::optional<xmpp::Element> error = idle.wait_for_stream_error();
  ASSERT_TRUE(error) << "no stream error; received: " << idle.received();
  EXPECT_EQ(error_condition(*error, xmpp::ns::kStreamErrors), "connection-timeout") << error->str();
  EXPECT_TRUE(waiting.wait_for_features()) << "the waiting stream was not served after the idle "
                                              "one was closed; received: "
                                           << waiting.received();
}

}  // namespace
}  // namespace stoa::test
