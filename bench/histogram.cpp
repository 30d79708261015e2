#include "bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <charconv>

namespace stoa::bench {
namespace {

constexpr unsigned kSubBits = 5;              // 32 buckets per power of two
constexpr unsigned kLinear = 2u << kSubBits;  // values below this get a bucket each
constexpr unsigned kOctaves = 64 - (kSubBits + 1);
constexpr std::size_t kBuckets = kLinear + kOctaves * (1u << kSubBits);

std::size_t bucket_of(std::uint64_t value) {
  if (value < kLinear) {
    return static_cast<std::size_t>(value);
  }
  const unsigned exponent = static_cast<unsigned>(std::bit_width(value)) - 1;  // >= kSubBits + 1
  const std::uint64_t sub = (value >> (exponent - kSubBits)) & ((1u << kSubBits) - 1);
  return kLinear + (exponent - kSubBits - 1) * (1u << kSubBits) + static_cast<std::size_t>(sub);
}

/// The middle of the values a bucket holds.
std::uint64_t value_of(std::size_t bucket) {
  if (bucket < kLinear) {
    return bucket;
  }
  const std::size_t offset = bucket - kLinear;
  const unsigned exponent = static_cast<unsigned>(offset >> kSubBits) + kSubBits + 1;
  const std::uint64_t sub = offset & ((1u << kSubBits) - 1);
  const std::uint64_t low = (std::uint64_t{1} << exponent) | (sub << (exponent - kSubBits));
  return low + (std::uint64_t{1} << (exponent - kSubBits)) / 2;
}

bool parse_number(std::string_view text, std::uint64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Histogram::Histogram() : buckets_(kBuckets, 0) {}

void Histogram::record(std::uint64_t micros) {
  ++buckets_[bucket_of(micros)];
  ++count_;
  max_ = std::max(max_, micros);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    buckets_[i] += other.buckets_[i];
  }
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t Histogram::quantile(double fraction) const {
  if (count_ == 0) {
    return 0;
  }
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(fraction * static_cast<double>(count_) + 0.5));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return std::min(value_of(i), max_);
    }
  }
  return max_;
}

std::string Histogram::serialize() const {
  std::string out = std::to_string(max_) + ";";
  bool first = true;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] != 0) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += std::to_string(i) + ":" + std::to_string(buckets_[i]);
    }
  }
  return out;
}

bool Histogram::parse(std::string_view text) {
  const std::size_t semicolon = text.find(';');
  if (semicolon == std::string_view::npos || !parse_number(text.substr(0, semicolon), max_)) {
    return false;
  }
  std::ranges::fill(buckets_, 0);
  count_ = 0;
  std::string_view rest = text.substr(semicolon + 1);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view pair = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t colon = pair.find(':');
    std::uint64_t index = 0;
    std::uint64_t count = 0;
    if (colon == std::string_view::npos || !parse_number(pair.substr(0, colon), index) ||
        !parse_number(pair.substr(colon + 1), count) || index >= kBuckets) {
      return false;
    }
    buckets_[index] += count;
    count_ += count;
  }
  return true;
}

}  // namespace stoa::bench
