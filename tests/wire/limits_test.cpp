// Bounds on unauthenticated streams: the login deadline and the server-wide cap.

#include <memory>
#include <thread>
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

TEST_F(LimitsTest, UnauthenticatedFlood_ExcessRefusedAndLoginWorksAfterwards) {
  constexpr int kLimit = 20;
  constexpr int kConnections = 60;
  ASSERT_TRUE(start_with_users({{"limits.max_unauthenticated", std::to_string(kLimit)}}));

  std::vector<std::unique_ptr<RawStream>> flood;
  for (int i = 0; i < kConnections; ++i) {
    auto stream = std::make_unique<RawStream>(server_.c2s_port());
    // A refused connection may fail right at connect or at the first write: both are refusals.
    if (stream->connected()) {
      stream->open_stream();
    }
    flood.push_back(std::move(stream));
  }
  // Wait (bounded) until every connection beyond the limit has been refused or closed.
  const auto count_open = [&flood] {
    int open = 0;
    for (const auto& stream : flood) {
      if (stream->connected() && !stream->closed()) {
        ++open;
      }
    }
    return open;
  };
  const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (count_open() > kLimit && std::chrono::steady_clock::now() < deadline) {
    for (auto& stream : flood) {
      stream->pump(5ms);
    }
  }
  EXPECT_LE(count_open(), kLimit) << "connections beyond max_unauthenticated stayed open";
  EXPECT_GT(count_open(), 0) << "every connection was refused, not only the excess";
  for (auto& stream : flood) {
    if (stream->connected() && !stream->closed()) {
      EXPECT_TRUE(stream->wait_for_features())
          << "a stream within the limit is not served: " << stream->received();
    }
  }

  flood.clear();
  // The server learns of the closes asynchronously: retry the login within a bound.
  XmppClient alice;
  ConnectResult result;
  const auto login_deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (!(result = alice.connect(kAlice, kPassword, starttls())) &&
         std::chrono::steady_clock::now() < login_deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(result) << "no login possible after the flood ended: " << result.error;
}

}  // namespace
}  // namespace stoa::test
