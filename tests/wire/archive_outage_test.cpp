// The archive's database going away while clients post (issue 4, "Write path"): stoad keeps
// running, the sender of each message that could not be stored gets resource-constraint and
// nobody sees that message, every message anyone saw is in the archive, and the service
// recovers by itself when the database returns.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "store/managed_postgres.hpp"
#include "tests/support/stanza_match.hpp"
#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using namespace std::chrono_literals;

/// A groupchat error for the message with this id.
StanzaPredicate error_for(std::string id) {
  return [id = std::move(id)](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "error" &&
           stanza.attr_or("id") == id;
  };
}

class ArchiveOutageTest : public MucTest {
 protected:
  ArchiveOutageTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stoa-outage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
      dir_ = pattern;
      // The cluster runs as postgres when the tests run as root: it must pass through.
      std::filesystem::permissions(dir_, std::filesystem::perms::others_exec,
                                   std::filesystem::perm_options::add);
    }
  }
  ~ArchiveOutageTest() override {
    server_.stop();
    cluster_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// Starts (or starts again) the cluster the server's archive lives in.
  void start_cluster() {
    cluster_ = std::make_unique<store::ManagedPostgres>(dir_ / "pg", "", log_,
                                                        store::ManagedPostgres::Durability::none);
  }

  /// Posts `body` with id `body` and waits for its reflection or its error; returns the error
  /// condition, "" when reflected.
  std::string post(XmppClient& client, const std::string& body) {
    client.send("<message type='groupchat' id='" + body + "' to='" + room_jid("ops") + "'><body>" +
                body + "</body></message>");
    const StanzaPredicate reflected = groupchat("ops", body);
    const StanzaPredicate refused = error_for(body);
    std::optional<xmpp::Element> answer = client.wait_for(
        [&](const xmpp::Element& stanza) { return reflected(stanza) || refused(stanza); });
    if (!answer) {
      return "no answer";
    }
    if (answer->attr_or("type") != "error") {
      return "";
    }
    const xmpp::Element* error = answer->child("error");
    const xmpp::Element* text =
        error ? error->child("text", "urn:ietf:params:xml:ns:xmpp-stanzas") : nullptr;
    last_error_text_ = text ? text->text() : "";
    return stanza_error_condition(*answer);
  }

  std::set<std::string> archived_bodies() {
    store::Database db(cluster_->dsn(), 1, log_);
    return db.transact_blocking([](pqxx::work& tx) {
      std::set<std::string> bodies;
      for (const pqxx::row& row : tx.exec("SELECT body FROM muc_archive WHERE body IS NOT NULL")) {
        bodies.insert(row[0].as<std::string>());
      }
      return bodies;
    });
  }

  Logger log_{LogLevel::warn};
  std::filesystem::path dir_;
  std::unique_ptr<store::ManagedPostgres> cluster_;
  std::string last_error_text_;
};

TEST_F(ArchiveOutageTest, DatabaseStoppedAndRestarted_SeenMessagesArchived_RefusedOnesNot) {
  ASSERT_FALSE(dir_.empty());
  start_cluster();
  ASSERT_TRUE(
      start_muc({{"database.dsn", toml_string(cluster_->dsn())}, {"archive.retry_max_ms", "200"}}));
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "ops", "Alice"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(join(bob, "ops", "Bob"));

  std::set<std::string> seen;
  std::set<std::string> refused;
  auto post_and_sort = [&](const std::string& body) {
    const std::string condition = post(alice, body);
    if (condition.empty()) {
      seen.insert(body);
      EXPECT_TRUE(bob.wait_for(groupchat("ops", body))) << body << " reflected but not to bob";
    } else {
      EXPECT_EQ(condition, "resource-constraint") << body;
      EXPECT_NE(last_error_text_.find("neither stored nor delivered"), std::string::npos)
          << last_error_text_;
      refused.insert(body);
    }
  };

  for (int i = 1; i <= 3; ++i) {
    post_and_sort("before-" + std::to_string(i));
  }
  EXPECT_EQ(refused.size(), 0u);

  cluster_->stop();
  for (int i = 1; i <= 5; ++i) {
    post_and_sort("during-" + std::to_string(i));
  }
  EXPECT_EQ(refused.size(), 5u) << "nothing can be stored while the database is down";
  ASSERT_TRUE(server_.running()) << "stoad must survive the outage";

  cluster_.reset();
  start_cluster();
  // The writer retries on its own; bounded, since it may still be pausing after the failures.
  bool recovered = false;
  for (int i = 1; i <= 100 && !recovered; ++i) {
    const std::string body = "after-" + std::to_string(i);
    post_and_sort(body);
    recovered = seen.contains(body);
    if (!recovered) {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(recovered) << "the room never stored a message again";

  const std::set<std::string> archived = archived_bodies();
  for (const std::string& body : seen) {
    EXPECT_TRUE(archived.contains(body)) << body << " was delivered but is not archived";
  }
  for (const std::string& body : refused) {
    EXPECT_FALSE(archived.contains(body)) << body << " was refused but is archived";
  }
}

}  // namespace
}  // namespace stoa::test
