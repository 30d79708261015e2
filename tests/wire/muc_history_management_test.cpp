// History management end to end (issue 4): moderated message retraction (XEP-0425) between
// real clients, `stoactl room clear` and `stoactl message remove`, and archive retention.

#include <pqxx/pqxx>
#include <thread>

#include "store/database.hpp"
#include "tests/support/test_postgres.hpp"
#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kModerateNs = "urn:xmpp:message-moderate:1";
constexpr std::string_view kRetractNs = "urn:xmpp:message-retract:1";

/// The room's notice that the message `id` was retracted.
StanzaPredicate retraction_of(std::string room, std::string id) {
  return [room = room_jid(room), id = std::move(id)](const xmpp::Element& stanza) {
    const xmpp::Element* retract = stanza.child("retract", kRetractNs);
    return stanza.name() == "message" && stanza.attr_or("from") == room && retract &&
           retract->attr_or("id") == id;
  };
}

class MucHistoryTest : public MucTest {
 protected:
  /// Says `body` and returns the stanza-id the room gave it ("" when none came).
  std::string post(XmppClient& client, std::string_view room, std::string_view body) {
    std::optional<xmpp::Element> reflected = say_and_wait(client, room, body);
    const xmpp::Element* sid = reflected ? reflected->child("stanza-id", kStanzaIdNs) : nullptr;
    return sid ? sid->attr_or("id") : "";
  }

  /// The archived message with this stanza-id, or nullopt.
  std::optional<xmpp::Element> archived(XmppClient& client, std::string_view room,
                                        const std::string& id) {
    for (xmpp::Element& message : archived_messages(client, room)) {
      const xmpp::Element* sid = message.child("stanza-id", kStanzaIdNs);
      if (sid && sid->attr_or("id") == id) {
        return std::move(message);
      }
    }
    return std::nullopt;
  }

  std::optional<xmpp::Element> moderate(XmppClient& client, std::string_view room,
                                        const std::string& id) {
    return client.iq(xml("<iq type='set' to='" + room_jid(room) + "'><moderate xmlns='" +
                         std::string(kModerateNs) + "' id='" + id + "'><retract xmlns='" +
                         std::string(kRetractNs) + "'/><reason>spam</reason></moderate></iq>"));
  }
};

TEST_F(MucHistoryTest, Moderator_Retracts_OthersSeeItAndMamKeepsATombstone) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lounge"));
  std::optional<xmpp::Element> info = disco_info(bob, room_jid("lounge"));
  ASSERT_TRUE(info);
  EXPECT_NE(info->str().find(std::string(kModerateNs)), std::string::npos) << info->str();

  const std::string spam = post(bob, "lounge", "buy potions");
  ASSERT_FALSE(spam.empty());
  ASSERT_TRUE(alice.wait_for(groupchat("lounge", "buy potions")));
  std::optional<xmpp::Element> reply = moderate(alice, "lounge", spam);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->attr_or("type"), "result") << reply->str();

  std::optional<xmpp::Element> notice = bob.wait_for(retraction_of("lounge", spam));
  ASSERT_TRUE(notice) << bob.describe();
  const xmpp::Element* moderated =
      notice->child("retract", kRetractNs)->child("moderated", kModerateNs);
  ASSERT_NE(moderated, nullptr) << notice->str();
  EXPECT_EQ(moderated->attr_or("by"), occupant_jid("lounge", "Alice"));
  EXPECT_EQ(notice->child("retract", kRetractNs)->child_text("reason", kRetractNs), "spam");

  std::optional<xmpp::Element> tombstone = archived(bob, "lounge", spam);
  ASSERT_TRUE(tombstone);
  EXPECT_EQ(tombstone->child("body"), nullptr) << tombstone->str();
  const xmpp::Element* retracted = tombstone->child("retracted", kRetractNs);
  ASSERT_NE(retracted, nullptr) << tombstone->str();
  EXPECT_NE(retracted->child("moderated", kModerateNs), nullptr);
  EXPECT_EQ(tombstone->attr_or("from"), occupant_jid("lounge", "Bob"));
}

TEST_F(MucHistoryTest, Participant_Forbidden_MessageStays) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lounge"));
  const std::string id = post(alice, "lounge", "keep me");
  std::optional<xmpp::Element> reply = moderate(bob, "lounge", id);
  ASSERT_TRUE(reply);
  EXPECT_EQ(stanza_error_condition(*reply), "forbidden") << reply->str();
  std::optional<xmpp::Element> kept = archived(alice, "lounge", id);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->child_text("body"), "keep me");
}

TEST_F(MucHistoryTest, UnknownId_ItemNotFound) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lounge"));
  std::optional<xmpp::Element> reply = moderate(alice, "lounge", "no-such-message");
  ASSERT_TRUE(reply);
  EXPECT_EQ(stanza_error_condition(*reply), "item-not-found") << reply->str();
}

