#pragma once

// The compliance guarantee with real clients (issue 5): clients post in a persistent room, and
// its owner changes the room, while a fault is injected; afterwards the tests compare the
// compliance database with stoad's archive and with what the clients were told.

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "tests/wire/compliance_e2e.hpp"

namespace stoa::test {

class CompliancePostingTest : public ComplianceE2eTest {
 protected:
  ~CompliancePostingTest() override { stop_posting(); }

  /// alice owns the persistent room `room`; bob is in it too.
  testing::AssertionResult enter_persistent_room(XmppClient& alice, XmppClient& bob,
                                                 const std::string& room) {
    if (testing::AssertionResult in = login(alice, kAlice); !in) {
      return in;
    }
    if (testing::AssertionResult created =
            create_room(alice, room, "Alice", {{"muc#roomconfig_persistentroom", {"1"}}});
        !created) {
      return created;
    }
    return enter(bob, kBob, room, "Bob");
  }
  testing::AssertionResult enter(XmppClient& client, const std::string& jid,
                                 const std::string& room, const std::string& nick) {
    if (testing::AssertionResult in = login(client, jid); !in) {
      return in;
    }
    if (!join(client, room, nick)) {
      return testing::AssertionFailure() << jid << " could not enter " << room;
    }
    return testing::AssertionSuccess();
  }

  /// The bodies of the room messages in stoad's archive.
  std::vector<std::string> archived_bodies() {
    Logger log(LogLevel::error);
    store::Database db(stoad_dsn_, 1, log);
    return db.transact_blocking([](pqxx::work& tx) {
      std::vector<std::string> bodies;
      for (const pqxx::row& row :
           tx.exec("SELECT body FROM muc_archive WHERE kind = 'message' AND body IS NOT NULL")) {
        bodies.push_back(row[0].as<std::string>());
      }
      return bodies;
    });
  }

  /// On a thread of its own until stop_posting(): alice creates the persistent room `room`
  /// and bob enters it; they take turns posting, each message awaited (its reflection) before
  /// the next, and every fifth turn alice makes one more user a member (a room change with its
  /// event, awaited too). Stops at the first thing not answered.
  void start_posting(const std::string& room) {
    poster_ = std::thread([this, room] {
      XmppClient alice;
      XmppClient bob;
      if (!enter_persistent_room(alice, bob, room)) {
        ADD_FAILURE() << "the posters could not enter " << room;
        return;
      }
      for (int turn = 0; !stop_posting_; ++turn) {
        const std::string body = "posted-" + std::to_string(turn);
        if (!say_and_wait(turn % 2 == 0 ? alice : bob, room, body)) {
          return;
        }
        record(posted_, body);
        if (turn % 5 == 4 && !make_member(alice, room, "user" + std::to_string(turn))) {
          return;
        }
      }
    });
  }
  /// Waits until `count` more messages were posted than now.
  bool posted_more(std::size_t count) {
    const std::size_t start = posted().size();
    return wait_until([&] { return posted().size() >= start + count; });
  }
  void stop_posting() {
    stop_posting_ = true;
    if (poster_.joinable()) {
      poster_.join();
    }
  }
  /// The messages reflected to their senders so far.
  std::vector<std::string> posted() {
    std::lock_guard lock(mutex_);
    return posted_;
  }
  /// The JIDs made members so far (each answered with a result).
  std::vector<std::string> members() {
    std::lock_guard lock(mutex_);
    return members_;
  }

  /// What the compliance database must hold after clients posted: every event numbered once
  /// without a gap (expect_complete()), one message event per archived message and no other,
  /// every message a client saw (`seen`) among them, and one affiliation change per member
  /// made.
  void expect_archive_and_compliance_agree(const std::vector<std::string>& seen) {
    const std::vector<std::string> archived = archived_bodies();
    const std::set<std::string> archived_set(archived.begin(), archived.end());
    EXPECT_EQ(archived.size(), archived_set.size()) << "a message archived twice";
    for (const std::string& body : seen) {
      EXPECT_TRUE(archived_set.contains(body)) << body << " was seen but is not archived";
    }
    expect_complete(archived);
    std::size_t message_events = 0;
    std::multiset<std::string> made_members;
    for (const compliance::Event& event : stored_events()) {
      message_events += event.kind == "message" ? 1 : 0;
      if (event.kind == "affiliation-change") {
        made_members.insert(event.target);
      }
    }
    EXPECT_EQ(message_events, archived.size());
    const std::vector<std::string> members_made = members();
    EXPECT_EQ(made_members, std::multiset<std::string>(members_made.begin(), members_made.end()))
        << "one affiliation-change event per member made, none other";
  }

  std::string stoad_dsn_ = create_test_database();

 private:
  bool make_member(XmppClient& owner, const std::string& room, const std::string& user) {
    const std::string jid = user + "@localhost";
    std::optional<xmpp::Element> reply =
        admin_query(owner, room, "set", "<item affiliation='member' jid='" + jid + "'/>");
    if (!reply || reply->attr_or("type") != "result") {
      ADD_FAILURE() << "making " << jid << " a member was not answered with a result";
      return false;
    }
    record(members_, jid);
    return true;
  }
  void record(std::vector<std::string>& list, const std::string& value) {
    std::lock_guard lock(mutex_);
    list.push_back(value);
  }

  std::thread poster_;
  std::atomic<bool> stop_posting_{false};
  std::mutex mutex_;
  std::vector<std::string> posted_;
  std::vector<std::string> members_;
};

}  // namespace stoa::test
