#include "xmpp/server/server_info_handlers.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {
namespace {

/// True for the domain itself, false for the sender's own bare JID.
bool is_to_server(const IqRequest& request) {
  const std::string* to = request.iq.attr("to");
  return to == nullptr || to->find('@') == std::string::npos;
}

Element disco_info(const Router& router, bool server) {
  Element query("query", std::string(ns::kDiscoInfo));
  Element& identity = query.add_child("identity", std::string(ns::kDiscoInfo));
  if (server) {
    identity.set_attr("category", "server");
    identity.set_attr("type", "im");
    identity.set_attr("name", "Stoa");
    for (const std::string& feature : router.features()) {
      query.add_child("feature", std::string(ns::kDiscoInfo)).set_attr("var", feature);
    }
  } else {
    // XEP-0030 §3.1: an account answers for itself with the account/registered identity.
    identity.set_attr("category", "account");
    identity.set_attr("type", "registered");
    query.add_child("feature", std::string(ns::kDiscoInfo)).set_attr("var", ns::kDiscoInfo);
  }
  return query;
}

}  // namespace

Element server_disco_info(const Router& router) {
  return disco_info(router, true);
}

void add_server_info_handlers(Router& router) {
  for (std::string_view feature : {ns::kDiscoInfo, ns::kDiscoItems, ns::kPing, ns::kVersion}) {
    router.add_feature(std::string(feature));
  }

  router.add_iq_handler(std::string(ns::kDiscoInfo), "query",
                        [&router](const IqRequest& request) -> asio::awaitable<IqOutcome> {
                          if (request.iq.attr_or("type") != "get") {
                            co_return StanzaError(StanzaCondition::bad_request,
                                                  "disco#info is a get");
                          }
                          if (request.payload.attr("node")) {
                            co_return StanzaError(StanzaCondition::item_not_found, "no such node");
                          }
                          co_return disco_info(router, is_to_server(request));
                        });

  router.add_iq_handler(
      std::string(ns::kDiscoItems), "query",
      [&router](const IqRequest& request) -> asio::awaitable<IqOutcome> {
        if (request.iq.attr_or("type") != "get") {
          co_return StanzaError(StanzaCondition::bad_request, "disco#items is a get");
        }
        Element query("query", std::string(ns::kDiscoItems));
        if (is_to_server(request) && !request.payload.attr("node")) {
          for (const std::string& domain : router.domains()) {
            query.add_child("item", std::string(ns::kDiscoItems)).set_attr("jid", domain);
          }
        }
        co_return query;
      });

  router.add_iq_handler(std::string(ns::kPing), "ping",
                        [](const IqRequest& request) -> asio::awaitable<IqOutcome> {
                          if (request.iq.attr_or("type") != "get") {
                            co_return StanzaError(StanzaCondition::bad_request, "ping is a get");
                          }
                          co_return std::nullopt;
                        });

  router.add_iq_handler(
      std::string(ns::kVersion), "query",
      [](const IqRequest& request) -> asio::awaitable<IqOutcome> {
        if (request.iq.attr_or("type") != "get") {
          co_return StanzaError(StanzaCondition::bad_request, "version is a get");
        }
        Element query("query", std::string(ns::kVersion));
        query.add_child("name", std::string(ns::kVersion)).set_text("Stoa");
        query.add_child("version", std::string(ns::kVersion)).set_text(STOA_VERSION);
        co_return query;
      });
}

}  // namespace stoa::xmpp::server
