#pragma once

#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace stoa {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

std::optional<LogLevel> parse_log_level(std::string_view text);

/// One line per event on stderr: time, level, component, message and key=value fields.
/// Message bodies and credentials are never logged above debug.
class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::info) : level_(level) {}

  bool enabled(LogLevel level) const { return level >= level_; }
  void set_level(LogLevel level) { level_ = level; }
  void write(LogLevel level, std::string_view component, std::string_view message);

  template <typename... Fields>
  void debug(std::string_view component, Fields&&... fields) {
    log(LogLevel::debug, component, std::forward<Fields>(fields)...);
  }
  template <typename... Fields>
  void info(std::string_view component, Fields&&... fields) {
    log(LogLevel::info, component, std::forward<Fields>(fields)...);
  }
  template <typename... Fields>
  void warn(std::string_view component, Fields&&... fields) {
    log(LogLevel::warn, component, std::forward<Fields>(fields)...);
  }
  template <typename... Fields>
  void error(std::string_view component, Fields&&... fields) {
    log(LogLevel::error, component, std::forward<Fields>(fields)...);
  }

 private:
  template <typename... Fields>
  void log(LogLevel level, std::string_view component, Fields&&... fields) {
    if (!enabled(level)) {
      return;
    }
    std::ostringstream line;
    (line << ... << fields);
    write(level, component, line.str());
  }

  LogLevel level_;
  std::mutex mutex_;
};

}  // namespace stoa
