// stoa-bench end to end: the `small` scenario against a real stoad, for correctness only (no
// timing is checked). Accounts come from stoactl user add-bulk, as bench/README.md documents.

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/stoad_process.hpp"

namespace stoa::test {
namespace {

constexpr auto kBenchTimeout = std::chrono::minutes(5);
// bench/scenarios/small.toml: 20 users in rooms of 10.
constexpr unsigned kUsers = 20;
constexpr std::uint64_t kOthersPerRoom = 9;

/// The number after "\"key\": " in the report (first occurrence: top-level keys come first).
std::optional<std::uint64_t> json_number(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\": ";
  const std::size_t at = json.find(marker);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char* begin = json.data() + at + marker.size();
  auto [end, error] = std::from_chars(begin, json.data() + json.size(), value);
  if (error != std::errc()) {
    return std::nullopt;
  }
  return value;
}

/// The text of a one-line JSON object value: "{...}" after "\"key\": ".
std::string json_object(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\": ";
  const std::size_t at = json.find(marker);
  if (at == std::string::npos) {
    return {};
  }
  const std::size_t start = at + marker.size();
  return json.substr(start, json.find('}', start) + 1 - start);
}

struct BenchRun {
  std::string tls;
  std::string auth;
};

class BenchSmallTest : public ::testing::TestWithParam<BenchRun> {
 protected:
  StoadProcess server_;
};

TEST_P(BenchSmallTest, EveryPostReachesEveryOtherOccupant) {
  ASSERT_TRUE(server_.start({{"c2s.require_tls", "false"}}));
  const CommandResult added =
      server_.stoactl({"user", "add-bulk", "bench", std::to_string(kUsers)}, "bench-password\n");
  ASSERT_EQ(added.exit_code, 0) << added.describe();

  const std::uint16_t port =
      GetParam().tls == "direct" ? server_.c2s_tls_port() : server_.c2s_port();
  const std::string json_path = (server_.data_dir() / "bench.json").string();
  const CommandResult bench = run_command(
      {STOA_BENCH_PATH, "--scenario", std::string(STOA_SOURCE_DIR) + "/bench/scenarios/small.toml",
       "--host", "127.0.0.1", "--port", std::to_string(port), "--domain", server_.domain(), "--tls",
       GetParam().tls, "--auth", GetParam().auth, "--processes", "2", "--json", json_path},
      "", kBenchTimeout);
  ASSERT_EQ(bench.exit_code, 0) << bench.describe() << "\n" << server_.log_tail();

  std::ifstream file(json_path);
  std::stringstream text;
  text << file.rdbuf();
  const std::string json = text.str();
  ASSERT_FALSE(json.empty()) << bench.describe();

  EXPECT_EQ(json_object(json, "errors"), "{}") << json;
  EXPECT_EQ(json_number(json, "sessions_established"), kUsers) << json;
  EXPECT_EQ(json_number(json, "sessions_held"), kUsers) << json;
  EXPECT_EQ(json_number(json, "joins"), json_number(json, "occupancies")) << json;
  const std::optional<std::uint64_t> posts = json_number(json, "posts");
  ASSERT_TRUE(posts.has_value()) << json;
  EXPECT_GT(*posts, 0u) << json;
  EXPECT_EQ(json_number(json, "deliveries"), *posts * kOthersPerRoom) << json;
  EXPECT_EQ(json_number(json, "deliveries_expected"), *posts * kOthersPerRoom) << json;
  // Every join, delivery and archive query had its time measured.
  EXPECT_EQ(json_number(json_object(json, "join_latency_ms"), "count"), json_number(json, "joins"))
      << json;
  const std::string latency = json_object(json, "latency_ms");
  EXPECT_EQ(json_number(latency, "count"), *posts * kOthersPerRoom) << json;
  EXPECT_NE(latency.find("\"p99\": "), std::string::npos) << json;
  const std::string archive = json_object(json, "mam_page_ms");
  EXPECT_GT(json_number(archive, "count").value_or(0), 0u) << json;
  EXPECT_EQ(json_number(archive, "count"), json_number(json, "mam_queries")) << json;
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchSmallTest,
                         ::testing::Values(BenchRun{"none", "scram-sha-1"},
                                           BenchRun{"starttls", "scram-sha-256"},
                                           BenchRun{"direct", "plain"}),
                         [](const testing::TestParamInfo<BenchRun>& info) {
                           std::string name = info.param.tls + "_" + info.param.auth;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace stoa::test
