// A room decides its next groupchat messages while earlier ones are still being committed
// (archive.max_pending_per_room). These tests post bursts without waiting and check what must
// still hold: every occupant receives the room's messages in one order, that order is the
// archive's, each sender's messages keep their order, and an input that is not a message (a
// join) sees exactly the messages delivered before it.

#include <algorithm>
#include <map>

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

/// Any groupchat message with a body from an occupant of `room`.
StanzaPredicate any_groupchat(std::string room) {
  return [prefix = room_jid(room) + "/"](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "groupchat" &&
           stanza.attr_or("from").starts_with(prefix) && stanza.child("body") != nullptr;
  };
}

/// The bodies of the next `count` groupchat messages `client` receives from `room`, in order;
/// fewer when the room stops sending.
std::vector<std::string> receive_bodies(XmppClient& client, std::string_view room,
                                        std::size_t count) {
  const StanzaPredicate is_message = any_groupchat(std::string(room));
  std::vector<std::string> bodies;
  while (bodies.size() < count) {
    std::optional<xmpp::Element> message = client.wait_for(is_message);
    if (!message) {
      break;
    }
    bodies.push_back(message->child_text("body"));
  }
  return bodies;
}

/// Whether the bodies starting with `prefix` appear in `bodies` as prefix0, prefix1, ...
bool sender_order_kept(const std::vector<std::string>& bodies, const std::string& prefix) {
  int expected = 0;
  for (const std::string& body : bodies) {
    if (body.starts_with(prefix)) {
      if (body != prefix + std::to_string(expected)) {
        return false;
      }
      ++expected;
    }
  }
  return true;
}

class MucPipelineTest : public MucTest {};

TEST_F(MucPipelineTest, BurstsReachEveryOccupantInTheArchivesOrder) {
  constexpr int kPerSender = 150;
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  ASSERT_TRUE(start_muc({{"muc.mam_max_page", "1000"}, {"archive.max_pending_per_room", "16"}}));
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "burst", "Alice"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(join(bob, "burst", "Bob"));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(join(carol, "burst", "Carol"));

  for (int i = 0; i < kPerSender; ++i) {
    say(alice, "burst", "a" + std::to_string(i));
    say(bob, "burst", "b" + std::to_string(i));
  }

  const std::vector<std::string> seen_by_carol = receive_bodies(carol, "burst", 2 * kPerSender);
  ASSERT_EQ(seen_by_carol.size(), 2u * kPerSender) << carol.describe();
  EXPECT_EQ(receive_bodies(alice, "burst", 2 * kPerSender), seen_by_carol);
  EXPECT_EQ(receive_bodies(bob, "burst", 2 * kPerSender), seen_by_carol);
  EXPECT_TRUE(sender_order_kept(seen_by_carol, "a"));
  EXPECT_TRUE(sender_order_kept(seen_by_carol, "b"));

  std::vector<std::string> archived;
  for (const xmpp::Element& message : archived_messages(carol, "burst")) {
    archived.push_back(message.child_text("body"));
  }
  EXPECT_EQ(archived, seen_by_carol);
}

TEST_F(MucPipelineTest, JoinDuringBurstGetsHistoryThenLiveMessagesWithoutGap) {
  constexpr int kMessages = 120;
  XmppClient alice;
  XmppClient dave;
  ASSERT_TRUE(alice_in_new_room(alice, "stream"));
  ASSERT_TRUE(login(dave, kDave));

  for (int i = 0; i < kMessages; ++i) {
    say(alice, "stream", "m" + std::to_string(i));
    if (i == kMessages / 2) {
      send_join(dave, "stream", "Dave", "<history maxstanzas='1000'/>");
    }
  }
  const std::vector<std::string> room_order = receive_bodies(alice, "stream", kMessages);
  ASSERT_EQ(room_order.size(), static_cast<std::size_t>(kMessages)) << alice.describe();

  // History messages carry a delay stamp; live ones do not (XEP-0045 §7.2.15).
  std::vector<std::string> history;
  std::vector<std::string> live;
  const StanzaPredicate is_message = any_groupchat("stream");
  while (live.empty() || live.back() != room_order.back()) {
    std::optional<xmpp::Element> message = dave.wait_for(is_message);
    ASSERT_TRUE(message) << "history " << history.size() << ", live " << live.size() << "\n"
                         << dave.describe();
    (message->child("delay", kDelayNs) ? history : live).push_back(message->child_text("body"));
  }
  ASSERT_FALSE(live.empty());
  // The room's history length (20 by default) bounds what a joiner gets; whatever it got, the
  // history must end right before the first live message, so nothing is missed or repeated.
  const auto first_live = std::find(room_order.begin(), room_order.end(), live.front());
  ASSERT_NE(first_live, room_order.end());
  EXPECT_TRUE(std::equal(live.begin(), live.end(), first_live, room_order.end()));
  ASSERT_GE(static_cast<std::size_t>(first_live - room_order.begin()), history.size());
  EXPECT_TRUE(std::equal(history.begin(), history.end(), first_live - std::ssize(history)))
      << "history does not end where the live messages begin";
}

}  // namespace
}  // namespace stoa::test
