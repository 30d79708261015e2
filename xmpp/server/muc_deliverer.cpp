#include "xmpp/server/muc_deliverer.hpp"

#include <algorithm>

namespace stoa::xmpp::server {

bool MucDeliverer::is_local_session(const Jid& recipient) const {
  return recipient.domain() == local_domain_ && !recipient.is_bare();
}

asio::awaitable<std::vector<Jid>> MucDeliverer::deliver(const Element& stanza,
                                                        const std::vector<Jid>& to) {
  // The usual case, a room's broadcast: every recipient is a local session, and the room's
  // list goes to the fan-out as it is, without a copy.
  if (std::ranges::all_of(to,
                          [this](const Jid& recipient) { return is_local_session(recipient); })) {
    co_return router_.deliver_to_many(stanza, to);
  }
  std::vector<Jid> sessions;
  std::vector<Jid> others;
  for (const Jid& recipient : to) {
    (is_local_session(recipient) ? sessions : others).push_back(recipient);
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

asio::awaitable<bool> MucDeliverer::deliver_series(const std::vector<const Element*>& stanzas,
                                                   const Jid& to) {
  if (is_local_session(to)) {
    co_return !router_.deliver_series(stanzas, to);
  }
  co_return co_await muc::Deliverer::deliver_series(stanzas, to);
}

}  // namespace stoa::xmpp::server
