#include "xmpp/server/admin_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

namespace stoa::xmpp::server {

namespace {

using Socket = asio::local::stream_protocol::socket;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

struct Command {
  AdminCommandSpec spec;
  AdminHandler handler;
};

std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  if (text.size() > kMaxShown) {
    return "'" + std::string(text.substr(0, kMaxShown)) + "...'";
  }
  return "'" + std::string(text) + "'";
}

std::string errno_text(int error) {
  return std::strerror(error);
}

/// Whether a server accepts connections on `path` right now. A non-blocking connect answers at
/// once: refused means a socket file left behind by a process that is gone.
bool is_answering(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int error = errno;
    throw AdminSocketError("cannot create a socket to probe admin socket " + path + ": " +
                           errno_text(error));
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  int error = result == 0 ? 0 : errno;
  ::close(fd);
  if (error == 0 || error == EAGAIN || error == EINPROGRESS) {
    return true;
  }
  if (error == ECONNREFUSED || error == ENOENT) {
    return false;
  }
  throw AdminSocketError("cannot probe admin socket " + path + ": " + errno_text(error));
}

}  // namespace

namespace detail {

struct AdminServerState {
  AdminServerState(asio::any_io_executor executor, std::string socket_path, Logger& logger)
      : strand(asio::make_strand(std::move(executor))),
        acceptor(strand),
        path(std::move(socket_path)),
        log(logger) {}

  asio::strand<asio::any_io_executor> strand;
  asio::local::stream_protocol::acceptor acceptor;  // strand only
  std::set<Socket*> connections;                    // strand only
  const std::string path;
  Logger& log;

  mutable std::mutex mutex;
  std::map<std::pair<std::string, std::string>, Command> commands;  // guarded by mutex
  bool started = false;                                             // guarded by mutex
  bool stopped = false;                                             // guarded by mutex
  // Identity of the socket file this server created, so that stop() never removes a file some
  // other process put there since.
  dev_t socket_device = 0;
  ino_t socket_inode = 0;

  std::vector<AdminCommandSpec> specs() const {
    std::lock_guard lock(mutex);
    std::vector<AdminCommandSpec> result;
    for (const auto& [key, command] : commands) {
      result.push_back(command.spec);
    }
    return result;
  }
};

}  // namespace detail

