#include "conf/schema.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <type_traits>

namespace stoa::conf {

namespace {

constexpr std::array<std::string_view, 4> kLogLevels{"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 2> kResourceConflicts{"replace", "refuse"};
constexpr std::array<std::string_view, 3> kRoomCreation{"anyone", "admins", "list"};

// RFC 1035 caps a host name at 253 characters; a JID domainpart (RFC 7622) may not exceed it
// in practice, since it must resolve.
constexpr std::size_t kMaxDomainLength = 253;

bool is_space_or_control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f;
}

std::string check_domain(std::string_view domain) {
  if (domain.empty()) {
    return "must not be empty";
  }
  if (domain.size() > kMaxDomainLength) {
    return "is longer than 253 characters";
  }
  if (std::ranges::any_of(domain, is_space_or_control)) {
    return "must not contain spaces or control characters";
  }
  if (domain.find_first_of("@/") != std::string_view::npos) {
    return "must be a domain such as example.org, without '@' or '/'";
  }
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return "has an empty label (a leading, trailing or doubled '.')";
  }
  return "";
}

// Only the shape is checked here; nodeprep/nameprep happen where JIDs are parsed (xmpp/), so
// that conf/ needs no XMPP library.
std::string check_bare_jid(std::string_view jid) {
  auto at = jid.find('@');
  bool one_at = at != std::string_view::npos && jid.find('@', at + 1) == std::string_view::npos;
  if (!one_at || at == 0 || at + 1 == jid.size() || jid.find('/') != std::string_view::npos ||
      std::ranges::any_of(jid, is_space_or_control)) {
    return "\"" + std::string(jid) +
           "\" is not a bare JID: expected local@domain, without a resource or spaces";
  }
  return "";
}

std::string check_ip_address(std::string_view address) {
  std::string text(address);
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET6, text.c_str(), buffer) == 1 ||
      inet_pton(AF_INET, text.c_str(), buffer) == 1) {
    return "";
  }
  return "\"" + text + "\" is not an IP address (such as \"::\", \"0.0.0.0\" or \"127.0.0.1\")";
}

std::string check_not_empty(std::string_view value) {
  return value.empty() ? "must not be empty" : "";
}

template <typename Field>
OptionValue to_value(const Field& field) {
  if constexpr (std::is_same_v<Field, bool>) {
    return field;
  } else if constexpr (std::is_integral_v<Field>) {
    return static_cast<std::int64_t>(field);
  } else {
    return field;
  }
}

template <typename Field>
void from_value(const OptionValue& value, Field& field) {
  if constexpr (std::is_same_v<Field, bool>) {
    field = std::get<bool>(value);
  } else if constexpr (std::is_integral_v<Field>) {
    field = static_cast<Field>(std::get<std::int64_t>(value));
  } else {
    field = std::get<Field>(value);
  }
}

template <auto Member>
OptionValue get_field(const ServerConfig& config) {
  return to_value(config.*Member);
}

template <auto Member>
void set_field(ServerConfig& config, const OptionValue& value) {
  from_value(value, config.*Member);
}

template <auto Outer, auto Inner>
OptionValue get_nested(const ServerConfig& config) {
  return to_value((config.*Outer).*Inner);
}

template <auto Outer, auto Inner>
void set_nested(ServerConfig& config, const OptionValue& value) {
  from_value(value, (config.*Outer).*Inner);
}

