// stoactl: administers a running stoad through its admin socket (docs/stoactl.md).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "conf/loader.hpp"
#include "tools/admin_client.hpp"
#include "tools/row_output.hpp"
#include "tools/secret_input.hpp"
#include "xmpp/server/admin_protocol.hpp"

namespace stoa::tools {

namespace {

using xmpp::server::AdminCommandSpec;
using xmpp::server::AdminReply;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

constexpr std::string_view kDefaultConfigPath = "/etc/stoa/stoa.toml";
constexpr const char* kSocketEnvironment = "STOA_ADMIN_SOCKET";

/// The command line is wrong; the message says how.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::optional<std::string> socket;
  std::optional<std::string> config;
  bool help = false;
  std::vector<std::string> words;  ///< the command and its arguments
};

constexpr std::string_view kSynopsis =
    "usage: stoactl [--socket PATH | --config FILE] COMMAND [ARGUMENT...]\n";
constexpr std::string_view kPasswordNote =
    "Passwords are never taken from the command line: stoactl asks for them on the\n"
    "terminal, or reads one line from standard input.\n";

/// The commands this stoactl was built with, shown when stoad cannot be asked for its own.
const std::vector<AdminCommandSpec>& builtin_commands() {
  static const std::vector<AdminCommandSpec> commands{
      {"help", "", "[GROUP]", "List the commands, or those of one group", false},
      {"message", "remove", "ROOM ID [--replace] [TEXT]",
       "Take an archived message down (a tombstone), or replace its text with TEXT", false},
      {"room", "clear", "ROOM --before DATE",
       "Delete a room's archived messages older than DATE (XEP-0082 date or date-time)", false},
      {"status", "", "", "Show the server's state and counters", false},
      {"user", "add", "JID PASSWORD", "Create an account", true},
      {"user", "add-bulk", "PREFIX COUNT PASSWORD",
       "Create accounts PREFIX1..PREFIXCOUNT with one password, for load tests", true},
      {"user", "del", "JID", "Delete an account and close its sessions", false},
      {"user", "list", "", "List the accounts", false},
      {"user", "passwd", "JID PASSWORD", "Set an account's password", true},
  };
  return commands;
}

Options parse_options(int argc, char** argv) {
  Options options;
  int i = 1;
  auto value_of = [&](std::string_view arg, std::string_view name) -> std::optional<std::string> {
    if (arg == name) {
      if (i + 1 >= argc) {
        throw UsageError(std::string(name) + " needs a value");
      }
      return std::string(argv[++i]);
    }
    if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
      return std::string(arg.substr(name.size() + 1));
    }
    return std::nullopt;
  };
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (!arg.starts_with("-")) {
      break;
    }
    if (arg == "-h" || arg == "--help") {
      options.help = true;
    } else if (auto socket = value_of(arg, "--socket")) {
      options.socket = std::move(socket);
    } else if (auto config = value_of(arg, "--config")) {
      options.config = std::move(config);
    } else {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    }
  }
  if (options.socket && options.config) {
    throw UsageError("give --socket or --config, not both");
  }
  options.words.assign(argv + i, argv + argc);
  return options;
}

std::string socket_from_config(const std::filesystem::path& path) {
  conf::LoadResult result = conf::load_config(path);
  if (!result.ok()) {
    std::string message = "invalid configuration:";
    for (const auto& error : result.errors()) {
      message += "\n  " + conf::format_error(error);
    }
    throw UsageError(message);
  }
  return xmpp::server::resolve_admin_socket_path(result.config().admin_socket,
                                                 result.config().data_dir);
}

/// The first of: --socket, the socket of --config, $STOA_ADMIN_SOCKET, the socket of the default
/// configuration file when there is one, the default socket path.
std::string admin_socket_path(const Options& options) {
  if (options.socket) {
    return *options.socket;
  }
  if (options.config) {
    return socket_from_config(*options.config);
  }
  if (const char* from_environment = std::getenv(kSocketEnvironment);
      from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  std::error_code ignored;
  if (std::filesystem::exists(kDefaultConfigPath, ignored)) {
    return socket_from_config(kDefaultConfigPath);
  }
  conf::ServerConfig defaults;
  return xmpp::server::resolve_admin_socket_path(defaults.admin_socket, defaults.data_dir);
}

std::string last_word(std::string_view usage) {
  std::string_view word = usage.substr(usage.rfind(' ') + 1);
  if (word.size() >= 2 && word.front() == '[' && word.back() == ']') {
    word = word.substr(1, word.size() - 2);
  }
  return std::string(word);
}

std::string lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return text;
}

/// The synopsis as typed at stoactl: a secret argument is asked for, so it is not shown.
std::string typed_synopsis(const AdminCommandSpec& spec) {
  std::string usage = spec.usage;
  if (spec.secret_last_argument) {
    auto space = usage.rfind(' ');
    usage = space == std::string::npos ? std::string() : usage.substr(0, space);
  }
  return usage.empty() ? spec.name() : spec.name() + " " + usage;
}

void print_commands(std::FILE* out, const std::vector<AdminCommandSpec>& commands) {
  Rows rows;
  for (const auto& spec : commands) {
    std::string summary = spec.summary;
    if (spec.secret_last_argument) {
      summary += " (asks for the " + lowercase(last_word(spec.usage)) + ")";
    }
    rows.push_back({typed_synopsis(spec), summary});
  }
  print_aligned(out, rows, "  ");
}

