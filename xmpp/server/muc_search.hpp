#pragma once

#include <asio/awaitable.hpp>

#include "common/log.hpp"
#include "muc/outcome_runner.hpp"
#include "muc/search_store.hpp"
#include "muc/service_settings.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

/// The Stoa search across rooms (docs/search.md) for one MUC service: IQs with
/// <query xmlns='urn:stoa:search:0'/> to the service domain.
class MucSearch {
 public:
  /// All the arguments must outlive the searches under way.
  MucSearch(const muc::ServiceSettings& settings, muc::SearchStore& store,
            muc::Deliverer& deliverer, Router& router, Logger& log)
      : settings_(settings), store_(store), deliverer_(deliverer), router_(router), log_(log) {}

  /// Answers the form and malformed requests at once; starts a search on the caller's
  /// executor and returns without waiting for it, so that a long search does not hold up the
  /// requester's later stanzas. `iq` must be one is_search_request() accepts.
  asio::awaitable<void> handle(Element iq, Jid from);

 private:
  const muc::ServiceSettings& settings_;
  muc::SearchStore& store_;
  muc::Deliverer& deliverer_;
  Router& router_;
  Logger& log_;
};

}  // namespace stoa::xmpp::server
