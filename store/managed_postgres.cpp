#include "store/managed_postgres.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>

namespace stoa::store {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSocketName = ".s.PGSQL.5432";
constexpr std::string_view kPackageBinRoot = "/usr/lib/postgresql";
// Bounds every pg_ctl wait; crash recovery of a big cluster can take minutes.
constexpr std::string_view kPgCtlTimeoutSeconds = "300";

bool is_safe_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '.' || c == '_' || c == '-' || c == '+';
}

fs::path checked_data_dir(fs::path dir) {
  if (!dir.is_absolute()) {
    throw std::invalid_argument("the managed PostgreSQL data directory must be an absolute path: " +
                                dir.string());
  }
  dir = dir.lexically_normal();
  if (!dir.has_filename()) {
    dir = dir.parent_path();  // "/a/b/" names "/a/b"
  }
  if (dir == dir.root_path()) {
    throw std::invalid_argument("the managed PostgreSQL data directory cannot be /");
  }
  // pg_ctl hands the path to /bin/sh, and it goes into PostgreSQL settings and DSNs: a path
  // that needs no quoting anywhere rules out injection and mis-parsing in all of them.
  const auto text = dir.string();
  if (!std::all_of(text.begin(), text.end(), is_safe_path_char)) {
    throw std::invalid_argument("the managed PostgreSQL data directory " + text +
                                " may only contain ASCII letters, digits and / . _ - +");
  }
  if (text.size() + 1 + kSocketName.size() >= sizeof(sockaddr_un::sun_path)) {
    throw std::invalid_argument("the managed PostgreSQL data directory " + text +
                                " is too long: its socket " + text + "/" +
                                std::string(kSocketName) + " must fit in " +
                                std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  }
  return dir;
}

std::string current_user_name() {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc = 0;
  while ((rc = getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (rc != 0 || found == nullptr) {
    throw std::runtime_error("user id " + std::to_string(geteuid()) +
                             " has no account name, which initdb needs for the cluster owner");
  }
  return entry.pw_name;
}

bool has_tools(const fs::path& dir) {
  return access((dir / "initdb").c_str(), X_OK) == 0 && access((dir / "pg_ctl").c_str(), X_OK) == 0;
}

std::string read_first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A cluster must be run by the major version that created it, so that version's binaries win;
// otherwise the newest installed.
fs::path find_bin_dir(const fs::path& configured, const fs::path& data_dir) {
  if (!configured.empty()) {
    if (!has_tools(configured)) {
      throw std::runtime_error(
          "no executable initdb and pg_ctl in the configured PostgreSQL "
          "bin directory " +
          configured.string());
    }
    return configured;
  }
  const fs::path root(kPackageBinRoot);
  auto version = read_first_line(data_dir / "PG_VERSION");
  if (!version.empty() && has_tools(root / version / "bin")) {
    return root / version / "bin";
  }
  fs::path best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.size() > 6 ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    long number = std::stol(name);
    if (number > best_version && has_tools(entry.path() / "bin")) {
      best_version = number;
      best = entry.path() / "bin";
    }
  }
  if (best.empty()) {
    throw std::runtime_error("no PostgreSQL server binaries (initdb, pg_ctl) under " +
                             root.string() +
                             "/<version>/bin: install the postgresql package, or set "
                             "postgres_bin_dir");
  }
  return best;
}

// libpq conninfo quoting: values with spaces, quotes or backslashes go in single quotes.
std::string conninfo_value(std::string_view value) {
  if (!value.empty() && value.find_first_of(" \t\n'\\") == std::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  return quoted + "'";
}

std::string exit_description(const ProcessResult& result) {
  if (result.signal != 0) {
    return "was killed by signal " + std::to_string(result.signal);
  }
  return "exited with code " + std::to_string(result.exit_code);
}

void make_directory(const fs::path& dir, mode_t mode) {
  if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create directory " + dir.string() + ": " +
                             std::strerror(errno));
  }
  // mkdir's mode is filtered by the umask; the intended mode matters here.
  if (chmod(dir.c_str(), mode) != 0) {
    throw std::runtime_error("cannot set the permissions of " + dir.string() + ": " +
                             std::strerror(errno));
  }
}

}  // namespace

