#include "xmpp/server/server.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/c2s_session.hpp"
#include "xmpp/server/connection_limit.hpp"
#include "xmpp/server/no_throw.hpp"
#include "xmpp/server/stream_writer.hpp"
#include "xmpp/server/tls_context.hpp"

namespace stoa::xmpp::server {
namespace {

// Descriptors kept free for the database pool, listeners, logs, the admin socket and stoactl.
constexpr unsigned kReservedDescriptors = 128;

// A flood would otherwise log one line per connection, when one a few seconds says it all.
constexpr std::chrono::seconds kAdmissionWarningInterval{10};

// How often the pacer reads the work delay and renews its allowance: short against the
// latencies it protects, long enough that waking the first worker for it costs nothing.
constexpr std::chrono::milliseconds kPacingTick{10};

unsigned worker_count(unsigned configured) {
  if (configured != 0) {
    return configured;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<std::unique_ptr<Shard>> make_shards(unsigned count) {
  std::vector<std::unique_ptr<Shard>> shards;
  for (unsigned i = 0; i < count; ++i) {
    shards.push_back(std::make_unique<Shard>(i));
  }
  return shards;
}

long current_rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

SessionRegistry::ConflictPolicy conflict_policy(const std::string& name) {
  return name == "refuse" ? SessionRegistry::ConflictPolicy::refuse
                          : SessionRegistry::ConflictPolicy::replace;
}

}  // namespace

Server::Server(const conf::ServerConfig& config, Logger& log, store::Database& db)
    : config_(config),
      log_(log),
      shards_(make_shards(worker_count(config.workers))),
      tls_(make_tls_context(config, log)),
      accounts_(db),
      registry_(conflict_policy(config.resource_conflict), config.max_resources_per_account),
      auth_limiter_(config.auth_failures_per_address, config.auth_failures_per_account,
                    std::chrono::seconds(config.auth_failure_window_seconds)),
      // The listeners accept on the first shard (start()).
      counters_(config.max_unauthenticated, shards_.front()->executor()),
      pacer_(std::chrono::milliseconds(config.admission_target_delay_ms)),
      backlog_warnings_(kAdmissionWarningInterval),
      refusal_warnings_(kAdmissionWarningInterval),
      router_(context_),
      context_{
          config,
          log,
          tls_,
          accounts_,
          registry_,
          router_,
          auth_limiter_,
          counters_,
          work_delay_,
          StreamLimits{config.max_stanza_bytes, config.max_xml_depth, config.max_xml_attributes},
          connection_capacity(config.max_connections, kReservedDescriptors, log),
          std::chrono::steady_clock::now()} {}

Server::~Server() {
  stop();
}

void Server::add_listener(std::string name, conf::Listener where, std::string content_xmlns,
                          SessionStarter starter) {
  added_listeners_.push_back(
      {std::move(name), std::move(where), std::move(content_xmlns), std::move(starter)});
}

void Server::start() {
  auto open = [&](const std::string& name, const conf::Listener& where, bool direct_tls,
                  std::string content_xmlns, SessionStarter starter) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address(where.address), where.port);
    auto listener = std::make_unique<Listener>(
        Listener{name, direct_tls, asio::ip::tcp::acceptor(shards_.front()->context()),
                 std::move(content_xmlns), std::move(starter)});
    listener->acceptor.open(endpoint.protocol());
    listener->acceptor.set_option(asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) {
      // "::" also accepts IPv4 clients.
      listener->acceptor.set_option(asio::ip::v6_only(false));
    }
    try {
      listener->acceptor.bind(endpoint);
      listener->acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const std::system_error& e) {
      throw std::runtime_error("cannot listen for " + name + " on [" + where.address +
                               "]:" + std::to_string(where.port) + ": " + e.code().message());
    }
    log_.info("server", name, " listening on [", where.address,
              "]:", listener->acceptor.local_endpoint().port());
    listeners_.push_back(std::move(listener));
  };
  auto client = [this](bool direct_tls) {
    return [this, direct_tls](asio::ip::tcp::socket socket, Shard& shard) {
      std::make_shared<C2sSession>(context_, shard, std::move(socket), direct_tls)->start();
    };
  };
  open("c2s", config_.c2s, false, std::string(ns::kClient), client(false));
  open("c2s_tls", config_.c2s_direct_tls, true, std::string(ns::kClient), client(true));
  for (ListenerSpec& added : added_listeners_) {
    open(added.name, added.where, false, std::move(added.content_xmlns), std::move(added.starter));
  }
  for (auto& listener : listeners_) {
    asio::co_spawn(shards_.front()->context(), accept_loop(*listener), asio::detached);
  }
  asio::co_spawn(shards_.front()->context(), admission_loop(), asio::detached);
  if (config_.admission_target_delay_ms > 0) {
    asio::co_spawn(shards_.front()->context(), pacing_loop(), asio::detached);
  }
  for (auto& shard : shards_) {
    shard->start();
  }
  log_.info("server", "serving ", config_.domain, " with ", shards_.size(), " workers");
}

void Server::write_ready_file() const {
  if (config_.ready_file.empty()) {
    return;
  }
  std::filesystem::path path(config_.ready_file);
  if (path.is_relative()) {
    path = std::filesystem::path(config_.data_dir) / path;
  }
  // Written beside and renamed, so that a reader never sees half a file.
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp);
    for (const auto& listener : listeners_) {
      out << listener->name << ' ' << listener->acceptor.local_endpoint().port() << '\n';
    }
  }
  std::filesystem::rename(temp, path);
}

