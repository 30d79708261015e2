// The subscription state machine against the tables of RFC 6121 Appendix A, plus
// pre-approval (§3.4) and requests from contacts who are not in the roster (§3.1.3).

#include "xmpp/server/subscription_state.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace stoa::xmpp::server {
namespace {

using store::Subscription;

// The state names of RFC 6121 Appendix A.1, for roster items; "+approved" adds the
// pre-approval flag.
SubscriptionState rfc(std::string name) {
  SubscriptionState state;
  state.in_roster = true;
  const std::string approved = "+approved";
  if (name.size() > approved.size() &&
      name.compare(name.size() - approved.size(), approved.size(), approved) == 0) {
    state.approved = true;
    name.resize(name.size() - approved.size());
  }
  const std::string base = name.substr(0, name.find('+'));
  const std::string pending =
      name.find('+') == std::string::npos ? "" : name.substr(name.find('+'));
  if (base == "None") {
    state.subscription = Subscription::none;
  } else if (base == "To") {
    state.subscription = Subscription::to;
  } else if (base == "From") {
    state.subscription = Subscription::from;
  } else if (base == "Both") {
    state.subscription = Subscription::both;
  } else {
    throw std::invalid_argument("unknown state " + name);
  }
  if (pending == "+PendingOut") {
    state.pending_out = true;
  } else if (pending == "+PendingIn") {
    state.pending_in = true;
  } else if (pending == "+PendingOut/In") {
    state.pending_out = true;
    state.pending_in = true;
  } else if (!pending.empty()) {
    throw std::invalid_argument("unknown state " + name);
  }
  return state;
}

std::string name_of(const SubscriptionState& state) {
  std::string name;
  switch (state.subscription) {
    case Subscription::none:
      name = "None";
      break;
    case Subscription::to:
      name = "To";
      break;
    case Subscription::from:
      name = "From";
      break;
    case Subscription::both:
      name = "Both";
      break;
  }
  if (state.pending_out && state.pending_in) {
    name += "+PendingOut/In";
  } else if (state.pending_out) {
    name += "+PendingOut";
  } else if (state.pending_in) {
    name += "+PendingIn";
  }
  if (state.approved) {
    name += "+approved";
  }
  if (!state.in_roster) {
    name += " (not in roster)";
  }
  return name;
}

struct Row {
  const char* before;
  const char* after;
  bool forward;
};

void check_table(SubscriptionType type, bool outbound, const std::vector<Row>& table) {
  for (const Row& row : table) {
    const SubscriptionTransition transition =
        outbound ? apply_outbound(rfc(row.before), type) : apply_inbound(rfc(row.before), type);
    EXPECT_EQ(name_of(transition.state), row.after)
        << (outbound ? "outbound " : "inbound ") << to_string(type) << " in " << row.before;
    EXPECT_EQ(transition.forward, row.forward)
        << (outbound ? "outbound " : "inbound ") << to_string(type) << " in " << row.before;
    EXPECT_FALSE(transition.auto_approve) << to_string(type) << " in " << row.before;
  }
}

TEST(SubscriptionStateTest, OutboundSubscribe_FollowsTableA21_AndIsAlwaysRouted) {
  check_table(SubscriptionType::subscribe, true,
              {{"None", "None+PendingOut", true},
               {"None+PendingOut", "None+PendingOut", true},
               {"None+PendingIn", "None+PendingOut/In", true},
               {"None+PendingOut/In", "None+PendingOut/In", true},
               {"To", "To", true},
               {"To+PendingIn", "To+PendingIn", true},
               {"From", "From+PendingOut", true},
               {"From+PendingOut", "From+PendingOut", true},
               {"Both", "Both", true}});
}

TEST(SubscriptionStateTest, OutboundUnsubscribe_FollowsTableA22_AndIsAlwaysRouted) {
  check_table(SubscriptionType::unsubscribe, true,
              {{"None", "None", true},
               {"None+PendingOut", "None", true},
               {"None+PendingIn", "None+PendingIn", true},
               {"None+PendingOut/In", "None+PendingIn", true},
               {"To", "None", true},
               {"To+PendingIn", "None+PendingIn", true},
               {"From", "From", true},
               {"From+PendingOut", "From", true},
               {"Both", "From", true}});
}

TEST(SubscriptionStateTest, OutboundSubscribed_FollowsTableA23_PreApprovesWithoutRouting) {
  check_table(SubscriptionType::subscribed, true,
              {{"None", "None+approved", false},
               {"None+PendingOut", "None+PendingOut+approved", false},
               {"None+PendingIn", "From", true},
               {"None+PendingOut/In", "From+PendingOut", true},
               {"To", "To+approved", false},
               {"To+PendingIn", "Both", true},
               {"From", "From", false},
               {"From+PendingOut", "From+PendingOut", false},
               {"Both", "Both", false}});
}

TEST(SubscriptionStateTest, OutboundUnsubscribed_FollowsTableA24_CancelsPreApproval) {
  check_table(SubscriptionType::unsubscribed, true,
              {{"None", "None", false},
               {"None+PendingOut", "None+PendingOut", false},
               {"None+PendingIn", "None", true},
               {"None+PendingOut/In", "None+PendingOut", true},
               {"To", "To", false},
               {"To+PendingIn", "To", true},
               {"From", "None", true},
               {"From+PendingOut", "None+PendingOut", true},
               {"Both", "To", true},
               {"None+approved", "None", false},
               {"To+approved", "To", false}});
}

TEST(SubscriptionStateTest, InboundSubscribe_FollowsTableA31) {
  check_table(SubscriptionType::subscribe, false,
              {{"None", "None+PendingIn", true},
               {"None+PendingOut", "None+PendingOut/In", true},
               {"None+PendingIn", "None+PendingIn", true},
               {"None+PendingOut/In", "None+PendingOut/In", true},
               {"To", "To+PendingIn", true},
               {"To+PendingIn", "To+PendingIn", true}});
}

TEST(SubscriptionStateTest, InboundSubscribe_AlreadySubscribed_AutoApprovedUnchanged) {
  for (const char* state : {"From", "From+PendingOut", "Both"}) {
    const SubscriptionTransition transition =
        apply_inbound(rfc(state), SubscriptionType::subscribe);
    EXPECT_EQ(name_of(transition.state), state);
    EXPECT_TRUE(transition.auto_approve) << state;
    EXPECT_FALSE(transition.forward) << state;
  }
}

TEST(SubscriptionStateTest, InboundSubscribe_PreApproved_SubscribesWithoutAsking) {
  const std::vector<Row> table = {{"None+approved", "From", false},
                                  {"None+PendingOut+approved", "From+PendingOut", false},
                                  {"To+approved", "Both", false}};
  for (const Row& row : table) {
    const SubscriptionTransition transition =
        apply_inbound(rfc(row.before), SubscriptionType::subscribe);
    EXPECT_EQ(name_of(transition.state), row.after) << row.before;
    EXPECT_TRUE(transition.auto_approve) << row.before;
    EXPECT_FALSE(transition.forward) << row.before;
  }
}

TEST(SubscriptionStateTest, InboundUnsubscribe_FollowsTableA32) {
  check_table(SubscriptionType::unsubscribe, false,
              {{"None", "None", false},
               {"None+PendingOut", "None+PendingOut", false},
               {"None+PendingIn", "None", true},
               {"None+PendingOut/In", "None+PendingOut", true},
               {"To", "To", false},
               {"To+PendingIn", "To", true},
               {"From", "None", true},
               {"From+PendingOut", "None+PendingOut", true},
               {"Both", "To", true}});
}

TEST(SubscriptionStateTest, InboundSubscribed_FollowsTableA33) {
  check_table(SubscriptionType::subscribed, false,
              {{"None", "None", false},
               {"None+PendingOut", "To", true},
               {"None+PendingIn", "None+PendingIn", false},
               {"None+PendingOut/In", "To+PendingIn", true},
               {"To", "To", false},
               {"To+PendingIn", "To+PendingIn", false},
               {"From", "From", false},
               {"From+PendingOut", "Both", true},
               {"Both", "Both", false}});
}

TEST(SubscriptionStateTest, InboundUnsubscribed_FollowsTableA34) {
  check_table(SubscriptionType::unsubscribed, false,
              {{"None", "None", false},
               {"None+PendingOut", "None", true},
               {"None+PendingIn", "None+PendingIn", false},
               {"None+PendingOut/In", "None+PendingIn", true},
               {"To", "None", true},
               {"To+PendingIn", "None+PendingIn", true},
               {"From", "From", false},
               {"From+PendingOut", "From", true},
               {"Both", "From", true}});
}

TEST(SubscriptionStateTest, InboundSubscribe_FromStranger_PendingWithoutRosterItem) {
  const SubscriptionTransition transition =
      apply_inbound(SubscriptionState{}, SubscriptionType::subscribe);
  EXPECT_EQ(name_of(transition.state), "None+PendingIn (not in roster)");
  EXPECT_TRUE(transition.forward);
}

TEST(SubscriptionStateTest, OutboundSubscribed_ToStrangersRequest_AddsRosterItem) {
  SubscriptionState stranger;
  stranger.pending_in = true;
  const SubscriptionTransition transition = apply_outbound(stranger, SubscriptionType::subscribed);
  EXPECT_EQ(name_of(transition.state), "From");
  EXPECT_TRUE(transition.forward);
}

TEST(SubscriptionStateTest, OutboundUnsubscribed_ToStrangersRequest_LeavesNoRow) {
  SubscriptionState stranger;
  stranger.pending_in = true;
  const SubscriptionTransition transition =
      apply_outbound(stranger, SubscriptionType::unsubscribed);
  EXPECT_TRUE(transition.forward);
  store::RosterItem row;
  row.contact = "romeo@example.net";
  row.in_roster = false;
  row.pending_in = true;
  row.pending_in_stanza = "<presence type='subscribe'/>";
  EXPECT_FALSE(with_state(row, transition.state).has_value());
}

TEST(SubscriptionStateTest, OutboundSubscribe_NoRow_CreatesRosterItem) {
  const SubscriptionTransition transition =
      apply_outbound(SubscriptionState{}, SubscriptionType::subscribe);
  EXPECT_EQ(name_of(transition.state), "None+PendingOut");
  const std::optional<store::RosterItem> row = with_state(std::nullopt, transition.state);
  ASSERT_TRUE(row.has_value());
  EXPECT_TRUE(row->in_roster);
  EXPECT_TRUE(row->ask);
}

TEST(SubscriptionStateTest, OutboundUnsubscribe_NoRow_LeavesNoRow) {
  const SubscriptionTransition transition =
      apply_outbound(SubscriptionState{}, SubscriptionType::unsubscribe);
  EXPECT_TRUE(transition.forward);
  EXPECT_FALSE(with_state(std::nullopt, transition.state).has_value());
}

TEST(SubscriptionStateTest, WithState_AnsweredRequest_DropsStoredStanzaKeepsNameAndGroups) {
  store::RosterItem row;
  row.contact = "romeo@example.net";
  row.name = "Romeo";
  row.groups = {"Friends"};
  row.pending_in = true;
  row.pending_in_stanza = "<presence type='subscribe'/>";
  const std::optional<store::RosterItem> next =
      with_state(row, apply_outbound(state_of(row), SubscriptionType::subscribed).state);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->subscription, Subscription::from);
  EXPECT_FALSE(next->pending_in);
  EXPECT_FALSE(next->pending_in_stanza.has_value());
  EXPECT_EQ(next->name, "Romeo");
  EXPECT_EQ(next->groups, std::vector<std::string>{"Friends"});
}