ManagedPostgres::ManagedPostgres(fs::path data_dir, fs::path bin_dir, Logger& log,
                                 Durability durability)
    : data_dir_(checked_data_dir(std::move(data_dir))),
      bin_dir_(std::move(bin_dir)),
      log_(log),
      durability_(durability) {
  try {
    start_cluster();
  } catch (...) {
    try {
      stop_server();
    } catch (const std::exception& e) {
      log_.error("store", "could not stop PostgreSQL in ", data_dir_.string(), ": ", e.what());
    }
    release_lock();
    throw;
  }
}

ManagedPostgres::~ManagedPostgres() {
  try {
    stop();
  } catch (const std::exception& e) {
    log_.error("store", "could not stop the managed PostgreSQL server in ", data_dir_.string(),
               ": ", e.what());
  }
}

std::string ManagedPostgres::dsn_for(std::string_view database) const {
  return "host=" + conninfo_value(data_dir_.string()) + " port=" + std::to_string(kPort) +
         " dbname=" + conninfo_value(database) + " user=" + conninfo_value(owner_);
}

void ManagedPostgres::start_cluster() {
  if (geteuid() == 0) {
    service_account_ = lookup_identity("postgres");
    if (!service_account_) {
      throw std::runtime_error(
          "stoad runs as root, and PostgreSQL refuses to: the managed cluster must run as the "
          "'postgres' system account, which does not exist (the Debian postgresql package "
          "creates it)");
    }
    owner_ = service_account_->name;
  } else {
    owner_ = current_user_name();
  }
  prepare_parent_directory();
  lock_data_directory();
  bin_dir_ = find_bin_dir(bin_dir_, data_dir_);
  initialize();
  stop_leftover_server();
  start_server();
  dsn_ = dsn_for(kDatabase);
  create_database();
}

void ManagedPostgres::prepare_parent_directory() {
  const auto parent = data_dir_.parent_path();
  std::vector<fs::path> missing;
  for (auto dir = parent; !fs::exists(dir); dir = dir.parent_path()) {
    missing.push_back(dir);
  }
  // Private to the service account; as root, others may pass through (but not list) so that
  // the postgres account can reach its cluster below.
  const mode_t mode = service_account_ ? 0711 : 0700;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    make_directory(*it, mode);
  }
  if (!fs::is_directory(parent)) {
    throw std::runtime_error(parent.string() + " is not a directory");
  }
  if (service_account_ && !accessible_as(*service_account_, parent, X_OK)) {
    throw std::runtime_error(
        "the " + service_account_->name + " account cannot reach " + parent.string() +
        ": when stoad runs as root the managed PostgreSQL runs as " + service_account_->name +
        ", which needs search (x) permission on every parent directory of "
        "its data directory");
  }
}

void ManagedPostgres::lock_data_directory() {
  // Beside the data directory rather than in it: initdb wants an empty directory, and backups
  // of the cluster should not carry it. A crashed stoad's lock goes with its process.
  const auto lock_path = data_dir_.string() + ".lock";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0) {
    throw std::runtime_error("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw std::runtime_error("another process manages the PostgreSQL cluster in " +
                               data_dir_.string() + " (it holds " + lock_path + ")");
    }
    throw std::runtime_error("cannot lock " + lock_path + ": " + std::strerror(errno));
  }
}