void print_local_usage(std::FILE* out) {
  conf::ServerConfig defaults;
  std::string default_socket =
      xmpp::server::resolve_admin_socket_path(defaults.admin_socket, defaults.data_dir);
  std::fprintf(out, "%.*s", static_cast<int>(kSynopsis.size()), kSynopsis.data());
  std::fprintf(out,
               "\n"
               "Talks to a running stoad over its admin socket: --socket PATH, else the one of\n"
               "--config FILE, else $%s, else the one of %.*s when it\n"
               "exists, else %s.\n"
               "\n"
               "Commands of this stoactl (`stoactl help` asks stoad for all of its own):\n",
               kSocketEnvironment, static_cast<int>(kDefaultConfigPath.size()),
               kDefaultConfigPath.data(), default_socket.c_str());
  print_commands(out, builtin_commands());
  std::fprintf(out,
               "\n%.*s"
               "Exit status: 0 done, 1 stoad reported an error, 2 usage error, 3 stoad not "
               "reachable.\n",
               static_cast<int>(kPasswordNote.size()), kPasswordNote.data());
}

std::vector<AdminCommandSpec> specs_of(const AdminReply& reply) {
  std::vector<AdminCommandSpec> specs;
  for (const auto& row : reply.rows) {
    if (auto spec = xmpp::server::from_help_row(row)) {
      specs.push_back(std::move(*spec));
    }
  }
  return specs;
}

int report_error(const std::string& message, int exit_code) {
  std::fprintf(stderr, "stoactl: error: %s\n", message.c_str());
  return exit_code;
}

int run_help(const Options& options, const std::string& socket_path) {
  std::optional<AdminClient> client;
  try {
    client.emplace(socket_path);
  } catch (const AdminUnreachable& e) {
    std::fprintf(stderr, "stoactl: %s\n\n", e.what());
    print_local_usage(stdout);
    return kExitOk;
  }
  AdminReply reply = client->request(options.words);
  if (reply.error) {
    return report_error(*reply.error, kExitFailed);
  }
  std::printf("%.*s\nCommands of the stoad at %s:\n", static_cast<int>(kSynopsis.size()),
              kSynopsis.data(), socket_path.c_str());
  print_commands(stdout, specs_of(reply));
  std::printf("\n%.*s", static_cast<int>(kPasswordNote.size()), kPasswordNote.data());
  return kExitOk;
}

/// The spec stoad would dispatch `words` to, the way it matches them (two words first).
std::optional<AdminCommandSpec> find_spec(const std::vector<AdminCommandSpec>& specs,
                                          const std::vector<std::string>& words) {
  for (const auto& spec : specs) {
    if (words.size() >= 2 && spec.group == words[0] && spec.verb == words[1]) {
      return spec;
    }
  }
  for (const auto& spec : specs) {
    if (spec.group == words[0] && spec.verb.empty()) {
      return spec;
    }
  }
  return std::nullopt;
}

/// Appends the secret argument of `spec`, read from the terminal or stdin, to `words`.
void add_secret(const AdminCommandSpec& spec, std::vector<std::string>& words) {
  std::size_t given = words.size() - (spec.verb.empty() ? 1 : 2);
  auto arity = xmpp::server::admin_usage_arity(spec.usage);
  std::string name = lowercase(last_word(spec.usage));
  if (given >= arity.min) {
    throw UsageError("the " + name +
                     " is not accepted on the command line, where ps and shell history would "
                     "show it; stoactl asks for it, or reads it from standard input");
  }
  if (given + 1 < arity.min) {
    throw UsageError("usage: stoactl " + typed_synopsis(spec));
  }
  words.push_back(read_secret(name));
}

int run_command(const Options& options, const std::string& socket_path) {
  AdminClient client(socket_path);
  std::vector<std::string> words = options.words;
  // Ask which commands take a secret, so that stoactl knows without being rebuilt when stoad
  // gains commands.
  AdminReply help = client.request({"help"});
  if (!help.error) {
    auto spec = find_spec(specs_of(help), words);
    if (spec && spec->secret_last_argument) {
      add_secret(*spec, words);
    }
  }
  AdminReply reply = client.request(words);
  if (reply.error) {
    return report_error(*reply.error, kExitFailed);
  }
  if (::isatty(STDOUT_FILENO)) {
    print_aligned(stdout, reply.rows);
  } else {
    print_tab_separated(stdout, reply.rows);
  }
  return kExitOk;
}

int run(int argc, char** argv) {
  try {
    Options options = parse_options(argc, argv);
    if (options.help) {
      print_local_usage(stdout);
      return kExitOk;
    }
    if (options.words.empty()) {
      print_local_usage(stderr);
      return kExitUsage;
    }
    std::string socket_path = admin_socket_path(options);
    if (options.words[0] == "help") {
      return run_help(options, socket_path);
    }
    return run_command(options, socket_path);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "stoactl: %s\n", e.what());
    return kExitUsage;
  } catch (const AdminUnreachable& e) {
    std::fprintf(stderr, "stoactl: %s\n", e.what());
    return kExitUnreachable;
  } catch (const std::exception& e) {
    return report_error(e.what(), kExitFailed);
  }
}

}  // namespace

}  // namespace stoa::tools

int main(int argc, char** argv) {
  return stoa::tools::run(argc, argv);
}
