#include "xmpp/server/admission_pacer.hpp"

#include <algorithm>

namespace stoa::xmpp::server {

void AdmissionPacer::end_tick(Clock::duration longest_delay, bool still_waiting) {
  if (longest_delay > target_) {
    rate_ = std::max(kSlowest, rate_ * 0.7);
    starting_ = false;
  } else if (!still_waiting) {
    // Caught up with everyone: the next burst starts slowly again.
    rate_ = kFirst;
    starting_ = true;
  } else if (longest_delay < target_ / 2) {
    rate_ = std::min(kFastest, starting_ ? rate_ * 1.25 : rate_ + kStep);
  }
  // Allowance unused while nobody waited does not pile up into a burst.
  tokens_ = std::min(tokens_ + rate_, std::max(1.0, rate_));
}

}  // namespace stoa::xmpp::server
