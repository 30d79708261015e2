// The compliance events of a room (design.md "The compliance path"): which RecordEvent actions
// each change produces, with which fields, and that they come before the sends announcing it.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "muc/data_form.hpp"
#include "muc/outcome_runner.hpp"
#include "tests/unit/muc/in_memory_muc_store.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";
constexpr std::string_view kCarol = "carol@example.org/x";

std::vector<RoomEvent> events(const Outcome& out) {
  std::vector<RoomEvent> found;
  for (const RecordEvent* record : store_ops<RecordEvent>(out)) {
    found.push_back(record->event);
  }
  return found;
}

std::vector<RoomEventKind> kinds(const Outcome& out) {
  std::vector<RoomEventKind> found;
  for (const RoomEvent& event : events(out)) {
    found.push_back(event.kind);
  }
  return found;
}

/// The only event of a kind; fails the test when there is not exactly one.
RoomEvent only_event(const Outcome& out, RoomEventKind kind) {
  std::vector<RoomEvent> found;
  for (RoomEvent& event : events(out)) {
    if (event.kind == kind) {
      found.push_back(std::move(event));
    }
  }
  if (found.size() != 1) {
    throw std::runtime_error(std::to_string(found.size()) + " events of kind " +
                             std::string(to_string(kind)));
  }
  return found.front();
}

/// Every RecordEvent comes before every Send: nobody learns of what is not recorded.
bool recorded_before_sent(const Outcome& out) {
  int last_record = -1;
  int first_send = static_cast<int>(out.actions.size());
  for (std::size_t i = 0; i < out.actions.size(); ++i) {
    if (std::holds_alternative<RecordEvent>(out.actions[i])) {
      last_record = static_cast<int>(i);
    } else if (std::holds_alternative<Send>(out.actions[i]) &&
               first_send == static_cast<int>(out.actions.size())) {
      first_send = static_cast<int>(i);
    }
  }
  return last_record >= 0 && last_record < first_send;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class RoomEventsTest : public RoomTest {
 protected:
  Outcome invite(std::string_view from, std::string_view to) {
    return handle("<message id='i1' from='" + std::string(from) + "' to='" + kRoom +
                  "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='" +
                  std::string(to) + "'><reason>come</reason></invite></x></message>");
  }
  Outcome private_message(std::string_view from, std::string_view nick, std::string_view body) {
    return handle("<message type='chat' id='p1' from='" + std::string(from) + "' to='" + kRoom +
                  "/" + std::string(nick) + "'>" + std::string(body) + "</message>");
  }
  Outcome destroy_room(std::string_view inner) {
    return handle("<iq type='set' id='d' from='" + std::string(kOwner) + "' to='" + kRoom +
                  "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy "
                  "jid='new@conference.example.org'>" +
                  std::string(inner) + "</destroy></query></iq>");
  }
};

TEST_F(RoomEventsTest, Creation_CreatedAndJoin_AfterCreateRoomBeforeAnySend) {
  now = at(5);
  Outcome out = join(kOwner, "owner");
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::created, RoomEventKind::join}));
  EXPECT_LT(first_index<CreateRoom>(out), first_index<RecordEvent>(out));
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent created = only_event(out, RoomEventKind::created);
  EXPECT_EQ(created.actor_jid, "owner@example.org");
  EXPECT_EQ(created.actor_nick, "owner");
  EXPECT_EQ(created.at, at(5));
  const RoomEvent joined = only_event(out, RoomEventKind::join);
  EXPECT_EQ(joined.actor_jid, "owner@example.org");
  EXPECT_EQ(joined.actor_nick, "owner");
  EXPECT_EQ(joined.at, at(5));
  // The presence as the room shows it to whoever sees real JIDs.
  const xmpp::Element presence = xml(joined.payload);
  EXPECT_EQ(presence.attr_or("from"), kRoom + "/owner");
  EXPECT_EQ(item_of(presence)->attr_or("jid"), kOwner);
  EXPECT_EQ(item_of(presence)->attr_or("affiliation"), "owner");
}

TEST_F(RoomEventsTest, Join_RecordedBeforeTheOthersAreTold) {
  create();
  Outcome out = join(kAlice, "alice");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::join});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent joined = only_event(out, RoomEventKind::join);
  EXPECT_EQ(joined.actor_jid, "alice@example.org");
  EXPECT_EQ(joined.actor_nick, "alice");
  EXPECT_EQ(joined.target_jid, "");
  EXPECT_EQ(item_of(xml(joined.payload))->attr_or("role"), "participant");
}

