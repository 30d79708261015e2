#include "bench/worker.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cmath>

namespace stoa::bench {
namespace {

// How often the worker looks at its counters and paces its sends. Small against every phase.
constexpr auto kTick = std::chrono::milliseconds(10);
/// Logins a storm starts before letting the sessions already started have a turn.
constexpr std::size_t kStormStartsPerTurn = 16;

std::chrono::duration<double> seconds(double value) {
  return std::chrono::duration<double>(value);
}

}  // namespace

Worker::Worker(WorkerContext& ctx, ParentLink& link, std::uint32_t first, std::uint32_t end,
               unsigned index, unsigned processes)
    : ctx_(ctx), link_(link), processes_(processes), random_(index + 1) {
  for (std::uint32_t user = first; user < end; ++user) {
    sessions_.push_back(std::make_shared<Session>(ctx, user));
  }
}

asio::awaitable<void> Worker::run() {
  const Scenario& scenario = ctx_.scenario;
  bool ok = co_await link_.barrier("connect");
  if (ok) {
    co_await connect_all(JoinKind::initial);
    ok = co_await link_.barrier("create");
  }
  if (ok) {
    co_await join_all(true);
    ok = co_await link_.barrier("join");
  }
  if (ok) {
    co_await join_all(false);
    ok = co_await link_.barrier("steady");
  }
  if (ok) {
    co_await steady();
    ctx_.results.sessions_held = ctx_.bound_sessions;
    ok = co_await link_.barrier("drain");
  }
  if (ok) {
    co_await drain();
  }
  if (ok && scenario.reconnect_storm) {
    ok = co_await link_.barrier("storm-close");
    if (ok) {
      co_await close_all();
      ok = co_await link_.barrier("storm");
    }
    if (ok) {
      co_await connect_all(JoinKind::storm);
    }
  }
  link_.send_results(ctx_.results);
  ctx_.io.stop();
}

Clock::time_point Worker::deadline() const {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(seconds(ctx_.scenario.phase_timeout_seconds));
}

asio::awaitable<void> Worker::sleep(Clock::duration duration) {
  asio::steady_timer timer(ctx_.io, duration);
  std::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  if (storm_lag_ != nullptr) {
    const auto late = Clock::now() - timer.expiry();
    storm_lag_->record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(late).count()));
  }
}

template <typename Done>
asio::awaitable<bool> Worker::wait_for(Done done, Clock::time_point until) {
  while (!done()) {
    if (Clock::now() >= until) {
      co_return false;
    }
    co_await sleep(kTick);
  }
  co_return true;
}

asio::awaitable<void> Worker::login_one(std::shared_ptr<Session> session, JoinKind join_after) {
  const Clock::time_point begun = Clock::now();
  const bool bound = co_await session->login();
  if (bound && join_after == JoinKind::initial) {
    ++ctx_.results.sessions_established;
  }
  if (bound && join_after == JoinKind::storm) {
    ++ctx_.results.storm_sessions;
    ctx_.results.storm_login_latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begun).count()));
    for (std::size_t slot = 0; slot < session->slot_count(); ++slot) {
      session->join(slot, JoinKind::storm);
    }
  }
  --logins_in_flight_;
}

asio::awaitable<void> Worker::connect_all(JoinKind join_after) {
  const Scenario& scenario = ctx_.scenario;
  const Clock::time_point until = deadline();
  // The storm is everyone at once; the initial connect is paced as the scenario says.
  const bool storm = join_after == JoinKind::storm;
  const auto limit = storm
                         ? sessions_.size()
                         : static_cast<std::size_t>(std::ceil(share(scenario.connect_concurrency)));
  const double rate = storm ? 0 : share(scenario.connect_rate);
  storm_lag_ = storm ? &ctx_.results.storm_generator_lag : nullptr;
  const Clock::time_point start = Clock::now();
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    co_await wait_for([&] { return logins_in_flight_ < limit; }, until);
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   seconds(static_cast<double>(i) / rate));
      if (due > Clock::now()) {
        co_await sleep(due - Clock::now());
      }
    }
    ++logins_in_flight_;
    asio::co_spawn(ctx_.io, login_one(sessions_[i], join_after), asio::detached);
    // Starting thousands of connections takes this process seconds when the CPU is shared.
    // Independent clients would meanwhile answer the server as soon as it let them in; a loop
    // that only started them would leave hundreds unread and then answer in one clump.
    if (storm && (i + 1) % kStormStartsPerTurn == 0) {
      co_await asio::post(ctx_.io, asio::use_awaitable);
    }
  }
  if (!co_await wait_for([&] { return logins_in_flight_ == 0; }, until)) {
    ctx_.results.errors["timeout-login"] += logins_in_flight_;
  }
  if (storm && !co_await wait_for([&] { return ctx_.pending == 0; }, until)) {
    ctx_.results.errors["timeout-join"] += ctx_.pending;
  }
  storm_lag_ = nullptr;
}

