#include "xmpp/server/roster_module.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {

RosterModule::RosterModule(Server& server, store::Database& db, const conf::ServerConfig& config,
                           Logger& log)
    : store_(db, config.max_roster_items),
      presence_(server.router(), server.registry(), store_, config, log),
      roster_(store_, presence_, config) {}

std::unique_ptr<RosterModule> install_roster_and_presence(Server& server, store::Database& db,
                                                          const conf::ServerConfig& config,
                                                          Logger& log) {
  auto module = std::make_unique<RosterModule>(server, db, config, log);
  Router& router = server.router();
  RosterModule* installed = module.get();
  router.add_iq_handler(std::string(ns::kRoster), "query",
                        [installed](const IqRequest& request) -> asio::awaitable<IqOutcome> {
                          co_return co_await installed->roster().handle(request);
                        });
  router.set_presence_handler(&module->presence());
  // XEP-0237 and RFC 6121 §3.4: announced next to bind after authentication.
  router.add_stream_feature(Element("ver", std::string(ns::kRosterVersioning)));
  router.add_stream_feature(Element("sub", std::string(ns::kPresenceSubscriptionPreApproval)));
  return module;
}

}  // namespace stoa::xmpp::server
