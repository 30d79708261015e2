#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/log.hpp"

namespace stoa::conf {

/// Where a listener binds.
struct Listener {
  std::string address;  ///< IP literal; "::" listens on every address, IPv4 included
  std::uint16_t port;   ///< 0 picks a free port (tests), reported in the log and the ready file

  bool operator==(const Listener&) const = default;
};

/// A component allowed to connect over XEP-0114: one [[component]] table.
struct ComponentConfig {
  std::string name;         ///< its domain: the stream's 'to', and where stanzas for it go
  std::string secret;       ///< the handshake secret
  bool compliance = false;  ///< may subscribe to every room event (urn:stoa:compliance:0)

  bool operator==(const ComponentConfig&) const = default;
};

/// Typed, validated server configuration. Every default here matches conf/stoa.toml (a unit
/// test holds them together); conf/schema.cpp declares the key, bounds and doc text of each field.
struct ServerConfig {
  // [server]
  std::string domain = "localhost";
  std::vector<std::string> admins;  ///< bare JIDs of service administrators
  unsigned workers = 0;             ///< network threads; 0 means one per core
  std::string data_dir = "/var/lib/stoa";
  LogLevel log_level = LogLevel::info;
  /// A file stoad writes once it accepts connections: one "name port" line per listener.
  /// Empty disables it. Relative paths are under data_dir.
  std::string ready_file;
  /// Seconds between two returns of freed heap memory to the system; 0: never.
  unsigned memory_trim_seconds = 60;

  // [c2s]
  Listener c2s{"::", 5222};             ///< STARTTLS
  Listener c2s_direct_tls{"::", 5223};  ///< XEP-0368 direct TLS
  bool require_tls = true;              ///< refuse SASL until STARTTLS on the 5222 listener
  /// What a bind to a resource already in use does: "replace" (the old session is closed with
  /// a conflict stream error) or "refuse" (the new bind gets conflict).
  std::string resource_conflict = "replace";

  // [tls]
  std::string tls_certificate;  ///< PEM; empty: a self-signed one is made in data_dir
  std::string tls_key;

  // [limits]
  std::size_t max_stanza_bytes = 262144;
  std::size_t max_xml_depth = 32;
  std::size_t max_xml_attributes = 64;
  unsigned auth_timeout_seconds = 30;       ///< a stream must authenticate within this
  unsigned max_unauthenticated = 1000;      ///< streams not yet authenticated, server-wide
  unsigned admission_target_delay_ms = 15;  ///< logins are paced while work waits longer; 0: off
  unsigned max_connections = 0;             ///< 0: derived from the open-files limit
  std::size_t send_queue_bytes = 4 * 1024 * 1024;  ///< a reader this far behind is cut off
  unsigned max_resources_per_account = 16;
  unsigned auth_failures_per_address = 10;  ///< per auth_failure_window_seconds
  unsigned auth_failures_per_account = 10;
  unsigned auth_failure_window_seconds = 60;
  unsigned max_roster_items = 1000;

  // [ping]
  unsigned idle_ping_seconds = 300;  ///< silent sessions are pinged after this; 0 disables
  unsigned ping_timeout_seconds = 60;

  // [database]
  /// libpq connection string of an external PostgreSQL; empty: the managed local cluster in
  /// data_dir/postgresql.
  std::string database_dsn;
  unsigned database_pool_size = 2;
  std::string postgres_bin_dir;  ///< initdb/pg_ctl location for the managed cluster; empty: found

  // [admin]
  std::string admin_socket;  ///< empty: data_dir/stoad.sock

  // [auth]
  unsigned scram_iterations = 10000;

  // [muc]
  bool muc_enabled = true;
  /// Domains of the MUC services (XEP-0045); empty: one service at "conference." + domain.
  std::vector<std::string> muc_domains;
  std::string muc_room_creation = "anyone";    ///< "anyone", "admins" or "list"
  std::vector<std::string> muc_room_creators;  ///< bare JIDs, with muc_room_creation "list"
  unsigned muc_max_rooms_per_user = 100;       ///< rooms one user may own at once
  unsigned muc_max_occupants_per_room = 5000;
  /// Above this many occupants, joins and leaves of non-moderators go to moderators only.
  unsigned muc_participant_update_limit = 75;
  unsigned muc_default_history = 20;  ///< history messages of a new room
  unsigned muc_max_history = 100;     ///< the most a room may be configured to send on join
  unsigned muc_mam_max_page = 100;    ///< the most archive entries one MAM query returns
  unsigned muc_max_affiliations_per_room = 10000;
  unsigned muc_retention_days = 0;          ///< days the archive keeps messages; 0: forever
  unsigned muc_max_retention_days = 0;      ///< longest retention a room may set; 0: no limit
  unsigned muc_retention_interval = 3600;   ///< seconds between two retention runs
  unsigned muc_retention_batch = 10000;     ///< rows one retention delete removes
  unsigned muc_mam_max_queries = 16;        ///< MAM queries under way at once, all rooms together
  unsigned muc_mam_count_limit = 10000;     ///< archive entries a MAM query counts at most
  unsigned muc_search_max_queries = 4;      ///< searches across rooms under way at once
  unsigned muc_search_count_limit = 10000;  ///< matches a search across rooms counts at most
  unsigned muc_search_timeout_ms = 10000;   ///< a search running longer is cancelled

  // [archive]
  unsigned archive_batch_max = 500;            ///< archive writes per group-commit transaction
  unsigned archive_batch_delay_ms = 0;         ///< how long a batch waits for more writes
  unsigned archive_retry_max_ms = 2000;        ///< longest pause between commits after failures
  unsigned archive_max_pending_per_room = 64;  ///< messages of one room being stored at once

  // [components]
  /// XEP-0114 component connections; only opened when `components` is not empty.
  Listener component_listener{"127.0.0.1", 5347};
  unsigned compliance_window = 5000;             ///< events sent beyond the last acknowledged one
  unsigned compliance_outbox_warning = 1000000;  ///< a warning is logged above this many events
  unsigned compliance_poll_ms = 500;             ///< how often the outbox is read for new events

  // [[component]]
  std::vector<ComponentConfig> components;

  /// Whether room events are captured for compliance: some component has compliance = true.
  bool compliance_enabled() const {
    return std::ranges::any_of(components, &ComponentConfig::compliance);
  }

  bool operator==(const ServerConfig&) const = default;
};

}  // namespace stoa::conf
