#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "common/log.hpp"

namespace stoa::store {

/// The database could not be reached or the transaction failed for a reason the caller cannot
/// fix (the message names it). Callers turn it into an internal-server-error or a retry.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A small pool of threads that own the PostgreSQL connections. libpqxx is synchronous, so
/// every query runs here and never on a network worker: a coroutine awaits transact(), the
/// work runs on a store thread, and the coroutine resumes on its own executor.
class Database {
 public:
  /// `dsn` is a libpq connection string or URI; throws std::invalid_argument when it does not
  /// parse. `threads` store threads (at least one) each keep their own connection.
  Database(std::string dsn, unsigned threads, Logger& log);
  /// Stops, then closes every connection.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs `work(pqxx::work&)` in one transaction on a store thread and commits it. A broken
  /// connection is reopened and the work retried once (as is a deadlock or serialization
  /// failure), so `work` must be safe to run twice. Database failures throw StoreUnavailable;
  /// exceptions of other types thrown by `work` roll back and reach the caller unchanged.
  /// `work` must not call back into this Database.
  ///
  /// GCC 12 bug: a lambda (or aggregate) temporary whose captures have non-trivial copies,
  /// written inside a co_await expression, is copied bitwise: `co_await db.transact([s] ...)`
  /// with a std::string `s` frees memory twice. Name the lambda first and move it in:
  /// `auto work = [s](pqxx::work& tx) {...}; co_await db.transact(std::move(work));`.
  template <typename Work>
  auto transact(Work work) -> asio::awaitable<std::invoke_result_t<Work&, pqxx::work&>> {
    return run_on_pool<pqxx::work>(std::move(work));
  }

  /// The same, blocking the calling thread: for start-up and tools, never for a worker.
  template <typename Work>
  auto transact_blocking(Work work) -> std::invoke_result_t<Work&, pqxx::work&> {
    return run_blocking<pqxx::work>(std::move(work));
  }

  /// Runs `work(pqxx::nontransaction&)`, blocking, without BEGIN and COMMIT: for work of one
  /// statement that changes data, atomic on its own. Unlike transact_blocking(), a connection
  /// lost while the work runs is not retried (the statement may have committed): it throws
  /// StoreUnavailable.
  template <typename Work>
  auto autocommit_blocking(Work work) -> std::invoke_result_t<Work&, pqxx::nontransaction&> {
    return run_blocking<pqxx::nontransaction>(std::move(work), Repeatable::no);
  }

  /// Runs `work(pqxx::nontransaction&)` like transact(), but without BEGIN and COMMIT: for a
  /// single read statement, which is atomic on its own and then costs one round trip instead
  /// of three. Each statement of `work` sees its own snapshot.
  template <typename Work>
  auto read(Work work) -> asio::awaitable<std::invoke_result_t<Work&, pqxx::nontransaction&>> {
    return run_on_pool<pqxx::nontransaction>(std::move(work));
  }

  /// The connection string as given plus the timeouts added by the constructor. It may hold a
  /// password: never log it (see target()).
  const std::string& dsn() const { return dsn_; }
  /// Host, port, database and user of the DSN, without secrets: for logs and error messages.
  const std::string& target() const { return target_; }
  /// Waits for queued work and joins the store threads; transact() then throws
  /// StoreUnavailable. Call it after the callers have stopped: work posted concurrently with
  /// stop() may never run.
  void stop();

 private:
  struct Connection;

  /// Whether work whose connection was lost may run again.
  enum class Repeatable { yes, no };

  template <typename Transaction, typename Work>
  auto run_blocking(Work work, Repeatable repeatable = Repeatable::yes)
      -> std::invoke_result_t<Work&, Transaction&>;
  template <typename Transaction, typename Work>
  auto run_on_pool(Work work) -> asio::awaitable<std::invoke_result_t<Work&, Transaction&>>;

