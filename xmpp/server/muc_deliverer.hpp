#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "muc/outcome_runner.hpp"
#include "xmpp/server/router.hpp"

namespace stoa::xmpp::server {

/// Delivers a room's stanzas through the router: local sessions by the fan-out primitive (one
/// serialization, one post per worker), anything else (bare JIDs, other domains) one by one.
/// A series to one local session is serialized into one piece for its send queue.
class MucDeliverer : public muc::Deliverer {
 public:
  MucDeliverer(Router& router, std::string local_domain)
      : router_(router), local_domain_(std::move(local_domain)) {}

  asio::awaitable<std::vector<Jid>> deliver(const Element& stanza,
                                            const std::vector<Jid>& to) override;
  asio::awaitable<bool> deliver_series(const std::vector<const Element*>& stanzas,
                                       const Jid& to) override;

 private:
  bool is_local_session(const Jid& recipient) const;

  Router& router_;
  std::string local_domain_;
};

}  // namespace stoa::xmpp::server
