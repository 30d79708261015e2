// Online password guessing is slowed down: after too many failed logins from one address or
// for one account, even the right password is refused until the window has passed.

#include <thread>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kLimit = 3;

class AuthRateLimitTest : public WireTest {
 protected:
  /// Fails to log in as `jid` one more time than the limit allows. Each attempt records at
  /// least one failure (libstrophe may try several mechanisms in one attempt), so afterwards
  /// any limit of kLimit has been passed.
  void exhaust(const std::string& jid) {
    for (unsigned i = 0; i <= kLimit; ++i) {
      XmppClient guesser;
      const ConnectResult result = guesser.connect(jid, "guess " + std::to_string(i), starttls());
      ASSERT_FALSE(result) << "a wrong password logged in";
    }
  }

  /// Expects that logging in as `jid` with the right password is refused by the limiter.
  void expect_refused(const std::string& jid) {
    XmppClient client;
    const ConnectResult result = client.connect(jid, kPassword, starttls());
    ASSERT_FALSE(result) << jid << " logged in although the limit was reached";
    ASSERT_FALSE(result.sasl_failures.empty()) << result.error;
    const std::string& condition = result.sasl_failures.front();
    EXPECT_TRUE(condition == "not-authorized" || condition == "temporary-auth-failure")
        << result.error;
  }
};

TEST_F(AuthRateLimitTest, AddressOverLimit_RightPasswordOfAnyAccountRefused) {
  ASSERT_TRUE(start_with_users({{"limits.auth_failures_per_address", std::to_string(kLimit)},
                                {"limits.auth_failures_per_account", "1000"},
                                {"limits.auth_failure_window_seconds", "3600"}}));
  ASSERT_NO_FATAL_FAILURE(exhaust(kAlice));
  // bob never failed: only the address can be what blocks him.
  expect_refused(kBob);
}

TEST_F(AuthRateLimitTest, AccountOverLimit_AccountRefusedOthersStillLogIn) {
  ASSERT_TRUE(start_with_users({{"limits.auth_failures_per_address", "1000"},
                                {"limits.auth_failures_per_account", std::to_string(kLimit)},
                                {"limits.auth_failure_window_seconds", "3600"}}));
  ASSERT_NO_FATAL_FAILURE(exhaust(kAlice));
  expect_refused(kAlice);
  XmppClient bob;
  EXPECT_TRUE(login(bob, kBob));
}

TEST_F(AuthRateLimitTest, WindowPassed_RightPasswordAcceptedAgain) {
  // That the limit blocks is the business of the tests above; whether the block is still on
  // right after the guesses depends on how fast they ran, so this test only checks that it
  // lifts once a whole window has passed since the last failure.
  constexpr int kWindowSeconds = 2;
  ASSERT_TRUE(
      start_with_users({{"limits.auth_failures_per_address", std::to_string(kLimit)},
                        {"limits.auth_failures_per_account", std::to_string(kLimit)},
                        {"limits.auth_failure_window_seconds", std::to_string(kWindowSeconds)}}));
  ASSERT_NO_FATAL_FAILURE(exhaust(kAlice));
  std::this_thread::sleep_for(std::chrono::seconds(kWindowSeconds + 1));
  XmppClient alice;
  EXPECT_TRUE(login(alice, kAlice));
}

}  // namespace
}  // namespace stoa::test
