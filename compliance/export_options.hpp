#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "compliance/event_store.hpp"
#include "compliance/export_format.hpp"

namespace stoa::compliance {

/// `stoa-compliance export` as the command line asked for it.
struct ExportOptions {
  std::string config_path;
  EventFilter filter;
  ExportFormat format = ExportFormat::xml;
  std::string out;  ///< file to write; empty: stdout
};

/// Parses the arguments after "export". `default_config` is used without --config. Returns
/// the options or a one-line error.
std::variant<ExportOptions, std::string> parse_export_options(std::span<const std::string> args,
                                                              std::string default_config);

/// An XEP-0082 DateTime, or a date (YYYY-MM-DD) meaning its first instant (UTC); as an upper
/// bound (`end_of_day`) a date means the first instant of the next day, so that the whole day
/// is included.
std::optional<muc::Timestamp> parse_time_bound(std::string_view text, bool end_of_day);

}  // namespace stoa::compliance
