#include "conf/schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace stoa::conf {
namespace {

TEST(Options, Keys_AreUniqueAndSectioned) {
  std::set<std::string_view> keys;
  for (const Option& option : options()) {
    EXPECT_TRUE(keys.insert(option.key).second) << "duplicate " << option.key;
    EXPECT_FALSE(option.section().empty()) << option.key;
    EXPECT_FALSE(option.name().empty()) << option.key;
    EXPECT_EQ(option.name().find('.'), std::string_view::npos) << option.key;
    EXPECT_FALSE(option.doc.empty()) << option.key;
    EXPECT_NE(option.get, nullptr) << option.key;
    EXPECT_NE(option.set, nullptr) << option.key;
  }
}

TEST(Options, Sections_AreContiguous) {
  // conf/stoa.toml and docs/configuration.md follow this order, one block per section.
  std::vector<std::string_view> order;
  for (const Option& option : options()) {
    if (order.empty() || order.back() != option.section()) {
      EXPECT_EQ(std::ranges::count(order, option.section()), 0) << option.key << " reopens";
      order.push_back(option.section());
    }
  }
}

TEST(Options, Defaults_SatisfyTheirOwnRules) {
  const ServerConfig defaults;
  for (const Option& option : options()) {
    OptionValue value = option.get(defaults);
    switch (option.type) {
      case OptionType::boolean:
        EXPECT_TRUE(std::holds_alternative<bool>(value)) << option.key;
        break;
      case OptionType::integer: {
        ASSERT_TRUE(std::holds_alternative<std::int64_t>(value)) << option.key;
        std::int64_t number = std::get<std::int64_t>(value);
        EXPECT_LE(option.min, number) << option.key;
        EXPECT_LE(number, option.max) << option.key;
        break;
      }
      case OptionType::string: {
        ASSERT_TRUE(std::holds_alternative<std::string>(value)) << option.key;
        const auto& text = std::get<std::string>(value);
        if (!option.allowed.empty()) {
          EXPECT_NE(std::ranges::find(option.allowed, text), option.allowed.end()) << option.key;
        }
        if (option.check != nullptr) {
          EXPECT_EQ(option.check(text), "") << option.key;
        }
        break;
      }
      case OptionType::string_array:
        EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(value)) << option.key;
        break;
    }
  }
}

TEST(Options, IntegerBounds_FitTheirFields) {
  for (const Option& option : options()) {
    if (option.type != OptionType::integer) {
      continue;
    }
    EXPECT_LE(option.min, option.max) << option.key;
    for (std::int64_t bound : {option.min, option.max}) {
      ServerConfig config;
      option.set(config, bound);
      EXPECT_EQ(option.get(config), OptionValue(bound)) << option.key << " truncates " << bound;
    }
  }
}

OptionValue distinct_value(const Option& option, std::size_t index) {
  switch (option.type) {
    case OptionType::boolean:
      return !std::get<bool>(option.get(ServerConfig{}));
    case OptionType::integer:
      return option.max - static_cast<std::int64_t>(index);
    case OptionType::string:
      if (!option.allowed.empty()) {
        return std::string(option.allowed.back() == std::get<std::string>(option.get({}))
                               ? option.allowed.front()
                               : option.allowed.back());
      }
      return "value" + std::to_string(index);
    case OptionType::string_array:
      return std::vector<std::string>{"a" + std::to_string(index) + "@example.org"};
  }
  return {};
}

TEST(Options, EachOption_HasItsOwnField) {
  // Two options bound to one field would overwrite each other here.
  ServerConfig config;
  std::vector<OptionValue> values;
  for (std::size_t i = 0; i < options().size(); ++i) {
    values.push_back(distinct_value(options()[i], i));
    options()[i].set(config, values.back());
  }
  for (std::size_t i = 0; i < options().size(); ++i) {
    EXPECT_EQ(options()[i].get(config), values[i]) << options()[i].key;
    EXPECT_NE(options()[i].get(config), options()[i].get(ServerConfig{})) << options()[i].key;
  }
}

TEST(FindOption, KnownKey_ReturnsIt) {
  const Option* option = find_option("limits.max_stanza_bytes");
  ASSERT_NE(option, nullptr);
  EXPECT_EQ(option->section(), "limits");
  EXPECT_EQ(option->name(), "max_stanza_bytes");
  EXPECT_EQ(option->min, 1024);
  EXPECT_EQ(option->max, 67108864);
}

TEST(FindOption, UnknownKey_ReturnsNull) {
  EXPECT_EQ(find_option("limits.nothing"), nullptr);
  EXPECT_EQ(find_option("limits"), nullptr);
  EXPECT_EQ(find_option(""), nullptr);
}

TEST(ToToml, Values_SpelledAsToml) {
  EXPECT_EQ(to_toml(true), "true");
  EXPECT_EQ(to_toml(std::int64_t{5222}), "5222");
  EXPECT_EQ(to_toml(std::string("info")), "\"info\"");
  EXPECT_EQ(to_toml(std::vector<std::string>{}), "[]");
  EXPECT_EQ(to_toml(std::vector<std::string>{"a@b", "c@d"}), "[\"a@b\", \"c@d\"]");
}

TEST(ToToml, SpecialCharacters_Escaped) {
  EXPECT_EQ(to_toml(std::string("a\"b\\c\nd")), "\"a\\\"b\\\\c\\u000ad\"");
}

}  // namespace
}  // namespace stoa::conf
