#include "bench/results.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace stoa::bench {
namespace {

using Counter = std::uint64_t Results::*;
using Histo = Histogram Results::*;

constexpr std::array<std::pair<std::string_view, Counter>, 12> kCounters{{
    {"sessions_established", &Results::sessions_established},
    {"sessions_held", &Results::sessions_held},
    {"joins", &Results::joins},
    {"churn_joins", &Results::churn_joins},
    {"posts", &Results::posts},
    {"deliveries", &Results::deliveries},
    {"deliveries_expected", &Results::deliveries_expected},
    {"stanzas_received", &Results::stanzas_received},
    {"presence_changes", &Results::presence_changes},
    {"mam_queries", &Results::mam_queries},
    {"storm_sessions", &Results::storm_sessions},
    {"storm_joins", &Results::storm_joins},
}};

constexpr std::array<std::pair<std::string_view, Histo>, 7> kHistograms{{
    {"join_latency", &Results::join_latency},
    {"storm_login_latency", &Results::storm_login_latency},
    {"storm_join_latency", &Results::storm_join_latency},
    {"storm_large_join_latency", &Results::storm_large_join_latency},
    {"storm_generator_lag", &Results::storm_generator_lag},
    {"latency", &Results::latency},
    {"mam_latency", &Results::mam_latency},
}};

/// Error kinds travel as one field: anything but letters, digits and '-' becomes '-'.
std::string clean_kind(std::string_view kind) {
  std::string out(kind.substr(0, 64));
  for (char& c : out) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      c = '-';
    }
  }
  return out.empty() ? std::string("unknown") : out;
}

}  // namespace

void Results::error(std::string_view kind) {
  ++errors[clean_kind(kind)];
}

void Results::merge(const Results& other) {
  for (const auto& [name, counter] : kCounters) {
    this->*counter += other.*counter;
  }
  for (const auto& [name, histogram] : kHistograms) {
    (this->*histogram).merge(other.*histogram);
  }
  for (const auto& [kind, count] : other.errors) {
    errors[kind] += count;
  }
}

std::string Results::serialize() const {
  std::string out;
  for (const auto& [name, counter] : kCounters) {
    out += std::string(name) + "=" + std::to_string(this->*counter) + " ";
  }
  for (const auto& [name, histogram] : kHistograms) {
    out += "h." + std::string(name) + "=" + (this->*histogram).serialize() + " ";
  }
  for (const auto& [kind, count] : errors) {
    out += "e." + kind + "=" + std::to_string(count) + " ";
  }
  return out;
}

bool Results::parse(std::string_view line) {
  while (!line.empty()) {
    const std::size_t space = line.find(' ');
    const std::string_view field = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (field.empty()) {
      continue;
    }
    const std::size_t equals = field.find('=');
    if (equals == std::string_view::npos) {
      return false;
    }
    const std::string_view key = field.substr(0, equals);
    const std::string_view value = field.substr(equals + 1);
    if (key.starts_with("h.")) {
      bool known = false;
      for (const auto& [name, histogram] : kHistograms) {
        if (key.substr(2) == name) {
          known = (this->*histogram).parse(value);
        }
      }
      if (!known) {
        return false;
      }
      continue;
    }
    std::uint64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size()) {
      return false;
    }
    if (key.starts_with("e.")) {
      errors[std::string(key.substr(2))] += number;
      continue;
    }
    bool known = false;
    for (const auto& [name, counter] : kCounters) {
      if (key == name) {
        this->*counter = number;
        known = true;
      }
    }
    if (!known) {
      return false;
    }
  }
  return true;
}

}  // namespace stoa::bench
