#include "xmpp/server/muc_deliverer.hpp"

namespace stoa::xmpp::server {

asio::awaitable<std::vector<Jid>> MucDeliverer::deliver(const Element& stanza,
                                                        std::vector<Jid> to) {
  std::vector<Jid> sessions;
  std::vector<Jid> others;
  for (Jid& recipient : to) {
    if (recipient.domain() == local_domain_ && !recipient.is_bare()) {
      sessions.push_back(std::move(recipient));
    } else {
      others.push_back(std::move(recipient));
    }
  }
  std::vector<Jid> gone;
  if (!sessions.empty()) {
    gone = router_.deliver_to_many(stanza, sessions);
  }
  for (const Jid& recipient : others) {
    Element copy = stanza.clone();
    copy.set_attr("to", recipient.str());
    co_await router_.route(std::move(copy));
  }
  co_return gone;
}

}  // namespace stoa::xmpp::server
