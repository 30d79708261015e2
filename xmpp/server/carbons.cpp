#include "xmpp/server/carbons.hpp"

#include <algorithm>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/c2s_session.hpp"

namespace stoa::xmpp::server::carbons {
namespace {

void send_copies(SessionRegistry& registry, const Element& message, const Jid& account,
                 std::string_view direction, const std::vector<Jid>& skip) {
  for (const BoundResource& r : registry.resources(account.bare_str())) {
    if (!r.carbons || std::find(skip.begin(), skip.end(), r.jid) != skip.end()) {
      continue;
    }
    Element copy("message", std::string(ns::kClient));
    copy.set_attr("from", account.bare_str());
    copy.set_attr("to", r.jid.str());
    copy.set_attr("type", message.attr_or("type", "chat"));
    Element& wrapper = copy.add_child(std::string(direction), std::string(ns::kCarbons));
    wrapper.add_child("forwarded", std::string(ns::kForward)).add_child(message.clone());
    r.session->deliver(std::move(copy));
  }
}

}  // namespace

bool is_eligible(const Element& message) {
  return message.name() == "message" && message.attr_or("type") == "chat" &&
         !message.child("private", ns::kCarbons) && !message.child("sent", ns::kCarbons) &&
         !message.child("received", ns::kCarbons);
}

void copy_sent(SessionRegistry& registry, const Element& message, const Jid& sender) {
  if (is_eligible(message)) {
    send_copies(registry, message, sender, "sent", {sender});
  }
}

void copy_received(SessionRegistry& registry, const Element& message, const Jid& recipient,
                   const std::vector<Jid>& delivered_to) {
  if (is_eligible(message)) {
    send_copies(registry, message, recipient, "received", delivered_to);
  }
}

void install(Router& router, SessionRegistry& registry) {
  router.add_feature(std::string(ns::kCarbons));
  for (const char* verb : {"enable", "disable"}) {
    bool enable = std::string_view(verb) == "enable";
    router.add_iq_handler(
        std::string(ns::kCarbons), verb,
        [&registry, enable](const IqRequest& request) -> asio::awaitable<IqOutcome> {
          if (request.iq.attr_or("type") != "set") {
            co_return StanzaError(StanzaCondition::bad_request, "carbons are enabled with a set");
          }
          registry.set_carbons(request.from, enable);
          co_return std::nullopt;
        });
  }
}

}  // namespace stoa::xmpp::server::carbons
