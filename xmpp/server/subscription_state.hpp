#pragma once

#include <optional>
#include <string_view>

#include "store/roster_store.hpp"

namespace stoa::xmpp::server {

/// The four presence types that manage subscriptions (RFC 6121 §3).
enum class SubscriptionType { subscribe, subscribed, unsubscribe, unsubscribed };

/// nullopt for presence types that are not subscription management.
std::optional<SubscriptionType> parse_subscription_type(std::string_view type);
std::string_view to_string(SubscriptionType type);

/// One account's subscription state with one contact (RFC 6121 Appendix A), plus the
/// pre-approval flag (§3.4) and whether the contact is a roster item at all.
struct SubscriptionState {
  store::Subscription subscription = store::Subscription::none;
  bool pending_out = false;
  bool pending_in = false;
  bool approved = false;
  bool in_roster = false;  ///< false: no row, or a row that only holds a pending request

  bool operator==(const SubscriptionState&) const = default;
};

/// The state of a stored row (none for no row).
SubscriptionState state_of(const std::optional<store::RosterItem>& item);
/// `item` (or a fresh item) with `state` applied; nullopt when nothing is left to keep.
std::optional<store::RosterItem> with_state(const std::optional<store::RosterItem>& item,
                                            const SubscriptionState& state);

/// The contact receives the account's presence.
bool has_from(store::Subscription subscription);
/// The account receives the contact's presence.
bool has_to(store::Subscription subscription);

/// What a subscription stanza does to the state and where it goes.
struct SubscriptionTransition {
  SubscriptionState state;
  /// Outbound: route the stanza to the contact. Inbound: deliver it to the account's
  /// available resources (and keep a subscribe until it is answered).
  bool forward = false;
  /// Inbound subscribe already approved (subscription from/both, or pre-approved): the server
  /// answers 'subscribed' on the account's behalf (RFC 6121 §3.1.3, §3.4).
  bool auto_approve = false;
};

/// The account sent `type` to the contact (RFC 6121 Appendix A.2 and §3.4).
SubscriptionTransition apply_outbound(const SubscriptionState& state, SubscriptionType type);
/// The contact sent `type` to the account (RFC 6121 Appendix A.3 and §3.4).
SubscriptionTransition apply_inbound(const SubscriptionState& state, SubscriptionType type);

/// What removing a roster item tells the contact (RFC 6121 §2.5.2).
struct RemovalNotices {
  bool unsubscribe = false;   ///< the account was subscribed to the contact or asked to be
  bool unsubscribed = false;  ///< the contact was subscribed to the account or asked to be
};
RemovalNotices removal_notices(const SubscriptionState& state);

}  // namespace stoa::xmpp::server
