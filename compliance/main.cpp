// stoa-compliance: stores every room event stoad reports (docs/compliance-protocol.md) in its
// own database, and exports them.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "compliance/compliance_database.hpp"
#include "compliance/component.hpp"
#include "compliance/config.hpp"
#include "compliance/event_store.hpp"
#include "compliance/event_writer.hpp"
#include "compliance/export_format.hpp"
#include "compliance/export_options.hpp"

namespace {

using stoa::compliance::ComplianceDatabase;
using stoa::compliance::Config;

constexpr const char* kDefaultConfig = "/etc/stoa/stoa-compliance.toml";

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) {
  stop_requested = 1;
}

void print_usage() {
  std::cout << "usage: stoa-compliance [run] [--config FILE]\n"
               "       stoa-compliance --check-config FILE\n"
               "       stoa-compliance export [--config FILE] [--from TIME] [--to TIME]\n"
               "                              [--room ROOM] [--user JID] "
               "[--format xml|json|csv] [--out FILE]\n"
               "TIME is a date (2026-11-26, a whole day as --to) or an XEP-0082 time "
               "(2026-11-26T16:58:01Z).\n"
               "The default configuration is "
            << kDefaultConfig << ".\n";
}

std::optional<Config> load(const std::string& path) {
  auto result = stoa::compliance::load_config(path);
  if (const auto* errors = std::get_if<std::vector<stoa::conf::ConfigError>>(&result)) {
    for (const auto& error : *errors) {
      std::cerr << stoa::conf::format_error(error) << "\n";
    }
    return std::nullopt;
  }
  return std::get<Config>(result);
}

int run(const Config& config) {
  stoa::Logger log(config.log_level);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGPIPE, SIG_IGN);
  ComplianceDatabase database(config, ComplianceDatabase::Role::service, log);
  if (!database.migrate_with_retry(stop_requested, config.reconnect_max_seconds)) {
    return 0;
  }
  stoa::compliance::EventStore store(database.db());
  std::int64_t stored = store.highest_seq();
  log.info("compliance", "the database holds events up to ", stored);
  {
    stoa::compliance::EventWriter writer(store, log, stored,
                                         std::chrono::seconds(config.reconnect_max_seconds));
    stoa::compliance::Component component(config, writer, log);
    component.run(stop_requested);
  }
  log.info("compliance", "stopped");
  return 0;
}

int export_events(const stoa::compliance::ExportOptions& options) {
  auto config = load(options.config_path);
  if (!config) {
    return 2;
  }
  stoa::Logger log(stoa::LogLevel::warn);
  ComplianceDatabase database(*config, ComplianceDatabase::Role::reader, log);
  database.migrate();
  stoa::compliance::EventStore store(database.db());

  // A file is written beside its final name and renamed when complete, so that an export that
  // failed half-way never looks like a finished one.
  std::ofstream file;
  std::filesystem::path partial;
  if (!options.out.empty()) {
    partial = options.out + ".partial";
    file.open(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "stoa-compliance: cannot write " << partial.string() << "\n";
      return 1;
    }
  }
  std::ostream& out = options.out.empty() ? std::cout : file;
  auto writer = stoa::compliance::make_export_writer(options.format, out);
  std::size_t count = 0;
  store.for_each(options.filter, stoa::compliance::order_for(options.format),
                 [&](const stoa::compliance::Event& event) {
                   writer->write(event);
                   ++count;
                 });
  writer->finish();
  out.flush();
  if (!out) {
    std::cerr << "stoa-compliance: writing the export failed\n";
    return 1;
  }
  if (!options.out.empty()) {
    file.close();
    std::filesystem::rename(partial, options.out);
  }
  std::cerr << "stoa-compliance: exported " << count << " events\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "export") {
      auto parsed = stoa::compliance::parse_export_options(
          std::span<const std::string>(args).subspan(1), kDefaultConfig);
      if (const auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << "stoa-compliance export: " << *error << "\n";
        print_usage();
        return 2;
      }
      return export_events(std::get<stoa::compliance::ExportOptions>(parsed));
    }
    if (!args.empty() && args[0] == "run") {
      args.erase(args.begin());
    }
    std::string config_path = kDefaultConfig;
    bool check_only = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if ((args[i] == "--config" || args[i] == "--check-config") && i + 1 < args.size()) {
        check_only = check_only || args[i] == "--check-config";
        config_path = args[++i];
      } else if (args[i] == "--version") {
        std::cout << "stoa-compliance " << STOA_VERSION << "\n";
        return 0;
      } else if (args[i] == "--help" || args[i] == "-h") {
        print_usage();
        return 0;
      } else {
        std::cerr << "stoa-compliance: unknown argument '" << args[i] << "'\n";
        print_usage();
        return 2;
      }
    }
    auto config = load(config_path);
    if (!config) {
      return 2;
    }
    if (check_only) {
      std::cout << config_path << ": ok\n";
      return 0;
    }
    return run(*config);
  } catch (const std::exception& e) {
    std::cerr << "stoa-compliance: " << e.what() << "\n";
    return 1;
  }
}
