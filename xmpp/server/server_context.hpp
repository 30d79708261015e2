#pragma once

#include <asio/ssl/context.hpp>
#include <atomic>
#include <chrono>
#include <utility>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/account_store.hpp"
#include "xmpp/server/auth_limiter.hpp"
#include "xmpp/server/session_registry.hpp"
#include "xmpp/server/unauthenticated_slots.hpp"
#include "xmpp/server/work_delay_gauge.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::xmpp::server {

class Router;

/// Connection counters shared by every listener and session.
struct ConnectionCounters {
  ConnectionCounters(unsigned max_unauthenticated, asio::any_io_executor acceptor)
      : unauthenticated(max_unauthenticated, std::move(acceptor)) {}

  std::atomic<unsigned> open{0};
  UnauthenticatedSlots unauthenticated;
  std::atomic<unsigned long long> stanzas_in{0};
};

/// What every session needs from the server, passed by reference (no globals).
struct ServerContext {
  const conf::ServerConfig& config;
  Logger& log;
  asio::ssl::context& tls;
  store::AccountStore& accounts;
  SessionRegistry& registry;
  Router& router;
  AuthLimiter& auth_limiter;
  ConnectionCounters& counters;
  WorkDelayGauge& work_delay;  ///< how long stanzas waited for their worker (AdmissionPacer)
  StreamLimits stream_limits;
  unsigned max_connections;
  std::chrono::steady_clock::time_point started;
};

}  // namespace stoa::xmpp::server
