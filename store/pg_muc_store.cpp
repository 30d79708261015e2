#include "store/pg_muc_store.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <variant>

#include "store/pg_params.hpp"

namespace stoa::store {

namespace {

using namespace std::chrono;
using muc::AffiliationRecord;
using muc::ArchiveEntry;
using muc::RoomConfig;
using muc::StoredRoom;
using muc::Timestamp;

// Every lambda given to Database::transact is named before the co_await: GCC 12 copies the
// captures of a lambda temporary inside a co_await expression bitwise (see Database).

// ---- values in and out ----

void check_room_jid(const std::string& room) {
  // RFC 7622: local part and domain of at most 1023 octets each; 0004 checks the same.
  if (room.size() < 3 || room.size() > 2047 || room.find('@') == 0 ||
      room.find('@') == std::string::npos) {
    throw std::invalid_argument("'" + room + "' is not a bare room JID");
  }
  check_text("room JID", room);
}

void check_affiliation(const AffiliationRecord& record) {
  if (record.jid.empty() || record.jid.size() > 3071) {
    throw std::invalid_argument("an affiliated JID must be 1 to 3071 bytes long, not " +
                                std::to_string(record.jid.size()));
  }
  check_text("affiliated JID", record.jid);
  check_text("affiliation reason", record.reason);
}

// SQL reading a timestamptz column back as microseconds since the epoch (numeric, so exact).
std::string micros(std::string_view column) {
  return "(extract(epoch FROM " + std::string(column) + ") * 1000000)::bigint";
}

Timestamp read_timestamp(const pqxx::field& field) {
  return Timestamp(microseconds(field.as<std::int64_t>()));
}

// ---- room configuration ----

// One key of muc_rooms.config per RoomConfig field. The order is that of the parameters
// config_params() passes, from $1.
enum class KeyType { text, boolean, number, roles };
struct ConfigKey {
  const char* key;
  KeyType type;
};
constexpr ConfigKey kConfigKeys[] = {
    {"name", KeyType::text},
    {"description", KeyType::text},
    {"language", KeyType::text},
    {"public", KeyType::boolean},
    {"members_only", KeyType::boolean},
    {"moderated", KeyType::boolean},
    {"password_protected", KeyType::boolean},
    {"password", KeyType::text},
    {"whois", KeyType::text},
    {"max_users", KeyType::number},
    {"allow_invites", KeyType::boolean},
    {"allow_pm", KeyType::text},
    {"change_subject", KeyType::boolean},
    {"enable_logging", KeyType::boolean},
    {"get_member_list", KeyType::roles},
    {"presence_broadcast", KeyType::roles},
    {"history_length", KeyType::number},
    {"allow_voice_requests", KeyType::boolean},
    {"retention_days", KeyType::number},
};
constexpr std::size_t kConfigParams = std::size(kConfigKeys);

// A role set as a JSON array of role names.
std::string roles_json(const muc::RoleSet& roles) {
  std::string json = "[";
  for (muc::Role role : {muc::Role::moderator, muc::Role::participant, muc::Role::visitor}) {
    if (roles.contains(role)) {
      json += json.size() > 1 ? ",\"" : "\"";
      json += muc::to_string(role);
      json += '"';
    }
  }
  return json + "]";
}

void check_config(const RoomConfig& config) {
  check_text("room name", config.name);
  check_text("room description", config.description);
  check_text("room language", config.language);
  check_text("room password", config.password);
}

// The jsonb_build_object() expression that makes muc_rooms.config from parameters $1....
const std::string& config_json_sql() {
  static const std::string sql = [] {
    static constexpr const char* kCasts[] = {"text", "boolean", "bigint", "jsonb"};
    std::string out = "jsonb_build_object(";
    for (std::size_t i = 0; i < kConfigParams; ++i) {
      out += i > 0 ? ", '" : "'";
      out += kConfigKeys[i].key;
      out += "', $" + std::to_string(i + 1) + "::";
      out += kCasts[static_cast<int>(kConfigKeys[i].type)];
    }
    return out + ")";
  }();
  return sql;
}

// Runs `sql`, whose parameters are the configuration ($1 to $kConfigParams, as
// config_json_sql() uses them), then `more`.
template <typename... More>
pqxx::result exec_with_config(pqxx::work& tx, const std::string& sql, const RoomConfig& c,
                              const More&... more) {
  return tx.exec_params(sql, c.name, c.description, c.language, c.public_room, c.members_only,
                        c.moderated, c.password_protected, c.password,
                        std::string(muc::to_string(c.whois)), c.max_users, c.allow_invites,
                        std::string(muc::to_string(c.allow_pm)), c.change_subject, c.enable_logging,
                        roles_json(c.get_member_list), roles_json(c.presence_broadcast),
                        c.history_length, c.allow_voice_requests, c.retention_days, more...);
}

// The columns of muc_rooms read back, configuration keys last (NULL when a key is missing).
constexpr int kRoomColumnsBeforeConfig = 8;
const std::string& room_columns_sql() {
  static const std::string sql = [] {
    std::string out = "r.id, r.jid, r.persistent, r.subject, r.subject_nick, " +
                      micros("r.subject_changed_at") + ", r.occupant_id_secret, " +
                      micros("r.created_at");
    for (const ConfigKey& key : kConfigKeys) {
      const std::string name = std::string("'") + key.key + "'";
      if (key.type == KeyType::roles) {
        // Space-separated role names; '' for an empty set, NULL for a missing key.
        out += ", CASE WHEN r.config ? " + name +
               " THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(r.config -> " + name +
               ")), ' ') END";
      } else {
        out += ", r.config ->> " + name;
      }
    }
    return out;
  }();
  return sql;
}

[[noreturn]] void corrupt(const std::string& room, std::string_view key, const std::string& value) {
  throw StoreUnavailable("muc_rooms.config of " + room + " holds an invalid " + std::string(key) +
                         " '" + value + "'");
}

// Reads the stored configuration, keeping the default of every field whose key is missing.
RoomConfig read_config(const pqxx::row& row, const std::string& room, bool persistent) {
  RoomConfig config;
  config.persistent = persistent;
  std::size_t index = 0;
  auto next = [&]() -> std::optional<std::string> {
    const pqxx::field field = row[static_cast<int>(kRoomColumnsBeforeConfig + index++)];
    if (field.is_null()) {
      return std::nullopt;
    }
    return field.as<std::string>();
  };
  auto text = [&](std::string& out) {
    if (auto value = next()) {
      out = std::move(*value);
    }
  };
  auto boolean = [&](bool& out) {
    const char* key = kConfigKeys[index].key;
    if (auto value = next()) {
      if (*value != "true" && *value != "false") {
        corrupt(room, key, *value);
      }
      out = *value == "true";
    }
  };
  auto number = [&](unsigned& out) {
    const char* key = kConfigKeys[index].key;
    if (auto value = next()) {
      const char* end = value->data() + value->size();
      if (auto [ptr, error] = std::from_chars(value->data(), end, out);
          error != std::errc() || ptr != end) {
        corrupt(room, key, *value);
      }
    }
  };
  auto roles = [&](muc::RoleSet& out) {
    const char* key = kConfigKeys[index].key;
    if (auto value = next()) {
      out = {false, false, false};
      std::size_t start = 0;
      while (start < value->size()) {
        std::size_t end = value->find(' ', start);
        if (end == std::string::npos) {
          end = value->size();
        }
        const std::optional<muc::Role> role = muc::parse_role(value->substr(start, end - start));
        if (role == muc::Role::moderator) {
          out.moderator = true;
        } else if (role == muc::Role::participant) {
          out.participant = true;
        } else if (role == muc::Role::visitor) {
          out.visitor = true;
        } else {
          corrupt(room, key, *value);
        }
        start = end + 1;
      }
    }
  };
  text(config.name);
  text(config.description);
  text(config.language);
  boolean(config.public_room);
  boolean(config.members_only);
  boolean(config.moderated);
  boolean(config.password_protected);
  text(config.password);
  if (auto value = next()) {
    auto whois = muc::parse_whois(*value);
    if (!whois) {
      corrupt(room, "whois", *value);
    }
    config.whois = *whois;
  }
  number(config.max_users);
  boolean(config.allow_invites);
  if (auto value = next()) {
    auto policy = muc::parse_pm_policy(*value);
    if (!policy) {
      corrupt(room, "allow_pm", *value);
    }
    config.allow_pm = *policy;
  }
  boolean(config.change_subject);
  boolean(config.enable_logging);
  roles(config.get_member_list);
  roles(config.presence_broadcast);
  number(config.history_length);
  boolean(config.allow_voice_requests);
  number(config.retention_days);
  return config;
}

// ---- rooms ----

/// A room as read, with its key for attaching the affiliations.
struct RoomRow {
  std::int64_t id;
  StoredRoom room;
};

RoomRow read_room(const pqxx::row& row) {
  RoomRow out{row[0].as<std::int64_t>(), {}};
  StoredRoom& room = out.room;
  room.jid = row[1].as<std::string>();
  room.config = read_config(row, room.jid, row[2].as<bool>());
  room.subject.text = row[3].as<std::string>();
  room.subject.nick = row[4].as<std::string>();
  room.subject.changed = read_timestamp(row[5]);
  room.occupant_id_secret = row[6].as<std::string>();
  room.created = read_timestamp(row[7]);
  return out;
}

AffiliationRecord read_affiliation(const pqxx::row& row, int first) {
  AffiliationRecord record;
  record.jid = row[first].as<std::string>();
  const std::string text = row[first + 1].as<std::string>();
  const std::optional<muc::Affiliation> affiliation = muc::parse_affiliation(text);
  if (!affiliation || *affiliation == muc::Affiliation::none) {
    throw StoreUnavailable("muc_affiliations holds an unknown affiliation '" + text + "'");
  }
  record.affiliation = *affiliation;
  record.reason = row[first + 2].as<std::string>();
  return record;
}

// Deletes the rooms `condition` selects (parameter $1) and their archives; muc_affiliations
// go by ON DELETE CASCADE.
void delete_rooms_where(pqxx::work& tx, const std::string& condition, const std::string& value) {
  tx.exec_params("WITH gone AS (DELETE FROM muc_rooms WHERE " + condition +
                     " RETURNING id) "
                     "DELETE FROM muc_archive WHERE room_id IN (SELECT id FROM gone)",
                 value);
}

void upsert_affiliation(pqxx::work& tx, std::int64_t room_id, const AffiliationRecord& record) {
  tx.exec_params(
      "INSERT INTO muc_affiliations (room_id, jid, affiliation, reason) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (room_id, jid) DO UPDATE SET affiliation = EXCLUDED.affiliation, "
      "reason = EXCLUDED.reason",
      room_id, record.jid, std::string(muc::to_string(record.affiliation)), record.reason);
}

[[noreturn]] void no_such_room(const std::string& room) {
  throw std::invalid_argument("no room " + room + " is stored");
}

// ---- archive ----

constexpr const char* kRoomIdOf = "(SELECT id FROM muc_rooms WHERE jid = $1)";

std::string archive_columns_sql() {
  return "stanza_id, " + micros("at") + ", kind, nick, sender, stanza";
}

ArchiveEntry read_entry(const pqxx::row& row) {
  ArchiveEntry entry;
  entry.stanza_id = row[0].as<std::string>();
  entry.timestamp = read_timestamp(row[1]);
  const std::string kind = row[2].as<std::string>();
  entry.kind = kind == "subject" ? muc::ArchiveKind::subject : muc::ArchiveKind::message;
  entry.nick = row[3].as<std::string>();
  entry.sender = row[4].as<std::string>();
  entry.stanza = row[5].as<std::string>();
  return entry;
}

void check_entry(const ArchiveEntry& entry) {
  if (entry.stanza_id.empty() || entry.stanza_id.size() > 1023) {
    throw std::invalid_argument("a stanza-id must be 1 to 1023 bytes long, not " +
                                std::to_string(entry.stanza_id.size()));
  }
  check_text("stanza-id", entry.stanza_id);
  check_text("nick", entry.nick);
  check_text("sender", entry.sender);
  check_text("archived stanza", entry.stanza);
}

// ---- changes ----

// Refuses, before any transaction, a change PostgreSQL cannot take, so that the caller learns
// which value was wrong.
void check_change(const std::string& room, const muc::StoreChange& change) {
  if (const auto* create = std::get_if<muc::CreateRoom>(&change)) {
    const StoredRoom& stored = create->room;
    if (stored.jid != room) {
      throw std::invalid_argument("room " + stored.jid + " created in a commit for " + room);
    }
    check_config(stored.config);
    check_text("subject", stored.subject.text);
    check_text("subject nick", stored.subject.nick);
    check_text("occupant id secret", stored.occupant_id_secret);
    timestamp_param(stored.subject.changed);
    timestamp_param(stored.created);
    std::set<std::string> affiliated;
    for (const AffiliationRecord& record : stored.affiliations) {
      check_affiliation(record);
      if (!affiliated.insert(record.jid).second) {
        throw std::invalid_argument("two affiliations for " + record.jid + " in " + room);
      }
    }
  } else if (const auto* config = std::get_if<muc::SaveConfig>(&change)) {
    check_config(config->config);
  } else if (const auto* subject = std::get_if<muc::SaveSubject>(&change)) {
    check_text("subject", subject->subject.text);
    check_text("subject nick", subject->subject.nick);
    timestamp_param(subject->subject.changed);
  } else if (const auto* affiliation = std::get_if<muc::SetAffiliation>(&change)) {
    check_affiliation(affiliation->record);
  } else if (const auto* append = std::get_if<muc::AppendArchive>(&change)) {
    check_entry(append->entry);
    timestamp_param(append->entry.timestamp);
  } else if (const auto* event = std::get_if<muc::RecordEvent>(&change)) {
    check_event(event->event);
    timestamp_param(event->event.at);
  }
}

void create_room_row(pqxx::work& tx, const StoredRoom& room) {
  delete_rooms_where(tx, "jid = $1", room.jid);
  const auto id =
      exec_with_config(tx,
                       "INSERT INTO muc_rooms (config, jid, persistent, subject, subject_nick, "
                       "subject_changed_at, occupant_id_secret, created_at) VALUES (" +
                           config_json_sql() +
                           ", $20, $21, $22, $23, $24::timestamptz, $25, "
                           "$26::timestamptz) RETURNING id",
                       room.config, room.jid, room.config.persistent, room.subject.text,
                       room.subject.nick, timestamp_param(room.subject.changed),
                       room.occupant_id_secret, timestamp_param(room.created))[0][0]
          .as<std::int64_t>();
  for (const AffiliationRecord& record : room.affiliations) {
    if (record.affiliation != muc::Affiliation::none) {
      upsert_affiliation(tx, id, record);
    }
  }
}

void save_config_row(pqxx::work& tx, const std::string& room, const RoomConfig& config) {
  pqxx::result updated = exec_with_config(
      tx,
      "UPDATE muc_rooms SET config = " + config_json_sql() + ", persistent = $21 WHERE jid = $20",
      config, room, config.persistent);
  if (updated.affected_rows() == 0) {
    no_such_room(room);
  }
}

void save_subject_row(pqxx::work& tx, const std::string& room, const muc::RoomSubject& subject) {
  pqxx::result updated = tx.exec_params(
      "UPDATE muc_rooms SET subject = $2, subject_nick = $3, subject_changed_at = $4 "
      "WHERE jid = $1",
      room, subject.text, subject.nick, timestamp_param(subject.changed));
  if (updated.affected_rows() == 0) {
    no_such_room(room);
  }
}

void set_affiliation_row(pqxx::work& tx, const std::string& room, const AffiliationRecord& record) {
  pqxx::result found = tx.exec_params("SELECT id FROM muc_rooms WHERE jid = $1", room);
  if (found.empty()) {
    no_such_room(room);
  }
  const auto id = found[0][0].as<std::int64_t>();
  if (record.affiliation == muc::Affiliation::none) {
    tx.exec_params("DELETE FROM muc_affiliations WHERE room_id = $1 AND jid = $2", id, record.jid);
  } else {
    upsert_affiliation(tx, id, record);
  }
}

/// Carries out a change of the room's row or affiliations (not an archive entry or event).
void apply_room_change(pqxx::work& tx, const std::string& room, const muc::StoreChange& change) {
  if (const auto* create = std::get_if<muc::CreateRoom>(&change)) {
    create_room_row(tx, create->room);
  } else if (const auto* config = std::get_if<muc::SaveConfig>(&change)) {
    save_config_row(tx, room, config->config);
  } else if (const auto* subject = std::get_if<muc::SaveSubject>(&change)) {
    save_subject_row(tx, room, subject->subject);
  } else if (const auto* affiliation = std::get_if<muc::SetAffiliation>(&change)) {
    set_affiliation_row(tx, room, affiliation->record);
  } else if (std::holds_alternative<muc::DeleteRoom>(change)) {
    delete_rooms_where(tx, "jid = $1", room);
  }
}

}  // namespace

asio::awaitable<std::vector<StoredRoom>> PgMucStore::load_rooms(std::string service) {
  check_text("service", service);
  auto work = [service = std::move(service)](pqxx::work& tx) {
    // One snapshot for the rooms and their affiliations.
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    std::vector<StoredRoom> rooms;
    std::map<std::int64_t, std::size_t> index_of;
    for (const auto& row :
         tx.exec_params("SELECT " + room_columns_sql() +
                            " FROM muc_rooms r WHERE r.service = $1 AND r.persistent "
                            "ORDER BY r.jid COLLATE \"C\"",
                        service)) {
      RoomRow read = read_room(row);
      index_of[read.id] = rooms.size();
      rooms.push_back(std::move(read.room));
    }
    for (const auto& row : tx.exec_params(
             "SELECT a.room_id, a.jid, a.affiliation, a.reason FROM muc_affiliations a "
             "JOIN muc_rooms r ON r.id = a.room_id WHERE r.service = $1 AND r.persistent "
             "ORDER BY a.room_id, a.jid COLLATE \"C\"",
             service)) {
      rooms[index_of.at(row[0].as<std::int64_t>())].affiliations.push_back(
          read_affiliation(row, 1));
    }
    return rooms;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::optional<StoredRoom>> PgMucStore::load_room(std::string room) {
  check_room_jid(room);
  auto work = [room = std::move(room)](pqxx::work& tx) -> std::optional<StoredRoom> {
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    pqxx::result rows =
        tx.exec_params("SELECT " + room_columns_sql() + " FROM muc_rooms r WHERE r.jid = $1", room);
    if (rows.empty()) {
      return std::nullopt;
    }
    RoomRow read = read_room(rows[0]);
    for (const auto& row : tx.exec_params("SELECT jid, affiliation, reason FROM muc_affiliations "
                                          "WHERE room_id = $1 ORDER BY jid COLLATE \"C\"",
                                          read.id)) {
      read.room.affiliations.push_back(read_affiliation(row, 0));
    }
    return std::move(read.room);
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<void> PgMucStore::purge_temporary_rooms(std::string service) {
  check_text("service", service);
  auto work = [service = std::move(service)](pqxx::work& tx) {
    delete_rooms_where(tx, "service = $1 AND NOT persistent", service);
  };
  co_await db_.transact(std::move(work));
  writer_.rooms_changed();
}

asio::awaitable<void> PgMucStore::commit(std::string room, std::vector<muc::StoreChange> changes) {
  check_room_jid(room);
  for (const muc::StoreChange& change : changes) {
    check_change(room, change);
  }
  if (!writer_.captures_events()) {
    std::erase_if(changes, [](const muc::StoreChange& change) {
      return std::holds_alternative<muc::RecordEvent>(change);
    });
  }
  if (changes.empty()) {
    co_return;
  }
  // A message, or an event alone, goes through the group commit: one transaction for many
  // rooms' writes, which is what keeps messages fast.
  if (changes.size() == 1) {
    if (auto* append = std::get_if<muc::AppendArchive>(&changes.front())) {
      co_await writer_.append(std::move(room), std::move(append->entry));
      co_return;
    }
    if (auto* event = std::get_if<muc::RecordEvent>(&changes.front())) {
      co_await writer_.record(std::move(room), std::move(event->event));
      co_return;
    }
  }
  const bool capture = writer_.captures_events();
  // A room made or deleted changes which id its JID stands for.
  const bool replaces_rows = std::any_of(changes.begin(), changes.end(), [](const auto& change) {
    return std::holds_alternative<muc::CreateRoom>(change) ||
           std::holds_alternative<muc::DeleteRoom>(change);
  });
  auto work = [room = std::move(room), changes = std::move(changes),
               capture](pqxx::work& tx) -> std::optional<std::int64_t> {
    // Room changes first, then the archive and outbox rows: write_batch() takes the outbox
    // counter last, the lock order every writer of the outbox keeps.
    std::vector<PendingWrite> writes;
    for (const muc::StoreChange& change : changes) {
      if (const auto* append = std::get_if<muc::AppendArchive>(&change)) {
        writes.push_back({room, append->entry, extract_stanza_columns(append->entry.stanza)});
      } else if (const auto* event = std::get_if<muc::RecordEvent>(&change)) {
        writes.push_back({room, event->event, {}});
      } else {
        apply_room_change(tx, room, change);
      }
    }
    if (writes.empty()) {
      return std::nullopt;
    }
    RoomIds room_ids;
    BatchResult written = write_batch(tx, writes, capture, PartitionedMonths{}, room_ids);
    if (std::find(written.room_missing.begin(), written.room_missing.end(), true) !=
        written.room_missing.end()) {
      no_such_room(room);
    }
    return written.last_seq;
  };
  std::optional<std::int64_t> last_seq;
  std::exception_ptr failure;
  try {
    last_seq = co_await db_.transact(std::move(work));
  } catch (...) {
    failure = std::current_exception();
  }
  // Also after a failure: a commit whose outcome is unknown may have replaced the row.
  if (replaces_rows) {
    writer_.rooms_changed();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  if (last_seq) {
    writer_.announce_commit(*last_seq);
  }
}

asio::awaitable<std::vector<ArchiveEntry>> PgMucStore::history(std::string room,
                                                               muc::HistoryQuery query) {
  check_room_jid(room);
  if (query.max_messages == 0) {
    co_return std::vector<ArchiveEntry>{};
  }
  std::optional<std::string> since;
  if (query.since) {
    since = timestamp_param(*query.since);
  }
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(query.max_messages, std::numeric_limits<std::int64_t>::max()));
  auto work = [room = std::move(room), since = std::move(since), limit](pqxx::work& tx) {
    // Newest first through the (room, time) index, then turned around. A separate statement
    // for `since` so that it bounds the index range and prunes older partitions.
    const std::string newest =
        "SELECT * FROM muc_archive WHERE room_id = " + std::string(kRoomIdOf) +
        " AND kind = 'message'" + (since ? " AND at >= $3::timestamptz" : "") +
        " ORDER BY at DESC, seq DESC LIMIT $2";
    const std::string sql =
        "SELECT " + archive_columns_sql() + " FROM (" + newest + ") newest ORDER BY at, seq";
    pqxx::result rows =
        since ? tx.exec_params(sql, room, limit, *since) : tx.exec_params(sql, room, limit);
    std::vector<ArchiveEntry> entries;
    entries.reserve(rows.size());
    for (const auto& row : rows) {
      entries.push_back(read_entry(row));
    }
    return entries;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::uint64_t> PgMucStore::count_messages(std::string room) {
  check_room_jid(room);
  auto work = [room = std::move(room)](pqxx::work& tx) {
    return tx
        .exec_params1("SELECT count(*) FROM muc_archive WHERE room_id = " + std::string(kRoomIdOf) +
                          " AND kind = 'message'",
                      room)[0]
        .as<std::uint64_t>();
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
