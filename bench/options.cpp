#include "bench/options.hpp"

#include <charconv>
#include <optional>
#include <string_view>

#include "xmpp/jid.hpp"

namespace stoa::bench {
namespace {

unsigned parse_unsigned(std::string_view name, std::string_view text, unsigned low, unsigned high) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    throw UsageError(std::string(name) + " must be a whole number from " + std::to_string(low) +
                     " to " + std::to_string(high) + ", got '" + std::string(text) + "'");
  }
  return value;
}

// Servers answer with the prepared form of a JID ("Room1" comes back as "room1"), and the
// generator matches replies by text: prefixes are kept prepared.
std::string prepared_local_part(std::string_view name, std::string_view text) {
  std::optional<std::string> prepared = xmpp::nodeprep(text);
  if (!prepared) {
    throw UsageError(std::string(name) + " must be usable as a JID local part, got '" +
                     std::string(text) + "'");
  }
  return *prepared;
}

}  // namespace

std::string usage() {
  return "usage: stoa-bench --scenario FILE [--host 127.0.0.1] [--port 5222] [--domain DOMAIN]\n"
         "                  [--muc-domain MUCDOMAIN] [--tls none|starttls|direct]\n"
         "                  [--auth plain|scram-sha-1|scram-sha-256] [--user-prefix bench]\n"
         "                  [--password PASSWORD] [--room-prefix room] [--processes N]\n"
         "                  [--json OUT.json] [--server-pid PID] [--label NAME] [--users N]\n";
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      throw UsageError("");
    }
    if (i + 1 >= argc) {
      throw UsageError(std::string(arg) + " needs a value");
    }
    const std::string value = argv[++i];
    if (arg == "--scenario") {
      options.scenario_path = value;
    } else if (arg == "--host") {
      options.host = value;
    } else if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(parse_unsigned(arg, value, 1, 65535));
    } else if (arg == "--domain") {
      options.domain = value;
    } else if (arg == "--muc-domain") {
      options.muc_domain = value;
    } else if (arg == "--tls") {
      if (value == "none") {
        options.tls = TlsMode::none;
      } else if (value == "starttls") {
        options.tls = TlsMode::starttls;
      } else if (value == "direct") {
        options.tls = TlsMode::direct;
      } else {
        throw UsageError("--tls must be none, starttls or direct");
      }
    } else if (arg == "--auth") {
      if (value == "plain") {
        options.auth = AuthMode::plain;
      } else if (value == "scram-sha-1") {
        options.auth = AuthMode::scram_sha1;
      } else if (value == "scram-sha-256") {
        options.auth = AuthMode::scram_sha256;
      } else {
        throw UsageError("--auth must be plain, scram-sha-1 or scram-sha-256");
      }
    } else if (arg == "--user-prefix") {
      options.user_prefix = prepared_local_part(arg, value);
    } else if (arg == "--password") {
      options.password = value;
    } else if (arg == "--room-prefix") {
      options.room_prefix = prepared_local_part(arg, value);
    } else if (arg == "--processes") {
      options.processes = parse_unsigned(arg, value, 1, 256);
    } else if (arg == "--json") {
      options.json_path = value;
    } else if (arg == "--server-pid") {
      options.server_pid = static_cast<pid_t>(parse_unsigned(arg, value, 1, 1u << 30));
    } else if (arg == "--label") {
      options.label = value;
    } else if (arg == "--users") {
      options.users = parse_unsigned(arg, value, 1, 1'000'000);
    } else {
      throw UsageError("unknown option " + std::string(arg));
    }
  }
  if (options.scenario_path.empty()) {
    throw UsageError("--scenario is required");
  }
  if (options.muc_domain.empty()) {
    options.muc_domain = "conference." + options.domain;
  }
  if (options.user_prefix.empty() || options.room_prefix.empty() || options.password.empty()) {
    throw UsageError("--user-prefix, --room-prefix and --password must not be empty");
  }
  return options;
}

}  // namespace stoa::bench
