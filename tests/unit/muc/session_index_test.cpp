// The room's index from a session's full JID to its occupant.

#include "muc/session_index.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stoa::muc {
namespace {

xmpp::Jid jid(const std::string& text) {
  return *xmpp::Jid::parse(text);
}

Occupant occupant_with(const std::string& nick, const std::vector<std::string>& sessions) {
  Occupant occupant(nick, Role::participant, std::string(kOccupantIdChars, 'x'));
  for (const std::string& session : sessions) {
    occupant.sessions.push_back(OccupantSession{jid(session), nullptr});
  }
  return occupant;
}

TEST(SessionIndex, FindsEachSessionsOccupant) {
  Occupant alice = occupant_with("alice", {"alice@example.org/a", "alice@example.org/b"});
  Occupant bob = occupant_with("bob", {"bob@example.org/a"});
  SessionIndex index;
  index.add(jid("alice@example.org/a"), alice);
  index.add(jid("alice@example.org/b"), alice);
  index.add(jid("bob@example.org/a"), bob);

  EXPECT_EQ(index.find(jid("alice@example.org/a")), &alice);
  EXPECT_EQ(index.find(jid("alice@example.org/b")), &alice);
  EXPECT_EQ(index.find(jid("bob@example.org/a")), &bob);
  EXPECT_EQ(index.find(jid("bob@example.org/b")), nullptr);
  EXPECT_EQ(index.find(jid("alice@example.org")), nullptr);
}

TEST(SessionIndex, RemovedSessionIsGoneOthersStay) {
  Occupant alice = occupant_with("alice", {"alice@example.org/a", "alice@example.org/b"});
  SessionIndex index;
  index.add(jid("alice@example.org/a"), alice);
  index.add(jid("alice@example.org/b"), alice);

  index.remove(jid("alice@example.org/a"));
  alice.sessions.erase(alice.sessions.begin());

  EXPECT_EQ(index.find(jid("alice@example.org/a")), nullptr);
  EXPECT_EQ(index.find(jid("alice@example.org/b")), &alice);
  index.clear();
  EXPECT_EQ(index.find(jid("alice@example.org/b")), nullptr);
}

TEST(SessionIndex, SessionNoLongerHeldByItsOccupantIsNotFound) {
  // The index trusts no hash alone: the occupant must hold the session.
  Occupant alice = occupant_with("alice", {"alice@example.org/a"});
  SessionIndex index;
  index.add(jid("alice@example.org/a"), alice);
  alice.sessions.front().jid = jid("alice@example.org/other");
  EXPECT_EQ(index.find(jid("alice@example.org/a")), nullptr);
}

}  // namespace
}  // namespace stoa::muc
