#pragma once

#include <asio/awaitable.hpp>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/roster_store.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/session_registry.hpp"
#include "xmpp/server/subscription_state.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::xmpp::server {

/// Directed presence recipients remembered per session (RFC 6121 §4.6.3): beyond this many,
/// later ones are not told when the session goes offline.
inline constexpr std::size_t kMaxDirectedPresences = 1024;

/// RFC 6121 presence for the local domain: broadcast and probes (§4), directed presence
/// (§4.6), subscriptions (§3) and the roster pushes their changes cause (§2.1.6). Any shard
/// may call it; per-session state is kept under a mutex, the roster in the database.
class PresenceManager : public PresenceHandler {
 public:
  PresenceManager(Router& router, SessionRegistry& registry, store::RosterStore& roster,
                  const conf::ServerConfig& config, Logger& log);

  asio::awaitable<void> outbound(Element presence, SessionPtr origin) override;
  asio::awaitable<void> inbound(Element presence) override;
  void session_closed(const SessionPtr& session) override;

  /// The session requested the roster: it gets roster pushes from now on (RFC 6121 §2.1.6).
  void mark_interested(const SessionPtr& session);
  /// Pushes the change of `update` (if clients can see it) to the account's interested
  /// resources.
  void push(const Jid& account, const store::RosterUpdate& update);
  /// Pushes `changes` to one session, after whatever it is being sent now (the empty roster
  /// result they follow, XEP-0237 §4).
  void push_changes(const SessionPtr& session, const store::RosterChanges& changes);
  /// After the account removed the contact from its roster (RFC 6121 §2.5.2): cancels the
  /// subscriptions both ways and withdraws the account's presence.
  asio::awaitable<void> contact_removed(const Jid& account, const store::RosterItem& removed);

 private:
  /// What presence needs to remember of a bound session.
  struct SessionState {
    Jid jid;
    bool interested = false;            ///< requested the roster
    bool available = false;             ///< has broadcast available presence
    std::vector<std::string> directed;  ///< directed presence recipients (RFC 6121 §4.6)
  };

  asio::awaitable<void> handle_outbound(Element presence, SessionPtr origin);
  asio::awaitable<void> handle_inbound(Element presence);
  asio::awaitable<void> broadcast_available(Element presence, SessionPtr origin, int priority);
  asio::awaitable<void> broadcast_unavailable(Jid jid, Element presence, bool was_available,
                                              std::vector<std::string> directed);
  asio::awaitable<void> send_directed(Element presence, const SessionPtr& origin, const Jid& to);
  asio::awaitable<void> outbound_subscription(Element presence, const SessionPtr& origin,
                                              SubscriptionType type, const Jid& to);
  asio::awaitable<void> inbound_subscription(Element presence, SubscriptionType type,
                                             const Jid& account, const Jid& contact);
  asio::awaitable<void> answer_probe(const Jid& account, const Jid& prober);
  /// Sends the account's current presence (or unavailable) to the contact when the contact's
  /// subscription from the account began (or ended) between `before` and `after`.
  asio::awaitable<void> follow_subscription_change(const Jid& account, const Jid& contact,
                                                   const std::optional<store::RosterItem>& before,
                                                   const std::optional<store::RosterItem>& after,
                                                   bool resend_presence);
  /// The available presence of each available resource of `account`, addressed to `to`.
  asio::awaitable<void> send_current_presence(const Jid& account, const Jid& to);
  /// Gets the contact's presence for the session that just became available: from the
  /// registry for a local contact, by a probe for a remote one.
  asio::awaitable<void> probe(const std::string& contact, const SessionPtr& origin);
  void deliver_to_available(const std::string& bare_jid, const Element& stanza);
  void redeliver_requests(const std::vector<std::string>& requests, const SessionPtr& origin);
  /// Whether the session has not closed since (its state is still kept).
  bool is_open(const C2sSession* session) const;
  std::string next_push_id();

  Router& router_;
  SessionRegistry& registry_;
  store::RosterStore& roster_;
  const conf::ServerConfig& config_;
  Logger& log_;
  StreamLimits stored_stanza_limits_;
  mutable std::mutex mutex_;
  std::unordered_map<const C2sSession*, SessionState> sessions_;
  std::atomic<unsigned long long> push_counter_{0};
};

}  // namespace stoa::xmpp::server
