// [components] and the [[component]] array of tables: parsing, and errors with file, line and
// key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "conf/loader.hpp"

namespace stoa::conf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> errors_of(std::string_view text) {
  LoadResult result = parse_config(text, "stoa.toml");
  EXPECT_FALSE(result.ok());
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors()) {
    lines.push_back(format_error(error));
  }
  return lines;
}

TEST(ComponentConfig, NoTables_NoComponentsAndNoCompliance) {
  LoadResult result = parse_config("", "stoa.toml");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.config().components.empty());
  EXPECT_FALSE(result.config().compliance_enabled());
}

TEST(ComponentConfig, Tables_ReadInOrderWithDefaults) {
  LoadResult result = parse_config(R"(
[components]
port = 0
compliance_window = 10
[[component]]
name = "Compliance.Example.org"
secret = "s1"
compliance = true
[[component]]
name = "bridge.example.org"
secret = "s2"
)",
                                   "stoa.toml");
  ASSERT_TRUE(result.ok()) << format_error(result.errors().front());
  const ServerConfig& config = result.config();
  EXPECT_EQ(config.component_listener.port, 0);
  EXPECT_EQ(config.compliance_window, 10u);
  EXPECT_THAT(config.components, ElementsAre(ComponentConfig{"compliance.example.org", "s1", true},
                                             ComponentConfig{"bridge.example.org", "s2", false}));
  EXPECT_TRUE(config.compliance_enabled());
}

TEST(ComponentConfig, OnlyNonComplianceComponents_CaptureOff) {
  LoadResult result = parse_config("[[component]]\nname = \"a.example\"\nsecret = \"x\"\n", "f");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.config().compliance_enabled());
}

TEST(ComponentConfig, DuplicateName_NamesBothLines) {
  EXPECT_THAT(errors_of("[[component]]\nname = \"a.example\"\nsecret = \"x\"\n"
                        "[[component]]\nname = \"A.example\"\nsecret = \"y\"\n"),
              ElementsAre("stoa.toml:5: component.name: \"a.example\" is already declared by "
                          "the [[component]] at line 1"));
}

TEST(ComponentConfig, EmptySecret_Rejected) {
  EXPECT_THAT(errors_of("[[component]]\nname = \"a.example\"\nsecret = \"\"\n"),
              ElementsAre("stoa.toml:3: component.secret: must not be empty"));
}

TEST(ComponentConfig, MissingRequiredKeys_EachReportedAtTheTable) {
  EXPECT_THAT(errors_of("[[component]]\ncompliance = true\n"),
              ElementsAre("stoa.toml:1: component.name: missing; every [[component]] must set it",
                          "stoa.toml:1: component.secret: missing; every [[component]] must set "
                          "it"));
}

TEST(ComponentConfig, UnknownKey_SuggestsTheField) {
  EXPECT_THAT(errors_of("[[component]]\nname = \"a.example\"\nsecret = \"x\"\nsecrets = \"y\"\n"),
              ElementsAre("stoa.toml:4: component.secrets: unknown key (did you mean "
                          "component.secret?)"));
}

TEST(ComponentConfig, WrongTypes_Rejected) {
  EXPECT_THAT(
      errors_of("[[component]]\nname = \"a.example\"\nsecret = \"x\"\ncompliance = \"yes\"\n"),
      ElementsAre("stoa.toml:4: component.compliance: expected a boolean, got a string"));
  EXPECT_THAT(errors_of("[component]\nname = \"a.example\"\n"),
              ElementsAre("stoa.toml:1: component: expected an array of tables ([[component]]), "
                          "got a table"));
}

TEST(ComponentConfig, BadName_Rejected) {
  EXPECT_THAT(errors_of("[[component]]\nname = \"a@example\"\nsecret = \"x\"\n"),
              ElementsAre(HasSubstr("stoa.toml:2: component.name: must be a domain")));
}

TEST(ComponentConfig, NameOfServerOrMucDomain_Rejected) {
  EXPECT_THAT(errors_of("[[component]]\nname = \"localhost\"\nsecret = \"x\"\n"),
              ElementsAre("stoa.toml:2: component.name: \"localhost\" is server.domain; a "
                          "component needs its own"));
  EXPECT_THAT(errors_of("[[component]]\nname = \"conference.localhost\"\nsecret = \"x\"\n"),
              ElementsAre("stoa.toml:2: component.name: \"conference.localhost\" is the domain "
                          "of a MUC service"));
}

TEST(ComponentConfig, WindowOutOfRange_Rejected) {
  EXPECT_THAT(errors_of("[components]\ncompliance_window = 0\n"),
              ElementsAre("stoa.toml:2: components.compliance_window: must be between 1 and "
                          "1000000, got 0"));
}

}  // namespace
}  // namespace stoa::conf
