#include "common/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace stoa {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") {
    return LogLevel::debug;
  }
  if (text == "info") {
    return LogLevel::info;
  }
  if (text == "warn") {
    return LogLevel::warn;
  }
  if (text == "error") {
    return LogLevel::error;
  }
  return std::nullopt;
}

namespace {
std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}
}  // namespace

void Logger::write(LogLevel level, std::string_view component, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = time_point_cast<seconds>(now);
  auto millis = duration_cast<milliseconds>(now - secs).count();
  std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "%s.%03dZ %-5s %.*s: %.*s\n", stamp, static_cast<int>(millis),
               level_name(level).data(), static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace stoa
