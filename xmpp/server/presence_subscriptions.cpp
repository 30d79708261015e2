// PresenceManager: presence subscriptions (RFC 6121 §3) and roster removal (§2.5.2).

#include "xmpp/namespaces.hpp"
#include "xmpp/server/c2s_session.hpp"
#include "xmpp/server/presence_manager.hpp"
#include "xmpp/server/presence_stanzas.hpp"

namespace stoa::xmpp::server {

asio::awaitable<void> PresenceManager::outbound_subscription(Element presence,
                                                             const SessionPtr& origin,
                                                             SubscriptionType type, const Jid& to) {
  const Jid account = origin->jid().bare();
  const Jid contact = to.bare();
  if (contact == account) {
    origin->deliver(make_error_reply(
        presence, {StanzaCondition::bad_request,
                   "an account's own presence needs no subscription (RFC 6121 §4.2.2)"}));
    co_return;
  }
  // Named, not written inside the co_await: GCC 12 miscopies lambda temporaries there.
  store::RosterUpdater updater = [type](const std::optional<store::RosterItem>& current) {
    return with_state(current, apply_outbound(state_of(current), type).state);
  };
  store::RosterUpdate update =
      co_await roster_.update(account.local(), contact.str(), std::move(updater));
  if (update.status == store::RosterUpdate::Status::roster_full) {
    origin->deliver(make_error_reply(
        presence, {StanzaCondition::resource_constraint, ErrorType::cancel,
                   "the roster is full (" + std::to_string(config_.max_roster_items) +
                       " items); remove a contact first"}));
    co_return;
  }
  if (update.status == store::RosterUpdate::Status::no_account) {
    co_return;  // the account was deleted while this session was still open
  }
  const SubscriptionTransition transition = apply_outbound(state_of(update.before), type);
  push(account, update);
  if (transition.forward) {
    // §3.1.2, §3.2.2, §3.3.2: subscriptions are between bare JIDs, whatever the client wrote.
    presence.set_attr("from", account.str());
    presence.set_attr("to", contact.str());
    co_await router_.route(std::move(presence));
  }
  co_await follow_subscription_change(account, contact, update.before, update.after, false);
}

asio::awaitable<void> PresenceManager::inbound_subscription(Element presence, SubscriptionType type,
                                                            const Jid& account,
                                                            const Jid& contact) {
  if (contact == account) {
    co_return;
  }
  presence.set_attr("from", contact.str());
  presence.set_attr("to", account.str());
  // §3.1.3: a request is kept, extended content included, until it is answered.
  std::string request = type == SubscriptionType::subscribe ? presence.str(ns::kClient) : "";
  store::RosterUpdater updater = [type, request](const std::optional<store::RosterItem>& current) {
    const SubscriptionTransition transition = apply_inbound(state_of(current), type);
    std::optional<store::RosterItem> next = with_state(current, transition.state);
    if (next && transition.forward && type == SubscriptionType::subscribe) {
      next->pending_in_stanza = request;
    }
    return next;
  };
  store::RosterUpdate update =
      co_await roster_.update(account.local(), contact.str(), std::move(updater));
  if (update.status == store::RosterUpdate::Status::no_account) {
    if (type == SubscriptionType::subscribe) {
      // §3.1.3: no such user; the request is declined at once.
      co_await router_.route(make_presence("unsubscribed", account.str(), contact.str()));
    }
    co_return;
  }
  if (update.status == store::RosterUpdate::Status::roster_full) {
    log_.warn("presence", "dropping a subscription request from ", contact.str(), " to ",
              account.str(), ": too many pending requests");
    co_return;
  }
  const SubscriptionTransition transition = apply_inbound(state_of(update.before), type);
  push(account, update);
  if (transition.forward) {
    deliver_to_available(account.str(), presence);
  }
  if (transition.auto_approve) {
    co_await router_.route(make_presence("subscribed", account.str(), contact.str()));
  }
  co_await follow_subscription_change(account, contact, update.before, update.after,
                                      transition.auto_approve);
}

asio::awaitable<void> PresenceManager::follow_subscription_change(
    const Jid& account, const Jid& contact, const std::optional<store::RosterItem>& before,
    const std::optional<store::RosterItem>& after, bool resend_presence) {
  const bool had_from = before && has_from(before->subscription);
  const bool has_from_now = after && has_from(after->subscription);
  if (has_from_now && (!had_from || resend_presence)) {
    // §3.1.5: a new subscriber gets the account's current presence at once.
    co_await send_current_presence(account, contact);
  } else if (had_from && !has_from_now) {
    // §3.2.2, §3.3.3: a former subscriber sees the account go offline.
    for (const BoundResource& resource : registry_.resources(account.str())) {
      if (resource.available) {
        co_await router_.route(make_presence("unavailable", resource.jid.str(), contact.str()));
      }
    }
  }
}

asio::awaitable<void> PresenceManager::contact_removed(const Jid& account,
                                                       const store::RosterItem& removed) {
  const std::optional<Jid> contact = Jid::parse(removed.contact);
  if (!contact) {
    co_return;
  }
  const RemovalNotices notices = removal_notices(state_of(removed));
  if (notices.unsubscribe) {
    co_await router_.route(make_presence("unsubscribe", account.str(), contact->str()));
  }
  if (notices.unsubscribed) {
    co_await router_.route(make_presence("unsubscribed", account.str(), contact->str()));
  }
  // Named rather than converted inside the co_await (see the GCC 12 note in Database).
  const std::optional<store::RosterItem> before = removed;
  const std::optional<store::RosterItem> after;
  co_await follow_subscription_change(account, *contact, before, after, false);
}

}  // namespace stoa::xmpp::server
