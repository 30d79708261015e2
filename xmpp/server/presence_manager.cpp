#include "xmpp/server/presence_manager.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <charconv>
#include <exception>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/c2s_session.hpp"
#include "xmpp/server/presence_stanzas.hpp"
#include "xmpp/server/roster_codec.hpp"

namespace stoa::xmpp::server {

namespace {

// RFC 6121 §4.7.2.3: an integer from -128 to 127; anything else counts as the default, 0.
int priority_of(const Element& presence) {
  const std::string text = presence.child_text("priority");
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < -128 ||
      value > 127) {
    return 0;
  }
  return value;
}

}  // namespace

PresenceManager::PresenceManager(Router& router, SessionRegistry& registry,
                                 store::RosterStore& roster, const conf::ServerConfig& config,
                                 Logger& log)
    : router_(router),
      registry_(registry),
      roster_(roster),
      config_(config),
      log_(log),
      stored_stanza_limits_{config.max_stanza_bytes, config.max_xml_depth,
                            config.max_xml_attributes} {}

asio::awaitable<void> PresenceManager::outbound(Element presence, SessionPtr origin) {
  try {
    co_await handle_outbound(std::move(presence), origin);
  } catch (const std::exception& e) {
    // The session goes on; only this stanza's effects are lost.
    log_.error("presence", "outbound presence from ", origin->jid().str(), " failed: ", e.what());
  }
}

asio::awaitable<void> PresenceManager::inbound(Element presence) {
  const std::string to = presence.attr_or("to");
  try {
    co_await handle_inbound(std::move(presence));
  } catch (const std::exception& e) {
    log_.error("presence", "inbound presence to ", to, " failed: ", e.what());
  }
}

asio::awaitable<void> PresenceManager::handle_outbound(Element presence, SessionPtr origin) {
  const std::string type = presence.attr_or("type");
  std::optional<Jid> to;
  if (const std::string* to_text = presence.attr("to")) {
    to = Jid::parse(*to_text);
    if (!to) {
      co_return;  // the session answered jid-malformed already
    }
  }
  if (std::optional<SubscriptionType> subscription = parse_subscription_type(type)) {
    if (!to) {
      origin->deliver(make_error_reply(
          presence, {StanzaCondition::bad_request, "a subscription stanza needs a 'to'"}));
      co_return;
    }
    co_await outbound_subscription(std::move(presence), origin, *subscription, *to);
    co_return;
  }
  if (type == "probe") {
    // RFC 6121 §4.3: probes are the server's business; the contact's presence comes by itself.
    log_.debug("presence", "ignoring a probe sent by the client ", origin->jid().str());
    co_return;
  }
  if (type == "error") {
    if (to) {
      co_await router_.route(std::move(presence));
    }
    co_return;
  }
  if (!type.empty() && type != "unavailable") {
    origin->deliver(make_error_reply(
        presence, {StanzaCondition::bad_request, "unknown presence type '" + type + "'"}));
    co_return;
  }
  if (to) {
    co_await send_directed(std::move(presence), origin, *to);
  } else if (type.empty()) {
    const int priority = priority_of(presence);
    co_await broadcast_available(std::move(presence), origin, priority);
  } else {
    const Jid jid = origin->jid();
    bool was_available = false;
    std::vector<std::string> directed;
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(origin.get());
      if (it != sessions_.end()) {
        was_available = it->second.available;
        it->second.available = false;
        directed = std::move(it->second.directed);
        it->second.directed.clear();
      }
    }
    if (was_available) {
      registry_.set_presence(jid, false, 0, nullptr);
    }
    co_await broadcast_unavailable(jid, std::move(presence), was_available, std::move(directed));
  }
}

asio::awaitable<void> PresenceManager::handle_inbound(Element presence) {
  std::optional<Jid> to = Jid::parse(presence.attr_or("to"));
  std::optional<Jid> from = Jid::parse(presence.attr_or("from"));
  if (!to || !from || to->local().empty()) {
    co_return;
  }
  const Jid account = to->bare();
  const std::string type = presence.attr_or("type");
  if (std::optional<SubscriptionType> subscription = parse_subscription_type(type)) {
    const Jid contact = from->bare();
    co_await inbound_subscription(std::move(presence), *subscription, account, contact);
  } else if (type == "probe") {
    co_await answer_probe(account, *from);
  } else if ((type.empty() || type == "unavailable") && to->is_bare()) {
    // RFC 6121 §8.5.2.1.1: presence to the bare JID goes to every available resource.
    deliver_to_available(account.str(), presence);
  }
  // Anything else (errors, presence to a resource that is gone) is dropped (§8.5.2-8.5.3).
}

