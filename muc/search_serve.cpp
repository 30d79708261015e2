#include "muc/search_serve.hpp"

#include <exception>
#include <utility>
#include <vector>

#include "xmpp/namespaces.hpp"

namespace stoa::muc {

namespace {

using xmpp::Element;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

Element iq_reply(const ServeSearch& request, const std::string& service, std::string_view type) {
  Element iq("iq", std::string(xmpp::ns::kClient));
  iq.set_attr("type", type);
  iq.set_attr("id", request.iq_id);
  iq.set_attr("from", service);
  return iq;
}

// Every co_await below takes named arguments: GCC 12 miscompiles aggregate temporaries written
// inside a co_await expression (see store/database.hpp).
asio::awaitable<void> send(Deliverer& deliverer, const Element& stanza, const xmpp::Jid& to) {
  std::vector<xmpp::Jid> recipients{to};
  co_await deliverer.deliver(stanza, recipients);
}

/// The error to answer, and what went wrong for the log, when the search threw.
std::pair<StanzaError, std::string> failure_of(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const ArchiveBusy& e) {
    return {{StanzaCondition::resource_constraint, xmpp::ErrorType::wait,
             std::string(e.what()) + "; try again later"},
            std::string("search refused: ") + e.what()};
  } catch (const std::exception& e) {
    return {{StanzaCondition::internal_server_error, xmpp::ErrorType::wait,
             "the archive could not be searched; try again later"},
            std::string("search failed: ") + e.what()};
  }
}

asio::awaitable<std::string> run(const ServeSearch& request, const std::string& service,
                                 SearchStore& store, Deliverer& deliverer) {
  std::exception_ptr thrown;
  SearchPage page;
  try {
    SearchScope scope = request.scope;
    SearchQuery query = request.query;
    page = co_await store.search(std::move(scope), std::move(query));
  } catch (const std::exception&) {
    thrown = std::current_exception();
  }
  if (thrown) {
    auto [error, failure] = failure_of(thrown);
    Element reply = iq_reply(request, service, "error");
    reply.add_child(xmpp::make_error_element(error));
    co_await send(deliverer, reply, request.to);
    co_return failure;
  }
  std::size_t unreadable = 0;
  for (const SearchHit& hit : page.hits) {
    std::optional<Element> message =
        search_result_message(hit, service, request.query_id, request.scope.user_bare);
    if (message) {
      co_await send(deliverer, *message, request.to);
    } else {
      ++unreadable;
    }
  }
  Element reply = iq_reply(request, service, "result");
  reply.add_child(search_fin(page));
  co_await send(deliverer, reply, request.to);
  if (unreadable > 0) {
    co_return std::to_string(unreadable) + " archived stanzas did not parse and were left out";
  }
  co_return std::string();
}

}  // namespace

asio::awaitable<std::string> serve_search(ServeSearch request, std::string service,
                                          SearchStore& store, Deliverer& deliverer) {
  try {
    co_return co_await run(request, service, store, deliverer);
  } catch (const std::exception& e) {
    co_return std::string("search answer not sent: ") + e.what();
  }
}

}  // namespace stoa::muc