namespace {

using detail::AdminServerState;
using StatePtr = std::shared_ptr<AdminServerState>;

std::string list_names(const std::vector<AdminCommandSpec>& specs, const std::string& group) {
  std::string names;
  for (const auto& spec : specs) {
    if (!group.empty() && spec.group != group) {
      continue;
    }
    if (!names.empty()) {
      names += ", ";
    }
    names += group.empty() ? spec.name() : spec.verb;
  }
  return names;
}

/// The command for the first words of `fields`, or an error reply naming what is available.
std::variant<Command, AdminReply> find_command(const AdminServerState& state,
                                               const std::vector<std::string>& fields,
                                               std::size_t& words) {
  {
    std::lock_guard lock(state.mutex);
    if (fields.size() >= 2) {
      auto it = state.commands.find({fields[0], fields[1]});
      if (it != state.commands.end()) {
        words = 2;
        return it->second;
      }
    }
    auto it = state.commands.find({fields[0], ""});
    if (it != state.commands.end()) {
      words = 1;
      return it->second;
    }
  }
  auto specs = state.specs();
  bool known_group = std::any_of(specs.begin(), specs.end(),
                                 [&](const auto& spec) { return spec.group == fields[0]; });
  if (known_group && fields.size() == 1) {
    return AdminReply::failure("'" + fields[0] +
                               "' needs a subcommand: " + list_names(specs, fields[0]));
  }
  if (known_group) {
    std::string asked = fields.size() >= 2 ? fields[0] + " " + fields[1] : fields[0];
    return AdminReply::failure("unknown command " + quoted(asked) + "; '" + fields[0] +
                               "' has: " + list_names(specs, fields[0]));
  }
  return AdminReply::failure("unknown command " + quoted(fields[0]) +
                             "; available: " + list_names(specs, ""));
}

bool arity_accepts(const AdminArity& arity, std::size_t count) {
  return count >= arity.min && (!arity.max || count <= *arity.max);
}

asio::awaitable<AdminReply> run_request(StatePtr state, std::vector<std::string> fields) {
  if (fields.empty()) {
    co_return AdminReply::failure("empty request; try 'help'");
  }
  std::size_t words = 0;
  auto found = find_command(*state, fields, words);
  if (auto* reply = std::get_if<AdminReply>(&found)) {
    co_return std::move(*reply);
  }
  auto& command = std::get<Command>(found);
  std::vector<std::string> args(std::make_move_iterator(fields.begin() + words),
                                std::make_move_iterator(fields.end()));
  std::string name = command.spec.name();
  if (!arity_accepts(admin_usage_arity(command.spec.usage), args.size())) {
    co_return AdminReply::failure("usage: " + name +
                                  (command.spec.usage.empty() ? "" : " " + command.spec.usage));
  }
  // Arguments are never logged: some are passwords.
  state->log.info("admin", "command=", name);
  AdminReply reply;
  try {
    reply = co_await command.handler(std::move(args));
  } catch (const std::exception& e) {
    reply = AdminReply::failure(e.what());
  } catch (...) {
    reply = AdminReply::failure("internal error in '" + name + "'");
  }
  if (reply.error) {
    state->log.info("admin", "command=", name, " failed: ", *reply.error);
  }
  co_return reply;
}

// Callers pass named values, never temporaries, to coroutines here: GCC 12 miscompiles a
// temporary of class type passed to a coroutine inside co_await.
asio::awaitable<bool> write_all(Socket& socket, const std::string& bytes) {
  auto [ec, written] = co_await asio::async_write(socket, asio::buffer(bytes), kAsTuple);
  co_return !ec;
}

asio::awaitable<void> serve(StatePtr state, Socket socket) {
  if (state->connections.size() >= AdminServer::kMaxConnections) {
    std::string refusal = encode_admin_reply(AdminReply::failure(
        "too many admin connections (limit " + std::to_string(AdminServer::kMaxConnections) + ")"));
    co_await write_all(socket, refusal);
    co_return;
  }
  state->connections.insert(&socket);
  struct Untrack {
    StatePtr& state;
    Socket* socket;
    ~Untrack() { state->connections.erase(socket); }
  } untrack{state, &socket};

  std::string buffer;
  for (;;) {
    auto [ec, length] = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(buffer, kMaxAdminLineBytes + 1), '\n', kAsTuple);
    if (ec == asio::error::not_found) {
      // No LF within the limit: the rest of the stream cannot be framed, so give up on it.
      std::string refusal = encode_admin_reply(AdminReply::failure(
          "request line exceeds " + std::to_string(kMaxAdminLineBytes) + " bytes"));
      co_await write_all(socket, refusal);
      co_return;
    }
    if (ec) {
      co_return;
    }
    AdminLine line = decode_admin_line(std::string_view(buffer).substr(0, length - 1));
    buffer.erase(0, length);
    AdminReply reply;
    if (line.error.empty()) {
      reply = co_await run_request(state, std::move(line.fields));
    } else {
      reply = AdminReply::failure("malformed request: " + line.error);
    }
    std::string out = encode_admin_reply(reply);
    if (!co_await write_all(socket, out)) {
      co_return;
    }
  }
}

void log_failure(const StatePtr& state, std::string_view what, std::exception_ptr failure) {
  if (!failure) {
    return;
  }
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    state->log.error("admin", what, ": ", e.what());
  } catch (...) {
    state->log.error("admin", what, ": unknown exception");
  }
}

asio::awaitable<void> accept_loop(StatePtr state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(kAsTuple);
    if (!state->acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      // Typically EMFILE: pause instead of spinning until a descriptor frees up.
      state->log.warn("admin", "accept on ", state->path, " failed: ", ec.message());
      asio::steady_timer pause(state->strand, std::chrono::milliseconds(100));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    asio::co_spawn(
        state->strand, serve(state, std::move(socket)),
        [state](std::exception_ptr failure) { log_failure(state, "admin connection", failure); });
  }
}

asio::awaitable<AdminReply> ready(AdminReply reply) {
  co_return reply;
}