  /// Runs one job with this thread's connection, reconnecting as needed.
  void run_with_connection(const std::function<void(pqxx::connection&)>& job,
                           Repeatable repeatable);
  /// This thread's open connection, made on first use or after a loss.
  Connection& connection_for_this_thread();
  void drop_connection_of_this_thread();

  std::string dsn_;
  std::string target_;
  Logger& log_;
  std::atomic<bool> stopped_{false};
  /// False after a connection attempt failed, until one succeeds: transitions are logged once.
  std::atomic<bool> reachable_{true};
  // One connection per thread that runs work: the store threads, and callers of
  // transact_blocking(). Owned here rather than in thread_local storage so that they close
  // with this Database, and a later Database (tests make several) never inherits them.
  std::mutex connections_mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Connection>> connections_;
  asio::thread_pool pool_;
};

template <typename Transaction, typename Work>
auto Database::run_blocking(Work work, Repeatable repeatable)
    -> std::invoke_result_t<Work&, Transaction&> {
  using Result = std::invoke_result_t<Work&, Transaction&>;
  std::optional<std::conditional_t<std::is_void_v<Result>, bool, Result>> result;
  run_with_connection(
      [&](pqxx::connection& conn) {
        Transaction tx(conn);
        if constexpr (std::is_void_v<Result>) {
          work(tx);
          result = true;
        } else {
          result.emplace(work(tx));
        }
        tx.commit();
      },
      repeatable);
  if constexpr (!std::is_void_v<Result>) {
    return std::move(*result);
  }
}

namespace detail {
/// Turns the pool's optional-carrying completion into the caller's value.
template <typename Value>
asio::awaitable<Value> unwrap(asio::awaitable<std::optional<Value>> pending) {
  std::optional<Value> value = co_await std::move(pending);
  co_return std::move(*value);
}
inline asio::awaitable<void> unwrap_void(asio::awaitable<std::optional<bool>> pending) {
  co_await std::move(pending);
}
}  // namespace detail

// Not a coroutine itself: GCC 12 mishandles lambdas moved into coroutine frames (double frees),
// so the work travels as an argument of async_initiate and only detail::unwrap suspends.
template <typename Transaction, typename Work>
auto Database::run_on_pool(Work work)
    -> asio::awaitable<std::invoke_result_t<Work&, Transaction&>> {
  using Result = std::invoke_result_t<Work&, Transaction&>;
  using Value = std::conditional_t<std::is_void_v<Result>, bool, Result>;
  auto initiation = [this](auto handler, Work job) {
    if (stopped_) {
      auto executor = asio::get_associated_executor(handler);
      asio::post(executor, [handler = std::move(handler)]() mutable {
        std::move(handler)(
            std::make_exception_ptr(StoreUnavailable("the database connection pool is stopped")),
            std::optional<Value>());
      });
      return;
    }
    asio::post(pool_, [this, job = std::move(job), handler = std::move(handler)]() mutable {
      std::exception_ptr failure;
      std::optional<Value> value;
      try {
        if constexpr (std::is_void_v<Result>) {
          run_blocking<Transaction>(std::move(job));
          value = true;
        } else {
          value.emplace(run_blocking<Transaction>(std::move(job)));
        }
      } catch (...) {
        failure = std::current_exception();
      }
      auto executor = asio::get_associated_executor(handler);
      asio::post(executor,
                 [handler = std::move(handler), failure, value = std::move(value)]() mutable {
                   std::move(handler)(failure, std::move(value));
                 });
    });
  };
  auto pending = asio::async_initiate<decltype(asio::use_awaitable),
                                      void(std::exception_ptr, std::optional<Value>)>(
      std::move(initiation), asio::use_awaitable, std::move(work));
  if constexpr (std::is_void_v<Result>) {
    return detail::unwrap_void(std::move(pending));
  } else {
    return detail::unwrap<Value>(std::move(pending));
  }
}

}  // namespace stoa::store
