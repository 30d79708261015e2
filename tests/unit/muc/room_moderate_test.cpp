// Moderated message retraction (XEP-0425) and the administrator's removals: the room's
// decisions, the archive's new forms, and the outcome carried out on a store.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "muc/archive_moderation.hpp"
#include "muc/outcome_runner.hpp"
#include "muc/room_config_form.hpp"
#include "tests/unit/muc/in_memory_muc_store.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class Recorder : public Deliverer {
 public:
  std::vector<std::pair<std::string, std::vector<std::string>>> deliveries;
  asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element& stanza,
                                                  const std::vector<xmpp::Jid>& to) override {
    std::vector<std::string> names;
    for (const xmpp::Jid& jid : to) {
      names.push_back(jid.str());
    }
    deliveries.emplace_back(stanza.str(xmpp::ns::kClient), std::move(names));
    co_return std::vector<xmpp::Jid>{};
  }
};

class RoomModerateTest : public RoomTest {
 protected:
  void SetUp() override {
    create();
    run(join(kAlice, "alice"));
    run(join(kBob, "bob"));
    Outcome said = say(kAlice, "buy my potions");
    spam_id = store_ops<AppendArchive>(said).front()->entry.stanza_id;
    run(std::move(said));
    recorder.deliveries.clear();
    store.events.clear();  // the joins' own events
  }

  Outcome moderate_request(std::string_view from, std::string_view id,
                           std::string_view reason = "spam") {
    return handle("<iq type='set' id='r1' from='" + std::string(from) + "' to='" + kRoom +
                  "'><moderate xmlns='urn:xmpp:message-moderate:1' id='" + std::string(id) +
                  "'><retract xmlns='urn:xmpp:message-retract:1'/><reason>" + std::string(reason) +
                  "</reason></moderate></iq>");
  }

  RunResult run(Outcome outcome) {
    return run_to_completion(std::move(outcome), kRoom, store, recorder);
  }

  /// The stored form of the spam message.
  xmpp::Element archived_spam() {
    for (const ArchiveEntry& entry : store.archives[kRoom]) {
      if (entry.stanza_id == spam_id) {
        return xml(entry.stanza);
      }
    }
    throw std::runtime_error("spam is not archived");
  }

  InMemoryMucStore store;
  Recorder recorder;
  std::string spam_id;
};

