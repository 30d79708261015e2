#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <type_traits>

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
  Database(std::string dsn, unsigned threads, Logger& log);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs `work(pqxx::work&)` in one transaction on a store thread and commits it. A broken
  /// connection is reopened and the work retried once; other failures throw StoreUnavailable.
  template <typename Work>
  auto transact(Work work) -> asio::awaitable<std::invoke_result_t<Work&, pqxx::work&>>;

  /// The same, blocking the calling thread: for start-up and tools, never for a worker.
  template <typename Work>
  auto transact_blocking(Work work) -> std::invoke_result_t<Work&, pqxx::work&>;

  const std::string& dsn() const { return dsn_; }
  /// Waits for queued work and joins the store threads.
  void stop();

 private:
  /// Runs one job with this thread's connection, reconnecting as needed.
  void run_with_connection(const std::function<void(pqxx::connection&)>& job);

  std::string dsn_;
  Logger& log_;
  asio::thread_pool pool_;
};

template <typename Work>
auto Database::transact_blocking(Work work) -> std::invoke_result_t<Work&, pqxx::work&> {
  using Result = std::invoke_result_t<Work&, pqxx::work&>;
  std::optional<std::conditional_t<std::is_void_v<Result>, bool, Result>> result;
  std::exception_ptr failure;
  run_with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    if constexpr (std::is_void_v<Result>) {
      work(tx);
      result = true;
    } else {
      result.emplace(work(tx));
    }
    tx.commit();
  });
  if constexpr (!std::is_void_v<Result>) {
    return std::move(*result);
  }
}

template <typename Work>
auto Database::transact(Work work) -> asio::awaitable<std::invoke_result_t<Work&, pqxx::work&>> {
  using Result = std::invoke_result_t<Work&, pqxx::work&>;
  using Value = std::conditional_t<std::is_void_v<Result>, bool, Result>;
  auto caller = co_await asio::this_coro::executor;
  auto outcome = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                               void(std::exception_ptr, std::optional<Value>)>(
      [this, caller, work = std::move(work)](auto handler) mutable {
        asio::post(pool_, [this, caller, work = std::move(work),
                           handler = std::move(handler)]() mutable {
          std::exception_ptr failure;
          std::optional<Value> value;
          try {
            if constexpr (std::is_void_v<Result>) {
              transact_blocking(std::move(work));
              value = true;
            } else {
              value.emplace(transact_blocking(std::move(work)));
            }
          } catch (...) {
            failure = std::current_exception();
          }
          asio::post(caller, [handler = std::move(handler), failure,
                              value = std::move(value)]() mutable {
            std::move(handler)(failure, std::move(value));
          });
        });
      },
      asio::use_awaitable);
  if constexpr (!std::is_void_v<Result>) {
    co_return std::move(*outcome);
  }
}

}  // namespace stoa::store
