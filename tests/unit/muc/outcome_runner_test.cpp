#include "muc/outcome_runner.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "tests/unit/muc/in_memory_muc_store.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

/// Records deliveries, together with what the store held at the time.
class RecordingDeliverer : public Deliverer {
 public:
  explicit RecordingDeliverer(const InMemoryMucStore& store) : store_(store) {}

  struct Delivery {
    std::string stanza;
    std::vector<std::string> to;
    std::size_t archived_then;  ///< archive entries of the room when it was delivered
  };
  std::vector<Delivery> deliveries;
  std::vector<xmpp::Jid> gone;  ///< answered as having no session
  /// Each series to one recipient: its recipient and how many stanzas it held.
  std::vector<std::pair<std::string, std::size_t>> series;

  asio::awaitable<bool> deliver_series(const std::vector<const xmpp::Element*>& stanzas,
                                       const xmpp::Jid& to) override {
    series.emplace_back(to.str(), stanzas.size());
    co_return co_await Deliverer::deliver_series(stanzas, to);
  }

  asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element& stanza,
                                                  const std::vector<xmpp::Jid>& to) override {
    Delivery delivery{stanza.str(xmpp::ns::kClient), {}, archived()};
    std::vector<xmpp::Jid> missing;
    for (const xmpp::Jid& jid : to) {
      delivery.to.push_back(jid.str());
      if (std::ranges::find(gone, jid) != gone.end()) {
        missing.push_back(jid);
      }
    }
    deliveries.push_back(std::move(delivery));
    co_return missing;
  }

 private:
  std::size_t archived() const {
    auto found = store_.archives.find(kRoom);
    return found == store_.archives.end() ? 0 : found->second.size();
  }
  const InMemoryMucStore& store_;
};

class OutcomeRunnerTest : public RoomTest {
 protected:
  RunResult run(Outcome outcome) {
    return run_to_completion(std::move(outcome), kRoom, store, deliverer);
  }

  InMemoryMucStore store;
  RecordingDeliverer deliverer{store};
};

TEST_F(OutcomeRunnerTest, Message_StoredBeforeItIsDelivered) {
  ASSERT_TRUE(run(join(kOwner, "owner")).stored);
  ASSERT_TRUE(run(configure(kOwner, "")).stored);
  deliverer.deliveries.clear();
  RunResult result = run(say(kOwner, "kept"));
  EXPECT_TRUE(result.stored);
  ASSERT_EQ(deliverer.deliveries.size(), 1u);
  EXPECT_EQ(deliverer.deliveries[0].archived_then, 1u);
  EXPECT_EQ(store.archives[kRoom].size(), 1u);
}

TEST_F(OutcomeRunnerTest, StoreFailure_NothingDeliveredAndReported) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  deliverer.deliveries.clear();
  store.fail_next();
  RunResult result = run(say(kOwner, "lost"));
  EXPECT_FALSE(result.stored);
  EXPECT_NE(result.failure.find("unreachable"), std::string::npos);
  EXPECT_TRUE(deliverer.deliveries.empty());
}

TEST_F(OutcomeRunnerTest, Join_HistoryFromArchiveWithDelayThenSubject) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  for (int i = 0; i < 4; ++i) {
    now = at(i);
    run(say(kOwner, "message " + std::to_string(i)));
  }
  deliverer.deliveries.clear();
  now = at(100);
  run(handle("<presence from='alice@example.org/a' to='" + kRoom +
             "/alice'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='2'/></x>"
             "</presence>"));
  std::vector<xmpp::Element> to_alice;
  for (const auto& delivery : deliverer.deliveries) {
    if (delivery.to == std::vector<std::string>{"alice@example.org/a"}) {
      to_alice.push_back(xml(delivery.stanza));
    }
  }
  // owner's presence, self-presence, two history messages, subject
  ASSERT_EQ(to_alice.size(), 5u);
  EXPECT_EQ(to_alice[2].child_text("body"), "message 2");
  EXPECT_EQ(to_alice[3].child_text("body"), "message 3");
  const xmpp::Element* delay = to_alice[2].child("delay", xmpp::ns::kDelay);
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->attr_or("from"), kRoom);
  EXPECT_EQ(delay->attr_or("stamp"), format_timestamp(at(2)));
  EXPECT_NE(to_alice[2].child("stanza-id", ns::kStanzaId), nullptr);
  EXPECT_NE(to_alice[4].child("subject"), nullptr);
}

