#include "compliance/export_options.hpp"

#include <gtest/gtest.h>

namespace stoa::compliance {
namespace {

std::variant<ExportOptions, std::string> parse(std::vector<std::string> args) {
  return parse_export_options(args, "/etc/default.toml");
}

std::string error_of(std::vector<std::string> args) {
  auto result = parse(std::move(args));
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "";
}

TEST(ExportOptions, EveryOption_IsRead) {
  auto result = parse({"--config", "c.toml", "--from", "2026-11-01", "--to", "2026-11-30", "--room",
                       "r@c", "--user", "a@x", "--format", "csv", "--out", "e.csv"});
  ASSERT_TRUE(std::holds_alternative<ExportOptions>(result)) << std::get<std::string>(result);
  const auto& options = std::get<ExportOptions>(result);
  EXPECT_EQ(options.config_path, "c.toml");
  EXPECT_EQ(muc::format_timestamp(*options.filter.from), "2026-11-01T00:00:00Z");
  // A date as the upper bound includes that whole day.
  EXPECT_EQ(muc::format_timestamp(*options.filter.to), "2026-12-01T00:00:00Z");
  EXPECT_EQ(options.filter.room, "r@c");
  EXPECT_EQ(options.filter.user, "a@x");
  EXPECT_EQ(options.format, ExportFormat::csv);
  EXPECT_EQ(options.out, "e.csv");
}

TEST(ExportOptions, Defaults_XmlToStdoutWithoutFilters) {
  auto result = parse({});
  ASSERT_TRUE(std::holds_alternative<ExportOptions>(result));
  const auto& options = std::get<ExportOptions>(result);
  EXPECT_EQ(options.config_path, "/etc/default.toml");
  EXPECT_EQ(options.format, ExportFormat::xml);
  EXPECT_FALSE(options.filter.from);
  EXPECT_FALSE(options.filter.to);
  EXPECT_EQ(options.out, "");
}

TEST(ExportOptions, Xep0082Times_KeepTheirInstant) {
  EXPECT_EQ(muc::format_timestamp(*parse_time_bound("2026-11-26T18:58:01.5+02:00", true)),
            "2026-11-26T16:58:01.500000Z");
  EXPECT_FALSE(parse_time_bound("2026-02-30", false));
  EXPECT_FALSE(parse_time_bound("26-11-2026", false));
}

TEST(ExportOptions, Mistakes_AreExplained) {
  EXPECT_EQ(error_of({"--format", "pdf"}), "--format must be xml, json or csv, not 'pdf'");
  EXPECT_EQ(error_of({"--from"}), "--from needs a value");
  EXPECT_EQ(error_of({"--since", "x"}), "unknown option '--since'");
  EXPECT_EQ(error_of({"stray"}), "unexpected argument 'stray'");
  EXPECT_EQ(error_of({"--from", "tomorrow"}),
            "--from 'tomorrow' is neither a date (2026-11-26) nor an XEP-0082 time "
            "(2026-11-26T16:58:01Z)");
  EXPECT_EQ(error_of({"--from", "2026-11-02", "--to", "2026-11-01"}), "--to must be after --from");
}

}  // namespace
}  // namespace stoa::compliance
