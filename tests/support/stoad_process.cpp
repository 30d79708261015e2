#include "tests/support/stoad_process.hpp"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/support/test_postgres.hpp"

namespace stoa::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Generous because the sanitizer build starts slowly on a loaded CI machine.
constexpr auto kReadyTimeout = 30s;
constexpr auto kStopGrace = 15s;
constexpr auto kStoactlTimeout = 30s;
/// The tail is for a human reading a failure; cap it so one long line cannot flood the output.
constexpr std::size_t kMaxTailChars = 24 * 1024;

using Sections = std::map<std::string, std::map<std::string, std::string>>;

void write_config(const std::filesystem::path& path, const Sections& sections,
                  const std::string& extra) {
  std::ofstream out(path);
  for (const auto& [section, keys] : sections) {
    out << '[' << section << "]\n";
    for (const auto& [key, value] : keys) {
      out << key << " = " << value << '\n';
    }
    out << '\n';
  }
  out << extra;
}

}  // namespace

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

StoadProcess::~StoadProcess() {
  if (process_) {
    const bool died_by_itself = !process_->running() && !stopped_on_purpose_;
    if (died_by_itself) {
      ADD_FAILURE() << "stoad died during the test: "
                    << describe_wait_status(process_->wait_status().value_or(-1));
    } else if (process_->running()) {
      const testing::AssertionResult stopped = stop();
      if (!stopped) {
        ADD_FAILURE() << stopped.message();
      }
    }
  }
  if (dir_.empty()) {
    return;
  }
  if (testing::Test::HasFailure()) {
    std::cerr << "---- stoad log tail (" << log_path().string() << ", directory kept) ----\n"
              << log_tail() << "---- end of stoad log ----\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

testing::AssertionResult StoadProcess::failure(const std::string& what) const {
  return testing::AssertionFailure()
         << what << "\n---- stoad log tail (" << log_path().string() << ") ----\n"
         << log_tail() << "---- end of stoad log ----";
}

testing::AssertionResult StoadProcess::start(const StoadSettings& overrides) {
  if (process_ && process_->running()) {
    return testing::AssertionFailure() << "stoad is already running";
  }
  if (testing::AssertionResult prepared = prepare(overrides); !prepared) {
    return prepared;
  }
  return launch();
}

testing::AssertionResult StoadProcess::prepare(const StoadSettings& overrides) {
  if (dir_.empty()) {
    // Short and fixed under /tmp: the admin socket path must fit in sockaddr_un.
    std::string pattern = "/tmp/stoa-wire-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      return testing::AssertionFailure() << "mkdtemp failed for " << pattern;
    }
    dir_ = pattern;
  }
  std::string dsn;
  try {
    dsn = create_test_database();
  } catch (const std::exception& e) {
    return testing::AssertionFailure() << "cannot create a test database: " << e.what();
  }
  Sections sections;
  sections["server"] = {{"domain", toml_string(domain_)},
                        {"workers", "2"},
                        {"data_dir", toml_string(dir_.string())},
                        {"log_level", toml_string("debug")},
                        {"ready_file", toml_string((dir_ / "ready").string())}};
  sections["c2s"] = {{"address", toml_string("127.0.0.1")},
                     {"port", "0"},
                     {"tls_address", toml_string("127.0.0.1")},
                     {"tls_port", "0"}};
  sections["database"] = {{"dsn", toml_string(dsn)}, {"pool_size", "2"}};
  sections["admin"] = {{"socket", toml_string(admin_socket().string())}};
  // Fast logins: the tests exercise SCRAM, not its cost.
  sections["auth"] = {{"scram_iterations", "4096"}};
  for (const auto& [name, value] : overrides) {
    const auto dot = name.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) {
      return testing::AssertionFailure()
             << "override '" << name << "' is not of the form section.key";
    }
    sections[name.substr(0, dot)][name.substr(dot + 1)] = value;
  }
  write_config(config_path(), sections, extra_config_);
  return testing::AssertionSuccess();
}

