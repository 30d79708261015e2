#include "compliance/export_options.hpp"

#include <charconv>

namespace stoa::compliance {

namespace {

std::optional<unsigned> digits(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return value;
}

std::optional<muc::Timestamp> parse_date(std::string_view text, bool end_of_day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  auto year = digits(text.substr(0, 4));
  auto month = digits(text.substr(5, 2));
  auto day = digits(text.substr(8, 2));
  if (!year || !month || !day) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                   std::chrono::month(*month), std::chrono::day(*day)};
  if (!date.ok()) {
    return std::nullopt;
  }
  std::chrono::sys_days start(date);
  if (end_of_day) {
    start += std::chrono::days(1);
  }
  return std::chrono::time_point_cast<std::chrono::microseconds>(start);
}

}  // namespace

std::optional<muc::Timestamp> parse_time_bound(std::string_view text, bool end_of_day) {
  if (auto date = parse_date(text, end_of_day)) {
    return date;
  }
  return muc::parse_timestamp(text);
}

std::variant<ExportOptions, std::string> parse_export_options(std::span<const std::string> args,
                                                              std::string default_config) {
  ExportOptions options;
  options.config_path = std::move(default_config);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      return flag.starts_with("--") ? flag + " needs a value"
                                    : "unexpected argument '" + flag + "'";
    }
    const std::string& value = args[++i];
    if (flag == "--config") {
      options.config_path = value;
    } else if (flag == "--from" || flag == "--to") {
      bool is_to = flag == "--to";
      auto bound = parse_time_bound(value, is_to);
      if (!bound) {
        return flag + " '" + value +
               "' is neither a date (2026-11-26) nor an XEP-0082 time (2026-11-26T16:58:01Z)";
      }
      (is_to ? options.filter.to : options.filter.from) = bound;
    } else if (flag == "--room") {
      options.filter.room = value;
    } else if (flag == "--user") {
      options.filter.user = value;
    } else if (flag == "--format") {
      auto format = parse_export_format(value);
      if (!format) {
        return "--format must be xml, json or csv, not '" + value + "'";
      }
      options.format = *format;
    } else if (flag == "--out") {
      options.out = value;
    } else {
      return "unknown option '" + flag + "'";
    }
  }
  if (options.filter.from && options.filter.to && *options.filter.to <= *options.filter.from) {
    return "--to must be after --from";
  }
  return options;
}

}  // namespace stoa::compliance