TEST_F(RoomEventsTest, Join_Rejected_NoEvent) {
  create(field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "secret"));
  Outcome wrong_password = join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(wrong_password, kAlice)), "not-authorized");
  EXPECT_TRUE(events(wrong_password).empty());
  admin_set(kOwner, "<item affiliation='outcast' jid='bob@example.org'/>");
  Outcome banned = join(kBob, "bob",
                        "<x xmlns='http://jabber.org/protocol/muc'><password>secret"
                        "</password></x>");
  EXPECT_EQ(error_condition(only_to(banned, kBob)), "forbidden");
  EXPECT_TRUE(events(banned).empty());
}

TEST_F(RoomEventsTest, SecondSessionOfAnOccupant_NeitherJoinNorLeave) {
  create();
  join(kAlice, "alice");
  Outcome second = join("alice@example.org/desk", "alice");
  ASSERT_EQ(room->occupant("alice")->sessions.size(), 2u);
  EXPECT_TRUE(events(second).empty());
  EXPECT_TRUE(events(leave("alice@example.org/desk", "alice")).empty());
  EXPECT_EQ(kinds(leave(kAlice, "alice")), std::vector{RoomEventKind::leave});
}

TEST_F(RoomEventsTest, Leave_RecordedWithTheUnavailablePresence) {
  create();
  join(kAlice, "alice");
  now = at(9);
  Outcome out = handle("<presence type='unavailable' from='" + std::string(kAlice) + "' to='" +
                       kRoom + "/alice'><status>bye</status></presence>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::leave});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent left = only_event(out, RoomEventKind::leave);
  EXPECT_EQ(left.actor_jid, "alice@example.org");
  EXPECT_EQ(left.actor_nick, "alice");
  EXPECT_EQ(left.at, at(9));
  const xmpp::Element presence = xml(left.payload);
  EXPECT_EQ(presence.attr_or("type"), "unavailable");
  EXPECT_EQ(presence.child_text("status"), "bye");
}

TEST_F(RoomEventsTest, SessionGone_LeaveStampedWithTheTimeGiven) {
  create();
  join(kAlice, "alice");
  Outcome out = room->sessions_gone({jid(kAlice)}, at(42));
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::leave});
  EXPECT_TRUE(recorded_before_sent(out));
  EXPECT_EQ(only_event(out, RoomEventKind::leave).at, at(42));
  EXPECT_EQ(only_event(out, RoomEventKind::leave).actor_nick, "alice");
}

TEST_F(RoomEventsTest, TemporaryRoomLeftEmpty_LeaveThenDestroyByTheRoom) {
  create();
  Outcome out = leave(kOwner, "owner");
  ASSERT_TRUE(out.room_gone);
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::leave, RoomEventKind::destroy}));
  const RoomEvent ended = only_event(out, RoomEventKind::destroy);
  EXPECT_EQ(ended.actor_jid, "");
  EXPECT_EQ(ended.actor_nick, "");
  EXPECT_LT(first_index<DeleteRoom>(out), static_cast<int>(out.actions.size()) - 1);
  EXPECT_TRUE(std::holds_alternative<RecordEvent>(out.actions.back()));
}

TEST_F(RoomEventsTest, NickChange_OldNickAsActorNewAsTarget) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "alicia", "");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::nick_change});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent renamed = only_event(out, RoomEventKind::nick_change);
  EXPECT_EQ(renamed.actor_jid, "alice@example.org");
  EXPECT_EQ(renamed.actor_nick, "alice");
  EXPECT_EQ(renamed.target_nick, "alicia");
  const xmpp::Element presence = xml(renamed.payload);
  EXPECT_TRUE(has_status(presence, 303));
  EXPECT_EQ(item_of(presence)->attr_or("nick"), "alicia");
}

TEST_F(RoomEventsTest, NickChange_Refused_NoEvent) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "owner", "");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "conflict");
  EXPECT_TRUE(events(out).empty());
}

