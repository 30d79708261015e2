// stoad: the Stoa XMPP server.

#include <sys/stat.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "conf/loader.hpp"
#include "store/database.hpp"
#include "store/managed_postgres.hpp"
#include "store/migrations.hpp"
#include "xmpp/server/admin_account_commands.hpp"
#include "xmpp/server/admin_room_commands.hpp"
#include "xmpp/server/admin_server.hpp"
#include "xmpp/server/archive_retention.hpp"
#include "xmpp/server/carbons.hpp"
#include "xmpp/server/component_hub.hpp"
#include "xmpp/server/memory_trim.hpp"
#include "xmpp/server/muc_module.hpp"
#include "xmpp/server/roster_module.hpp"
#include "xmpp/server/server.hpp"
#include "xmpp/server/server_info_handlers.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/stoa/stoa.toml";

void print_usage() {
  std::cout << "usage: stoad [--config FILE] [--check-config] [--print-pending-migrations]\n"
               "             [--version]\n"
               "  --config FILE               configuration file (default "
            << kDefaultConfig
            << ")\n"
               "  --check-config              validate the configuration and exit\n"
               "  --print-pending-migrations  list database migrations not yet applied and exit\n";
}

struct Options {
  std::string config_path = kDefaultConfig;
  bool check_only = false;
  bool print_pending = false;
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      options.config_path = argv[++i];
    } else if (arg == "--check-config") {
      options.check_only = true;
      // Also accepted as "--check-config FILE".
      if (i + 1 < argc && argv[i + 1][0] != '-') {
        options.config_path = argv[++i];
      }
    } else if (arg == "--print-pending-migrations") {
      options.print_pending = true;
    } else if (arg == "--version") {
      std::cout << "stoad " << STOA_VERSION << "\n";
      std::exit(0);
    } else if (arg == "--help" || arg == "-h") {
      print_usage();
      std::exit(0);
    } else {
      std::cerr << "stoad: unknown argument '" << arg << "'\n";
      print_usage();
      return std::nullopt;
    }
  }
  return options;
}

int run(const Options& options, const stoa::conf::ServerConfig& config) {
  stoa::Logger log(config.log_level);
  // Signals are caught from the start: a SIGTERM during start-up (e.g. while the managed
  // PostgreSQL starts) is handled once the main loop runs, and never kills stoad half-started.
  asio::io_context main_context;
  asio::signal_set signals(main_context, SIGINT, SIGTERM);
  std::filesystem::create_directories(config.data_dir);
  // Others may traverse but not list it: the managed cluster's postgres account must reach its
  // own directory inside; the secrets in here (TLS key, cluster, admin socket) are 0600/0700.
  ::chmod(config.data_dir.c_str(), 0711);

  std::optional<stoa::store::ManagedPostgres> managed;
  std::string dsn = config.database_dsn;
  if (dsn.empty()) {
    managed.emplace(std::filesystem::path(config.data_dir) / "postgresql", config.postgres_bin_dir,
                    log);
    dsn = managed->dsn();
  }
  stoa::store::Database db(dsn, config.database_pool_size, log);
  if (options.print_pending) {
    for (const auto& migration : stoa::store::pending_migrations(db)) {
      std::cout << migration.name << "\n";
    }
    return 0;
  }
  stoa::store::apply_migrations(db, log);

  stoa::xmpp::server::Server server(config, log, db);
  stoa::xmpp::server::add_server_info_handlers(server.router());
  stoa::xmpp::server::carbons::install(server.router(), server.registry());
  auto roster = stoa::xmpp::server::install_roster_and_presence(server, db, config, log);
  auto muc = stoa::xmpp::server::install_muc(server, db, config, log, roster->presence());
  auto components = stoa::xmpp::server::install_components(server, db, config, log);
  // Compliance components hear of committed events at once rather than at the next poll. The
  // guard unhooks them before `components` goes, since the writer lives on in `muc`.
  struct UnhookCommits {
    stoa::store::ArchiveWriter* writer;
    ~UnhookCommits() {
      if (writer != nullptr) {
        writer->set_commit_listener({});
      }
    }
  } unhook_commits{nullptr};
  if (muc && components && components->streamer()) {
    unhook_commits.writer = &muc->writer();
    muc->writer().set_commit_listener([streamer = components->streamer()](std::int64_t last_seq) {
      streamer->notify_committed(last_seq);
    });
  }
  // Destroyed before the modules above, also when an exception unwinds: sessions closing in
  // Server::stop() still call into the roster and MUC modules.
  struct StopServerFirst {
    stoa::xmpp::server::Server& server;
    ~StopServerFirst() { server.stop(); }
  } stop_server_first{server};

  stoa::xmpp::server::AdminServer admin(
      main_context.get_executor(),
      stoa::xmpp::server::resolve_admin_socket_path(config.admin_socket, config.data_dir), log);
  stoa::xmpp::server::register_account_commands(
      admin, server.accounts(), db, config,
      [&server](const std::string& username) { server.disconnect_account(username); });
  stoa::xmpp::server::register_status_command(admin, [&server, &components] {
    auto rows = server.status();
    if (components) {
      components->append_status(rows);
    }
    return rows;
  });

  std::unique_ptr<stoa::xmpp::server::ArchiveRetention> retention;
  if (muc) {
    stoa::xmpp::server::register_room_commands(admin, *muc);
    retention = std::make_unique<stoa::xmpp::server::ArchiveRetention>(main_context.get_executor(),
                                                                       muc->store(), config, log);
  }

  stoa::xmpp::server::MemoryTrim memory_trim(main_context.get_executor(),
                                             std::chrono::seconds(config.memory_trim_seconds), log);

  server.start();
  admin.start();
  if (retention) {
    retention->start();
  }
  memory_trim.start();
  server.write_ready_file();
  signals.async_wait([&](const std::error_code&, int signal) {
    log.info("stoad", "received signal ", signal, ", shutting down");
    admin.stop();
    memory_trim.stop();
    main_context.stop();
  });
  main_context.run();

  server.stop();
  db.stop();
  if (managed) {
    managed->stop();
  }
  log.info("stoad", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    return 2;
  }
  stoa::conf::LoadResult loaded = stoa::conf::load_config(options->config_path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors()) {
      std::cerr << "stoad: " << stoa::conf::format_error(error) << "\n";
    }
    return 2;
  }
  if (options->check_only) {
    std::cout << options->config_path << ": configuration OK\n";
    return 0;
  }
  try {
    return run(*options, loaded.config());
  } catch (const std::exception& e) {
    std::cerr << "stoad: fatal: " << e.what() << "\n";
    return 1;
  }
}
