#include "xmpp/server/auth_limiter.hpp"

namespace stoa::xmpp::server {

namespace {
// Prune every this many failures so that the maps stay bounded by the window's traffic.
constexpr std::size_t kPruneInterval = 1024;
}  // namespace

bool AuthLimiter::is_blocked(Failures& failures, const std::string& key, unsigned limit,
                             Clock::time_point now) {
  auto it = failures.find(key);
  if (it == failures.end()) {
    return false;
  }
  auto& times = it->second;
  while (!times.empty() && now - times.front() >= window_) {
    times.pop_front();
  }
  if (times.empty()) {
    failures.erase(it);
    return false;
  }
  return times.size() >= limit;
}

bool AuthLimiter::is_address_blocked(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return is_blocked(by_address_, address, per_address_, now);
}

bool AuthLimiter::is_account_blocked(const std::string& username, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return !username.empty() && is_blocked(by_account_, username, per_account_, now);
}

void AuthLimiter::prune(Failures& failures, Clock::time_point now) {
  std::erase_if(failures, [&](const auto& entry) {
    return entry.second.empty() || now - entry.second.back() >= window_;
  });
}

void AuthLimiter::record_failure(const std::string& address, const std::string& username,
                                 Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto remember = [&](Failures& failures, const std::string& key, unsigned limit) {
    auto& times = failures[key];
    times.push_back(now);
    // Only the newest `limit` failures decide whether the key is blocked.
    while (times.size() > limit) {
      times.pop_front();
    }
  };
  remember(by_address_, address, per_address_);
  if (!username.empty()) {
    remember(by_account_, username, per_account_);
  }
  if (++recorded_since_prune_ >= kPruneInterval) {
    recorded_since_prune_ = 0;
    prune(by_address_, now);
    prune(by_account_, now);
  }
}

}  // namespace stoa::xmpp::server
