#include "compliance/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace stoa::compliance {
namespace {

std::vector<std::string> errors_of(std::string_view text) {
  auto result = parse_config(text, "c.toml");
  std::vector<std::string> lines;
  if (const auto* errors = std::get_if<std::vector<conf::ConfigError>>(&result)) {
    for (const auto& error : *errors) {
      lines.push_back(conf::format_error(error));
    }
  }
  return lines;
}

TEST(ComplianceConfig, ExampleFile_WithSecret_EqualsDefaults) {
  std::ifstream in(std::string(STOA_SOURCE_DIR) + "/compliance/stoa-compliance.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string example = text.str();
  auto at = example.find("secret = \"\"");
  ASSERT_NE(at, std::string::npos);
  example.replace(at, 11, "secret = \"s3cret\"");

  auto result = parse_config(example, "stoa-compliance.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << errors_of(example).front();
  Config expected;
  expected.secret = "s3cret";
  EXPECT_EQ(std::get<Config>(result), expected);
}

TEST(ComplianceConfig, Values_AreRead) {
  auto result = parse_config(
      "[server]\nhost = \"db.example.org\"\nport = 6000\n[component]\nsecret = \"x\"\n"
      "log_level = \"debug\"\n[ack]\nbatch_size = 7\n[database]\ndsn = \"dbname=c\"\n",
      "c.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& config = std::get<Config>(result);
  EXPECT_EQ(config.server_host, "db.example.org");
  EXPECT_EQ(config.server_port, 6000u);
  EXPECT_EQ(config.log_level, LogLevel::debug);
  EXPECT_EQ(config.ack_batch_size, 7u);
  EXPECT_EQ(config.database_dsn, "dbname=c");
}

TEST(ComplianceConfig, MissingSecret_IsAnError) {
  EXPECT_EQ(errors_of("[server]\nport = 5347\n"),
            std::vector<std::string>{
                "c.toml: component.secret: is required: the secret stoad's [[component]] "
                "entry has"});
}

TEST(ComplianceConfig, BadValues_NameFileLineAndKey) {
  EXPECT_EQ(errors_of("[component]\nsecret = \"x\"\nlog_level = \"loud\"\n[server]\nport = 0\n"
                      "colour = 1\n[ack]\ninterval_ms = \"soon\"\n[nope]\n"),
            (std::vector<std::string>{
                "c.toml:3: component.log_level: must be one of \"debug\", \"info\", \"warn\", "
                "\"error\"",
                "c.toml:5: server.port: must be between 1 and 65535, got 0",
                "c.toml:6: server.colour: unknown key",
                "c.toml:8: ack.interval_ms: expected an integer",
                "c.toml:9: nope: unknown section",
            }));
}

TEST(ComplianceConfig, EmptySecret_IsAnError) {
  EXPECT_EQ(errors_of("[component]\nsecret = \"\"\n"),
            std::vector<std::string>{"c.toml:2: component.secret: must not be empty"});
}

TEST(ComplianceConfig, SyntaxError_NamesLineAndColumn) {
  auto errors = errors_of("[component]\nsecret = \n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("c.toml:2:")) << errors[0];
}

TEST(ComplianceConfig, MissingFile_IsOneError) {
  auto result = load_config("/nonexistent/stoa-compliance.toml");
  ASSERT_TRUE(std::holds_alternative<std::vector<conf::ConfigError>>(result));
  EXPECT_EQ(conf::format_error(std::get<std::vector<conf::ConfigError>>(result).at(0)),
            "/nonexistent/stoa-compliance.toml: cannot open: No such file or directory");
}

}  // namespace
}  // namespace stoa::compliance