void set_domain(ServerConfig& config, const OptionValue& value) {
  std::string domain = std::get<std::string>(value);
  std::ranges::transform(domain, domain.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  config.domain = std::move(domain);
}

OptionValue get_log_level(const ServerConfig& config) {
  for (std::string_view name : kLogLevels) {
    if (parse_log_level(name) == config.log_level) {
      return std::string(name);
    }
  }
  return std::string("info");
}

void set_log_level(ServerConfig& config, const OptionValue& value) {
  config.log_level = parse_log_level(std::get<std::string>(value)).value_or(LogLevel::info);
}

using enum OptionType;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;

constexpr std::array kOptions{
    // [server]
    Option{.key = "server.domain",
           .type = string,
           .doc = "The XMPP domain this server hosts (accounts are user@domain); lowercased.",
           .check = check_domain,
           .get = get_field<&ServerConfig::domain>,
           .set = set_domain},
    Option{.key = "server.admins",
           .type = string_array,
           .doc = "Bare JIDs (local@domain) of the service administrators.",
           .check = check_bare_jid,
           .get = get_field<&ServerConfig::admins>,
           .set = set_field<&ServerConfig::admins>},
    Option{.key = "server.workers",
           .type = integer,
           .doc = "Network threads; 0 means one per CPU core.",
           .min = 0,
           .max = 1024,
           .get = get_field<&ServerConfig::workers>,
           .set = set_field<&ServerConfig::workers>},
    Option{.key = "server.data_dir",
           .type = string,
           .doc = "Directory of the server's state: managed PostgreSQL cluster, generated TLS "
                  "certificate, admin socket.",
           .check = check_not_empty,
           .get = get_field<&ServerConfig::data_dir>,
           .set = set_field<&ServerConfig::data_dir>},
    Option{
        .key = "server.log_level",
        .type = string,
        .doc = "Least severe level written to stderr: \"debug\", \"info\", \"warn\" or \"error\".",
        .allowed = kLogLevels,
        .get = get_log_level,
        .set = set_log_level},
    Option{.key = "server.ready_file",
           .type = string,
           .doc = "File written once every listener accepts connections, one \"name port\" line "
                  "each; relative to data_dir; empty: none.",
           .get = get_field<&ServerConfig::ready_file>,
           .set = set_field<&ServerConfig::ready_file>},
    Option{.key = "server.memory_trim_seconds",
           .type = integer,
           .doc = "Seconds between two returns of freed heap memory to the operating system "
                  "(malloc_trim), which matters after many connections close at once; 0: never.",
           .min = 0,
           .max = 86400,
           .get = get_field<&ServerConfig::memory_trim_seconds>,
           .set = set_field<&ServerConfig::memory_trim_seconds>},
    // [c2s]
    Option{.key = "c2s.address",
           .type = string,
           .doc = "IP address of the client listener (STARTTLS); \"::\" is every address, IPv4 "
                  "included.",
           .check = check_ip_address,
           .get = get_nested<&ServerConfig::c2s, &Listener::address>,
           .set = set_nested<&ServerConfig::c2s, &Listener::address>},
    Option{.key = "c2s.port",
           .type = integer,
           .doc = "Port of the client listener (STARTTLS); 0 picks a free port.",
           .min = 0,
           .max = 65535,
           .get = get_nested<&ServerConfig::c2s, &Listener::port>,
           .set = set_nested<&ServerConfig::c2s, &Listener::port>},
    Option{.key = "c2s.tls_address",
           .type = string,
           .doc = "IP address of the direct TLS client listener (XEP-0368).",
           .check = check_ip_address,
           .get = get_nested<&ServerConfig::c2s_direct_tls, &Listener::address>,
           .set = set_nested<&ServerConfig::c2s_direct_tls, &Listener::address>},
    Option{.key = "c2s.tls_port",
           .type = integer,
           .doc = "Port of the direct TLS client listener (XEP-0368); 0 picks a free port.",
           .min = 0,
           .max = 65535,
           .get = get_nested<&ServerConfig::c2s_direct_tls, &Listener::port>,
           .set = set_nested<&ServerConfig::c2s_direct_tls, &Listener::port>},
    Option{.key = "c2s.require_tls",
           .type = boolean,
           .doc = "Refuse authentication on the STARTTLS listener until the stream is encrypted.",
           .get = get_field<&ServerConfig::require_tls>,
           .set = set_field<&ServerConfig::require_tls>},
    Option{.key = "c2s.resource_conflict",
           .type = string,
           .doc = "Binding a resource already in use: \"replace\" closes the old session, "
                  "\"refuse\" rejects the new bind.",
           .allowed = kResourceConflicts,
           .get = get_field<&ServerConfig::resource_conflict>,
           .set = set_field<&ServerConfig::resource_conflict>},
    // [tls]
    Option{.key = "tls.certificate",
           .type = string,
           .doc = "PEM certificate chain; empty (with key empty): a self-signed one is made in "
                  "data_dir.",
           .get = get_field<&ServerConfig::tls_certificate>,
           .set = set_field<&ServerConfig::tls_certificate>},
    Option{.key = "tls.key",
           .type = string,
           .doc = "PEM private key of the certificate; set both or neither.",
           .get = get_field<&ServerConfig::tls_key>,
           .set = set_field<&ServerConfig::tls_key>},
    // [limits]
    Option{.key = "limits.max_stanza_bytes",
           .type = integer,
           .doc = "Largest stanza accepted, in bytes; a larger one ends the stream.",
           .min = kKiB,
           .max = 64 * kMiB,
           .get = get_field<&ServerConfig::max_stanza_bytes>,
           .set = set_field<&ServerConfig::max_stanza_bytes>},
    Option{.key = "limits.max_xml_depth",
           .type = integer,
           .doc = "Deepest element nesting accepted in a stream.",
           .min = 8,
           .max = 1024,
           .get = get_field<&ServerConfig::max_xml_depth>,
           .set = set_field<&ServerConfig::max_xml_depth>},
    Option{.key = "limits.max_xml_attributes",
           .type = integer,
           .doc = "Most attributes accepted on one element.",
           .min = 8,
           .max = 1024,
           .get = get_field<&ServerConfig::max_xml_attributes>,
           .set = set_field<&ServerConfig::max_xml_attributes>},
    Option{.key = "limits.auth_timeout_seconds",
           .type = integer,
           .doc = "Seconds a new stream has to authenticate before it is closed.",
           .min = 1,
           .max = 3600,
           .get = get_field<&ServerConfig::auth_timeout_seconds>,
           .set = set_field<&ServerConfig::auth_timeout_seconds>},
    Option{.key = "limits.max_unauthenticated",
           .type = integer,
           .doc = "Streams not yet authenticated, server-wide; beyond it, new connections wait "
                  "until one authenticates or closes.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::max_unauthenticated>,
           .set = set_field<&ServerConfig::max_unauthenticated>},
    Option{.key = "limits.admission_target_delay_ms",
           .type = integer,
           .doc =
               "Milliseconds a stanza may wait for its room, or for the worker of the session it "
               "goes to, before new connections are let in more slowly, so that a login storm "
               "does not delay everyone; 0 admits at once.",
           .min = 0,
           .max = 60000,
           .get = get_field<&ServerConfig::admission_target_delay_ms>,
           .set = set_field<&ServerConfig::admission_target_delay_ms>},
    Option{.key = "limits.max_connections",
           .type = integer,
           .doc = "Client connections, server-wide; 0 derives it from the open-files limit.",
           .min = 0,
           .max = 10000000,
           .get = get_field<&ServerConfig::max_connections>,
           .set = set_field<&ServerConfig::max_connections>},
    Option{.key = "limits.send_queue_bytes",
           .type = integer,
           .doc = "Bytes queued for a slow reader before it is cut off; at least "
                  "max_stanza_bytes.",
           .min = 64 * kKiB,
           .max = 1024 * kMiB,
           .get = get_field<&ServerConfig::send_queue_bytes>,
           .set = set_field<&ServerConfig::send_queue_bytes>},
    Option{.key = "limits.max_resources_per_account",
           .type = integer,
           .doc = "Sessions one account may have bound at once.",
           .min = 1,
           .max = 1000,
           .get = get_field<&ServerConfig::max_resources_per_account>,
           .set = set_field<&ServerConfig::max_resources_per_account>},
    Option{.key = "limits.auth_failures_per_address",
           .type = integer,
           .doc = "Failed authentications allowed from one IP address per "
                  "auth_failure_window_seconds.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::auth_failures_per_address>,
           .set = set_field<&ServerConfig::auth_failures_per_address>},
    Option{.key = "limits.auth_failures_per_account",
           .type = integer,
           .doc = "Failed authentications allowed for one account per auth_failure_window_seconds.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::auth_failures_per_account>,
           .set = set_field<&ServerConfig::auth_failures_per_account>},
    Option{.key = "limits.auth_failure_window_seconds",
           .type = integer,
           .doc = "Seconds over which authentication failures are counted.",
           .min = 1,
           .max = 86400,
           .get = get_field<&ServerConfig::auth_failure_window_seconds>,
           .set = set_field<&ServerConfig::auth_failure_window_seconds>},
    Option{.key = "limits.max_roster_items",
           .type = integer,
           .doc = "Contacts one account's roster may hold.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::max_roster_items>,
           .set = set_field<&ServerConfig::max_roster_items>},
    // [ping]
    Option{.key = "ping.idle_ping_seconds",
           .type = integer,
           .doc = "Seconds of silence after which a session is pinged (XEP-0199); 0 disables.",
           .min = 0,
           .max = 86400,
           .get = get_field<&ServerConfig::idle_ping_seconds>,
           .set = set_field<&ServerConfig::idle_ping_seconds>},
    Option{.key = "ping.ping_timeout_seconds",
           .type = integer,
           .doc = "Seconds a pinged session has to answer before it is closed.",
           .min = 1,
           .max = 3600,
           .get = get_field<&ServerConfig::ping_timeout_seconds>,
           .set = set_field<&ServerConfig::ping_timeout_seconds>},
    // [database]
    Option{.key = "database.dsn",
           .type = string,
           .doc = "libpq connection string of an external PostgreSQL; empty: a managed cluster in "
                  "data_dir/postgresql.",
           .get = get_field<&ServerConfig::database_dsn>,
           .set = set_field<&ServerConfig::database_dsn>},
    Option{.key = "database.pool_size",
           .type = integer,
           .doc = "PostgreSQL connections, each on its own store thread.",
           .min = 1,
           .max = 64,
           .get = get_field<&ServerConfig::database_pool_size>,
           .set = set_field<&ServerConfig::database_pool_size>},
    Option{.key = "database.postgres_bin_dir",
           .type = string,
           .doc = "Directory of initdb and pg_ctl for the managed cluster; empty: searched for.",
           .get = get_field<&ServerConfig::postgres_bin_dir>,
           .set = set_field<&ServerConfig::postgres_bin_dir>},
    // [admin]
    Option{.key = "admin.socket",
           .type = string,
           .doc = "Unix socket stoactl talks to (mode 0600); empty: data_dir/stoad.sock.",
           .get = get_field<&ServerConfig::admin_socket>,
           .set = set_field<&ServerConfig::admin_socket>},
    // [auth]
    Option{.key = "auth.scram_iterations",
           .type = integer,
           .doc = "PBKDF2 iterations of newly stored SCRAM credentials (RFC 7677: at least 4096).",
           .min = 4096,
           .max = 1000000,
           .get = get_field<&ServerConfig::scram_iterations>,
           .set = set_field<&ServerConfig::scram_iterations>},
    // [muc]
    Option{.key = "muc.enabled",
           .type = boolean,
           .doc = "Run the multi-user chat service(s) (XEP-0045).",
           .get = get_field<&ServerConfig::muc_enabled>,
           .set = set_field<&ServerConfig::muc_enabled>},
    Option{.key = "muc.domains",
           .type = string_array,
           .doc = "Domains of the MUC services; empty: one service at \"conference.\" + "
                  "server.domain.",
           .check = check_domain,
           .get = get_field<&ServerConfig::muc_domains>,
           .set = set_field<&ServerConfig::muc_domains>},
    Option{.key = "muc.room_creation",
           .type = string,
           .doc = "Who may create rooms: \"anyone\" (every local user), \"admins\" or "
                  "\"list\" (admins and room_creators).",
           .allowed = kRoomCreation,
           .get = get_field<&ServerConfig::muc_room_creation>,
           .set = set_field<&ServerConfig::muc_room_creation>},
    Option{.key = "muc.room_creators",
           .type = string_array,
           .doc = "Bare JIDs that may create rooms when room_creation is \"list\".",
           .check = check_bare_jid,
           .get = get_field<&ServerConfig::muc_room_creators>,
           .set = set_field<&ServerConfig::muc_room_creators>},
    Option{.key = "muc.max_rooms_per_user",
           .type = integer,
           .doc = "Rooms one user may own at once (service admins are not limited).",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::muc_max_rooms_per_user>,
           .set = set_field<&ServerConfig::muc_max_rooms_per_user>},
    Option{.key = "muc.max_occupants_per_room",
           .type = integer,
           .doc = "Occupants one room may hold, whatever its own maxusers setting says.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::muc_max_occupants_per_room>,
           .set = set_field<&ServerConfig::muc_max_occupants_per_room>},
    Option{.key = "muc.participant_update_limit",
           .type = integer,
           .doc = "Above this many occupants, joins, leaves and presence changes of "
                  "non-moderators are sent to moderators only.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::muc_participant_update_limit>,
           .set = set_field<&ServerConfig::muc_participant_update_limit>},
    Option{.key = "muc.default_history",
           .type = integer,
           .doc = "Messages of history a new room sends on join (at most max_history).",
           .min = 0,
           .max = 10000,
           .get = get_field<&ServerConfig::muc_default_history>,
           .set = set_field<&ServerConfig::muc_default_history>},
    Option{.key = "muc.max_history",
           .type = integer,
           .doc = "The most messages of history a room may be configured to send on join.",
           .min = 0,
           .max = 10000,
           .get = get_field<&ServerConfig::muc_max_history>,
           .set = set_field<&ServerConfig::muc_max_history>},
    Option{.key = "muc.mam_max_page",
           .type = integer,
           .doc = "The most archive messages one MAM query returns; a larger <max/> is capped, "
                  "and a query without one gets this many.",
           .min = 1,
           .max = 10000,
           .get = get_field<&ServerConfig::muc_mam_max_page>,
           .set = set_field<&ServerConfig::muc_mam_max_page>},
    Option{.key = "muc.max_affiliations_per_room",
           .type = integer,
           .doc = "Owners, admins, members and outcasts one room may list.",
           .min = 1,
           .max = 10000000,
           .get = get_field<&ServerConfig::muc_max_affiliations_per_room>,
           .set = set_field<&ServerConfig::muc_max_affiliations_per_room>},
    Option{.key = "muc.retention_days",
           .type = integer,
           .doc = "Days the room archive keeps a message, for rooms that set no retention of "
                  "their own; 0 keeps messages forever.",
           .min = 0,
           .max = 36500,
           .get = get_field<&ServerConfig::muc_retention_days>,
           .set = set_field<&ServerConfig::muc_retention_days>},
    Option{.key = "muc.max_retention_days",
           .type = integer,
           .doc = "The longest retention, in days, that applies to any room; 0 for no limit.",
           .min = 0,
           .max = 36500,
           .get = get_field<&ServerConfig::muc_max_retention_days>,
           .set = set_field<&ServerConfig::muc_max_retention_days>},
    Option{.key = "muc.retention_interval",
           .type = integer,
           .doc = "Seconds between two runs of the archive retention job.",
           .min = 1,
           .max = 604800,
           .get = get_field<&ServerConfig::muc_retention_interval>,
           .set = set_field<&ServerConfig::muc_retention_interval>},
    Option{.key = "muc.retention_batch",
           .type = integer,
           .doc = "The most archive rows one retention delete statement removes.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::muc_retention_batch>,
           .set = set_field<&ServerConfig::muc_retention_batch>},
    Option{.key = "muc.mam_max_queries",
           .type = integer,
           .doc = "MAM queries (XEP-0313) under way at once, all rooms together; more are "
                  "answered resource-constraint.",
           .min = 1,
           .max = 10000,
           .get = get_field<&ServerConfig::muc_mam_max_queries>,
           .set = set_field<&ServerConfig::muc_mam_max_queries>},
    Option{.key = "muc.mam_count_limit",
           .type = integer,
           .doc = "Archive messages a MAM query counts at most for the RSM count; a result of "
                  "more comes without a count.",
           .min = 0,
           .max = 100000000,
           .get = get_field<&ServerConfig::muc_mam_count_limit>,
           .set = set_field<&ServerConfig::muc_mam_count_limit>},
    Option{.key = "muc.search_max_queries",
           .type = integer,
           .doc = "Searches across rooms (urn:stoa:search:0) under way at once; more are "
                  "answered resource-constraint.",
           .min = 1,
           .max = 10000,
           .get = get_field<&ServerConfig::muc_search_max_queries>,
           .set = set_field<&ServerConfig::muc_search_max_queries>},
    Option{.key = "muc.search_count_limit",
           .type = integer,
           .doc = "Matches a search across rooms counts at most for the RSM count; a result of "
                  "more comes without a count.",
           .min = 0,
           .max = 100000000,
           .get = get_field<&ServerConfig::muc_search_count_limit>,
           .set = set_field<&ServerConfig::muc_search_count_limit>},
    Option{.key = "muc.search_timeout_ms",
           .type = integer,
           .doc = "Milliseconds a search across rooms may run; a longer one is cancelled and "
                  "answered resource-constraint.",
           .min = 1,
           .max = 3600000,
           .get = get_field<&ServerConfig::muc_search_timeout_ms>,
           .set = set_field<&ServerConfig::muc_search_timeout_ms>},
    Option{.key = "archive.batch_max",
           .type = integer,
           .doc = "The most archive writes (messages, subject changes, compliance events) one "
                  "group-commit transaction takes.",
           .min = 1,
           .max = 5000,
           .get = get_field<&ServerConfig::archive_batch_max>,
           .set = set_field<&ServerConfig::archive_batch_max>},
    Option{.key = "archive.batch_delay_ms",
           .type = integer,
           .doc = "Milliseconds the first write of a batch waits for more before the commit "
                  "starts; 0 commits at once (writes arriving meanwhile form the next batch).",
           .min = 0,
           .max = 1000,
           .get = get_field<&ServerConfig::archive_batch_delay_ms>,
           .set = set_field<&ServerConfig::archive_batch_delay_ms>},
    Option{.key = "archive.retry_max_ms",
           .type = integer,
           .doc = "After a failed commit, writes are refused for a pause that doubles from 50 ms "
                  "up to this many milliseconds, then the database is tried again.",
           .min = 50,
           .max = 60000,
           .get = get_field<&ServerConfig::archive_retry_max_ms>,
           .set = set_field<&ServerConfig::archive_retry_max_ms>},
    Option{.key = "archive.max_pending_per_room",
           .type = integer,
           .doc = "The most messages of one room being stored at once: a room decides and "
                  "submits its next messages while earlier ones commit, and delivers each "
                  "only after its own commit, in order.",
           .min = 1,
           .max = 100000,
           .get = get_field<&ServerConfig::archive_max_pending_per_room>,
           .set = set_field<&ServerConfig::archive_max_pending_per_room>},
    // [components]
    Option{.key = "components.address",
           .type = string,
           .doc = "IP address of the component listener (XEP-0114); opened only when a "
                  "[[component]] is declared.",
           .check = check_ip_address,
           .get = get_nested<&ServerConfig::component_listener, &Listener::address>,
           .set = set_nested<&ServerConfig::component_listener, &Listener::address>},
    Option{.key = "components.port",
           .type = integer,
           .doc = "Port of the component listener (XEP-0114); 0 picks a free port.",
           .min = 0,
           .max = 65535,
           .get = get_nested<&ServerConfig::component_listener, &Listener::port>,
           .set = set_nested<&ServerConfig::component_listener, &Listener::port>},
    Option{.key = "components.compliance_window",
           .type = integer,
           .doc = "Compliance events sent to a component beyond the last one it acknowledged.",
           .min = 1,
           .max = 1000000,
           .get = get_field<&ServerConfig::compliance_window>,
           .set = set_field<&ServerConfig::compliance_window>},
    Option{.key = "components.outbox_warning",
           .type = integer,
           .doc = "A warning is logged while the compliance outbox holds more events than this.",
           .min = 1,
           .max = 1000000000,
           .get = get_field<&ServerConfig::compliance_outbox_warning>,
           .set = set_field<&ServerConfig::compliance_outbox_warning>},
    Option{.key = "components.poll_interval_ms",
           .type = integer,
           .doc = "Milliseconds between reads of the compliance outbox for events written by "
                  "other nodes.",
           .min = 10,
           .max = 60000,
           .get = get_field<&ServerConfig::compliance_poll_ms>,
           .set = set_field<&ServerConfig::compliance_poll_ms>},
};

template <auto Member>
OptionValue get_component_field(const ServerConfig& config, std::size_t index) {
  return to_value(config.components.at(index).*Member);
}

template <auto Member>
void set_component_field(ServerConfig& config, std::size_t index, const OptionValue& value) {
  from_value(value, config.components.at(index).*Member);
}

void set_component_name(ServerConfig& config, std::size_t index, const OptionValue& value) {
  std::string name = std::get<std::string>(value);
  std::ranges::transform(name, name.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  config.components.at(index).name = std::move(name);
}

constexpr std::array kComponentFields{
    TableField{.name = "name",
               .type = string,
               .doc = "The component's domain: the 'to' of its stream, and where stanzas for it "
                      "are sent; lowercased.",
               .required = true,
               .check = check_domain,
               .get = get_component_field<&ComponentConfig::name>,
               .set = set_component_name},
    TableField{.name = "secret",
               .type = string,
               .doc = "The shared secret of its handshake.",
               .required = true,
               .check = check_not_empty,
               .get = get_component_field<&ComponentConfig::secret>,
               .set = set_component_field<&ComponentConfig::secret>},
    TableField{.name = "compliance",
               .type = boolean,
               .doc = "May subscribe to every room event (urn:stoa:compliance:0); events are "
                      "kept until it acknowledges them.",
               .get = get_component_field<&ComponentConfig::compliance>,
               .set = set_component_field<&ComponentConfig::compliance>},
};

constexpr std::array kTableArrays{
    TableArray{.name = "component",
               .fields = kComponentFields,
               .unique_field = "name",
               .size = [](const ServerConfig& config) { return config.components.size(); },
               .append = [](ServerConfig& config) { config.components.emplace_back(); }},
};

void append_string_literal(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned char>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string_view Option::section() const {
  return key.substr(0, key.find('.'));
}

std::string_view Option::name() const {
  return key.substr(key.find('.') + 1);
}

std::span<const Option> options() {
  return kOptions;
}

const Option* find_option(std::string_view key) {
  auto found = std::ranges::find(kOptions, key, &Option::key);
  return found == kOptions.end() ? nullptr : &*found;
}

const TableField* TableArray::find_field(std::string_view field) const {
  auto found = std::ranges::find(fields, field, &TableField::name);
  return found == fields.end() ? nullptr : &*found;
}

std::span<const TableArray> table_arrays() {
  return kTableArrays;
}

const TableArray* find_table_array(std::string_view name) {
  auto found = std::ranges::find(kTableArrays, name, &TableArray::name);
  return found == kTableArrays.end() ? nullptr : &*found;
}

std::string_view describe(OptionType type) {
  switch (type) {
    case boolean:
      return "a boolean";
    case integer:
      return "an integer";
    case string:
      return "a string";
    case string_array:
      return "an array of strings";
  }
  return "a value";
}

std::string to_toml(const OptionValue& value) {
  std::string out;
  if (const auto* flag = std::get_if<bool>(&value)) {
    out = *flag ? "true" : "false";
  } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
    out = std::to_string(*number);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    append_string_literal(out, *text);
  } else {
    out = "[";
    const auto& items = std::get<std::vector<std::string>>(value);
    for (std::size_t i = 0; i < items.size(); ++i) {
      out += i == 0 ? "" : ", ";
      append_string_literal(out, items[i]);
    }
    out += "]";
  }
  return out;
}

}  // namespace stoa::conf
