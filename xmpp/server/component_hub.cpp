#include "xmpp/server/component_hub.hpp"

#include <algorithm>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/component_session.hpp"
#include "xmpp/server/server_info_handlers.hpp"

namespace stoa::xmpp::server {

ComponentHub::ComponentHub(ServerContext& server, std::unique_ptr<ComplianceStreamer> streamer)
    : server_(server), streamer_(std::move(streamer)) {}

const conf::ComponentConfig* ComponentHub::find(std::string_view name) const {
  const auto& components = server_.config.components;
  auto found = std::ranges::find(components, name, &conf::ComponentConfig::name);
  return found == components.end() ? nullptr : &*found;
}

void ComponentHub::attach(const std::shared_ptr<ComponentSession>& session) {
  std::shared_ptr<ComponentSession> replaced;
  {
    std::lock_guard lock(mutex_);
    auto& slot = connected_[session->component()->name];
    replaced = slot.lock();
    slot = session;
  }
  if (replaced) {
    if (streamer_) {
      streamer_->session_closed(*replaced);
    }
    replaced->close(StreamCondition::conflict, "replaced by a new connection of the component");
  }
}

void ComponentHub::detach(const ComponentSession& session) {
  if (streamer_) {
    streamer_->session_closed(session);
  }
  std::lock_guard lock(mutex_);
  auto found = connected_.find(session.component()->name);
  if (found != connected_.end()) {
    std::shared_ptr<ComponentSession> current = found->second.lock();
    if (!current || current.get() == &session) {
      connected_.erase(found);
    }
  }
}

asio::awaitable<void> ComponentHub::server_iq(Element iq,
                                              std::shared_ptr<ComponentSession> session) {
  std::string type = iq.attr_or("type");
  if (type != "get" && type != "set") {
    co_return;
  }
  const Element& payload = *iq.children().front();
  IqOutcome outcome = StanzaError(StanzaCondition::service_unavailable);
  bool subscribing = false;
  if (payload.xmlns() == ns::kCompliance) {
    if (!streamer_) {
      outcome = StanzaError(StanzaCondition::forbidden,
                            "this component is not authorized for compliance");
    } else if (type == "set" && payload.name() == "subscribe") {
      subscribing = true;
      outcome = co_await streamer_->subscribe(session, payload);
    } else if (type == "set" && payload.name() == "ack") {
      outcome = co_await streamer_->acknowledge(*session, payload);
    } else {
      outcome = StanzaError(StanzaCondition::bad_request, "expected a subscribe or ack set");
    }
  } else if (payload.is("query", ns::kDiscoInfo) && type == "get" && !payload.attr("node")) {
    outcome = server_disco_info(server_.router);
  } else if (payload.is("ping", ns::kPing) && type == "get") {
    outcome = std::nullopt;
  }
  Element reply = make_iq_result(iq);
  if (auto* error = std::get_if<StanzaError>(&outcome)) {
    reply.set_attr("type", "error");
    reply.add_child(make_error_element(*error));
  } else if (auto& result = std::get<std::optional<Element>>(outcome)) {
    reply.add_child(std::move(*result));
  }
  session->deliver(std::move(reply));
  if (subscribing && std::holds_alternative<std::optional<Element>>(outcome)) {
    streamer_->activate(*session);
  }
}

asio::awaitable<void> ComponentHub::deliver(const std::string& name, Element stanza) {
  std::shared_ptr<ComponentSession> session;
  {
    std::lock_guard lock(mutex_);
    auto found = connected_.find(name);
    if (found != connected_.end()) {
      session = found->second.lock();
    }
  }
  if (session) {
    session->deliver(std::move(stanza));
    co_return;
  }
  std::string type = stanza.attr_or("type");
  bool answerable = stanza.name() == "message"
                        ? type != "error" && type != "groupchat"
                        : stanza.name() == "iq" && (type == "get" || type == "set");
  if (answerable) {
    co_await server_.router.route(make_error_reply(
        stanza, {StanzaCondition::service_unavailable, name + " is not connected"}));
  }
}

void ComponentHub::append_status(std::vector<std::vector<std::string>>& rows) const {
  {
    std::lock_guard lock(mutex_);
    for (const conf::ComponentConfig& component : server_.config.components) {
      auto found = connected_.find(component.name);
      bool connected = found != connected_.end() && !found->second.expired();
      rows.push_back({"component_" + component.name, connected ? "connected" : "disconnected"});
    }
  }
  if (streamer_) {
    streamer_->append_status(rows);
  }
}

std::unique_ptr<ComponentHub> install_components(Server& server, store::Database& db,
                                                 const conf::ServerConfig& config, Logger& log) {
  if (config.components.empty()) {
    return nullptr;
  }
  std::unique_ptr<ComplianceStreamer> streamer;
  if (config.compliance_enabled()) {
    streamer = std::make_unique<ComplianceStreamer>(server.shard_context(0), db, config, log);
    server.router().add_feature(std::string(ns::kCompliance));
  }
  auto hub = std::make_unique<ComponentHub>(server.context(), std::move(streamer));
  ComponentHub* target = hub.get();
  for (const conf::ComponentConfig& component : config.components) {
    std::string name = component.name;
    server.router().add_domain(name, [target, name](Element stanza) -> asio::awaitable<void> {
      co_await target->deliver(name, std::move(stanza));
    });
  }
  ServerContext& context = server.context();
  server.add_listener(
      "component", config.component_listener, std::string(ns::kComponent),
      [&context, target](asio::ip::tcp::socket socket, Shard& shard) {
        std::make_shared<ComponentSession>(context, shard, std::move(socket), *target)->start();
      });
  if (target->streamer()) {
    target->streamer()->start();
  }
  return hub;
}

}  // namespace stoa::xmpp::server