asio::awaitable<void> PresenceManager::broadcast_available(Element presence, SessionPtr origin,
                                                           int priority) {
  const Jid jid = origin->jid();
  bool initial = false;
  {
    std::lock_guard lock(mutex_);
    SessionState& state = sessions_[origin.get()];
    state.jid = jid;
    initial = !state.available;
    state.available = true;
  }
  // Recorded first, so that probes answered from now on already see it.
  registry_.set_presence(jid, true, priority, std::make_shared<const Element>(presence.clone()));
  // RFC 6121 §4.2.2, §4.4.2: the account's available resources, this one included; a
  // resource that just came online also learns of the others.
  for (const BoundResource& resource : registry_.resources(jid.bare_str())) {
    if (!resource.available) {
      continue;
    }
    resource.session->deliver(addressed(presence, resource.jid.str()));
    if (initial && resource.jid != jid && resource.presence) {
      origin->deliver(addressed(*resource.presence, jid.str()));
    }
  }
  store::PresencePeers peers = co_await roster_.presence_peers(jid.local());
  for (const std::string& subscriber : peers.subscribers) {
    if (!is_open(origin.get())) {
      // The session closed meanwhile, and its unavailable presence supersedes this one.
      co_return;
    }
    co_await router_.route(addressed(presence, subscriber));
  }
  if (!initial || !is_open(origin.get())) {
    co_return;
  }
  // §4.2.2: probe the contacts the account is subscribed to; local ones answer at once.
  for (const std::string& contact : peers.subscriptions) {
    co_await probe(contact, origin);
  }
  // §3.1.3: requests that arrived while the account was offline.
  redeliver_requests(peers.pending_requests, origin);
}

asio::awaitable<void> PresenceManager::broadcast_unavailable(Jid jid, Element presence,
                                                             bool was_available,
                                                             std::vector<std::string> directed) {
  presence.remove_attr("to");
  std::vector<std::string> subscribers;
  if (was_available) {
    // RFC 6121 §4.5.2: the account's other resources and its subscribers.
    for (const BoundResource& resource : registry_.resources(jid.bare_str())) {
      if (resource.available && resource.jid != jid) {
        resource.session->deliver(addressed(presence, resource.jid.str()));
      }
    }
    try {
      subscribers = (co_await roster_.presence_peers(jid.local())).subscribers;
    } catch (const std::exception& e) {
      log_.error("presence", "cannot load the subscribers of ", jid.bare_str(), ": ", e.what());
    }
    for (const std::string& subscriber : subscribers) {
      co_await router_.route(addressed(presence, subscriber));
    }
  }
  // §4.6.3: and whoever got directed presence, unless the broadcast covered them.
  for (const std::string& target : directed) {
    std::optional<Jid> target_jid = Jid::parse(target);
    if (!target_jid || std::find(subscribers.begin(), subscribers.end(), target_jid->bare_str()) !=
                           subscribers.end()) {
      continue;
    }
    co_await router_.route(addressed(presence, target));
  }
}

asio::awaitable<void> PresenceManager::send_directed(Element presence, const SessionPtr& origin,
                                                     const Jid& to) {
  if (to.bare_str() != origin->jid().bare_str()) {
    const bool unavailable = presence.attr_or("type") == "unavailable";
    const std::string target = to.str();
    std::lock_guard lock(mutex_);
    SessionState& state = sessions_[origin.get()];
    state.jid = origin->jid();
    auto known = std::find(state.directed.begin(), state.directed.end(), target);
    if (unavailable && known != state.directed.end()) {
      state.directed.erase(known);
    } else if (!unavailable && known == state.directed.end()) {
      if (state.directed.size() < kMaxDirectedPresences) {
        state.directed.push_back(target);
      } else {
        log_.warn("presence", origin->jid().str(), " sent directed presence to more than ",
                  kMaxDirectedPresences, " entities; ", target,
                  " will not be told when it goes offline");
      }
    }
  }
  co_await router_.route(std::move(presence));
}

asio::awaitable<void> PresenceManager::probe(const std::string& contact, const SessionPtr& origin) {
  std::optional<Jid> contact_jid = Jid::parse(contact);
  if (!contact_jid) {
    co_return;
  }
  if (contact_jid->domain() != config_.domain) {
    // §4.3.1: from the bare JID; the contact's server answers to all available resources.
    co_await router_.route(make_presence("probe", origin->jid().bare_str(), contact));
    co_return;
  }
  // §4.3.2, answered locally: the current presence of each available resource, if any.
  for (const BoundResource& resource : registry_.resources(contact)) {
    if (resource.available && resource.presence) {
      origin->deliver(addressed(*resource.presence, origin->jid().str()));
    }
  }
}