TEST(SubscriptionStateTest, RemovalNotices_EachState_CancelWhatExists) {
  struct Expected {
    const char* state;
    bool unsubscribe;
    bool unsubscribed;
  };
  for (const Expected& expected : std::vector<Expected>{{"None", false, false},
                                                        {"None+PendingOut", true, false},
                                                        {"None+PendingIn", false, true},
                                                        {"None+PendingOut/In", true, true},
                                                        {"To", true, false},
                                                        {"To+PendingIn", true, true},
                                                        {"From", false, true},
                                                        {"From+PendingOut", true, true},
                                                        {"Both", true, true}}) {
    const RemovalNotices notices = removal_notices(rfc(expected.state));
    EXPECT_EQ(notices.unsubscribe, expected.unsubscribe) << expected.state;
    EXPECT_EQ(notices.unsubscribed, expected.unsubscribed) << expected.state;
  }
}

TEST(SubscriptionStateTest, ParseSubscriptionType_OtherPresenceTypes_Nullopt) {
  EXPECT_EQ(parse_subscription_type("subscribe"), SubscriptionType::subscribe);
  EXPECT_EQ(parse_subscription_type("unsubscribed"), SubscriptionType::unsubscribed);
  for (const char* type : {"", "unavailable", "probe", "error", "Subscribe"}) {
    EXPECT_FALSE(parse_subscription_type(type).has_value()) << type;
  }
}

}  // namespace
}  // namespace stoa::xmpp::server