asio::awaitable<void> Server::accept_loop(Listener& listener) {
  asio::steady_timer backoff(shards_.front()->context());
  while (listener.acceptor.is_open()) {
    auto [ec, socket] = co_await listener.acceptor.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted) {
      break;
    }
    if (ec) {
      // Out of descriptors (EMFILE/ENFILE): wait for some to free up rather than spin.
      log_.warn("server", listener.name, " accept failed: ", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    // Unlike unauthenticated streams (admission_loop), open connections leave without anyone's
    // help only when clients log out: past the descriptors the process can hold, refuse.
    if (counters_.open.load() >= context_.max_connections) {
      refuse(std::move(socket), listener, "the server is at its connection limit");
      continue;
    }
    // A waiting connection holds its descriptor as a served one does.
    ++counters_.open;
    waiting_.push_back(WaitingConnection{std::move(socket), &listener});
    counters_.unauthenticated.wake();
  }
}

asio::awaitable<void> Server::admission_loop() {
  // Accepting only to refuse would turn away clients that a moment's wait lets in, and leaving
  // them in the kernel's listen backlog (4096 at most by default) drops the SYNs of a larger
  // flood, which clients retry in step until they time out. So every connection is accepted,
  // and waits here unserved while every authentication slot is taken: the streams already
  // admitted keep the CPU their login deadline needs. Idle streams holding every slot are
  // closed by that deadline (limits.auth_timeout_seconds), which lets the queue move again.
  //
  // While the workers run behind, the pacer lets connections in more slowly (AdmissionPacer);
  // pacing_loop() wakes this loop each tick that brings a new allowance.
  while (!counters_.unauthenticated.is_closed()) {
    while (!waiting_.empty() && !counters_.unauthenticated.is_full() && pacer_.may_admit()) {
      WaitingConnection next = std::move(waiting_.front());
      waiting_.pop_front();
      admit(std::move(next.socket), *next.listener);
      pacer_.admitted();
    }
    const bool slots_full = counters_.unauthenticated.is_full();
    if (!waiting_.empty() && (slots_full || pacer_.slowed()) &&
        backlog_warnings_.record(std::chrono::steady_clock::now()) > 0) {
      if (slots_full) {
        log_.warn("server", counters_.unauthenticated.count(),
                  " streams are authenticating (limits.max_unauthenticated); ", waiting_.size(),
                  " connections wait to be served");
      } else {
        log_.warn("server", "the workers are behind (limits.admission_target_delay_ms); ",
                  waiting_.size(), " connections wait to be served, admitted at ",
                  static_cast<long>(pacer_.rate() * 1000 / kPacingTick.count()), "/s");
      }
    }
    co_await counters_.unauthenticated.wait_for_release();
  }
}

asio::awaitable<void> Server::pacing_loop() {
  asio::steady_timer tick(shards_.front()->context());
  while (!counters_.unauthenticated.is_closed()) {
    tick.expires_after(kPacingTick);
    co_await tick.async_wait(kNoThrow);
    pacer_.end_tick(work_delay_.take(), !waiting_.empty());
    if (!waiting_.empty()) {
      counters_.unauthenticated.wake();
    }
  }
}

void Server::admit(asio::ip::tcp::socket socket, const Listener& listener) {
  // Round-robin over the listeners; the descriptor moves to the chosen shard's context.
  Shard& shard = *shards_[next_shard_];
  next_shard_ = (next_shard_ + 1) % shards_.size();
  std::error_code move_error;
  auto protocol = socket.local_endpoint(move_error).protocol();
  asio::ip::tcp::socket moved(shard.context());
  if (!move_error) {
    moved.assign(protocol, socket.release(move_error), move_error);
  }
  if (move_error) {
    log_.warn("server", listener.name,
              " cannot hand a connection to a worker: ", move_error.message());
    --counters_.open;
    return;
  }
  std::error_code ignored;
  moved.set_option(asio::ip::tcp::no_delay(true), ignored);
  counters_.unauthenticated.take();
  listener.starter(std::move(moved), shard);
}

void Server::refuse(asio::ip::tcp::socket socket, const Listener& listener, const char* reason) {
  if (unsigned refused = refusal_warnings_.record(std::chrono::steady_clock::now())) {
    log_.warn("server", "refused ", refused, " connections since the last warning: ", reason);
  }
  if (!listener.direct_tls) {
    // Small enough for the socket buffer: a non-blocking write cannot stall the acceptor.
    std::string bye = stream_header(listener.content_xmlns, config_.domain, "refused") +
                      stream_error(StreamCondition::resource_constraint, reason);
    std::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(bye), ignored);
  }
  std::error_code ignored;
  socket.close(ignored);
}

