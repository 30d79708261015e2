#include "conf/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace stoa::conf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string all_errors(const LoadResult& result) {
  std::string text;
  for (const ConfigError& error : result.errors()) {
    text += format_error(error) + "\n";
  }
  return text;
}

ServerConfig parse_ok(std::string_view text) {
  LoadResult result = parse_config(text, "stoa.toml");
  EXPECT_TRUE(result.ok()) << all_errors(result);
  return result.ok() ? result.config() : ServerConfig{};
}

std::vector<ConfigError> parse_errors(std::string_view text) {
  LoadResult result = parse_config(text, "stoa.toml");
  EXPECT_FALSE(result.ok());
  return result.errors();
}

std::vector<std::string> formatted(const std::vector<ConfigError>& errors) {
  std::vector<std::string> lines;
  for (const ConfigError& error : errors) {
    lines.push_back(format_error(error));
  }
  return lines;
}

TEST(ParseConfig, EmptyText_YieldsDefaults) {
  LoadResult result = parse_config("", "stoa.toml");
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(result.config(), ServerConfig{});
  EXPECT_THAT(result.errors(), IsEmpty());
}

TEST(ParseConfig, EverySection_StoresItsValues) {
  ServerConfig config = parse_ok(R"(
[server]
domain = "chat.example.org"
admins = ["boss@chat.example.org"]
workers = 3
data_dir = "/srv/stoa"
log_level = "debug"
ready_file = "ready"

[c2s]
address = "127.0.0.1"
port = 15222
tls_address = "::1"
tls_port = 15223
require_tls = false
resource_conflict = "refuse"

[tls]
certificate = "/etc/stoa/cert.pem"
key = "/etc/stoa/key.pem"

[limits]
max_stanza_bytes = 65536
max_xml_depth = 20
max_xml_attributes = 30
auth_timeout_seconds = 10
max_unauthenticated = 50
max_connections = 5000
send_queue_bytes = 1048576
max_resources_per_account = 4
auth_failures_per_address = 5
auth_failures_per_account = 6
auth_failure_window_seconds = 120
max_roster_items = 200

[ping]
idle_ping_seconds = 0
ping_timeout_seconds = 15

[database]
dsn = "host=db.example.org dbname=stoa"
pool_size = 8
postgres_bin_dir = "/usr/lib/postgresql/15/bin"

[admin]
socket = "/run/stoa/admin.sock"

[auth]
scram_iterations = 20000
)");
  EXPECT_EQ(config.domain, "chat.example.org");
  EXPECT_THAT(config.admins, ElementsAre("boss@chat.example.org"));
  EXPECT_EQ(config.workers, 3u);
  EXPECT_EQ(config.data_dir, "/srv/stoa");
  EXPECT_EQ(config.log_level, LogLevel::debug);
  EXPECT_EQ(config.ready_file, "ready");
  EXPECT_EQ(config.c2s, (Listener{"127.0.0.1", 15222}));
  EXPECT_EQ(config.c2s_direct_tls, (Listener{"::1", 15223}));
  EXPECT_FALSE(config.require_tls);
  EXPECT_EQ(config.resource_conflict, "refuse");
  EXPECT_EQ(config.tls_certificate, "/etc/stoa/cert.pem");
  EXPECT_EQ(config.tls_key, "/etc/stoa/key.pem");
  EXPECT_EQ(config.max_stanza_bytes, 65536u);
  EXPECT_EQ(config.max_xml_depth, 20u);
  EXPECT_EQ(config.max_xml_attributes, 30u);
  EXPECT_EQ(config.auth_timeout_seconds, 10u);
  EXPECT_EQ(config.max_unauthenticated, 50u);
  EXPECT_EQ(config.max_connections, 5000u);
  EXPECT_EQ(config.send_queue_bytes, 1048576u);
  EXPECT_EQ(config.max_resources_per_account, 4u);
  EXPECT_EQ(config.auth_failures_per_address, 5u);
  EXPECT_EQ(config.auth_failures_per_account, 6u);
  EXPECT_EQ(config.auth_failure_window_seconds, 120u);
  EXPECT_EQ(config.max_roster_items, 200u);
  EXPECT_EQ(config.idle_ping_seconds, 0u);
  EXPECT_EQ(config.ping_timeout_seconds, 15u);
  EXPECT_EQ(config.database_dsn, "host=db.example.org dbname=stoa");
  EXPECT_EQ(config.database_pool_size, 8u);
  EXPECT_EQ(config.postgres_bin_dir, "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(config.admin_socket, "/run/stoa/admin.sock");
  EXPECT_EQ(config.scram_iterations, 20000u);
}

TEST(ParseConfig, OutOfRange_NamesFileLineKeyAndBounds) {
  auto errors = parse_errors("[limits]\nmax_stanza_bytes = 10\n");
  EXPECT_THAT(formatted(errors),
              ElementsAre("stoa.toml:2: limits.max_stanza_bytes: must be between 1024 and "
                          "67108864, got 10"));
}

TEST(ParseConfig, IntegerAboveFieldWidth_IsOutOfRange) {
  auto errors = parse_errors("[c2s]\nport = 65536\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "must be between 0 and 65535, got 65536");
}

TEST(ParseConfig, NegativeInteger_IsOutOfRange) {
  auto errors = parse_errors("[server]\nworkers = -1\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "server.workers");
  EXPECT_THAT(errors[0].message, HasSubstr("got -1"));
}

TEST(ParseConfig, PoolSizeOutsideOneToSixtyFour_IsRejected) {
  EXPECT_THAT(parse_errors("[database]\npool_size = 0\n")[0].message,
              "must be between 1 and 64, got 0");
  EXPECT_THAT(parse_errors("[database]\npool_size = 65\n")[0].message,
              "must be between 1 and 64, got 65");
}

TEST(ParseConfig, ScramIterationsBelowRfc7677Minimum_IsRejected) {
  auto errors = parse_errors("[auth]\nscram_iterations = 4095\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:2: auth.scram_iterations: must be "
                                             "between 4096 and 1000000, got 4095"));
}

TEST(ParseConfig, UnknownKey_NamesLineAndKey) {
  auto errors = parse_errors("[server]\ndomain = \"a.example\"\nflavour = \"vanilla\"\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:3: server.flavour: unknown key"));
}

TEST(ParseConfig, MisspelledKey_SuggestsTheRealOne) {
  auto errors = parse_errors("[limits]\nmax_stanza_byte = 4096\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:2: limits.max_stanza_byte: unknown key "
                                             "(did you mean limits.max_stanza_bytes?)"));
}

