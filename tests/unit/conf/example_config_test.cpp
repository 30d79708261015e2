// Holds conf/stoa.toml and docs/configuration.md to the schema, so that neither can drift from
// the defaults compiled into stoad.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "conf/loader.hpp"
#include "conf/schema.hpp"

namespace stoa::conf {
namespace {

// STOA_SOURCE_DIR when the build defines it; otherwise the checkout holding the working
// directory or this executable (build directories live inside the checkout).
std::filesystem::path source_dir() {
#ifdef STOA_SOURCE_DIR
  return STOA_SOURCE_DIR;
#else
  std::error_code ignored;
  for (std::filesystem::path start : {std::filesystem::current_path(ignored),
                                      std::filesystem::read_symlink("/proc/self/exe", ignored)}) {
    for (std::filesystem::path dir = start; !dir.empty(); dir = dir.parent_path()) {
      if (std::filesystem::exists(dir / "conf" / "config.hpp", ignored)) {
        return dir;
      }
      if (dir == dir.parent_path()) {
        break;
      }
    }
  }
  return {};
#endif
}

std::string read_source_file(const std::string& relative) {
  std::filesystem::path path = source_dir() / relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string all_errors(const LoadResult& result) {
  std::string text;
  for (const ConfigError& error : result.errors()) {
    text += format_error(error) + "\n";
  }
  return text;
}

TEST(ExampleConfig, Parses_ToTheCompiledDefaults) {
  LoadResult result = load_config(source_dir() / "conf" / "stoa.toml");
  ASSERT_TRUE(result.ok()) << all_errors(result);
  ServerConfig parsed = result.config();
  const ServerConfig defaults;
  for (const Option& option : options()) {
    if (option.key != "server.data_dir") {
      EXPECT_EQ(to_toml(option.get(parsed)), to_toml(option.get(defaults))) << option.key;
    }
  }
  // The quick start runs stoad as root from the checkout; its state belongs in /var/lib.
  EXPECT_EQ(parsed.data_dir, "/var/lib/stoa");
  parsed.data_dir = defaults.data_dir;
  EXPECT_TRUE(parsed == defaults) << "a field without an option differs from its default";
}

TEST(ExampleConfig, EverySchemaKey_IsSetInTheFile) {
  toml::table root = toml::parse(read_source_file("conf/stoa.toml"));
  for (const Option& option : options()) {
    EXPECT_NE(root.at_path(option.key).node(), nullptr) << option.key << " missing";
  }
}

TEST(ExampleConfig, EveryKey_FollowsItsDocText) {
  std::string text = read_source_file("conf/stoa.toml");
  for (const Option& option : options()) {
    std::string comment = "# " + std::string(option.doc) + "\n";
    std::size_t at = text.find(comment);
    ASSERT_NE(at, std::string::npos) << option.key << ": doc text missing";
    // The key is the first line after its doc text that is not a comment (an example, say).
    std::size_t line = at + comment.size();
    while (line < text.size() && text[line] == '#') {
      line = text.find('\n', line) + 1;
    }
    std::string key_line = text.substr(line, text.find('\n', line) - line);
    EXPECT_THAT(key_line, testing::StartsWith(std::string(option.name()) + " = "))
        << option.key << ": doc text is not right above the key";
  }
}

// The rows of one "## [section]" table of docs/configuration.md.
std::string section_text(const std::string& doc, std::string_view section) {
  std::string heading = "## [" + std::string(section) + "]\n";
  std::size_t begin = doc.find(heading);
  if (begin == std::string::npos) {
    return "";
  }
  std::size_t end = doc.find("\n## ", begin + heading.size());
  return doc.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::string row_of(const std::string& table, std::string_view name) {
  std::string start = "| `" + std::string(name) + "` |";
  std::size_t begin = table.find(start);
  if (begin == std::string::npos) {
    return "";
  }
  return table.substr(begin, table.find('\n', begin) - begin);
}

TEST(ConfigurationDoc, EveryKey_DocumentedWithDefaultAndBounds) {
  std::string doc = read_source_file("docs/configuration.md");
  const ServerConfig defaults;
  for (const Option& option : options()) {
    std::string table = section_text(doc, option.section());
    ASSERT_FALSE(table.empty()) << "no section [" << option.section() << "]";
    std::string row = row_of(table, option.name());
    ASSERT_FALSE(row.empty()) << option.key << " not documented";
    EXPECT_THAT(row, testing::HasSubstr("`" + to_toml(option.get(defaults)) + "`")) << option.key;
    if (option.type == OptionType::integer) {
      EXPECT_THAT(row,
                  testing::HasSubstr(std::to_string(option.min) + "–" + std::to_string(option.max)))
          << option.key;
    }
    for (std::string_view allowed : option.allowed) {
      EXPECT_THAT(row, testing::HasSubstr("`\"" + std::string(allowed) + "\"`")) << option.key;
    }
  }
}

TEST(ConfigurationDoc, EveryTableArrayField_DocumentedInTheExampleAndTheReference) {
  std::string example = read_source_file("conf/stoa.toml");
  std::string reference = read_source_file("docs/configuration.md");
  for (const TableArray& array : table_arrays()) {
    std::string heading = "## [[" + std::string(array.name) + "]]\n";
    std::size_t section = reference.find(heading);
    ASSERT_NE(section, std::string::npos) << heading << " missing";
    EXPECT_NE(example.find("# [[" + std::string(array.name) + "]]\n"), std::string::npos);
    for (const TableField& field : array.fields) {
      // The example table is commented out, its doc lines commented twice.
      std::string commented =
          "# # " + std::string(field.doc) + "\n# " + std::string(field.name) + " = ";
      EXPECT_NE(example.find(commented), std::string::npos) << field.name;
      EXPECT_NE(reference.find("| `" + std::string(field.name) + "` |", section), std::string::npos)
          << field.name;
    }
  }
}

}  // namespace
}  // namespace stoa::conf