TEST_F(RoomModerateTest, Moderator_ArchiveRewrittenBeforeNoticeThenResult) {
  Outcome out = moderate_request(kOwner, spam_id);
  ASSERT_EQ(store_ops<ModerateArchive>(out).size(), 1u);
  const Moderation& moderation = store_ops<ModerateArchive>(out).front()->moderation;
  EXPECT_EQ(moderation.stanza_id, spam_id);
  EXPECT_EQ(moderation.by, kRoom + "/owner");
  EXPECT_EQ(moderation.by_occupant_id, room->occupant("owner")->occupant_id());
  EXPECT_EQ(moderation.reason, "spam");
  EXPECT_EQ(moderation.recipients.size(), 3u);
  EXPECT_EQ(moderation.event.kind, RoomEventKind::moderation);
  EXPECT_EQ(moderation.event.actor_jid, "owner@example.org");
  EXPECT_EQ(moderation.event.stanza_id, spam_id);
  EXPECT_LT(first_index<ModerateArchive>(out), first_index<Send>(out));
  EXPECT_EQ(only_to(out, kOwner).attr_or("type"), "result");

  RunResult result = run(std::move(out));
  EXPECT_TRUE(result.stored);
  EXPECT_FALSE(result.moderation_target_missing);
  ASSERT_EQ(recorder.deliveries.size(), 2u);  // the notice to everyone, then the IQ result
  xmpp::Element notice = xml(recorder.deliveries[0].first);
  EXPECT_EQ(recorder.deliveries[0].second.size(), 3u);
  EXPECT_EQ(notice.attr_or("from"), kRoom);
  const xmpp::Element* retract = notice.child("retract", ns::kMessageRetract);
  ASSERT_NE(retract, nullptr);
  EXPECT_EQ(retract->attr_or("id"), spam_id);
  EXPECT_EQ(retract->child_text("reason", ns::kMessageRetract), "spam");
  ASSERT_NE(retract->child("moderated", ns::kMessageModerate), nullptr);
  EXPECT_EQ(retract->child("moderated", ns::kMessageModerate)->attr_or("by"), kRoom + "/owner");
  EXPECT_NE(notice.child("apply-to", ns::kFasten), nullptr);  // XEP-0425 0.2 clients

  xmpp::Element tombstone = archived_spam();
  EXPECT_EQ(tombstone.child("body"), nullptr);
  EXPECT_EQ(tombstone.attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(tombstone.child("stanza-id", ns::kStanzaId)->attr_or("id"), spam_id);
  EXPECT_NE(tombstone.child("occupant-id", ns::kOccupantId), nullptr);
  const xmpp::Element* retracted = tombstone.child("retracted", ns::kMessageRetract);
  ASSERT_NE(retracted, nullptr);
  EXPECT_EQ(retracted->attr_or("stamp"), format_timestamp(now));
  EXPECT_NE(retracted->child("moderated", ns::kMessageModerate), nullptr);
  ASSERT_EQ(store.events[kRoom].size(), 1u);
  EXPECT_EQ(store.events[kRoom][0].kind, RoomEventKind::moderation);
}

TEST_F(RoomModerateTest, Participant_Forbidden_NothingStored) {
  Outcome out = moderate_request(kBob, spam_id);
  EXPECT_TRUE(store_ops<ModerateArchive>(out).empty());
  EXPECT_EQ(error_condition(only_to(out, kBob)), "forbidden");
}

TEST_F(RoomModerateTest, NonOccupant_Forbidden) {
  Outcome out = moderate_request("eve@example.org/x", spam_id);
  EXPECT_EQ(error_condition(only_to(out, "eve@example.org/x")), "forbidden");
}

TEST_F(RoomModerateTest, UnknownId_ItemNotFound_NoNoticeNoResult) {
  RunResult result = run(moderate_request(kOwner, "no-such-id"));
  EXPECT_TRUE(result.moderation_target_missing);
  ASSERT_EQ(recorder.deliveries.size(), 1u);
  EXPECT_EQ(error_condition(xml(recorder.deliveries[0].first)), "item-not-found");
  EXPECT_EQ(recorder.deliveries[0].second, std::vector<std::string>{std::string(kOwner)});
  EXPECT_TRUE(store.events[kRoom].empty());
}

TEST_F(RoomModerateTest, MissingIdOrRetract_BadRequestOrNotImplemented) {
  Outcome no_id = handle("<iq type='set' id='r2' from='" + std::string(kOwner) + "' to='" + kRoom +
                         "'><moderate xmlns='urn:xmpp:message-moderate:1'><retract "
                         "xmlns='urn:xmpp:message-retract:1'/></moderate></iq>");
  EXPECT_EQ(error_condition(only_to(no_id, kOwner)), "bad-request");
  Outcome no_retract =
      handle("<iq type='set' id='r3' from='" + std::string(kOwner) + "' to='" + kRoom +
             "'><moderate xmlns='urn:xmpp:message-moderate:1' id='" + spam_id + "'/></iq>");
  EXPECT_EQ(error_condition(only_to(no_retract, kOwner)), "feature-not-implemented");
}

TEST_F(RoomModerateTest, LegacyFasteningForm_Accepted) {
  Outcome out = handle("<iq type='set' id='r4' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><apply-to xmlns='urn:xmpp:fasten:0' id='" + spam_id +
                       "'><moderate xmlns='urn:xmpp:message-moderate:0'><retract "
                       "xmlns='urn:xmpp:message-retract:0'/><reason>old client</reason>"
                       "</moderate></apply-to></iq>");
  ASSERT_EQ(store_ops<ModerateArchive>(out).size(), 1u);
  EXPECT_EQ(store_ops<ModerateArchive>(out).front()->moderation.reason, "old client");
}

TEST_F(RoomModerateTest, Service_Replacement_CorrectionFromAuthorAndNewBodyArchived) {
  RunResult result = run(room->moderate_as_service(spam_id, "[removed by staff]", "", now));
  EXPECT_FALSE(result.moderation_target_missing);
  ASSERT_EQ(recorder.deliveries.size(), 1u);
  xmpp::Element notice = xml(recorder.deliveries[0].first);
  EXPECT_EQ(notice.attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(notice.child_text("body"), "[removed by staff]");
  EXPECT_EQ(notice.child("replace", ns::kMessageCorrect)->attr_or("id"), "m1");
  xmpp::Element archived = archived_spam();
  EXPECT_EQ(archived.child_text("body"), "[removed by staff]");
  ASSERT_EQ(store.events[kRoom].size(), 1u);
  EXPECT_EQ(store.events[kRoom][0].kind, RoomEventKind::removal);
  EXPECT_EQ(store.events[kRoom][0].actor_jid, "");
}

TEST_F(RoomModerateTest, Service_Retraction_ByTheRoom) {
  RunResult result = run(room->moderate_as_service(spam_id, std::nullopt, "court order", now));
  ASSERT_EQ(recorder.deliveries.size(), 1u);
  xmpp::Element notice = xml(recorder.deliveries[0].first);
  EXPECT_EQ(notice.child("retract", ns::kMessageRetract)
                ->child("moderated", ns::kMessageModerate)
                ->attr_or("by"),
            kRoom);
  EXPECT_EQ(archived_spam().child("body"), nullptr);
  EXPECT_TRUE(
      run(room->moderate_as_service("nope", std::nullopt, "", now)).moderation_target_missing);
}

TEST_F(RoomModerateTest, Disco_AdvertisesModeration) {
  Outcome out = handle("<iq type='get' id='d1' from='" + std::string(kBob) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  std::vector<std::string> features;
  for (const xmpp::Element* feature :
       only_to(out, kBob).child("query")->children("feature", xmpp::ns::kDiscoInfo)) {
    features.push_back(feature->attr_or("var"));
  }
  EXPECT_NE(std::ranges::find(features, ns::kMessageModerate), features.end());
  EXPECT_NE(std::ranges::find(features, ns::kMessageModerate0), features.end());
}

TEST(RoomRetentionForm, OwnerMayNotExceedServiceMaximum) {
  ServiceSettings settings = test_settings();
  settings.max_retention_days = 30;
  DataForm form;
  form.type = "submit";
  form.add("stoa#roomconfig_retentiondays", "text-single", "", {"31"});
  auto refused = apply_config_form(form, RoomConfig{}, settings);
  ASSERT_TRUE(std::holds_alternative<xmpp::StanzaError>(refused));
  EXPECT_EQ(std::get<xmpp::StanzaError>(refused).condition, xmpp::StanzaCondition::not_acceptable);
  form.fields.back().values = {"7"};
  auto accepted = apply_config_form(form, RoomConfig{}, settings);
  ASSERT_TRUE(std::holds_alternative<ConfigSubmission>(accepted));
  EXPECT_EQ(std::get<ConfigSubmission>(accepted).config.retention_days, 7u);
}

}  // namespace
}  // namespace stoa::muc::testing