TEST_F(RoomEventsTest, ConfigChange_TheSubmittedFormWithoutThePassword) {
  create();
  join(kAlice, "alice");
  Outcome out = configure(kOwner, field("muc#roomconfig_roomname", "Plans") +
                                      field("muc#roomconfig_passwordprotectedroom", "1") +
                                      field("muc#roomconfig_roomsecret", "hunter2"));
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::config_change});
  EXPECT_LT(first_index<SaveConfig>(out), first_index<RecordEvent>(out));
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent configured = only_event(out, RoomEventKind::config_change);
  EXPECT_EQ(configured.actor_jid, "owner@example.org");
  EXPECT_EQ(configured.actor_nick, "owner");
  std::optional<DataForm> form = parse_form(xml(configured.payload));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->type, "submit");
  ASSERT_NE(form->field("muc#roomconfig_roomname"), nullptr);
  EXPECT_EQ(form->field("muc#roomconfig_roomname")->value(), "Plans");
  ASSERT_NE(form->field("muc#roomconfig_roomsecret"), nullptr);
  EXPECT_TRUE(form->field("muc#roomconfig_roomsecret")->values.empty());
  EXPECT_FALSE(contains(configured.payload, "hunter2"));
}

TEST_F(RoomEventsTest, ConfigChange_ListsAndMembersOnly_OneEventPerChangeAndLeaves) {
  create();
  join(kAlice, "alice");
  Outcome out = configure(
      kOwner, field("muc#roomconfig_membersonly", "1") +
                  "<field var='muc#roomconfig_roomadmins'><value>bob@example.org</value></field>");
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::config_change,
                                     RoomEventKind::affiliation_change, RoomEventKind::leave}));
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent admin = only_event(out, RoomEventKind::affiliation_change);
  EXPECT_EQ(admin.actor_jid, "owner@example.org");
  EXPECT_EQ(admin.target_jid, "bob@example.org");
  EXPECT_EQ(admin.target_nick, "");
  EXPECT_EQ(xml(admin.payload).attr_or("affiliation"), "admin");
  const RoomEvent left = only_event(out, RoomEventKind::leave);
  EXPECT_EQ(left.actor_nick, "alice");
  EXPECT_TRUE(has_status(xml(left.payload), 322));
}

TEST_F(RoomEventsTest, AffiliationChanges_OneEventPerItem_PresentAndAbsentUsers) {
  create();
  join(kAlice, "alice");
  Outcome out = admin_set(kOwner,
                          "<item affiliation='member' jid='alice@example.org'><reason>regular"
                          "</reason></item><item affiliation='admin' jid='carol@example.org'/>");
  ASSERT_EQ(kinds(out),
            (std::vector{RoomEventKind::affiliation_change, RoomEventKind::affiliation_change}));
  EXPECT_TRUE(recorded_before_sent(out));
  const std::vector<RoomEvent> changes = events(out);
  EXPECT_EQ(changes[0].actor_jid, "owner@example.org");
  EXPECT_EQ(changes[0].actor_nick, "owner");
  EXPECT_EQ(changes[0].target_jid, "alice@example.org");
  EXPECT_EQ(changes[0].target_nick, "alice");
  const xmpp::Element member = xml(changes[0].payload);
  EXPECT_EQ(member.attr_or("affiliation"), "member");
  EXPECT_EQ(member.child_text("reason", ns::kMucAdmin), "regular");
  EXPECT_EQ(changes[1].target_jid, "carol@example.org");
  EXPECT_EQ(changes[1].target_nick, "");
  EXPECT_EQ(xml(changes[1].payload).attr_or("affiliation"), "admin");
  // Each event follows the store operation of its change.
  for (std::size_t i = 0; i + 1 < out.actions.size(); ++i) {
    if (std::holds_alternative<SetAffiliation>(out.actions[i])) {
      EXPECT_TRUE(std::holds_alternative<RecordEvent>(out.actions[i + 1]));
    }
  }
}

TEST_F(RoomEventsTest, AffiliationChange_Refused_NoEvent) {
  create();
  join(kAlice, "alice");
  Outcome out = admin_set(kAlice, "<item affiliation='member' jid='bob@example.org'/>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "forbidden");
  EXPECT_TRUE(events(out).empty());
}

TEST_F(RoomEventsTest, Ban_OneBanEventThenTheLeave_BeforeAnyoneIsTold) {
  create();
  join(kAlice, "alice");
  join(kBob, "bob");
  Outcome out = admin_set(
      kOwner, "<item affiliation='outcast' jid='bob@example.org'><reason>spam</reason></item>");
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::ban, RoomEventKind::leave}));
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent ban = only_event(out, RoomEventKind::ban);
  EXPECT_EQ(ban.actor_jid, "owner@example.org");
  EXPECT_EQ(ban.actor_nick, "owner");
  EXPECT_EQ(ban.target_jid, "bob@example.org");
  EXPECT_EQ(ban.target_nick, "bob");
  const xmpp::Element item = xml(ban.payload);
  EXPECT_EQ(item.attr_or("affiliation"), "outcast");
  EXPECT_EQ(item.child_text("reason", ns::kMucAdmin), "spam");
  const RoomEvent left = only_event(out, RoomEventKind::leave);
  EXPECT_EQ(left.actor_jid, "bob@example.org");
  EXPECT_EQ(left.actor_nick, "bob");
  EXPECT_TRUE(has_status(xml(left.payload), 301));
}

