#include "xmpp/server/subscription_state.hpp"

namespace stoa::xmpp::server {

using store::Subscription;

namespace {

Subscription make_subscription(bool to, bool from) {
  if (to && from) {
    return Subscription::both;
  }
  if (to) {
    return Subscription::to;
  }
  return from ? Subscription::from : Subscription::none;
}

SubscriptionState with_from(SubscriptionState state, bool from) {
  state.subscription = make_subscription(has_to(state.subscription), from);
  return state;
}

SubscriptionState with_to(SubscriptionState state, bool to) {
  state.subscription = make_subscription(to, has_from(state.subscription));
  return state;
}

}  // namespace

std::optional<SubscriptionType> parse_subscription_type(std::string_view type) {
  if (type == "subscribe") {
    return SubscriptionType::subscribe;
  }
  if (type == "subscribed") {
    return SubscriptionType::subscribed;
  }
  if (type == "unsubscribe") {
    return SubscriptionType::unsubscribe;
  }
  if (type == "unsubscribed") {
    return SubscriptionType::unsubscribed;
  }
  return std::nullopt;
}

std::string_view to_string(SubscriptionType type) {
  switch (type) {
    case SubscriptionType::subscribe:
      return "subscribe";
    case SubscriptionType::subscribed:
      return "subscribed";
    case SubscriptionType::unsubscribe:
      return "unsubscribe";
    case SubscriptionType::unsubscribed:
      return "unsubscribed";
  }
  return "subscribe";
}

bool has_from(Subscription subscription) {
  return subscription == Subscription::from || subscription == Subscription::both;
}

bool has_to(Subscription subscription) {
  return subscription == Subscription::to || subscription == Subscription::both;
}

SubscriptionState state_of(const std::optional<store::RosterItem>& item) {
  if (!item) {
    return {};
  }
  return {item->subscription, item->ask, item->pending_in, item->approved, item->in_roster};
}

std::optional<store::RosterItem> with_state(const std::optional<store::RosterItem>& item,
                                            const SubscriptionState& state) {
  if (!state.in_roster && !state.pending_in) {
    return std::nullopt;
  }
  store::RosterItem next = item ? *item : store::RosterItem{};
  next.subscription = state.subscription;
  next.ask = state.pending_out;
  next.pending_in = state.pending_in;
  next.approved = state.approved;
  next.in_roster = state.in_roster;
  if (!state.pending_in) {
    next.pending_in_stanza.reset();
  }
  if (!state.in_roster) {
    // A request from a stranger carries no roster data.
    next.name.reset();
    next.groups.clear();
  }
  return next;
}

SubscriptionTransition apply_outbound(const SubscriptionState& state, SubscriptionType type) {
  SubscriptionTransition out{state};
  switch (type) {
    case SubscriptionType::subscribe:
      // A.2.1: routed in every state, so that the contact's server can answer for itself
      // (§3.1.3 auto-replies when it already approved). Asking adds the contact (§3.1.2).
      out.forward = true;
      out.state.in_roster = true;
      if (!has_to(state.subscription)) {
        out.state.pending_out = true;
      }
      break;
    case SubscriptionType::unsubscribe:
      // A.2.2: routed in every state (§3.3.2).
      out.forward = true;
      out.state = with_to(state, false);
      out.state.pending_out = false;
      break;
    case SubscriptionType::subscribed:
      if (state.pending_in) {
        // A.2.3: approving a request; the contact becomes a roster item if it was not (§3.1.5).
        out.forward = true;
        out.state = with_from(state, true);
        out.state.pending_in = false;
        out.state.approved = false;
        out.state.in_roster = true;
      } else if (!has_from(state.subscription)) {
        // §3.4.2: no request to answer, so this pre-approves one; it is not routed.
        out.state.approved = true;
        out.state.in_roster = true;
      }
      break;
    case SubscriptionType::unsubscribed:
      // A.2.4: denies a request or cancels the contact's subscription; also cancels a
      // pre-approval (§3.4.2), which alone is not routed.
      out.forward = state.pending_in || has_from(state.subscription);
      out.state = with_from(state, false);
      out.state.pending_in = false;
      out.state.approved = false;
      break;
  }
  return out;
}

SubscriptionTransition apply_inbound(const SubscriptionState& state, SubscriptionType type) {
  SubscriptionTransition out{state};
  switch (type) {
    case SubscriptionType::subscribe:
      if (has_from(state.subscription)) {
        // §3.1.3: already subscribed; the contact's server answers for the account.
        out.auto_approve = true;
      } else if (state.approved) {
        // §3.4.2: pre-approved.
        out.auto_approve = true;
        out.state = with_from(state, true);
        out.state.approved = false;
        out.state.pending_in = false;
      } else {
        // A.3.1: kept until answered, and (again) shown to the account.
        out.forward = true;
        out.state.pending_in = true;
      }
      break;
    case SubscriptionType::unsubscribe:
      // A.3.2: only a change of state reaches the account.
      out.forward = state.pending_in || has_from(state.subscription);
      out.state = with_from(state, false);
      out.state.pending_in = false;
      break;
    case SubscriptionType::subscribed:
      // A.3.3: only an answer to a request of the account counts.
      if (state.pending_out) {
        out.forward = true;
        out.state = with_to(state, true);
        out.state.pending_out = false;
      }
      break;
    case SubscriptionType::unsubscribed:
      // A.3.4
      out.forward = state.pending_out || has_to(state.subscription);
      out.state = with_to(state, false);
      out.state.pending_out = false;
      break;
  }
  return out;
}

RemovalNotices removal_notices(const SubscriptionState& state) {
  return {has_to(state.subscription) || state.pending_out,
          has_from(state.subscription) || state.pending_in};
}

}  // namespace stoa::xmpp::server
