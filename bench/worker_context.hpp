#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "bench/options.hpp"
#include "bench/results.hpp"
#include "bench/room_plan.hpp"
#include "bench/scenario.hpp"
#include "bench/scram_client.hpp"

namespace stoa::bench {

using Clock = std::chrono::steady_clock;

/// Everything the sessions of one worker process share. Single-threaded: one io_context.
struct WorkerContext {
  asio::io_context& io;
  asio::ssl::context& tls;
  const Options& options;
  const Scenario& scenario;
  const RoomPlan& plan;
  asio::ip::tcp::endpoint endpoint;
  Results results;
  ScramKeyCache scram_keys;

  bool posting = false;              ///< the steady phase is on: closed-mode posters post again
  bool counting_stanzas = false;     ///< stanzas_received counts only in steady and drain
  std::uint64_t pending = 0;         ///< joins, configurations and rejoins under way
  std::uint64_t bound_sessions = 0;  ///< sessions bound right now
  std::uint64_t connections = 0;     ///< connections open right now (bound or not)
  Clock::time_point last_delivery{};

  /// "room17@conference.example.org": the bare JID of a room numbered from 0.
  std::string room_jid(std::uint32_t room) const {
    return options.room_prefix + std::to_string(room + 1) + "@" + options.muc_domain;
  }
  /// The account name (and nick) of a user numbered from 0.
  std::string user_name(std::uint32_t user) const {
    return options.user_prefix + std::to_string(user + 1);
  }
};

}  // namespace stoa::bench