TEST_F(RoomEventsTest, Ban_OfSomeoneAbsent_ByServiceAdminOutsideTheRoom) {
  create();
  Outcome out = admin_set("admin@example.org/console",
                          "<item affiliation='outcast' jid='mallory@example.net'/>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::ban});
  const RoomEvent ban = only_event(out, RoomEventKind::ban);
  EXPECT_EQ(ban.actor_jid, "admin@example.org");
  EXPECT_EQ(ban.actor_nick, "");
  EXPECT_EQ(ban.target_jid, "mallory@example.net");
  EXPECT_EQ(ban.target_nick, "");
}

TEST_F(RoomEventsTest, Kick_KickThenLeave_NoRoleChange) {
  create();
  join(kAlice, "alice");
  join(kBob, "bob");
  Outcome out = admin_set(kOwner, "<item nick='bob' role='none'><reason>off topic</reason></item>");
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::kick, RoomEventKind::leave}));
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent kick = only_event(out, RoomEventKind::kick);
  EXPECT_EQ(kick.actor_jid, "owner@example.org");
  EXPECT_EQ(kick.actor_nick, "owner");
  EXPECT_EQ(kick.target_jid, "bob@example.org");
  EXPECT_EQ(kick.target_nick, "bob");
  const xmpp::Element item = xml(kick.payload);
  EXPECT_EQ(item.attr_or("role"), "none");
  EXPECT_EQ(item.child_text("reason", ns::kMucAdmin), "off topic");
  const RoomEvent left = only_event(out, RoomEventKind::leave);
  EXPECT_EQ(left.actor_nick, "bob");
  EXPECT_TRUE(has_status(xml(left.payload), 307));
}

TEST_F(RoomEventsTest, RoleChange_VoiceRevoked) {
  create();
  join(kAlice, "alice");
  Outcome out = admin_set(kOwner, "<item nick='alice' role='visitor'/>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::role_change});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent change = only_event(out, RoomEventKind::role_change);
  EXPECT_EQ(change.actor_nick, "owner");
  EXPECT_EQ(change.target_jid, "alice@example.org");
  EXPECT_EQ(change.target_nick, "alice");
  EXPECT_EQ(xml(change.payload).attr_or("role"), "visitor");
  // Setting the role it has already changes nothing and records nothing.
  EXPECT_TRUE(events(admin_set(kOwner, "<item nick='alice' role='visitor'/>")).empty());
}

TEST_F(RoomEventsTest, RoleChange_VoiceRequestApproved) {
  create(field("muc#roomconfig_moderatedroom", "1"));
  join(kAlice, "alice");
  Outcome out = handle(
      "<message from='" + std::string(kOwner) + "' to='" + kRoom +
      "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
      "http://jabber.org/protocol/muc#request</value></field><field var='muc#roomnick'><value>"
      "alice</value></field><field var='muc#request_allow'><value>true</value></field></x>"
      "</message>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::role_change});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent change = only_event(out, RoomEventKind::role_change);
  EXPECT_EQ(change.actor_nick, "owner");
  EXPECT_EQ(change.target_nick, "alice");
  EXPECT_EQ(xml(change.payload).attr_or("role"), "participant");
}

TEST_F(RoomEventsTest, Invitation_TheMessageSentWithoutThePassword) {
  create(field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "hunter2"));
  Outcome out = invite(kOwner, "carol@example.org/tablet");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::invitation});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent invited = only_event(out, RoomEventKind::invitation);
  EXPECT_EQ(invited.actor_jid, "owner@example.org");
  EXPECT_EQ(invited.actor_nick, "owner");
  EXPECT_EQ(invited.target_jid, "carol@example.org");
  const xmpp::Element message = xml(invited.payload);
  const xmpp::Element* x = message.child("x", ns::kMucUser);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->child("invite", ns::kMucUser)->child_text("reason", ns::kMucUser), "come");
  EXPECT_EQ(x->child("password", ns::kMucUser), nullptr);
  EXPECT_FALSE(contains(invited.payload, "hunter2"));
  // What carol receives still has it.
  EXPECT_EQ(only_to(out, "carol@example.org/tablet")
                .child("x", ns::kMucUser)
                ->child_text("password", ns::kMucUser),
            "hunter2");
}

