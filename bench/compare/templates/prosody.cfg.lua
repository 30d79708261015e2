-- Prosody configuration written by bench/compare for one benchmark run.
-- The placeholders (a dollar sign and a name) are filled in by server_prosody.py.

data_path = "$data_dir"
log = { { levels = { min = "warn" }, to = "file", filename = "$log_file" } }
network_backend = "epoll"
-- Accept queue as long as stoad's (SOMAXCONN); the default 128 drops connections in a login storm.
network_settings = { tcp_backlog = $listen_backlog }

-- Loopback only; no s2s, no HTTP.
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s_port }
c2s_direct_tls_ports = { $c2s_tls_port }
modules_disabled = { "s2s" }
http_ports = {}
https_ports = {}

modules_enabled = { "roster", "saslauth", "tls", "disco", "carbons", "ping" }

-- PLAIN over plain TCP is allowed so that runs without TLS can log in (the other servers do the same).
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
ssl = { certificate = "$certificate"; key = "$key" }
certificates = "$certificate_dir"

-- Same SCRAM iteration count as stoad and ejabberd get.
authentication = "internal_hashed"
default_iteration_count = $scram_iterations

storage = "sql"
sql = { driver = "PostgreSQL", database = "$db_name", username = "$db_user", password = "$db_password",
        host = "$db_host", port = $db_port }

VirtualHost "$domain"

Component "$muc_domain" "muc"
    modules_enabled = { "muc_mam" }
    -- Every room is archived (MAM on PostgreSQL through mod_storage_sql).
    muc_log_by_default = true
    muc_log_all_rooms = true
    muc_log_expires_after = "never"
    -- The default keeps only 100 rooms in memory; a benchmark uses more.
    muc_room_cache_size = $max_rooms
    -- Same largest MAM page as stoad's muc.mam_max_page.
    max_archive_query_results = $mam_max_page
