#include "xmpp/server/muc_search.hpp"

#include <asio/co_spawn.hpp>
#include <asio/this_coro.hpp>
#include <exception>
#include <string>

#include "muc/search_request.hpp"
#include "muc/search_serve.hpp"

namespace stoa::xmpp::server {

asio::awaitable<void> MucSearch::handle(Element iq, Jid from) {
  auto read = muc::read_search_request(iq, from, settings_);
  if (auto* answer = std::get_if<Element>(&read)) {
    co_await router_.route(std::move(*answer));
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  Logger& log = log_;
  auto done = [&log](std::exception_ptr failure, std::string problem) {
    if (failure) {
      log.error("muc", "search request ended early");
    } else if (!problem.empty()) {
      log.warn("muc", problem);
    }
  };
  asio::co_spawn(executor,
                 muc::serve_search(std::get<muc::ServeSearch>(std::move(read)), settings_.domain,
                                   store_, deliverer_),
                 std::move(done));
}

}  // namespace stoa::xmpp::server
