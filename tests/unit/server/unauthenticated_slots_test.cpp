#include "xmpp/server/unauthenticated_slots.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <thread>

namespace stoa::xmpp::server {
namespace {

// Bounds each test's run; a wake-up that never comes shows as a failed expectation.
constexpr std::chrono::seconds kWaitBound{10};

TEST(UnauthenticatedSlotsTest, TakeAndRelease_CountAgainstTheLimit) {
  asio::io_context context;
  UnauthenticatedSlots slots(2, context.get_executor());
  slots.take();
  EXPECT_FALSE(slots.is_full());
  slots.take();
  EXPECT_TRUE(slots.is_full());
  EXPECT_EQ(slots.count(), 2u);
  slots.release();
  EXPECT_FALSE(slots.is_full());
  EXPECT_EQ(slots.count(), 1u);
}

// Waits for a release on `slots` while another thread runs `action` (started just before the
// wait, so that it may land before or after the wait begins); whether the wait ended.
template <typename Action>
bool wait_ends_when_another_thread(UnauthenticatedSlots& slots, asio::io_context& context,
                                   Action action) {
  bool woke = false;
  std::thread other;
  auto waiter = [&]() -> asio::awaitable<void> {
    other = std::thread([&slots, &action] { action(slots); });
    co_await slots.wait_for_release();
    woke = true;
  };
  asio::co_spawn(context, waiter(), asio::detached);
  context.run_for(kWaitBound);
  other.join();
  return woke;
}

TEST(UnauthenticatedSlotsTest, ReleaseFromAnotherThreadWhileFull_WakesTheWaiter) {
  asio::io_context context;
  UnauthenticatedSlots slots(1, context.get_executor());
  slots.take();
  EXPECT_TRUE(
      wait_ends_when_another_thread(slots, context, [](UnauthenticatedSlots& s) { s.release(); }));
  EXPECT_FALSE(slots.is_full());
}

TEST(UnauthenticatedSlotsTest, WakeFromAnotherThread_WakesTheWaiterWhileSlotsAreFree) {
  asio::io_context context;
  UnauthenticatedSlots slots(1, context.get_executor());
  EXPECT_TRUE(
      wait_ends_when_another_thread(slots, context, [](UnauthenticatedSlots& s) { s.wake(); }));
}

TEST(UnauthenticatedSlotsTest, Close_WakesTheWaiterAndLaterWaitsReturnAtOnce) {
  asio::io_context context;
  UnauthenticatedSlots slots(1, context.get_executor());
  slots.take();
  int woke = 0;
  auto waiter = [&]() -> asio::awaitable<void> {
    co_await slots.wait_for_release();
    ++woke;
    co_await slots.wait_for_release();
    ++woke;
  };
  asio::co_spawn(context, waiter(), asio::detached);
  context.poll();
  ASSERT_EQ(woke, 0) << "the waiter did not wait while the slots were full";
  slots.close();
  context.run_for(kWaitBound);
  EXPECT_EQ(woke, 2);
  EXPECT_TRUE(slots.is_closed());
}

}  // namespace
}  // namespace stoa::xmpp::server