asio::awaitable<AdminReply> help(std::weak_ptr<AdminServerState> weak,
                                 std::vector<std::string> args) {
  StatePtr state = weak.lock();
  AdminReply reply;
  if (!state) {
    co_return reply;
  }
  for (const auto& spec : state->specs()) {
    if (args.empty() || spec.group == args[0]) {
      reply.rows.push_back(to_help_row(spec));
    }
  }
  if (reply.rows.empty()) {
    co_return AdminReply::failure("no command group " + quoted(args[0]));
  }
  co_return reply;
}

}  // namespace

AdminServer::AdminServer(asio::any_io_executor executor, std::string socket_path, Logger& log)
    : state_(std::make_shared<AdminServerState>(std::move(executor), socket_path, log)),
      socket_path_(std::move(socket_path)) {
  // The handler holds the state weakly: the state owns the handler, a strong reference would
  // be a cycle.
  std::weak_ptr<AdminServerState> weak = state_;
  add_command({"help", "", "[GROUP]", "List the commands, or those of one group", false},
              [weak](std::vector<std::string> args) { return help(weak, std::move(args)); });
}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::add_command(AdminCommandSpec spec, AdminHandler handler) {
  std::lock_guard lock(state_->mutex);
  auto key = std::make_pair(spec.group, spec.verb);
  state_->commands.insert_or_assign(std::move(key), Command{std::move(spec), std::move(handler)});
}

void AdminServer::start() {
  const std::string& path = socket_path_;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->started) {
      throw AdminSocketError("admin socket " + path + " is already started");
    }
    state_->started = true;
  }
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    throw AdminSocketError("admin socket path '" + path + "' must be 1 to " +
                           std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes long");
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode)) {
      throw AdminSocketError("admin socket " + path + " exists and is not a socket");
    }
    if (is_answering(path)) {
      throw AdminSocketError("another stoad is running with admin socket " + path);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      int error = errno;
      throw AdminSocketError("cannot remove stale admin socket " + path + ": " + errno_text(error));
    }
    state_->log.info("admin", "removed stale admin socket ", path);
  } else if (int error = errno; error != ENOENT) {
    throw AdminSocketError("cannot inspect admin socket " + path + ": " + errno_text(error));
  }

  auto& acceptor = state_->acceptor;
  asio::local::stream_protocol::endpoint endpoint(path);
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    // bind() creates the file with the umask applied: with 0177 it is born 0600, so there is no
    // moment in which others could connect. umask is process-wide; this runs at start-up.
    mode_t previous = ::umask(0177);
    acceptor.bind(endpoint, ec);
    ::umask(previous);
  }
  if (ec) {
    acceptor.close();
    throw AdminSocketError("cannot bind admin socket " + path + ": " + ec.message());
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &info) != 0) {
    int error = errno;
    acceptor.close();
    ::unlink(path.c_str());
    throw AdminSocketError("cannot secure admin socket " + path + ": " + errno_text(error));
  }
  {
    std::lock_guard lock(state_->mutex);
    state_->socket_device = info.st_dev;
    state_->socket_inode = info.st_ino;
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close();
    ::unlink(path.c_str());
    throw AdminSocketError("cannot listen on admin socket " + path + ": " + ec.message());
  }
  state_->log.info("admin", "listening on ", path);
  StatePtr state = state_;
  asio::co_spawn(state->strand, accept_loop(state), [state](std::exception_ptr failure) {
    log_failure(state, "admin accept loop", failure);
  });
}

void AdminServer::stop() {
  dev_t device = 0;
  ino_t inode = 0;
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->started || state_->stopped) {
      return;
    }
    state_->stopped = true;
    device = state_->socket_device;
    inode = state_->socket_inode;
  }
  StatePtr state = state_;
  asio::dispatch(state->strand, [state] {
    asio::error_code ignored;
    state->acceptor.close(ignored);
    for (Socket* socket : state->connections) {
      socket->close(ignored);
    }
  });
  struct stat info {};
  if (inode != 0 && ::lstat(socket_path_.c_str(), &info) == 0 && info.st_dev == device &&
      info.st_ino == inode) {
    ::unlink(socket_path_.c_str());
  }
}

void register_status_command(AdminServer& server,
                             std::function<std::vector<std::vector<std::string>>()> collect_stats) {
  server.add_command({"status", "", "", "Show the server's state and counters", false},
                     [collect = std::move(collect_stats)](std::vector<std::string>) {
                       AdminReply reply{collect(), std::nullopt};
                       return ready(std::move(reply));
                     });
}

}  // namespace stoa::xmpp::server
