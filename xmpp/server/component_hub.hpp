#pragma once

#include <asio/awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "store/database.hpp"
#include "xmpp/server/compliance_streamer.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/server.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

class ComponentSession;

/// The components of the configuration (XEP-0114): which may connect, which is connected, the
/// routing of their domains, and what the server answers them (disco, ping, the compliance
/// protocol). Must outlive the server's sessions: destroy it after Server::stop().
class ComponentHub {
 public:
  /// `streamer` is null when no component has compliance = true.
  ComponentHub(ServerContext& server, std::unique_ptr<ComplianceStreamer> streamer);
  ComponentHub(const ComponentHub&) = delete;
  ComponentHub& operator=(const ComponentHub&) = delete;

  /// The configured component of that (prepared) name, or null.
  const conf::ComponentConfig* find(std::string_view name) const;
  /// Registers a session that completed its handshake; an earlier session of the same
  /// component is closed with the conflict stream error (the newer connection wins, so a
  /// component that restarts is not locked out by its half-dead predecessor).
  void attach(const std::shared_ptr<ComponentSession>& session);
  /// Forgets a closing session; idempotent.
  void detach(const ComponentSession& session);

  /// Answers an IQ from a component to the server's domain.
  asio::awaitable<void> server_iq(Element iq, std::shared_ptr<ComponentSession> session);
  /// Delivers a stanza to the component serving `name`, or bounces it when none is connected.
  asio::awaitable<void> deliver(const std::string& name, Element stanza);

  /// The compliance sender; null when compliance is off.
  ComplianceStreamer* streamer() { return streamer_.get(); }
  /// Rows for `stoactl status`: connected components and the compliance outbox.
  void append_status(std::vector<std::vector<std::string>>& rows) const;

 private:
  ServerContext& server_;
  std::unique_ptr<ComplianceStreamer> streamer_;
  mutable std::mutex mutex_;
  std::map<std::string, std::weak_ptr<ComponentSession>, std::less<>> connected_;
};

/// Creates the hub when the configuration declares components: registers their domains with
/// the router, the component listener with the server and, with compliance, the disco feature
/// and the outbox sender. Call before Server::start(). Returns null without components.
std::unique_ptr<ComponentHub> install_components(Server& server, store::Database& db,
                                                 const conf::ServerConfig& config, Logger& log);

}  // namespace stoa::xmpp::server
