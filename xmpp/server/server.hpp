#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/account_store.hpp"
#include "xmpp/server/admission_pacer.hpp"
#include "xmpp/server/auth_limiter.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/server_context.hpp"
#include "xmpp/server/session_registry.hpp"
#include "xmpp/server/shard.hpp"
#include "xmpp/server/warning_throttle.hpp"
#include "xmpp/server/work_delay_gauge.hpp"

namespace stoa::xmpp::server {

/// The running XMPP service: worker shards, client listeners, the session registry and the
/// router. Modules (IQ handlers, services) are added to router() before start().
class Server {
 public:
  Server(const conf::ServerConfig& config, Logger& log, store::Database& db);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Router& router() { return router_; }
  SessionRegistry& registry() { return registry_; }
  store::AccountStore& accounts() { return accounts_; }
  asio::io_context& shard_context(unsigned index) { return shards_.at(index)->context(); }
  unsigned shard_count() const { return static_cast<unsigned>(shards_.size()); }

  ServerContext& context() { return context_; }
  /// Where room inputs and stanzas for sessions report how long they waited for their worker;
  /// admissions are paced by it (limits.admission_target_delay_ms).
  WorkDelayGauge& work_delay() { return work_delay_; }

  /// Starts the session of a connection accepted by a listener, on the shard it was given to.
  /// The connection counts as open and unauthenticated (ConnectionCounters) until the session
  /// releases it, as C2sSession does.
  using SessionStarter = std::function<void(asio::ip::tcp::socket socket, Shard& shard)>;
  /// Adds a listener opened by start() beside the client ones (components, for one), named
  /// `name` in the log and the ready file; the same admission limits apply. Call before start().
  void add_listener(std::string name, conf::Listener where, std::string content_xmlns,
                    SessionStarter starter);

  /// Binds the listeners and starts the shards.
  void start();
  /// Writes the ready file (server.ready_file) naming each listener's port; call once
  /// everything else, the admin socket included, accepts work.
  void write_ready_file() const;
  /// Closes every stream with system-shutdown and stops the shards. Stop the database after
  /// this and before destroying the server.
  void stop();

  /// Closes every session of the account (after it was deleted).
  void disconnect_account(const std::string& username);
  /// key/value rows for `stoactl status`.
  std::vector<std::vector<std::string>> status() const;

 private:
  struct Listener {
    std::string name;
    bool direct_tls;
    asio::ip::tcp::acceptor acceptor;
    std::string content_xmlns;  ///< of the stream error that refuses a connection
    SessionStarter starter;
  };
  struct ListenerSpec {
    std::string name;
    conf::Listener where;
    std::string content_xmlns;
    SessionStarter starter;
  };

  /// An accepted connection not served yet: every authentication slot was taken.
  struct WaitingConnection {
    asio::ip::tcp::socket socket;
    const Listener* listener;
  };

  asio::awaitable<void> accept_loop(Listener& listener);
  /// Starts the sessions of waiting connections, in order, as authentication slots free up
  /// and the pacer allows.
  asio::awaitable<void> admission_loop();
  /// Once per tick: gives the pacer the work delay and wakes the admission loop.
  asio::awaitable<void> pacing_loop();
  /// Hands a connection to the next shard and starts its session.
  void admit(asio::ip::tcp::socket socket, const Listener& listener);
  void refuse(asio::ip::tcp::socket socket, const Listener& listener, const char* reason);

  const conf::ServerConfig& config_;
  Logger& log_;
  std::vector<std::unique_ptr<Shard>> shards_;
  asio::ssl::context tls_;
  store::AccountStore accounts_;
  SessionRegistry registry_;
  AuthLimiter auth_limiter_;
  ConnectionCounters counters_;
  // Used by the accept and admission loops only, all on the first shard's thread.
  std::deque<WaitingConnection> waiting_;
  AdmissionPacer pacer_;
  WorkDelayGauge work_delay_;
  WarningThrottle backlog_warnings_;
  WarningThrottle refusal_warnings_;
  Router router_;
  ServerContext context_;
  std::vector<ListenerSpec> added_listeners_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  unsigned next_shard_ = 0;
  bool stopped_ = false;
};

}  // namespace stoa::xmpp::server