void ManagedPostgres::initialize() {
  if (fs::exists(data_dir_ / "PG_VERSION")) {
    return;
  }
  if (fs::exists(data_dir_) && (!fs::is_directory(data_dir_) || !fs::is_empty(data_dir_))) {
    throw std::runtime_error(data_dir_.string() +
                             " exists but holds no PostgreSQL cluster (no PG_VERSION file); "
                             "refusing to initialize a cluster over its contents");
  }
  // initdb works in a staging directory that is renamed into place once complete, so that an
  // interrupted first start leaves no half-made cluster that would later look like a real one.
  const fs::path staging = data_dir_.string() + ".initdb";
  fs::remove_all(staging);
  make_directory(staging, 0700);
  if (service_account_ &&
      chown(staging.c_str(), service_account_->uid, service_account_->gid) != 0) {
    throw std::runtime_error("cannot hand " + staging.string() + " to the " +
                             service_account_->name + " account: " + std::strerror(errno));
  }
  log_.info("store", "creating a PostgreSQL cluster in ", data_dir_.string());
  // Trust on the local socket is safe because nobody else can reach it: the socket lives in
  // the 0700 data directory, owned by the account the server runs as, and only that account
  // and root (stoad) can traverse it. There is no TCP listener, and TCP is rejected anyway
  // should one ever be configured. The C locale gives byte-order collation, which glibc
  // upgrades cannot change under existing indexes; character classes come from C.UTF-8 so
  // that lower() and full-text search fold the case of every script, not only ASCII.
  std::vector<std::string> initdb = {tool("initdb"), "-D", staging.string(), "-U", owner_};
  initdb.insert(initdb.end(), {"--auth-local=trust", "--auth-host=reject", "-E", "UTF8",
                               "--locale=C", "--lc-ctype=C.UTF-8"});
  if (durability_ == Durability::none) {
    initdb.push_back("--no-sync");
  }
  run_tool(initdb, "initdb");
  if (fs::exists(data_dir_)) {
    fs::remove(data_dir_);  // empty, checked above
  }
  fs::rename(staging, data_dir_);
}

void ManagedPostgres::stop_leftover_server() {
  const auto pid_file = data_dir_ / "postmaster.pid";
  if (!fs::exists(pid_file)) {
    return;
  }
  long pid = 0;
  {
    std::ifstream in(pid_file);
    in >> pid;
  }
  // We hold the data directory lock, so a live postmaster here was left by a stoad that died
  // without stopping it. It is stopped and started again rather than reused, so that the
  // server runs with exactly the settings below (no TCP listener above all). A postmaster
  // always runs in its data directory, which tells it apart from an unrelated process that
  // got the same PID after a reboot: signalling that one would be a disaster.
  bool alive = pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
  bool ours = false;
  if (alive) {
    std::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    ours = !ec && fs::equivalent(cwd, data_dir_, ec);
  }
  if (ours) {
    log_.warn("store", "a PostgreSQL server (pid ", pid, ") was left running in ",
              data_dir_.string(), "; restarting it");
    run_tool({tool("pg_ctl"), "stop", "-D", data_dir_.string(), "-m", "fast", "-w", "-t",
              std::string(kPgCtlTimeoutSeconds)},
             "stopping the PostgreSQL server left running");
    return;
  }
  if (alive) {
    // PostgreSQL would refuse to start while the PID in its lock files is alive.
    log_.warn("store", "removing stale PostgreSQL lock files in ", data_dir_.string(),
              " (their pid ", pid, " now belongs to another process)");
    fs::remove(pid_file);
    fs::remove(data_dir_ / (std::string(kSocketName) + ".lock"));
    fs::remove(data_dir_ / kSocketName);
  }
}