TEST_F(RoomEventsTest, Invitation_MembersOnly_MembershipThenInvitation_AllBeforeSends) {
  create(field("muc#roomconfig_membersonly", "1"));
  Outcome out = invite(kOwner, "carol@example.org");
  ASSERT_EQ(kinds(out),
            (std::vector{RoomEventKind::affiliation_change, RoomEventKind::invitation}));
  EXPECT_TRUE(recorded_before_sent(out));
  EXPECT_EQ(only_event(out, RoomEventKind::affiliation_change).target_jid, "carol@example.org");
}

TEST_F(RoomEventsTest, Decline_RecordedBeforeRelayed) {
  create();
  Outcome out = handle("<message from='carol@example.org/tablet' to='" + kRoom +
                       "'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='" +
                       std::string(kOwner) + "'><reason>busy</reason></decline></x></message>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::decline});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent declined = only_event(out, RoomEventKind::decline);
  EXPECT_EQ(declined.actor_jid, "carol@example.org");
  EXPECT_EQ(declined.actor_nick, "");
  EXPECT_EQ(declined.target_jid, "owner@example.org");
  EXPECT_EQ(xml(declined.payload)
                .child("x", ns::kMucUser)
                ->child("decline", ns::kMucUser)
                ->child_text("reason", ns::kMucUser),
            "busy");
}

TEST_F(RoomEventsTest, Destroy_DestroyThenEveryLeave_AfterDeleteRoomBeforeAnySend) {
  create();
  join(kAlice, "alice");
  Outcome out = destroy_room("<reason>moved</reason><password>hunter2</password>");
  ASSERT_EQ(kinds(out),
            (std::vector{RoomEventKind::destroy, RoomEventKind::leave, RoomEventKind::leave}));
  EXPECT_EQ(first_index<DeleteRoom>(out), 0);
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent destroyed = only_event(out, RoomEventKind::destroy);
  EXPECT_EQ(destroyed.actor_jid, "owner@example.org");
  EXPECT_EQ(destroyed.actor_nick, "owner");
  const xmpp::Element destroy = xml(destroyed.payload);
  EXPECT_EQ(destroy.attr_or("jid"), "new@conference.example.org");
  EXPECT_EQ(destroy.child_text("reason", ns::kMucUser), "moved");
  for (const RoomEvent& event : events(out)) {
    EXPECT_FALSE(contains(event.payload, "hunter2")) << event.payload;
  }
  std::vector<std::string> left;
  for (const RoomEvent& event : events(out)) {
    if (event.kind == RoomEventKind::leave) {
      left.push_back(event.actor_nick);
    }
  }
  EXPECT_EQ(left, (std::vector<std::string>{"alice", "owner"}));
}

TEST_F(RoomEventsTest, CancelledInitialConfiguration_Destroy) {
  join(kOwner, "owner");
  Outcome out = handle("<iq type='set' id='c' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'><x "
                       "xmlns='jabber:x:data' type='cancel'/></query></iq>");
  ASSERT_EQ(kinds(out), (std::vector{RoomEventKind::destroy, RoomEventKind::leave}));
  EXPECT_EQ(only_event(out, RoomEventKind::destroy).actor_jid, "owner@example.org");
  EXPECT_EQ(only_event(out, RoomEventKind::destroy).payload,
            "<destroy xmlns='http://jabber.org/protocol/muc#user'/>");
}

TEST_F(RoomEventsTest, PrivateMessage_WithBody_RecordedBeforeRelayed) {
  create();
  join(kAlice, "alice");
  Outcome out = private_message(kAlice, "owner", "<body>psst</body>");
  ASSERT_EQ(kinds(out), std::vector{RoomEventKind::private_message});
  EXPECT_TRUE(recorded_before_sent(out));
  const RoomEvent sent = only_event(out, RoomEventKind::private_message);
  EXPECT_EQ(sent.actor_jid, "alice@example.org");
  EXPECT_EQ(sent.actor_nick, "alice");
  EXPECT_EQ(sent.target_jid, "owner@example.org");
  EXPECT_EQ(sent.target_nick, "owner");
  const xmpp::Element message = xml(sent.payload);
  EXPECT_EQ(message.attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(message.child_text("body"), "psst");
}

TEST_F(RoomEventsTest, PrivateMessage_ChatStateOrRefused_NoEvent) {
  create();
  join(kAlice, "alice");
  EXPECT_TRUE(events(private_message(kAlice, "owner",
                                     "<composing xmlns='http://jabber.org/protocol/chatstates'/>"))
                  .empty());
  Outcome refused = private_message(kAlice, "nobody", "<body>hello?</body>");
  EXPECT_EQ(error_condition(only_to(refused, kAlice)), "item-not-found");
  EXPECT_TRUE(events(refused).empty());
}

TEST_F(RoomEventsTest, UnrecordedChanges_NoEvent) {
  create();
  join(kAlice, "alice");
  EXPECT_TRUE(events(handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom +
                            "/alice'><show>away</show></presence>"))
                  .empty());
  EXPECT_TRUE(events(say(kAlice, "archived, recorded by the store")).empty());
}

/// Runs outcomes through run_outcome() against the in-memory store, recording deliveries.
class RecordFailureTest : public RoomEventsTest, public Deliverer {
 protected:
  asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element& stanza,
                                                  const std::vector<xmpp::Jid>&) override {
    delivered.push_back(stanza.str(xmpp::ns::kClient));
    co_return std::vector<xmpp::Jid>{};
  }
  RunResult run(Outcome outcome) {
    return run_to_completion(std::move(outcome), kRoom, store, *this);
  }
  /// alice and bob in the owner's room, every step stored; then the next record fails.
  void SetUp() override {
    ASSERT_TRUE(run(join(kOwner, "owner")).stored);
    ASSERT_TRUE(run(configure(kOwner, "")).stored);
    ASSERT_TRUE(run(join(kAlice, "alice")).stored);
    ASSERT_TRUE(run(join(kBob, "bob")).stored);
    ASSERT_EQ(store.events[kRoom].size(), 5u);  // created, join, config-change, join, join
    delivered.clear();
    store.fail_next("record_event");
  }
  /// The outcome stopped at the failing record: nothing delivered, nothing stored after it.
  void expect_stopped_at_the_record(Outcome outcome) {
    const std::size_t recorded = store.events[kRoom].size();
    RunResult result = run(std::move(outcome));
    EXPECT_FALSE(result.stored);
    EXPECT_TRUE(delivered.empty());
    EXPECT_EQ(store.calls().back(), "record_event");
    EXPECT_EQ(store.events[kRoom].size(), recorded);
  }

  InMemoryMucStore store;
  std::vector<std::string> delivered;
};

