#include "store/subprocess.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace stoa::store {
namespace {

TEST(SubprocessTest, RunProcess_FailingCommand_ReportsExitCodeAndBothOutputs) {
  auto result = run_process({"/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"}, {});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.succeeded());
  EXPECT_NE(result.output.find("to-out"), std::string::npos);
  EXPECT_NE(result.output.find("to-err"), std::string::npos);
}

TEST(SubprocessTest, RunProcess_KilledBySignal_ReportsTheSignal) {
  auto result = run_process({"/bin/sh", "-c", "kill -9 $$"}, {});
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_EQ(result.signal, 9);
}

TEST(SubprocessTest, RunProcess_Arguments_ReachTheProgramWithoutAShell) {
  auto result = run_process({"/bin/echo", "a; touch /tmp/stoa-pwned", "$HOME", "`id`"}, {});
  EXPECT_EQ(result.output, "a; touch /tmp/stoa-pwned $HOME `id`\n");
}

TEST(SubprocessTest, RunProcess_PgEnvironmentVariables_AreRemoved) {
  ::setenv("PGDATA", "/somewhere/else", 1);
  ::setenv("STOA_TEST_KEPT", "yes", 1);
  auto result = run_process({"/usr/bin/env"}, {});
  ::unsetenv("PGDATA");
  ::unsetenv("STOA_TEST_KEPT");
  EXPECT_EQ(result.output.find("PGDATA"), std::string::npos);
  EXPECT_NE(result.output.find("STOA_TEST_KEPT=yes"), std::string::npos);
}

TEST(SubprocessTest, RunProcess_ParentDescriptors_AreNotInherited) {
  int fd = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(fd, 0);
  ASSERT_EQ(dup2(fd, 97), 97);
  close(fd);
  auto result = run_process({"/bin/ls", "/proc/self/fd"}, {});
  close(97);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output.find("97"), std::string::npos) << result.output;
}

TEST(SubprocessTest, RunProcess_MissingProgram_Exits127NamingIt) {
  auto result = run_process({"/nonexistent/program"}, {});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.output.find("/nonexistent/program"), std::string::npos) << result.output;
}

TEST(SubprocessTest, RunProcess_RelativeProgram_Throws) {
  EXPECT_THROW(run_process({"sh", "-c", "true"}, {}), std::invalid_argument);
  EXPECT_THROW(run_process({}, {}), std::invalid_argument);
}

TEST(SubprocessTest, RunProcess_AsAnotherAccount_RunsWithItsIds) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root";
  }
  auto postgres = lookup_identity("postgres");
  ASSERT_TRUE(postgres.has_value());
  auto result = run_process({"/usr/bin/id", "-u"}, postgres);
  EXPECT_EQ(result.output, std::to_string(postgres->uid) + "\n");
  EXPECT_FALSE(accessible_as(*postgres, "/root", W_OK));
  EXPECT_TRUE(accessible_as(*postgres, "/tmp", W_OK));
}

TEST(SubprocessTest, LookupIdentity_UnknownAccount_IsEmpty) {
  EXPECT_FALSE(lookup_identity("no-such-account-stoa").has_value());
  auto root = lookup_identity("root");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->uid, 0u);
}

TEST(SubprocessTest, LastLines_LongText_KeepsTheEndWithoutBlankLines) {
  EXPECT_EQ(last_lines("one\ntwo\n\nthree\nfour\n", 2), "three\nfour\n");
  EXPECT_EQ(last_lines("only", 5), "only\n");
  EXPECT_EQ(last_lines("", 5), "");
}

TEST(SubprocessTest, DescribeCommand_ArgumentsWithSpaces_AreQuoted) {
  EXPECT_EQ(describe_command({"/bin/pg_ctl", "-o", "-c a=b", ""}), "/bin/pg_ctl -o '-c a=b' ''");
}

}  // namespace
}  // namespace stoa::store