asio::awaitable<void> Worker::join_all(bool owners) {
  const Scenario& scenario = ctx_.scenario;
  const Clock::time_point until = deadline();
  const auto limit = static_cast<std::uint64_t>(std::ceil(share(scenario.join_concurrency)));
  const double rate = share(scenario.join_rate);
  const Clock::time_point start = Clock::now();
  std::uint64_t sent = 0;
  for (const auto& session : sessions_) {
    for (std::size_t slot = 0; slot < session->slot_count(); ++slot) {
      const bool owner = ctx_.plan.owner(session->room(slot)) == session->user();
      if (owner != owners || !session->bound()) {
        continue;
      }
      co_await wait_for([&] { return ctx_.pending < limit; }, until);
      if (rate > 0) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     seconds(static_cast<double>(sent) / rate));
        if (due > Clock::now()) {
          co_await sleep(due - Clock::now());
        }
      }
      session->join(slot, JoinKind::initial);
      ++sent;
    }
  }
  if (!co_await wait_for([&] { return ctx_.pending == 0; }, until)) {
    ctx_.results.errors["timeout-join"] += ctx_.pending;
  }
}

std::pair<Session*, std::size_t> Worker::pick_room() {
  constexpr int kTries = 16;
  for (int i = 0; i < kTries && !sessions_.empty(); ++i) {
    Session& session = *sessions_[random_() % sessions_.size()];
    if (!session.bound() || session.slot_count() == 0) {
      continue;
    }
    const std::size_t slot = random_() % session.slot_count();
    if (session.joined(slot) && ctx_.plan.occupants(session.room(slot)) > 1) {
      return {&session, slot};
    }
  }
  return {nullptr, 0};
}

asio::awaitable<void> Worker::steady() {
  const Scenario& scenario = ctx_.scenario;
  ctx_.posting = true;
  ctx_.counting_stanzas = true;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(seconds(scenario.steady_seconds));
  if (scenario.post_mode == PostMode::closed) {
    // Each room's owner keeps the window full; its echo triggers the next post.
    for (const auto& session : sessions_) {
      for (std::size_t slot = 0; slot < session->slot_count(); ++slot) {
        const std::uint32_t room = session->room(slot);
        if (ctx_.plan.owner(room) == session->user() && ctx_.plan.occupants(room) > 1) {
          for (unsigned n = 0; n < scenario.closed_window; ++n) {
            session->post(slot);
          }
        }
      }
    }
  }
  const bool open = scenario.post_mode == PostMode::open;
  const double presence_rate =
      static_cast<double>(sessions_.size()) * scenario.presence_changes_per_user_per_hour / 3600.0;
  double post_tokens = 0;
  double presence_tokens = 0;
  double churn_tokens = 0;
  double archive_tokens = 0;
  Clock::time_point next_burst = scenario.burst_every_seconds > 0
                                     ? start + std::chrono::duration_cast<Clock::duration>(
                                                   seconds(scenario.burst_every_seconds))
                                     : Clock::time_point::max();
  Clock::time_point last = start;
  while (Clock::now() < end && ctx_.bound_sessions > 0) {
    co_await sleep(kTick);
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - last).count();
    last = now;
    if (open) {
      post_tokens += share(scenario.post_rate) * elapsed;
      if (now >= next_burst) {
        post_tokens += share(scenario.burst_posts);
        next_burst +=
            std::chrono::duration_cast<Clock::duration>(seconds(scenario.burst_every_seconds));
      }
    }
    presence_tokens += presence_rate * elapsed;
    churn_tokens += share(scenario.churn_joins_per_s) * elapsed;
    archive_tokens += share(scenario.mam_queries_per_s) * elapsed;
    for (; post_tokens >= 1; post_tokens -= 1) {
      if (auto [session, slot] = pick_room(); session != nullptr) {
        session->post(slot);
      }
    }
    for (; presence_tokens >= 1; presence_tokens -= 1) {
      Session& session = *sessions_[random_() % sessions_.size()];
      session.change_presence();
    }
    for (; churn_tokens >= 1; churn_tokens -= 1) {
      if (auto [session, slot] = pick_room(); session != nullptr) {
        session->rejoin(slot);
      }
    }
    for (; archive_tokens >= 1; archive_tokens -= 1) {
      if (auto [session, slot] = pick_room(); session != nullptr) {
        session->query_archive(slot);
      }
    }
  }
  ctx_.posting = false;
}

asio::awaitable<void> Worker::drain() {
  const Scenario& scenario = ctx_.scenario;
  const Clock::time_point start = Clock::now();
  const auto quiet =
      std::chrono::duration_cast<Clock::duration>(seconds(scenario.drain_quiet_seconds));
  const Clock::time_point until =
      start + std::chrono::duration_cast<Clock::duration>(seconds(scenario.drain_max_seconds));
  ctx_.last_delivery = std::max(ctx_.last_delivery, start);
  const bool quiet_reached = co_await wait_for(
      [&] { return Clock::now() - ctx_.last_delivery >= quiet && ctx_.pending == 0; }, until);
  if (!quiet_reached) {
    ctx_.results.error("timeout-drain");
  }
  ctx_.counting_stanzas = false;
}

asio::awaitable<void> Worker::close_all() {
  for (const auto& session : sessions_) {
    session->close();
  }
  if (!co_await wait_for([&] { return ctx_.connections == 0; }, deadline())) {
    ctx_.results.errors["timeout-close"] += ctx_.connections;
  }
}

}  // namespace stoa::bench
