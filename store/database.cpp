#include "store/database.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string_view>

namespace stoa::store {

namespace {

// Without these, an unreachable host makes connecting block for the kernel's TCP timeout and a
// silently dead server hangs a store thread for hours. They only apply where the DSN does not
// choose its own.
constexpr std::pair<const char*, const char*> kDefaultOptions[] = {
    {"connect_timeout", "10"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
};

using ConnInfo = std::map<std::string, std::string, std::less<>>;

// The options a DSN sets, as libpq reads them. Throws without quoting libpq's complaint,
// which may echo a fragment of the string, password included.
ConnInfo parse_dsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    throw std::invalid_argument(
        "the database DSN is not a valid libpq connection string or URI (see "
        "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING)");
  }
  ConnInfo info;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr) {
      info.emplace(option->keyword, option->val);
    }
  }
  PQconninfoFree(options);
  return info;
}

bool is_uri(std::string_view dsn) {
  return dsn.starts_with("postgresql://") || dsn.starts_with("postgres://");
}

std::string with_default_options(std::string dsn, const ConnInfo& info) {
  for (const auto& [key, value] : kDefaultOptions) {
    if (info.contains(key)) {
      continue;
    }
    if (is_uri(dsn)) {
      dsn += dsn.find('?') == std::string::npos ? '?' : '&';
      dsn += std::string(key) + "=" + value;
    } else {
      dsn += std::string(dsn.empty() ? "" : " ") + key + "=" + value;
    }
  }
  return dsn;
}

std::string describe_target(const ConnInfo& info) {
  std::string text;
  for (const char* key : {"host", "hostaddr", "port", "dbname", "user"}) {
    if (auto it = info.find(key); it != info.end()) {
      text += (text.empty() ? "" : " ") + it->first + "=" + it->second;
    }
  }
  return text.empty() ? "the libpq defaults" : text;
}

// libpq reports what went wrong over several lines; one line reads better in a log.
std::string one_line(std::string_view text) {
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\t') {
      if (!line.empty() && line.back() != ' ') {
        line += ' ';
      }
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }
  return line;
}

// Server notices and warnings go to the log instead of libpq's default, stderr.
class NoticeLogger final : public pqxx::errorhandler {
 public:
  NoticeLogger(pqxx::connection_base& conn, Logger& log) : pqxx::errorhandler(conn), log_(log) {}

  bool operator()(const char message[]) noexcept override {
    try {
      std::string_view text(message);
      if (text.starts_with("NOTICE:") || text.starts_with("INFO:") || text.starts_with("DEBUG:") ||
          text.starts_with("LOG:")) {
        log_.debug("store", "PostgreSQL says: ", one_line(text));
      } else {
        log_.warn("store", "PostgreSQL says: ", one_line(text));
      }
    } catch (...) {
      // A notice that cannot be logged is not worth failing the query for.
    }
    return false;
  }

 private:
  Logger& log_;
};