TEST_F(MucHistoryTest, StoactlClear_ArchiveBeforeDateGone) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lounge"));
  post(alice, "lounge", "one");
  post(alice, "lounge", "two");
  const CommandResult cleared =
      server_.stoactl({"room", "clear", room_jid("lounge"), "--before", "9999-01-01"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.describe();
  EXPECT_NE(cleared.out.find("2"), std::string::npos) << cleared.describe();
  EXPECT_TRUE(archived_messages(alice, "lounge").empty());
  post(alice, "lounge", "three");
  EXPECT_EQ(archived_messages(alice, "lounge").size(), 1u);
}

TEST_F(MucHistoryTest, StoactlClear_BadInput_NamedInTheError) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lounge"));
  const CommandResult bad_date =
      server_.stoactl({"room", "clear", room_jid("lounge"), "--before", "yesterday"});
  EXPECT_NE(bad_date.exit_code, 0);
  EXPECT_NE(bad_date.err.find("yesterday"), std::string::npos) << bad_date.describe();
  const CommandResult unknown =
      server_.stoactl({"room", "clear", room_jid("nowhere"), "--before", "2030-01-01"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no room"), std::string::npos) << unknown.describe();
}

TEST_F(MucHistoryTest, StoactlRemove_TombstoneAndRetractionBroadcast) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lounge"));
  const std::string id = post(alice, "lounge", "secret number 1234");
  const CommandResult removed = server_.stoactl({"message", "remove", room_jid("lounge"), id});
  ASSERT_EQ(removed.exit_code, 0) << removed.describe();
  std::optional<xmpp::Element> notice = bob.wait_for(retraction_of("lounge", id));
  ASSERT_TRUE(notice) << bob.describe();
  EXPECT_EQ(notice->child("retract", kRetractNs)->child("moderated", kModerateNs)->attr_or("by"),
            room_jid("lounge"));
  std::optional<xmpp::Element> tombstone = archived(bob, "lounge", id);
  ASSERT_TRUE(tombstone);
  EXPECT_EQ(tombstone->child("body"), nullptr) << tombstone->str();
  EXPECT_NE(tombstone->child("retracted", kRetractNs), nullptr) << tombstone->str();

  const CommandResult unknown =
      server_.stoactl({"message", "remove", room_jid("lounge"), "no-such-id"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no-such-id"), std::string::npos) << unknown.describe();
}

TEST_F(MucHistoryTest, StoactlRemoveReplace_CorrectionBroadcastAndNewBodyArchived) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lounge"));
  // The client's own id: a correction (XEP-0308) names the message by it.
  alice.send("<message type='groupchat' id='orig-1' to='" + room_jid("lounge") +
             "'><body>rude words</body></message>");
  std::optional<xmpp::Element> reflected = alice.wait_for(groupchat("lounge", "rude words"));
  ASSERT_TRUE(reflected);
  const std::string id = reflected->child("stanza-id", kStanzaIdNs)->attr_or("id");
  const CommandResult replaced = server_.stoactl(
      {"message", "remove", room_jid("lounge"), id, "--replace", "[removed by staff]"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.describe();
  std::optional<xmpp::Element> correction = bob.wait_for([](const xmpp::Element& stanza) {
    return stanza.child("replace", "urn:xmpp:message-correct:0") != nullptr;
  });
  ASSERT_TRUE(correction) << bob.describe();
  EXPECT_EQ(correction->attr_or("from"), occupant_jid("lounge", "Alice"));
  EXPECT_EQ(correction->child_text("body"), "[removed by staff]");
  EXPECT_EQ(correction->child("replace", "urn:xmpp:message-correct:0")->attr_or("id"), "orig-1");
  std::optional<xmpp::Element> kept = archived(bob, "lounge", id);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->child_text("body"), "[removed by staff]");
}

TEST_F(MucHistoryTest, Retention_ExpiredMessagesDeletedOthersKept) {
  const std::string dsn = create_test_database();
  ASSERT_TRUE(start_muc({{"database.dsn", toml_string(dsn)},
                         {"muc.retention_days", "30"},
                         {"muc.retention_interval", "1"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lounge", "Alice"));
  const std::string old_id = post(alice, "lounge", "old news");
  const std::string new_id = post(alice, "lounge", "fresh news");
  Logger log{LogLevel::warn};
  store::Database db(dsn, 1, log);
  // Forty days ago: past the 30 days the room keeps (the row moves to the default partition).
  db.transact_blocking([&](pqxx::work& tx) {
    tx.exec_params("UPDATE muc_archive SET at = at - interval '40 days' WHERE stanza_id = $1",
                   old_id);
  });
  auto remaining = [&](const std::string& id) {
    return db.transact_blocking([&](pqxx::work& tx) {
      return tx.exec_params1("SELECT count(*) FROM muc_archive WHERE stanza_id = $1", id)[0]
          .as<int>();
    });
  };
  // The job runs every second; a bounded wait for its next run.
  for (int i = 0; i < 300 && remaining(old_id) > 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(remaining(old_id), 0) << server_.log_tail();
  EXPECT_EQ(remaining(new_id), 1);
  std::vector<xmpp::Element> left = archived_messages(alice, "lounge");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].child_text("body"), "fresh news");
}

}  // namespace
}  // namespace stoa::test
