#pragma once

// stoa-compliance against a real stoad: the component runs as a child process with its own
// configuration and database, and the tests compare what it stored with what stoad reported.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "compliance/event_store.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/test_postgres.hpp"
#include "tests/wire/component_wire_test.hpp"

namespace stoa::test {

/// Appends events to stoad's outbox the way stoad does (the counter row, then the rows, in one
/// transaction), on a thread of its own, until stopped: another node of the cluster posting.
/// Each event is a groupchat message whose body is "ev-<seq>".
class OutboxWriter {
 public:
  explicit OutboxWriter(std::string dsn) : dsn_(std::move(dsn)) {}
  ~OutboxWriter() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  /// Stops writing; returns the bodies of every event committed.
  std::vector<std::string> stop() {
    stopping_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::size_t written() {
    std::lock_guard lock(mutex_);
    return bodies_.size();
  }

 private:
  void run() {
    Logger log(LogLevel::error);
    store::Database db(dsn_, 1, log);
    while (!stopping_) {
      auto work = [](pqxx::work& tx) {
        auto last = tx.exec1(
                          "UPDATE compliance_sequence SET last_seq = last_seq + 5 "
                          "RETURNING last_seq")[0]
                        .as<std::int64_t>();
        tx.exec_params(
            "INSERT INTO compliance_outbox (seq, room, kind, at, actor_jid, actor_nick, payload) "
            "SELECT g, 'lobby@conference.localhost', 'message', now(), 'bob@localhost', 'Bob', "
            "'<message type=''groupchat''><body>ev-' || g || '</body></message>' "
            "FROM generate_series($1::bigint - 4, $1::bigint) AS g",
            last);
        return last;
      };
      std::int64_t last = db.transact_blocking(std::move(work));
      {
        std::lock_guard lock(mutex_);
        for (std::int64_t seq = last - 4; seq <= last; ++seq) {
          bodies_.push_back("ev-" + std::to_string(seq));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string dsn_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

class ComplianceE2eTest : public ComponentWireTest {
 protected:
  ~ComplianceE2eTest() override {
    if (component_) {
      component_->kill();
    }
    if (HasFailure() && !component_log_.empty()) {
      std::ifstream in(component_log_);
      std::string line;
      std::vector<std::string> lines;
      while (std::getline(in, line)) {
        lines.push_back(line);
      }
      std::string tail;
      for (std::size_t i = lines.size() > 60 ? lines.size() - 60 : 0; i < lines.size(); ++i) {
        tail += lines[i] + "\n";
      }
      std::cerr << "--- stoa-compliance log (tail) ---\n" << tail;
    }
  }

  /// stoad with both components declared, its component listener on a fixed free port so
  /// that the component finds it again after stoad restarts.
  testing::AssertionResult start_stoad() { return start_stoad_with_database(""); }

  /// The same on the database `dsn` (a fresh test database when empty). As
  /// start_with_components(), but on a port chosen here rather than 0, which a restart would
  /// change.
  testing::AssertionResult start_stoad_with_database(const std::string& dsn) {
    component_port_ = free_port();
    server_.append_config(
        "[[component]]\nname = " + toml_string(kComplianceComponent) +
        "\nsecret = " + toml_string(kComplianceSecret) +
        "\ncompliance = true\n\n[[component]]\nname = " + toml_string(kBridgeComponent) +
        "\nsecret = " + toml_string(kBridgeSecret) + "\n");
    StoadSettings settings{{"components.address", toml_string("127.0.0.1")},
                           {"components.port", std::to_string(component_port_)},
                           {"components.poll_interval_ms", "50"}};
    if (!dsn.empty()) {
      settings["database.dsn"] = toml_string(dsn);
    }
    return start_muc(settings);
  }

  /// On a started stoad: alice creates the instant room `room` as Alice, bob enters as Bob.
  testing::AssertionResult alice_and_bob_enter(XmppClient& alice, XmppClient& bob,
                                               std::string_view room) {
    if (testing::AssertionResult in = login(alice, kAlice); !in) {
      return in;
    }
    if (testing::AssertionResult created = create_instant_room(alice, room, "Alice"); !created) {
      return created;
    }
    if (testing::AssertionResult in = login(bob, kBob); !in) {
      return in;
    }
    if (!join(bob, room, "Bob")) {
      return testing::AssertionFailure() << "bob could not enter " << room;
    }
    return testing::AssertionSuccess();
  }

  /// Writes the component's configuration (its database: `dsn`, a fresh test database when
  /// empty) under stoad's data directory.
  void configure_component(std::string dsn = {}, const std::string& name = kComplianceComponent,
                           const std::string& secret = kComplianceSecret) {
    dsn_ = dsn.empty() ? create_test_database() : std::move(dsn);
    config_path_ = server_.data_dir() / "compliance.toml";
    component_log_ = server_.data_dir() / "compliance.log";
    std::ofstream out(config_path_);
    out << "[server]\ndomain = \"localhost\"\nhost = \"127.0.0.1\"\nport = " << component_port_
        << "\nreconnect_max_seconds = 1\n\n[component]\nname = " << toml_string(name)
        << "\nsecret = " << toml_string(secret)
        << "\ndata_dir = " << toml_string((server_.data_dir() / "compliance").string())
        << "\nlog_level = \"debug\"\nlag_log_seconds = 1\n\n[database]\ndsn = " << toml_string(dsn_)
        << "\n\n[ack]\nbatch_size = 50\ninterval_ms = 50\n";
  }

  void start_component() {
    component_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STOA_COMPLIANCE_PATH, "run", "--config", config_path_.string()},
        component_log_.string());
  }

  /// The component's log so far.
  std::string component_log() const {
    std::ifstream in(component_log_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  /// Every event in the compliance database, in sequence order.
  std::vector<compliance::Event> stored_events() {
    Logger log(LogLevel::error);
    store::Database db(dsn_, 1, log);
    compliance::EventStore store(db);
    std::vector<compliance::Event> events;
    try {
      store.for_each({}, compliance::EventOrder::by_seq,
                     [&](const compliance::Event& event) { events.push_back(event); });
    } catch (const std::exception&) {
      // Not migrated yet, or the database is down: nothing stored as far as the test can see.
    }
    return events;
  }

  /// Waits until stoad's outbox is empty and the compliance database holds its last event.
  testing::AssertionResult settled() {
    std::string last;
    std::size_t stored = 0;
    bool done = wait_until([&] {
      last = status_value("compliance_last_seq");
      if (last.empty() || last == "0" || status_value("compliance_outbox_events") != "0") {
        return false;
      }
      stored = stored_events().size();
      return std::to_string(stored) == last;
    });
    if (done) {
      return testing::AssertionSuccess();
    }
    return testing::AssertionFailure()
           << "not settled: stoad's last seq " << last << ", outbox "
           << status_value("compliance_outbox_events") << ", stored " << stored << ", "
           << status_value("compliance_" + kComplianceComponent);
  }

  /// The compliance database holds events 1..N, N being stoad's last, each once, and every
  /// body in `bodies` in exactly one message event.
  void expect_complete(const std::vector<std::string>& bodies) {
    std::vector<compliance::Event> events = stored_events();
    ASSERT_FALSE(events.empty());
    for (std::size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1)) << "a gap before this event";
    }
    EXPECT_EQ(std::to_string(events.size()), status_value("compliance_last_seq"));
    for (const std::string& body : bodies) {
      std::size_t copies = 0;
      for (const compliance::Event& event : events) {
        if (event.kind == "message" && event.payload.find(">" + body + "<") != std::string::npos) {
          ++copies;
        }
      }
      EXPECT_EQ(copies, 1u) << body;
    }
  }

  static std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(fd);
    return ntohs(address.sin_port);
  }

  std::uint16_t component_port_ = 0;
  std::string dsn_;
  std::filesystem::path config_path_;
  std::filesystem::path component_log_;
  std::unique_ptr<ChildProcess> component_;
};

}  // namespace stoa::test
