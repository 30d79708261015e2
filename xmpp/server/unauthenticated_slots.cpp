#include "xmpp/server/unauthenticated_slots.hpp"

#include <asio/post.hpp>

#include "xmpp/server/no_throw.hpp"

namespace stoa::xmpp::server {

UnauthenticatedSlots::UnauthenticatedSlots(unsigned limit, asio::any_io_executor acceptor)
    : limit_(limit), acceptor_(acceptor), release_signal_(acceptor) {
  release_signal_.expires_at(asio::steady_timer::time_point::max());
}

void UnauthenticatedSlots::release() {
  // Slots are taken only below the limit, so a release from below it leaves nobody waiting
  // for a slot.
  if (count_.fetch_sub(1) >= limit_ && !closed_.load()) {
    wake();
  }
}

asio::awaitable<void> UnauthenticatedSlots::wait_for_release() {
  if (closed_.load()) {
    co_return;
  }
  co_await release_signal_.async_wait(kNoThrow);
}

void UnauthenticatedSlots::close() {
  closed_ = true;
  wake();
}

void UnauthenticatedSlots::wake() {
  // The timer belongs to the acceptor's executor, and a release comes from any shard.
  asio::post(acceptor_, [this] { release_signal_.cancel(); });
}

}  // namespace stoa::xmpp::server
