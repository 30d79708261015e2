#pragma once

#include <asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "xmpp/jid.hpp"
#include "xmpp/server/server_context.hpp"
#include "xmpp/server/session_registry.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

/// An IQ get/set the server answers itself (addressed to the domain or to the sender's own
/// bare JID).
struct IqRequest {
  const Element& iq;
  const Element& payload;
  const Jid& from;
  const SessionPtr& origin;
};
/// A handler's answer: the result payload (none for an empty result) or an error.
using IqOutcome = std::variant<std::optional<Element>, StanzaError>;
using IqHandler = std::function<asio::awaitable<IqOutcome>(const IqRequest&)>;

/// Presence logic (RFC 6121 §3-4): subscriptions, broadcast, probes. Implemented on top of the
/// roster; the router hands it every presence stanza that is not a plain full-JID delivery.
class PresenceHandler {
 public:
  virtual ~PresenceHandler() = default;
  /// Presence sent by a local client; `from` is already stamped.
  virtual asio::awaitable<void> outbound(Element presence, SessionPtr origin) = 0;
  /// Presence addressed to a local bare JID (or an unbound full JID) from anyone.
  virtual asio::awaitable<void> inbound(Element presence) = 0;
  /// A bound session went away: broadcast its unavailable presence if it was available.
  virtual void session_closed(const SessionPtr& session) = 0;
};

/// A service on its own domain (e.g. the MUC service at conference.<domain>).
using DomainHandler = std::function<asio::awaitable<void>(Element stanza)>;

/// Routes stanzas per RFC 6120 §10 and RFC 6121 §8: to local sessions by bare or full JID, to
/// services by domain, and answers what is addressed to the server itself.
class Router {
 public:
  explicit Router(ServerContext& server) : server_(server) {}

  /// Registers the handler for IQ payloads {xmlns}name addressed to the server or to the
  /// sender's own account. Call before the server starts.
  void add_iq_handler(std::string xmlns, std::string name, IqHandler handler);
  void add_domain(std::string domain, DomainHandler handler);
  void set_presence_handler(PresenceHandler* handler) { presence_ = handler; }
  /// Features of the server's disco#info (filled by each module at start-up).
  void add_feature(std::string feature) { features_.push_back(std::move(feature)); }
  const std::vector<std::string>& features() const { return features_; }
  /// Stream features offered to bound-to-be clients after authentication (e.g. roster
  /// versioning), next to bind.
  void add_stream_feature(Element feature) { stream_features_.push_back(std::move(feature)); }
  const std::vector<Element>& stream_features() const { return stream_features_; }
  std::vector<std::string> domains() const;

  /// A stanza from a bound client session, its 'from' stamped.
  asio::awaitable<void> route_from_client(Element stanza, SessionPtr origin);
  /// A stanza from anywhere (services, the server itself) to its 'to'.
  asio::awaitable<void> route(Element stanza);
  void on_session_closed(const SessionPtr& session);

  /// Delivers to a local full JID if bound; false otherwise.
  bool deliver_to_resource(const Jid& to, Element stanza);
  /// Fan-out: delivers `stanza` to many local full JIDs. It is serialized once; per recipient
  /// only the 'to' attribute differs, and each worker gets one post for all its recipients.
  /// Returns the recipients that have no bound session.
  std::vector<Jid> deliver_to_many(const Element& stanza, const std::vector<Jid>& recipients);
  /// Delivers `stanzas`, in order, to one local full JID, serialized together into one piece
  /// of its send queue (a joiner's occupant list). False when no session is bound to it.
  bool deliver_series(const std::vector<const Element*>& stanzas, const Jid& to);

 private:
  asio::awaitable<void> handle_server_iq(Element iq, SessionPtr origin);
  void route_message_to_account(const Jid& to, Element message);
  /// Delivers to local sessions; returns the presence the presence handler must take instead.
  std::optional<Element> route_to_local(const Jid& to, Element stanza);
  void bounce(const Element& stanza, StanzaError error);

  ServerContext& server_;
  std::map<std::pair<std::string, std::string>, IqHandler> iq_handlers_;
  std::unordered_map<std::string, DomainHandler> domains_;
  std::vector<std::string> features_;
  std::vector<Element> stream_features_;
  PresenceHandler* presence_ = nullptr;
};

}  // namespace stoa::xmpp::server