testing::AssertionResult StoadProcess::launch() {
  std::error_code ignored;
  std::filesystem::remove(dir_ / "ready", ignored);
  ports_.clear();
  stopped_on_purpose_ = false;
  try {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STOA_STOAD_PATH, "--config", config_path().string()},
        log_path().string());
  } catch (const std::exception& e) {
    return testing::AssertionFailure() << e.what();
  }
  const Clock::time_point deadline = Clock::now() + kReadyTimeout;
  while (!std::filesystem::exists(dir_ / "ready")) {
    if (!process_->running()) {
      return failure("stoad " + describe_wait_status(process_->wait_status().value_or(-1)) +
                     " before it was ready");
    }
    if (Clock::now() >= deadline) {
      process_->kill();
      stopped_on_purpose_ = true;
      return failure("stoad wrote no ready file within 30 s");
    }
    std::this_thread::sleep_for(20ms);
  }
  return read_ready_file();
}

testing::AssertionResult StoadProcess::read_ready_file() {
  std::ifstream in(dir_ / "ready");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    unsigned port = 0;
    if (!(fields >> name >> port) || port == 0 || port > 65535) {
      return failure("malformed line in the ready file: '" + line + "'");
    }
    ports_[name] = static_cast<std::uint16_t>(port);
  }
  if (ports_.empty()) {
    return failure("the ready file lists no listener");
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult StoadProcess::stop() {
  if (!process_) {
    return testing::AssertionFailure() << "stoad was never started";
  }
  if (!process_->running()) {
    stopped_on_purpose_ = true;
    return testing::AssertionFailure()
           << "stoad had already " << describe_wait_status(process_->wait_status().value_or(-1));
  }
  stopped_on_purpose_ = true;
  const Clock::time_point asked = Clock::now();
  const int status = process_->stop(kStopGrace);
  if (Clock::now() - asked >= kStopGrace) {
    return failure("stoad did not exit within 15 s of SIGTERM and was killed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return failure("stoad " + describe_wait_status(status) + " after SIGTERM");
  }
  return testing::AssertionSuccess();
}

void StoadProcess::kill9() {
  if (process_) {
    stopped_on_purpose_ = true;
    process_->kill();
  }
}

testing::AssertionResult StoadProcess::restart() {
  if (process_ && process_->running()) {
    if (testing::AssertionResult stopped = stop(); !stopped) {
      return stopped;
    }
  }
  if (dir_.empty()) {
    return testing::AssertionFailure() << "stoad was never started";
  }
  return launch();
}

bool StoadProcess::running() {
  return process_ && process_->running();
}

std::optional<std::uint16_t> StoadProcess::port(std::string_view listener) const {
  const auto it = ports_.find(listener);
  if (it == ports_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string StoadProcess::log_tail(std::size_t lines) const {
  std::ifstream in(log_path());
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) {
      tail.pop_front();
    }
  }
  std::string text;
  for (const std::string& l : tail) {
    text += l;
    text += '\n';
  }
  if (text.size() > kMaxTailChars) {
    text = "[...]" + text.substr(text.size() - kMaxTailChars);
  }
  return text;
}

CommandResult StoadProcess::stoactl(const std::vector<std::string>& args,
                                    std::string_view input) const {
  std::vector<std::string> argv{STOA_STOACTL_PATH, "--socket", admin_socket().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input, kStoactlTimeout);
}

testing::AssertionResult StoadProcess::add_user(const std::string& jid,
                                                const std::string& password) const {
  const CommandResult result = stoactl({"user", "add", jid}, password + "\n");
  if (result.exit_code != 0) {
    return testing::AssertionFailure() << "stoactl user add " << jid << ": " << result.describe();
  }
  return testing::AssertionSuccess();
}

}  // namespace stoa::test