asio::awaitable<void> PresenceManager::answer_probe(const Jid& account, const Jid& prober) {
  std::optional<store::RosterItem> item = co_await roster_.item(account.local(), prober.bare_str());
  if (!item || !has_from(item->subscription)) {
    // §4.3.2: no presence for those not subscribed (or no such account): say so instead.
    co_await router_.route(make_presence("unsubscribed", account.str(), prober.bare_str()));
    co_return;
  }
  co_await send_current_presence(account, prober);
}

asio::awaitable<void> PresenceManager::send_current_presence(const Jid& account, const Jid& to) {
  for (const BoundResource& resource : registry_.resources(account.bare_str())) {
    if (resource.available && resource.presence) {
      co_await router_.route(addressed(*resource.presence, to.str()));
    }
  }
}

void PresenceManager::session_closed(const SessionPtr& session) {
  std::optional<SessionState> state;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(session.get());
    if (it == sessions_.end()) {
      return;
    }
    state = std::move(it->second);
    sessions_.erase(it);
  }
  if (!state->available && state->directed.empty()) {
    return;
  }
  // Not awaited by anyone: the session is going away. It runs on the session's shard, after
  // the registry entry is gone.
  const std::string jid = state->jid.str();
  asio::co_spawn(session->shard().context(),
                 broadcast_unavailable(state->jid, make_presence("unavailable", jid, ""),
                                       state->available, std::move(state->directed)),
                 [this, jid](std::exception_ptr failure) {
                   if (!failure) {
                     return;
                   }
                   try {
                     std::rethrow_exception(failure);
                   } catch (const std::exception& e) {
                     log_.error("presence", "unavailable presence for ", jid,
                                " failed: ", e.what());
                   }
                 });
}

void PresenceManager::mark_interested(const SessionPtr& session) {
  std::lock_guard lock(mutex_);
  SessionState& state = sessions_[session.get()];
  state.jid = session->jid();
  state.interested = true;
}

void PresenceManager::push(const Jid& account, const store::RosterUpdate& update) {
  if (!update.visible_change) {
    return;
  }
  const std::optional<store::RosterItem>& row = update.after ? update.after : update.before;
  if (!row) {
    return;
  }
  Element item = update.after && update.after->in_roster ? roster_item_element(*update.after)
                                                         : roster_removal_element(row->contact);
  std::vector<BoundResource> resources = registry_.resources(account.bare_str());
  std::vector<BoundResource> interested;
  {
    std::lock_guard lock(mutex_);
    for (BoundResource& resource : resources) {
      auto it = sessions_.find(resource.session.get());
      if (it != sessions_.end() && it->second.interested) {
        interested.push_back(std::move(resource));
      }
    }
  }
  // Delivered outside the lock: a delivery may close a session, which calls back in here.
  for (const BoundResource& resource : interested) {
    resource.session->deliver(
        roster_push(item.clone(), resource.jid, update.version, next_push_id()));
  }
}

void PresenceManager::push_changes(const SessionPtr& session, const store::RosterChanges& changes) {
  // Oldest change first, each with its own version, so that a push lost on the way leaves the
  // client at a version that still lets it catch up.
  std::vector<std::pair<std::int64_t, Element>> items;
  for (const store::RosterItem& item : changes.changed) {
    items.emplace_back(item.version, roster_item_element(item));
  }
  for (const store::RosterRemoval& removal : changes.removed) {
    items.emplace_back(removal.version, roster_removal_element(removal.contact));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Element> pushes;
  for (auto& [version, item] : items) {
    pushes.push_back(roster_push(std::move(item), session->jid(), version, next_push_id()));
  }
  if (pushes.empty()) {
    return;
  }
  // Posted, not delivered: the router sends the result when the handler returns, and this
  // runs on the session's shard only after that.
  asio::post(session->shard().executor(), [session, pushes = std::move(pushes)]() mutable {
    for (Element& push : pushes) {
      session->deliver(std::move(push));
    }
  });
}

void PresenceManager::deliver_to_available(const std::string& bare_jid, const Element& stanza) {
  for (const BoundResource& resource : registry_.resources(bare_jid)) {
    if (resource.available) {
      resource.session->deliver(stanza.clone());
    }
  }
}

void PresenceManager::redeliver_requests(const std::vector<std::string>& requests,
                                         const SessionPtr& origin) {
  for (const std::string& text : requests) {
    if (std::optional<Element> request = parse_stored_stanza(text, stored_stanza_limits_)) {
      origin->deliver(std::move(*request));
    } else {
      log_.warn("presence", "a stored subscription request for ", origin->jid().bare_str(),
                " does not parse; skipped");
    }
  }
}

bool PresenceManager::is_open(const C2sSession* session) const {
  std::lock_guard lock(mutex_);
  return sessions_.count(session) > 0;
}

std::string PresenceManager::next_push_id() {
  return "push-" + std::to_string(++push_counter_);
}

}  // namespace stoa::xmpp::server