TEST_F(RecordFailureTest, Join_NobodyTold) {
  expect_stopped_at_the_record(join(kCarol, "carol"));
}

TEST_F(RecordFailureTest, Leave_NobodyTold) {
  expect_stopped_at_the_record(leave(kBob, "bob"));
}

TEST_F(RecordFailureTest, NickChange_NobodyTold) {
  expect_stopped_at_the_record(join(kBob, "robert", ""));
}

TEST_F(RecordFailureTest, Kick_NobodyTold) {
  expect_stopped_at_the_record(admin_set(kOwner, "<item nick='bob' role='none'/>"));
}

TEST_F(RecordFailureTest, Ban_NobodyTold) {
  expect_stopped_at_the_record(
      admin_set(kOwner, "<item affiliation='outcast' jid='bob@example.org'/>"));
}

TEST_F(RecordFailureTest, ConfigChange_NobodyTold) {
  expect_stopped_at_the_record(configure(kOwner, field("muc#roomconfig_roomname", "Plans")));
}

TEST_F(RecordFailureTest, Invitation_NotSent) {
  expect_stopped_at_the_record(invite(kOwner, "carol@example.org"));
}

TEST_F(RecordFailureTest, PrivateMessage_NotRelayed) {
  expect_stopped_at_the_record(private_message(kAlice, "bob", "<body>psst</body>"));
}

TEST_F(RecordFailureTest, Destroy_NobodyTold) {
  expect_stopped_at_the_record(destroy_room(""));
}

}  // namespace
}  // namespace stoa::muc::testing