TEST(ParseConfig, KeyInWrongSection_SuggestsItsSection) {
  auto errors = parse_errors("[server]\nport = 5222\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "unknown key (did you mean c2s.port?)");
}

TEST(ParseConfig, UnknownSection_NamesLine) {
  auto errors = parse_errors("[server]\nworkers = 1\n\n[s2s]\nport = 5269\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:4: s2s: unknown section"));
}

TEST(ParseConfig, MisspelledSection_SuggestsTheRealOne) {
  auto errors = parse_errors("[limit]\nmax_xml_depth = 10\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "unknown section (did you mean [limits]?)");
}

TEST(ParseConfig, KeyOutsideAnySection_IsUnknown) {
  auto errors = parse_errors("domain = \"example.org\"\n");
  EXPECT_THAT(formatted(errors),
              ElementsAre("stoa.toml:1: domain: unknown key; settings belong in a section "
                          "(did you mean server.domain?)"));
}

TEST(ParseConfig, SubtableInsideSection_IsUnknownKey) {
  auto errors = parse_errors("[limits.extra]\nx = 1\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "limits.extra");
  EXPECT_EQ(errors[0].message, "unknown key");
}

TEST(ParseConfig, SectionThatIsNotATable_IsWrongType) {
  auto errors = parse_errors("server = 5\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "server");
  EXPECT_EQ(errors[0].message, "expected a table ([server]), got an integer");
}

TEST(ParseConfig, StringForInteger_IsWrongType) {
  auto errors = parse_errors("[c2s]\nport = \"5222\"\n");
  EXPECT_THAT(formatted(errors),
              ElementsAre("stoa.toml:2: c2s.port: expected an integer, got a string"));
}

TEST(ParseConfig, FloatForInteger_IsWrongType) {
  auto errors = parse_errors("[ping]\nidle_ping_seconds = 1.5\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "expected an integer, got a float");
}

TEST(ParseConfig, StringForBoolean_IsWrongType) {
  auto errors = parse_errors("[c2s]\nrequire_tls = \"yes\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "expected a boolean, got a string");
}

TEST(ParseConfig, IntegerForString_IsWrongType) {
  auto errors = parse_errors("[server]\ndomain = 42\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "expected a string, got an integer");
}

TEST(ParseConfig, StringForArray_IsWrongType) {
  auto errors = parse_errors("[server]\nadmins = \"boss@example.org\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "expected an array of strings, got a string");
}

TEST(ParseConfig, BadResourceConflict_ListsAllowedValues) {
  auto errors = parse_errors("[c2s]\nresource_conflict = \"kick\"\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:2: c2s.resource_conflict: must be one of "
                                             "\"replace\", \"refuse\"; got \"kick\""));
}

TEST(ParseConfig, BadLogLevel_ListsAllowedValues) {
  auto errors = parse_errors("[server]\nlog_level = \"verbose\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message,
            "must be one of \"debug\", \"info\", \"warn\", \"error\"; got \"verbose\"");
}

TEST(ParseConfig, EachLogLevel_MapsToItsEnumerator) {
  EXPECT_EQ(parse_ok("[server]\nlog_level = \"debug\"").log_level, LogLevel::debug);
  EXPECT_EQ(parse_ok("[server]\nlog_level = \"info\"").log_level, LogLevel::info);
  EXPECT_EQ(parse_ok("[server]\nlog_level = \"warn\"").log_level, LogLevel::warn);
  EXPECT_EQ(parse_ok("[server]\nlog_level = \"error\"").log_level, LogLevel::error);
}

TEST(ParseConfig, SyntaxError_ReportsLineColumnAndDescription) {
  auto errors = parse_errors("[server]\nworkers = 2\ndomain = \"unterminated\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].file, "stoa.toml");
  EXPECT_EQ(errors[0].line, 3u);
  EXPECT_GT(errors[0].column, 0u);
  EXPECT_THAT(errors[0].key, IsEmpty());
  EXPECT_THAT(errors[0].message, Not(IsEmpty()));
  EXPECT_THAT(format_error(errors[0]), testing::StartsWith("stoa.toml:3:"));
}

TEST(ParseConfig, DuplicateKey_IsSyntaxErrorOnItsLine) {
  auto errors = parse_errors("[c2s]\nport = 1\nport = 2\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].line, 3u);
}

TEST(ParseConfig, InvalidUtf8_IsSyntaxError) {
  auto errors = parse_errors("[server]\ndomain = \"\xff\xfe\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].line, 2u);
}

TEST(ParseConfig, CertificateWithoutKey_IsError) {
  auto errors = parse_errors("[tls]\ncertificate = \"cert.pem\"\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:2: tls.certificate: is set but tls.key "
                                             "is not; set both or neither"));
}

TEST(ParseConfig, KeyWithoutCertificate_IsError) {
  auto errors = parse_errors("[tls]\ncertificate = \"\"\nkey = \"key.pem\"\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:3: tls.key: is set but tls.certificate "
                                             "is not; set both or neither"));
}

TEST(ParseConfig, CertificateAndKey_Accepted) {
  ServerConfig config = parse_ok("[tls]\ncertificate = \"c.pem\"\nkey = \"k.pem\"\n");
  EXPECT_EQ(config.tls_certificate, "c.pem");
  EXPECT_EQ(config.tls_key, "k.pem");
}

TEST(ParseConfig, SeveralErrors_AllReportedInFileOrder) {
  auto errors = parse_errors(R"([server]
workers = "four"
log_level = "loud"

[limits]
max_xml_depth = 2
bogus = 1

[tls]
certificate = "c.pem"

[nonsense]
)");
  EXPECT_THAT(formatted(errors),
              ElementsAre("stoa.toml:2: server.workers: expected an integer, got a string",
                          "stoa.toml:3: server.log_level: must be one of \"debug\", \"info\", "
                          "\"warn\", \"error\"; got \"loud\"",
                          "stoa.toml:6: limits.max_xml_depth: must be between 8 and 1024, got 2",
                          "stoa.toml:7: limits.bogus: unknown key",
                          "stoa.toml:10: tls.certificate: is set but tls.key is not; set both "
                          "or neither",
                          "stoa.toml:12: nonsense: unknown section"));
}

TEST(ParseConfig, Admins_KeptInOrder) {
  ServerConfig config =
      parse_ok("[server]\nadmins = [\"alice@example.org\", \"bob@chat.example.org\"]\n");
  EXPECT_THAT(config.admins, ElementsAre("alice@example.org", "bob@chat.example.org"));
}

TEST(ParseConfig, AdminsEmpty_Accepted) {
  EXPECT_THAT(parse_ok("[server]\nadmins = []\n").admins, IsEmpty());
}

class AdminNotBareJid : public testing::TestWithParam<const char*> {};

TEST_P(AdminNotBareJid, Rejected) {
  std::string text =
      std::string("[server]\nadmins = [\"ok@example.org\", \"") + GetParam() + "\"]\n";
  auto errors = parse_errors(text);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "server.admins");
  EXPECT_THAT(errors[0].message, HasSubstr("element 2: "));
  EXPECT_THAT(errors[0].message, HasSubstr("is not a bare JID"));
}

INSTANTIATE_TEST_SUITE_P(Shapes, AdminNotBareJid,
                         testing::Values("alice", "alice@example.org/phone", "@example.org",
                                         "alice@", "a@b@example.org", "al ice@example.org", "",
                                         "example.org/res"));

TEST(ParseConfig, AdminNotString_ReportsElementLine) {
  auto errors = parse_errors("[server]\nadmins = [\n  \"ok@example.org\",\n  7,\n]\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:4: server.admins: element 2: expected a "
                                             "string, got an integer"));
}

TEST(ParseConfig, Domain_IsLowercased) {
  EXPECT_EQ(parse_ok("[server]\ndomain = \"Chat.Example.ORG\"\n").domain, "chat.example.org");
}

class BadDomain : public testing::TestWithParam<const char*> {};

TEST_P(BadDomain, Rejected) {
  auto errors = parse_errors(std::string("[server]\ndomain = \"") + GetParam() + "\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "server.domain");
  EXPECT_EQ(errors[0].line, 2u);
}

INSTANTIATE_TEST_SUITE_P(Shapes, BadDomain,
                         testing::Values("", "exa mple.org", "user@example.org", "example.org/x",
                                         ".example.org", "example.org.", "example..org",
                                         "tab\\there"));

TEST(ParseConfig, DomainLongerThan253_Rejected) {
  auto errors = parse_errors("[server]\ndomain = \"" + std::string(254, 'a') + "\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "is longer than 253 characters");
}

TEST(ParseConfig, EmptyDataDir_Rejected) {
  auto errors = parse_errors("[server]\ndata_dir = \"\"\n");
  EXPECT_THAT(formatted(errors), ElementsAre("stoa.toml:2: server.data_dir: must not be empty"));
}

TEST(ParseConfig, RelativePaths_KeptAsGiven) {
  ServerConfig config = parse_ok(R"(
[server]
data_dir = "var/stoa"
ready_file = "./ready"
[tls]
certificate = "../certs/cert.pem"
key = "certs/key.pem"
[database]
postgres_bin_dir = "pg/bin"
[admin]
socket = "stoad.sock"
)");
  EXPECT_EQ(config.data_dir, "var/stoa");
  EXPECT_EQ(config.ready_file, "./ready");
  EXPECT_EQ(config.tls_certificate, "../certs/cert.pem");
  EXPECT_EQ(config.tls_key, "certs/key.pem");
  EXPECT_EQ(config.postgres_bin_dir, "pg/bin");
  EXPECT_EQ(config.admin_socket, "stoad.sock");
}

TEST(ParseConfig, ListenerKeys_MapToTheirListeners) {
  ServerConfig config = parse_ok("[c2s]\ntls_address = \"127.0.0.1\"\ntls_port = 5999\n");
  EXPECT_EQ(config.c2s, ServerConfig{}.c2s);
  EXPECT_EQ(config.c2s_direct_tls, (Listener{"127.0.0.1", 5999}));
}

TEST(ParseConfig, AddressNotAnIpLiteral_Rejected) {
  auto errors = parse_errors("[c2s]\naddress = \"localhost\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "c2s.address");
  EXPECT_THAT(errors[0].message, HasSubstr("is not an IP address"));
}

TEST(ParseConfig, BothListenersOnOnePort_Rejected) {
  auto errors = parse_errors("[c2s]\nport = 5222\ntls_port = 5222\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "c2s.tls_port");
  EXPECT_EQ(errors[0].line, 3u);
}

TEST(ParseConfig, BothListenersOnPortZero_Accepted) {
  ServerConfig config = parse_ok("[c2s]\nport = 0\ntls_port = 0\n");
  EXPECT_EQ(config.c2s.port, 0u);
  EXPECT_EQ(config.c2s_direct_tls.port, 0u);
}

TEST(ParseConfig, SendQueueSmallerThanStanza_Rejected) {
  auto errors = parse_errors("[limits]\nmax_stanza_bytes = 1048576\nsend_queue_bytes = 524288\n");
  EXPECT_THAT(formatted(errors),
              ElementsAre("stoa.toml:3: limits.send_queue_bytes: limits.send_queue_bytes "
                          "(524288) must be at least limits.max_stanza_bytes (1048576)"));
}

TEST(ParseConfig, StanzaLimitAboveDefaultQueue_ReportedAtTheKeyPresent) {
  auto errors = parse_errors("[limits]\nmax_stanza_bytes = 8388608\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].key, "limits.max_stanza_bytes");
  EXPECT_EQ(errors[0].line, 2u);
}

TEST(ParseConfig, NulInString_Rejected) {
  auto errors = parse_errors("[server]\ndata_dir = \"/var/lib\\u0000/x\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].message, "must not contain a NUL character");
}

TEST(ParseConfig, SourceName_UsedInErrors) {
  LoadResult result = parse_config("[x]\n", "/etc/stoa/stoa.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(format_error(result.errors()[0]), "/etc/stoa/stoa.toml:1: x: unknown section");
}

TEST(FormatError, WithoutLine_OmitsPosition) {
  EXPECT_EQ(format_error({.file = "a.toml", .key = "tls.key", .message = "m"}),
            "a.toml: tls.key: m");
  EXPECT_EQ(format_error({.file = "a.toml", .message = "cannot open"}), "a.toml: cannot open");
}

TEST(FormatError, WithKey_OmitsColumn) {
  EXPECT_EQ(
      format_error({.file = "a.toml", .line = 4, .column = 9, .key = "c2s.port", .message = "m"}),
      "a.toml:4: c2s.port: m");
  EXPECT_EQ(format_error({.file = "a.toml", .line = 4, .column = 9, .message = "m"}),
            "a.toml:4:9: m");
}

class LoadConfigFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(testing::TempDir()) /
        ("stoa_conf_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadConfigFile, ValidFile_Loaded) {
  LoadResult result = load_config(write("stoa.toml", "[server]\ndomain = \"example.org\"\n"));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(result.config().domain, "example.org");
}

TEST_F(LoadConfigFile, ErrorsInFile_NameThePath) {
  std::filesystem::path path = write("stoa.toml", "[c2s]\nport = -5\n");
  LoadResult result = load_config(path);
  EXPECT_THAT(formatted(result.errors()),
              ElementsAre(path.string() + ":2: c2s.port: must be between 0 and 65535, got -5"));
}

TEST_F(LoadConfigFile, MissingFile_NamesPathAndCause) {
  std::filesystem::path path = dir_ / "absent.toml";
  LoadResult result = load_config(path);
  EXPECT_THAT(formatted(result.errors()),
              ElementsAre(path.string() + ": cannot open: No such file or directory"));
}

TEST_F(LoadConfigFile, Directory_Rejected) {
  LoadResult result = load_config(dir_);
  EXPECT_THAT(formatted(result.errors()), ElementsAre(dir_.string() + ": is not a regular file"));
}

TEST_F(LoadConfigFile, HugeFile_Rejected) {
  std::string text = "# " + std::string(2 * 1024 * 1024, 'x') + "\n";
  LoadResult result = load_config(write("huge.toml", text));
  ASSERT_THAT(result.errors(), SizeIs(1));
  EXPECT_THAT(result.errors()[0].message, HasSubstr("larger than 1 MiB"));
}

}  // namespace
}  // namespace stoa::conf
