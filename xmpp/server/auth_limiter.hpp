#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace stoa::xmpp::server {

/// Counts failed logins per remote address and per account over a sliding window. Once either
/// reaches its limit, further attempts fail without checking the password until the window
/// has passed, which makes online password guessing slow.
class AuthLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  AuthLimiter(unsigned per_address, unsigned per_account, std::chrono::seconds window)
      : per_address_(per_address), per_account_(per_account), window_(window) {}

  bool is_address_blocked(const std::string& address, Clock::time_point now = Clock::now());
  bool is_account_blocked(const std::string& username, Clock::time_point now = Clock::now());
  void record_failure(const std::string& address, const std::string& username,
                      Clock::time_point now = Clock::now());

 private:
  using Failures = std::unordered_map<std::string, std::deque<Clock::time_point>>;
  bool is_blocked(Failures& failures, const std::string& key, unsigned limit,
                  Clock::time_point now);
  void prune(Failures& failures, Clock::time_point now);

  unsigned per_address_;
  unsigned per_account_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  Failures by_address_;
  Failures by_account_;
  std::size_t recorded_since_prune_ = 0;
};

}  // namespace stoa::xmpp::server
