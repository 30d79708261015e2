// The outcome runner commits a room's consecutive store operations together (issue 5): a change
// and the events that describe it are stored all or nothing, before the sends that announce
// them.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "muc/outcome_runner.hpp"
#include "tests/unit/muc/in_memory_muc_store.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

const std::string kRoomJid = "room@conference.example.org";

class CountingDeliverer : public Deliverer {
 public:
  explicit CountingDeliverer(const InMemoryMucStore& store) : store_(store) {}
  /// Per delivery, how many events the room had then.
  std::vector<std::size_t> events_then;

  asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element&,
                                                  const std::vector<xmpp::Jid>&) override {
    auto found = store_.events.find(kRoomJid);
    events_then.push_back(found == store_.events.end() ? 0 : found->second.size());
    co_return std::vector<xmpp::Jid>{};
  }

 private:
  const InMemoryMucStore& store_;
};

RoomEvent event_of(RoomEventKind kind) {
  RoomEvent event;
  event.kind = kind;
  event.actor_jid = "owner@example.org";
  return event;
}

Send notice() {
  return Send{xmpp::Element("message", "jabber:client"), {*xmpp::Jid::parse("a@example.org/x")}};
}

class OutcomeCommitTest : public ::testing::Test {
 protected:
  OutcomeCommitTest() {
    StoredRoom room;
    room.jid = kRoomJid;
    store.rooms[kRoomJid] = room;
  }
  RunResult run(Outcome outcome) {
    return run_to_completion(std::move(outcome), kRoomJid, store, deliverer);
  }
  static Outcome ban_then_subject() {
    Outcome out;
    out.store(SetAffiliation{{"tybalt@example.org", Affiliation::outcast, "fight"}});
    out.store(RecordEvent{event_of(RoomEventKind::ban)});
    out.store(RecordEvent{event_of(RoomEventKind::leave)});
    out.actions.emplace_back(notice());
    out.store(SaveSubject{{"new", "owner", {}}});
    out.store(AppendArchive{
        ArchiveEntry{"s1", {}, ArchiveKind::subject, "owner", "owner@example.org", "<message/>"}});
    out.actions.emplace_back(notice());
    return out;
  }

  InMemoryMucStore store;
  CountingDeliverer deliverer{store};
};

TEST_F(OutcomeCommitTest, ConsecutiveStoreOperations_OneCommitEachBeforeTheSends) {
  RunResult result = run(ban_then_subject());
  EXPECT_TRUE(result.stored);
  EXPECT_EQ(store.commits(), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(deliverer.events_then, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(store.rooms[kRoomJid].affiliations.size(), 1u);
  EXPECT_EQ(store.rooms[kRoomJid].subject.text, "new");
}

TEST_F(OutcomeCommitTest, EventFails_ItsChangeUndoneAndNothingSent) {
  store.fail_next("record_event");
  RunResult result = run(ban_then_subject());
  EXPECT_FALSE(result.stored);
  EXPECT_EQ(store.commits(), std::vector<std::size_t>{3});
  EXPECT_TRUE(store.rooms[kRoomJid].affiliations.empty()) << "the ban kept without its event";
  EXPECT_TRUE(store.events[kRoomJid].empty());
  EXPECT_TRUE(deliverer.events_then.empty());
  EXPECT_EQ(store.rooms[kRoomJid].subject.text, "");
}

}  // namespace
}  // namespace stoa::muc::testing
