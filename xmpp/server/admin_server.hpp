#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "xmpp/server/admin_protocol.hpp"

namespace stoa::xmpp::server {

namespace detail {
struct AdminServerState;
}

/// Runs one admin command. `args` are the request's fields after the command words, already
/// checked against the command's usage arity. An exception becomes an error reply carrying its
/// message, so messages must never contain secrets.
using AdminHandler = std::function<asio::awaitable<AdminReply>(std::vector<std::string> args)>;

/// The admin socket could not be opened (the message names the path and the reason).
class AdminSocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The stoad side of the admin socket: a Unix domain socket (mode 0600) on which stoactl sends
/// one request per line and gets the reply of the command registered for its first words.
/// Every connection runs on one strand of the given executor, so handlers never run
/// concurrently with each other, but they may suspend (e.g. on the database) and let others in.
class AdminServer {
 public:
  /// Most connections served at once; further ones get an error and are closed.
  static constexpr std::size_t kMaxConnections = 16;

  AdminServer(asio::any_io_executor executor, std::string socket_path, Logger& log);
  /// Calls stop().
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Registers a command; a later registration of the same name replaces it. Safe to call from
  /// any thread, before or after start(). `help` is built in.
  void add_command(AdminCommandSpec spec, AdminHandler handler);

  /// Binds the socket (mode 0600) and starts accepting. A leftover socket file is removed when
  /// nothing answers on it; throws AdminSocketError when another stoad answers there, when the
  /// path exists and is not a socket, or when binding fails.
  void start();

  /// Stops accepting, closes every connection and removes the socket file (only if it is still
  /// the one this server created). Idempotent; safe from any thread.
  void stop();

  const std::string& socket_path() const { return socket_path_; }

 private:
  // Shared with the connection coroutines, which may outlive this object until the executor
  // drops them.
  std::shared_ptr<detail::AdminServerState> state_;
  std::string socket_path_;
};

/// Registers `status`, answering the rows of `collect_stats` (key, value). `collect_stats` runs on
/// the admin strand, so it must only read thread-safe counters.
void register_status_command(AdminServer& server,
                             std::function<std::vector<std::vector<std::string>>()> collect_stats);

}  // namespace stoa::xmpp::server
