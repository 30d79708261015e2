#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stoa::bench {

/// Latencies in microseconds, in log-linear buckets (32 per power of two, so a quantile is
/// within about 3% of the true value). Fixed size and mergeable by addition, so workers in
/// several processes can each keep one and the parent adds them up.
class Histogram {
 public:
  Histogram();

  void record(std::uint64_t micros);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  /// The value below which `fraction` (0..1] of the recorded values fall; 0 when empty.
  std::uint64_t quantile(double fraction) const;

  /// "max;index:count,index:count..." with only the non-empty buckets.
  std::string serialize() const;
  /// Reads serialize()'s format; false when it is malformed.
  bool parse(std::string_view text);

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace stoa::bench