TEST_F(OutcomeRunnerTest, HistoryFailure_JoinStillCompletes) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  deliverer.deliveries.clear();
  Outcome joining = join("alice@example.org/a", "alice");
  store.fail_next("history");
  RunResult result = run(std::move(joining));
  EXPECT_TRUE(result.stored);
  EXPECT_NE(result.failure.find("history"), std::string::npos);
  EXPECT_NE(room->occupant("alice"), nullptr);
  EXPECT_NE(xml(deliverer.deliveries.back().stanza).child("subject"), nullptr);
}

TEST_F(OutcomeRunnerTest, RecipientsWithoutSession_ReportedGone) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  run(join("alice@example.org/a", "alice"));
  deliverer.gone.push_back(jid("alice@example.org/a"));
  RunResult result = run(say(kOwner, "anyone?"));
  ASSERT_EQ(result.gone.size(), 1u);
  Outcome left = room->sessions_gone({result.gone.front()}, now);
  EXPECT_EQ(room->occupant("alice"), nullptr);
  EXPECT_EQ(only_to(left, kOwner).attr_or("type"), "unavailable");
}

TEST_F(OutcomeRunnerTest, JoinState_GoesToTheJoinerAsOneSeries) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  run(join("alice@example.org/a", "alice"));
  run(join("bob@example.org/b", "bob"));
  deliverer.deliveries.clear();
  deliverer.series.clear();
  RunResult result = run(join("carol@example.org/c", "carol"));
  ASSERT_TRUE(result.stored);
  // Three occupants' presences and carol's own, together; then the subject, after the
  // history that a join may load from the archive in between.
  using Series = std::pair<std::string, std::size_t>;
  EXPECT_EQ(deliverer.series, (std::vector<Series>{{"carol@example.org/c", 4}}));
  std::vector<std::string> to_carol;
  for (const auto& delivery : deliverer.deliveries) {
    if (delivery.to == std::vector<std::string>{"carol@example.org/c"}) {
      to_carol.push_back(xml(delivery.stanza).attr_or("from"));
    }
  }
  EXPECT_EQ(to_carol, (std::vector<std::string>{kRoom + "/alice", kRoom + "/bob", kRoom + "/owner",
                                                kRoom + "/carol", kRoom}));
}

TEST_F(OutcomeRunnerTest, JoinerWithoutSession_ReportedOncePerSeriesNotPerStanza) {
  run(join(kOwner, "owner"));
  run(configure(kOwner, ""));
  run(join("alice@example.org/a", "alice"));
  deliverer.gone.push_back(jid("bob@example.org/b"));
  RunResult result = run(join("bob@example.org/b", "bob"));
  EXPECT_EQ(result.gone,
            std::vector<xmpp::Jid>({jid("bob@example.org/b"), jid("bob@example.org/b")}));
}

TEST_F(OutcomeRunnerTest, Lifecycle_StoreMirrorsTheRoom) {
  run(join(kOwner, "owner"));
  ASSERT_TRUE(store.rooms.contains(kRoom));
  run(configure(kOwner, field("muc#roomconfig_persistentroom", "1")));
  run(admin_set(kOwner, "<item affiliation='member' jid='bob@example.org'/>"));
  run(handle("<message type='groupchat' from='" + std::string(kOwner) + "' to='" + kRoom +
             "'><subject>s</subject></message>"));
  StoredRoom stored = store.rooms[kRoom];
  StoredRoom expected = room->snapshot();
  for (StoredRoom* each : {&stored, &expected}) {
    std::ranges::sort(each->affiliations, {}, &AffiliationRecord::jid);
  }
  EXPECT_EQ(stored, expected);
  EXPECT_EQ(stored.affiliations.size(), 2u);
  EXPECT_EQ(stored.subject.text, "s");
  EXPECT_TRUE(stored.config.persistent);
  run(handle("<iq type='set' id='d' from='" + std::string(kOwner) + "' to='" + kRoom +
             "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>"));
  EXPECT_FALSE(store.rooms.contains(kRoom));
}

}  // namespace
}  // namespace stoa::muc::testing