// True when the server has ended an idle session (restart, pg_terminate_backend): after its
// farewell message, which get_notifs() has read, the socket is at end-of-file. libpq notices
// only when a statement fails, and a statement that fails cannot always be told apart from one
// that ran.
bool closed_by_server(const pqxx::connection_base& conn) {
  pollfd poll_fd{conn.sock(), POLLIN, 0};
  if (poll_fd.fd < 0) {
    return true;
  }
  if (::poll(&poll_fd, 1, 0) <= 0) {
    return false;
  }
  char byte;
  return (poll_fd.revents & (POLLHUP | POLLERR)) != 0 ||
         ::recv(poll_fd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

}  // namespace

struct Database::Connection {
  Connection(const std::string& dsn, Logger& log) : conn(dsn), notices(conn, log) {}
  pqxx::connection conn;
  NoticeLogger notices;  // declared after conn: unregisters before the connection closes
};

Database::Database(std::string dsn, unsigned threads, Logger& log)
    : log_(log), pool_(std::max(threads, 1u)) {
  auto info = parse_dsn(dsn);
  target_ = describe_target(info);
  dsn_ = with_default_options(std::move(dsn), info);
}

Database::~Database() {
  stop();
  std::lock_guard lock(connections_mutex_);
  connections_.clear();
}

void Database::stop() {
  stopped_ = true;
  pool_.join();
}

Database::Connection& Database::connection_for_this_thread() {
  auto id = std::this_thread::get_id();
  {
    std::lock_guard lock(connections_mutex_);
    if (auto it = connections_.find(id); it != connections_.end()) {
      return *it->second;
    }
  }
  std::unique_ptr<Connection> fresh;
  try {
    fresh = std::make_unique<Connection>(dsn_, log_);
  } catch (const pqxx::failure& e) {
    if (reachable_.exchange(false)) {
      log_.error("store", "cannot connect to PostgreSQL at ", target_, ": ", one_line(e.what()));
    }
    throw StoreUnavailable("cannot connect to PostgreSQL at " + target_ + ": " +
                           one_line(e.what()));
  }
  if (!reachable_.exchange(true)) {
    log_.info("store", "connected to PostgreSQL at ", target_, " again");
  }
  std::lock_guard lock(connections_mutex_);
  return *connections_.emplace(id, std::move(fresh)).first->second;
}

void Database::drop_connection_of_this_thread() {
  std::unique_ptr<Connection> dropped;
  std::lock_guard lock(connections_mutex_);
  if (auto it = connections_.find(std::this_thread::get_id()); it != connections_.end()) {
    dropped = std::move(it->second);
    connections_.erase(it);
  }
}

void Database::run_with_connection(const std::function<void(pqxx::connection&)>& job,
                                   Repeatable repeatable) {
  constexpr int kAttempts = 2;
  bool reconnecting = false;
  for (int attempt = 1;; ++attempt) {
    auto& connection = connection_for_this_thread();
    if (reconnecting) {
      log_.info("store", "reconnected to PostgreSQL at ", target_);
      reconnecting = false;
    }
    bool last = attempt == kAttempts;
    bool started = false;
    try {
      // Reads whatever the server sent while the connection sat idle: a connection it closed
      // meanwhile (restart, pg_terminate_backend) shows up here as broken_connection, before
      // any work starts. libpqxx 6.4 also leaks a result when BEGIN runs into a dead socket.
      connection.conn.get_notifs();
      if (repeatable == Repeatable::no && closed_by_server(connection.conn)) {
        throw pqxx::broken_connection("the server closed the connection while it was idle");
      }
      started = true;
      job(connection.conn);
      return;
    } catch (const pqxx::in_doubt_error& e) {
      // The commit may or may not have happened: running the work again could apply it twice.
      drop_connection_of_this_thread();
      throw StoreUnavailable("lost the connection to PostgreSQL at " + target_ +
                             " while committing; the transaction may or may not have been "
                             "applied: " +
                             one_line(e.what()));
    } catch (const pqxx::statement_completion_unknown& e) {
      drop_connection_of_this_thread();
      throw StoreUnavailable("a statement's outcome is unknown at " + target_ + ": " +
                             one_line(e.what()));
    } catch (const pqxx::failure& e) {
      std::string cause = one_line(e.what());
      // A terminated backend may surface as an SQL error rather than broken_connection; the
      // connection state tells which it was.
      bool lost =
          dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr || !connection.conn.is_open();
      bool conflict = dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr ||
                      dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr;
      if (lost && started && repeatable == Repeatable::no) {
        drop_connection_of_this_thread();
        throw StoreUnavailable(
            "lost the connection to PostgreSQL at " + target_ +
            " while a statement ran; it may or may not have been applied: " + cause);
      }
      if (lost) {
        drop_connection_of_this_thread();
        log_.warn("store", "lost the connection to PostgreSQL at ", target_, ": ", cause,
                  last ? "" : "; reconnecting");
        if (last) {
          throw StoreUnavailable("lost the connection to PostgreSQL at " + target_ +
                                 " twice: " + cause);
        }
        reconnecting = true;
      } else if (conflict && !last) {
        log_.debug("store", "retrying a transaction after: ", cause);
      } else {
        throw StoreUnavailable("database error at " + target_ + ": " + cause);
      }
    }
  }
}

}  // namespace stoa::store
