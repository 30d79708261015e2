#include "muc/mam_serve.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "xmpp/namespaces.hpp"

namespace stoa::muc {

namespace {

using xmpp::Element;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

Element iq_reply(const ServeArchive& request, const std::string& room, std::string_view type) {
  Element iq("iq", std::string(xmpp::ns::kClient));
  iq.set_attr("type", type);
  iq.set_attr("id", request.iq_id);
  iq.set_attr("from", room);
  return iq;
}

Element error_reply(const ServeArchive& request, const std::string& room,
                    const StanzaError& error) {
  Element iq = iq_reply(request, room, "error");
  iq.add_child(xmpp::make_error_element(error));
  return iq;
}

// Every co_await below takes named arguments: GCC 12 miscompiles aggregate temporaries written
// inside a co_await expression (see store/database.hpp).
asio::awaitable<void> send(Deliverer& deliverer, const Element& stanza, const xmpp::Jid& to) {
  std::vector<xmpp::Jid> recipients{to};
  co_await deliverer.deliver(stanza, recipients);
}

/// The reply, and what went wrong for the log, when reading the archive threw.
std::pair<Element, std::string> failure_reply(const ServeArchive& request, const std::string& room,
                                              std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const ArchiveBusy& e) {
    return {error_reply(request, room,
                        {StanzaCondition::resource_constraint, xmpp::ErrorType::wait,
                         "the archive is busy; try again later"}),
            std::string("archive query refused: ") + e.what()};
  } catch (const std::exception& e) {
    return {error_reply(request, room,
                        {StanzaCondition::internal_server_error, xmpp::ErrorType::wait,
                         "the archive could not be read; try again later"}),
            std::string("archive query failed: ") + e.what()};
  }
}

asio::awaitable<std::string> serve_metadata(const ServeArchive& request, const std::string& room,
                                            MamStore& store, Deliverer& deliverer) {
  std::exception_ptr thrown;
  ArchiveMetadata metadata;
  try {
    std::string key = room;
    metadata = co_await store.metadata(std::move(key));
  } catch (const std::exception&) {
    thrown = std::current_exception();
  }
  if (thrown) {
    auto [reply, failure] = failure_reply(request, room, thrown);
    co_await send(deliverer, reply, request.to);
    co_return failure;
  }
  Element reply = iq_reply(request, room, "result");
  reply.add_child(mam_metadata(metadata));
  co_await send(deliverer, reply, request.to);
  co_return std::string();
}

asio::awaitable<std::string> serve_query(const ServeArchive& request, const std::string& room,
                                         MamStore& store, Deliverer& deliverer) {
  std::exception_ptr thrown;
  ArchivePage page;
  try {
    std::string key = room;
    ArchiveQuery query = request.query;
    page = co_await store.query(std::move(key), std::move(query));
  } catch (const std::exception&) {
    thrown = std::current_exception();
  }
  if (thrown) {
    auto [reply, failure] = failure_reply(request, room, thrown);
    co_await send(deliverer, reply, request.to);
    co_return failure;
  }
  if (page.unknown_id) {
    // XEP-0313 (Limiting results by id, Requesting pages): every id a query names must be in
    // the archive.
    Element reply = error_reply(
        request, room,
        {StanzaCondition::item_not_found, "no message '" + *page.unknown_id + "' in the archive"});
    co_await send(deliverer, reply, request.to);
    co_return std::string();
  }
  std::size_t unreadable = 0;
  // Sent oldest first, unless the client asked for the page the other way round.
  std::vector<const ArchiveEntry*> order;
  for (const ArchiveEntry& entry : page.entries) {
    order.push_back(&entry);
  }
  if (request.flip) {
    std::reverse(order.begin(), order.end());
  }
  for (const ArchiveEntry* entry : order) {
    const bool show_jid = request.show_real_jids || entry->sender == request.requester;
    std::optional<Element> message =
        mam_result_message(*entry, room, request.query_id, show_jid ? entry->sender : "");
    if (message) {
      co_await send(deliverer, *message, request.to);
    } else {
      ++unreadable;
    }
  }
  Element reply = iq_reply(request, room, "result");
  reply.add_child(mam_fin(page));
  co_await send(deliverer, reply, request.to);
  if (unreadable > 0) {
    co_return std::to_string(unreadable) + " archived stanzas did not parse and were left out";
  }
  co_return std::string();
}

}  // namespace

asio::awaitable<std::string> serve_archive(ServeArchive request, std::string room, MamStore& store,
                                           Deliverer& deliverer) {
  try {
    if (request.metadata) {
      co_return co_await serve_metadata(request, room, store, deliverer);
    }
    co_return co_await serve_query(request, room, store, deliverer);
  } catch (const std::exception& e) {
    co_return std::string("archive answer not sent: ") + e.what();
  }
}

}  // namespace stoa::muc