void Server::disconnect_account(const std::string& username) {
  for (const BoundResource& r : registry_.resources(username + "@" + config_.domain)) {
    r.session->close(StreamCondition::not_authorized, "the account was deleted");
  }
}

void Server::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  for (auto& listener : listeners_) {
    asio::post(shards_.front()->context(), [&listener] {
      std::error_code ignored;
      listener->acceptor.close(ignored);
    });
  }
  // The admission loop wakes and stops.
  counters_.unauthenticated.close();
  registry_.for_each([](const BoundResource& r) {
    r.session->close(StreamCondition::system_shutdown, "the server is shutting down");
  });
  // Give the closing streams a moment to flush their stream errors.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The contexts stay alive (until the destructor): database work still in flight may post its
  // completion to them after this, and must find them.
  for (auto& shard : shards_) {
    shard->stop();
  }
  for (auto& shard : shards_) {
    shard->join();
  }
  registry_.clear();
}

std::vector<std::vector<std::string>> Server::status() const {
  std::vector<std::vector<std::string>> rows;
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 context_.started);
  rows.push_back({"domain", config_.domain});
  rows.push_back({"version", STOA_VERSION});
  rows.push_back({"uptime_seconds", std::to_string(uptime.count())});
  rows.push_back({"connections", std::to_string(counters_.open.load())});
  rows.push_back({"unauthenticated", std::to_string(counters_.unauthenticated.count())});
  rows.push_back({"bound_sessions", std::to_string(registry_.size())});
  rows.push_back({"connection_limit", std::to_string(context_.max_connections)});
  rows.push_back({"stanzas_received", std::to_string(counters_.stanzas_in.load())});
  for (const auto& shard : shards_) {
    rows.push_back({"worker_" + std::to_string(shard->index()) + "_connections",
                    std::to_string(shard->sessions.load())});
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  rows.push_back({"max_rss_kib", std::to_string(usage.ru_maxrss)});
  rows.push_back({"rss_kib", std::to_string(current_rss_kib())});
  return rows;
}

}  // namespace stoa::xmpp::server
