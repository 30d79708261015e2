#include "store/account_store.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "store/migrations.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using test::run_awaitable;

ScramCredential sha256_credential(std::string salt = std::string("s\0a\xffl", 5)) {
  return {"SHA-256", std::move(salt), 4096, std::string(32, '\x01'), std::string(32, '\x02')};
}

ScramCredential sha1_credential() {
  return {"SHA-1", "pepper", 10000, std::string(20, '\0'), std::string(20, '\xfe')};
}

class AccountStoreTest : public testing::Test {
 protected:
  AccountStoreTest() : db_(test::create_test_database(), 2, log_), accounts_(db_) {
    apply_migrations(db_, log_);
  }

  long count(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<long>(); });
  }

  Logger log_{LogLevel::warn};
  Database db_;
  AccountStore accounts_;
};

TEST_F(AccountStoreTest, Create_NewAccount_ReturnsTrueAndExists) {
  EXPECT_FALSE(run_awaitable(accounts_.exists("juliet")));
  EXPECT_TRUE(run_awaitable(accounts_.create("juliet", {sha256_credential()})));
  EXPECT_TRUE(run_awaitable(accounts_.exists("juliet")));
  EXPECT_FALSE(run_awaitable(accounts_.exists("romeo")));
}

TEST_F(AccountStoreTest, Create_ExistingAccount_ReturnsFalseAndKeepsCredentials) {
  ASSERT_TRUE(run_awaitable(accounts_.create("juliet", {sha256_credential("first")})));
  EXPECT_FALSE(run_awaitable(accounts_.create("juliet", {sha256_credential("second")})));
  auto stored = run_awaitable(accounts_.credential("juliet", "SHA-256"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->salt, "first");
}

TEST_F(AccountStoreTest, Credential_BinaryBytes_RoundTripExactly) {
  auto original = sha256_credential();
  ASSERT_TRUE(run_awaitable(accounts_.create("juliet", {original, sha1_credential()})));
  auto stored = run_awaitable(accounts_.credential("juliet", "SHA-256"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hash, "SHA-256");
  EXPECT_EQ(stored->salt, original.salt);
  EXPECT_EQ(stored->iterations, original.iterations);
  EXPECT_EQ(stored->stored_key, original.stored_key);
  EXPECT_EQ(stored->server_key, original.server_key);
  auto sha1 = run_awaitable(accounts_.credential("juliet", "SHA-1"));
  ASSERT_TRUE(sha1.has_value());
  EXPECT_EQ(sha1->server_key, std::string(20, '\xfe'));
}

TEST_F(AccountStoreTest, Credential_UnknownAccountOrHash_IsEmpty) {
  ASSERT_TRUE(run_awaitable(accounts_.create("juliet", {sha1_credential()})));
  EXPECT_FALSE(run_awaitable(accounts_.credential("juliet", "SHA-256")).has_value());
  EXPECT_FALSE(run_awaitable(accounts_.credential("romeo", "SHA-1")).has_value());
}

TEST_F(AccountStoreTest, SetCredentials_ExistingAccount_ReplacesAll) {
  ASSERT_TRUE(run_awaitable(accounts_.create("juliet", {sha1_credential(), sha256_credential()})));
  EXPECT_TRUE(run_awaitable(accounts_.set_credentials("juliet", {sha256_credential("fresh")})));
  EXPECT_FALSE(run_awaitable(accounts_.credential("juliet", "SHA-1")).has_value());
  auto stored = run_awaitable(accounts_.credential("juliet", "SHA-256"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->salt, "fresh");
}

TEST_F(AccountStoreTest, SetCredentials_NoSuchAccount_ReturnsFalseAndCreatesNothing) {
  EXPECT_FALSE(run_awaitable(accounts_.set_credentials("ghost", {sha256_credential()})));
  EXPECT_FALSE(run_awaitable(accounts_.exists("ghost")));
  EXPECT_EQ(count("SELECT count(*) FROM credentials"), 0);
}

TEST_F(AccountStoreTest, Remove_ExistingAccount_DeletesItsCredentialsAndRoster) {
  ASSERT_TRUE(run_awaitable(accounts_.create("juliet", {sha1_credential(), sha256_credential()})));
  ASSERT_TRUE(run_awaitable(accounts_.create("romeo", {sha1_credential()})));
  db_.transact_blocking([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO roster_versions (owner, version) VALUES ('juliet', 1);"
        "INSERT INTO roster_items (owner, contact, version) VALUES ('juliet', "
        "'romeo@example.net', 1);"
        "INSERT INTO roster_tombstones (owner, contact, version) VALUES ('juliet', "
        "'tybalt@example.net', 1)");
  });
  EXPECT_TRUE(run_awaitable(accounts_.remove("juliet")));
  EXPECT_FALSE(run_awaitable(accounts_.exists("juliet")));
  EXPECT_EQ(count("SELECT count(*) FROM credentials WHERE username = 'juliet'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM roster_items"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM roster_versions"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM roster_tombstones"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM credentials WHERE username = 'romeo'"), 1);
}

TEST_F(AccountStoreTest, Remove_NoSuchAccount_ReturnsFalse) {
  EXPECT_FALSE(run_awaitable(accounts_.remove("ghost")));
}

TEST_F(AccountStoreTest, List_SeveralAccounts_SortedByBytes) {
  for (const char* name : {"romeo", "juliet", "Zed", "benvolio"}) {
    ASSERT_TRUE(run_awaitable(accounts_.create(name, {sha1_credential()})));
  }
  EXPECT_EQ(run_awaitable(accounts_.list()),
            (std::vector<std::string>{"Zed", "benvolio", "juliet", "romeo"}));
}

TEST_F(AccountStoreTest, List_NoAccounts_IsEmpty) {
  EXPECT_TRUE(run_awaitable(accounts_.list()).empty());
}

TEST_F(AccountStoreTest, Create_TwoCredentialsForOneHash_ThrowsAndCreatesNothing) {
  EXPECT_THROW(
      run_awaitable(accounts_.create("juliet", {sha256_credential(), sha256_credential()})),
      std::invalid_argument);
  EXPECT_FALSE(run_awaitable(accounts_.exists("juliet")));
}

TEST_F(AccountStoreTest, Create_UnknownHashOrZeroIterations_Throws) {
  auto md5 = sha256_credential();
  md5.hash = "MD5";
  EXPECT_THROW(run_awaitable(accounts_.create("juliet", {md5})), std::invalid_argument);
  auto weak = sha256_credential();
  weak.iterations = 0;
  EXPECT_THROW(run_awaitable(accounts_.create("juliet", {weak})), std::invalid_argument);
  EXPECT_FALSE(run_awaitable(accounts_.exists("juliet")));
}

TEST_F(AccountStoreTest, Create_EmptyOrOverlongUsername_Throws) {
  EXPECT_THROW(run_awaitable(accounts_.create("", {sha1_credential()})), std::invalid_argument);
  EXPECT_THROW(run_awaitable(accounts_.create(std::string(1024, 'a'), {sha1_credential()})),
               std::invalid_argument);
  EXPECT_TRUE(run_awaitable(accounts_.list()).empty());
}

}  // namespace
}  // namespace stoa::store