void ManagedPostgres::start_server() {
  const auto dir = data_dir_.string();
  const auto startup_log = data_dir_ / "startup.log";
  // listen_addresses='': no TCP at all. The socket goes into the data directory itself (0700,
  // see initialize()). Once running, the server logs to data_dir/log, one file per weekday,
  // overwritten a week later; startup.log only gets what happens before that.
  std::string options = "-c listen_addresses='' -c unix_socket_directories=" + dir +
                        " -c unix_socket_permissions=0700 -c port=" + std::to_string(kPort) +
                        " -c logging_collector=on -c log_directory=log"
                        " -c log_filename=postgresql-%a.log -c log_truncate_on_rotation=on"
                        " -c log_rotation_age=1d -c log_rotation_size=0";
  if (durability_ == Durability::none) {
    options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  }
  const std::vector<std::string> argv = {tool("pg_ctl"),
                                         "start",
                                         "-D",
                                         dir,
                                         "-w",
                                         "-t",
                                         std::string(kPgCtlTimeoutSeconds),
                                         "-l",
                                         startup_log.string(),
                                         "-o",
                                         options};
  auto result = run_process(argv, service_account_);
  if (!result.succeeded()) {
    std::ifstream in(startup_log);
    std::stringstream server_log;
    server_log << in.rdbuf();
    auto server_tail = last_lines(server_log.str(), 10);
    log_.error("store", "pg_ctl start failed: ", describe_command(argv), " ",
               exit_description(result), "; its output:\n", last_lines(result.output, 50),
               "server log ", startup_log.string(), ":\n", server_tail);
    throw std::runtime_error("starting PostgreSQL failed: " + describe_command(argv) + " " +
                             exit_description(result) + ": " + last_lines(result.output, 5) +
                             server_tail);
  }
  running_ = true;
  log_.info("store", "PostgreSQL is running in ", dir, " (binaries ", bin_dir_.string(), ")");
}

void ManagedPostgres::create_database() {
  try {
    pqxx::connection admin(dsn_for("postgres"));
    pqxx::nontransaction tx(admin);
    if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", std::string(kDatabase))
            .empty()) {
      tx.exec("CREATE DATABASE " + tx.quote_name(std::string(kDatabase)));
      log_.info("store", "created the database ", kDatabase);
    }
  } catch (const pqxx::failure& e) {
    throw std::runtime_error("creating the " + std::string(kDatabase) +
                             " database in the managed PostgreSQL failed: " + e.what());
  }
}

void ManagedPostgres::stop() {
  std::exception_ptr failure;
  try {
    stop_server();
  } catch (...) {
    failure = std::current_exception();
  }
  release_lock();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

void ManagedPostgres::stop_server() {
  if (!running_) {
    return;
  }
  running_ = false;
  const auto dir = data_dir_.string();
  // pg_ctl status: 3 means no server is running (it crashed, or someone stopped it).
  if (run_process({tool("pg_ctl"), "status", "-D", dir}, service_account_).exit_code == 3) {
    log_.warn("store", "the managed PostgreSQL server in ", dir, " had already stopped");
    return;
  }
  // Fast: sessions are disconnected and the server shuts down cleanly, without waiting for
  // clients. Immediate (crash-like, recovered at next start) only if that fails.
  auto fast = run_process({tool("pg_ctl"), "stop", "-D", dir, "-m", "fast", "-w", "-t",
                           std::string(kPgCtlTimeoutSeconds)},
                          service_account_);
  if (fast.succeeded()) {
    log_.info("store", "PostgreSQL in ", dir, " stopped");
    return;
  }
  log_.error("store", "pg_ctl stop -m fast ", exit_description(fast), ":\n",
             last_lines(fast.output, 20), "trying an immediate shutdown");
  run_tool({tool("pg_ctl"), "stop", "-D", dir, "-m", "immediate", "-w", "-t",
            std::string(kPgCtlTimeoutSeconds)},
           "stopping PostgreSQL");
}

void ManagedPostgres::release_lock() {
  if (lock_fd_ >= 0) {
    close(lock_fd_);
    lock_fd_ = -1;
  }
}

void ManagedPostgres::run_tool(const std::vector<std::string>& argv, std::string_view step) {
  auto result = run_process(argv, service_account_);
  if (!result.succeeded()) {
    log_.error("store", step, " failed: ", describe_command(argv), " ", exit_description(result),
               "; its output:\n", last_lines(result.output, 50));
    throw std::runtime_error(std::string(step) + " failed: " + describe_command(argv) + " " +
                             exit_description(result) + ": " + last_lines(result.output, 5));
  }
}

std::string ManagedPostgres::tool(std::string_view name) const {
  return (bin_dir_ / name).string();
}

}  // namespace stoa::store
