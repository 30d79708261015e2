#include "store/roster_store.hpp"

#include <stdexcept>
#include <tuple>

#include "store/prepared_statement.hpp"

namespace stoa::store {

namespace {

// Every lambda given to Database::transact is named before the co_await: GCC 12 copies the
// captures of a lambda temporary inside a co_await expression bitwise (see Database).

constexpr const char* kItemColumns =
    "contact, name, subscription, ask, pending_in, pending_in_stanza, approved, groups, "
    "in_roster, version";

// PostgreSQL array input syntax (every element quoted, so commas, braces, spaces and the word
// NULL are plain text): libpqxx 6 has no array parameters.
std::string array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::vector<std::string> parse_array(const pqxx::field& field) {
  std::vector<std::string> values;
  pqxx::array_parser parser = field.as_array();
  for (;;) {
    auto [juncture, value] = parser.get_next();
    if (juncture == pqxx::array_parser::done) {
      break;
    }
    if (juncture == pqxx::array_parser::string_value) {
      values.push_back(std::move(value));
    }
  }
  return values;
}

std::optional<std::string> nullable_text(const pqxx::field& field) {
  if (field.is_null()) {
    return std::nullopt;
  }
  return field.as<std::string>();
}

const char* nullable_param(const std::optional<std::string>& value) {
  return value ? value->c_str() : nullptr;
}

RosterItem read_item(const pqxx::row& row) {
  RosterItem item;
  item.contact = row[0].as<std::string>();
  item.name = nullable_text(row[1]);
  std::optional<Subscription> subscription = parse_subscription(row[2].as<std::string>());
  if (!subscription) {
    throw StoreUnavailable("roster_items holds an unknown subscription '" +
                           row[2].as<std::string>() + "'");
  }
  item.subscription = *subscription;
  item.ask = row[3].as<bool>();
  item.pending_in = row[4].as<bool>();
  item.pending_in_stanza = nullable_text(row[5]);
  item.approved = row[6].as<bool>();
  item.groups = parse_array(row[7]);
  item.in_roster = row[8].as<bool>();
  item.version = row[9].as<std::int64_t>();
  return item;
}

bool is_visible(const std::optional<RosterItem>& item) {
  return item && item->in_roster;
}

// What a client sees of an item (RFC 6121 §2.1.2): pending_in and the stored request are the
// server's business only.
auto visible_fields(const RosterItem& item) {
  return std::tie(item.name, item.subscription, item.ask, item.approved, item.groups);
}

bool visible_change(const std::optional<RosterItem>& before,
                    const std::optional<RosterItem>& after) {
  if (is_visible(before) != is_visible(after)) {
    return true;
  }
  return is_visible(before) && visible_fields(*before) != visible_fields(*after);
}

std::int64_t count_rows(pqxx::work& tx, const std::string& owner, bool in_roster) {
  return tx
      .exec_params1("SELECT count(*) FROM roster_items WHERE owner = $1 AND in_roster = $2", owner,
                    in_roster)[0]
      .as<std::int64_t>();
}

void write_item(pqxx::work& tx, const std::string& owner, const RosterItem& item) {
  tx.exec_params(
      "INSERT INTO roster_items (owner, contact, name, subscription, ask, pending_in, "
      "pending_in_stanza, approved, groups, in_roster, version) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11) "
      "ON CONFLICT (owner, contact) DO UPDATE SET name = EXCLUDED.name, "
      "subscription = EXCLUDED.subscription, ask = EXCLUDED.ask, "
      "pending_in = EXCLUDED.pending_in, pending_in_stanza = EXCLUDED.pending_in_stanza, "
      "approved = EXCLUDED.approved, groups = EXCLUDED.groups, "
      "in_roster = EXCLUDED.in_roster, version = EXCLUDED.version",
      owner, item.contact, nullable_param(item.name), std::string(to_string(item.subscription)),
      item.ask, item.pending_in, nullable_param(item.pending_in_stanza), item.approved,
      array_literal(item.groups), item.in_roster, item.version);
}

// Keeps at most `limit` tombstones, the newest; remembers up to which version some were lost.
void prune_tombstones(pqxx::work& tx, const std::string& owner, std::size_t limit) {
  pqxx::result pruned = tx.exec_params(
      "DELETE FROM roster_tombstones WHERE owner = $1 AND contact IN ("
      "  SELECT contact FROM roster_tombstones WHERE owner = $1 "
      "  ORDER BY version DESC OFFSET $2) "
      "RETURNING version",
      owner, static_cast<std::int64_t>(limit));
  std::int64_t through = 0;
  for (const auto& row : pruned) {
    through = std::max(through, row[0].as<std::int64_t>());
  }
  if (through > 0) {
    tx.exec_params(
        "UPDATE roster_versions SET tombstones_pruned_through = "
        "GREATEST(tombstones_pruned_through, $2) WHERE owner = $1",
        owner, through);
  }
}

}  // namespace

std::string_view to_string(Subscription subscription) {
  switch (subscription) {
    case Subscription::none:
      return "none";
    case Subscription::to:
      return "to";
    case Subscription::from:
      return "from";
    case Subscription::both:
      return "both";
  }
  return "none";
}

std::optional<Subscription> parse_subscription(std::string_view text) {
  if (text == "none") {
    return Subscription::none;
  }
  if (text == "to") {
    return Subscription::to;
  }
  if (text == "from") {
    return Subscription::from;
  }
  if (text == "both") {
    return Subscription::both;
  }
  return std::nullopt;
}

asio::awaitable<Roster> RosterStore::roster(std::string owner) {
  auto work = [owner = std::move(owner)](pqxx::work& tx) {
    // One snapshot, so that the version matches the items.
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    Roster roster;
    pqxx::result version =
        tx.exec_params("SELECT version FROM roster_versions WHERE owner = $1", owner);
    if (!version.empty()) {
      roster.version = version[0][0].as<std::int64_t>();
    }
    for (const auto& row : tx.exec_params(std::string("SELECT ") + kItemColumns +
                                              " FROM roster_items WHERE owner = $1 AND in_roster "
                                              "ORDER BY contact COLLATE \"C\"",
                                          owner)) {
      roster.items.push_back(read_item(row));
    }
    return roster;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::optional<RosterChanges>> RosterStore::changes_since(std::string owner,
                                                                         std::int64_t version) {
  auto work = [owner = std::move(owner), version](pqxx::work& tx) -> std::optional<RosterChanges> {
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    RosterChanges changes;
    std::int64_t pruned_through = 0;
    pqxx::result state = tx.exec_params(
        "SELECT version, tombstones_pruned_through FROM roster_versions WHERE owner = $1", owner);
    if (!state.empty()) {
      changes.version = state[0][0].as<std::int64_t>();
      pruned_through = state[0][1].as<std::int64_t>();
    }
    if (version < pruned_through || version > changes.version) {
      return std::nullopt;
    }
    for (const auto& row : tx.exec_params(std::string("SELECT ") + kItemColumns +
                                              " FROM roster_items WHERE owner = $1 AND "
                                              "in_roster AND version > $2 ORDER BY version",
                                          owner, version)) {
      changes.changed.push_back(read_item(row));
    }
    for (const auto& row :
         tx.exec_params("SELECT contact, version FROM roster_tombstones WHERE owner = $1 AND "
                        "version > $2 ORDER BY version",
                        owner, version)) {
      changes.removed.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>()});
    }
    const auto total = static_cast<std::int64_t>(changes.changed.size() + changes.removed.size());
    if (total > 0 && total > count_rows(tx, owner, true)) {
      return std::nullopt;
    }
    return changes;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::optional<RosterItem>> RosterStore::item(std::string owner,
                                                             std::string contact) {
  auto work = [owner = std::move(owner),
               contact = std::move(contact)](pqxx::work& tx) -> std::optional<RosterItem> {
    pqxx::result rows = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                           " FROM roster_items WHERE owner = $1 AND contact = $2",
                                       owner, contact);
    if (rows.empty()) {
      return std::nullopt;
    }
    return read_item(rows[0]);
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<PresencePeers> RosterStore::presence_peers(std::string owner) {
  // Runs on every presence broadcast: prepared, and outside a transaction.
  auto work = [owner = std::move(owner)](pqxx::nontransaction& tx) {
    PresencePeers peers;
    for (const auto& row : exec_prepared(
             tx, "roster_presence_peers",
             "SELECT contact, subscription, pending_in_stanza FROM roster_items "
             "WHERE owner = $1 AND (subscription <> 'none' OR pending_in_stanza IS NOT NULL) "
             "ORDER BY contact COLLATE \"C\"",
             owner)) {
      std::string contact = row[0].as<std::string>();
      const std::string subscription = row[1].as<std::string>();
      if (subscription == "from" || subscription == "both") {
        peers.subscribers.push_back(contact);
      }
      if (subscription == "to" || subscription == "both") {
        peers.subscriptions.push_back(contact);
      }
      if (!row[2].is_null()) {
        peers.pending_requests.push_back(row[2].as<std::string>());
      }
    }
    return peers;
  };
  co_return co_await db_.read(std::move(work));
}

asio::awaitable<RosterUpdate> RosterStore::update(std::string owner, std::string contact,
                                                  RosterUpdater updater) {
  auto work = [owner = std::move(owner), contact = std::move(contact), updater = std::move(updater),
               max_items = max_items_](pqxx::work& tx) {
    RosterUpdate result;
    // The version row doubles as the lock that serializes every change to this roster, so
    // that the read below and the write cannot interleave with another update.
    tx.exec_params(
        "INSERT INTO roster_versions (owner) SELECT $1 "
        "WHERE EXISTS (SELECT 1 FROM accounts WHERE username = $1) "
        "ON CONFLICT (owner) DO NOTHING",
        owner);
    pqxx::result locked =
        tx.exec_params("SELECT version FROM roster_versions WHERE owner = $1 FOR UPDATE", owner);
    if (locked.empty()) {
      result.status = RosterUpdate::Status::no_account;
      return result;
    }
    result.version = locked[0][0].as<std::int64_t>();
    pqxx::result rows = tx.exec_params(std::string("SELECT ") + kItemColumns +
                                           " FROM roster_items WHERE owner = $1 AND contact = $2",
                                       owner, contact);
    if (!rows.empty()) {
      result.before = read_item(rows[0]);
    }
    result.after = updater(result.before);
    if (result.after && !result.after->in_roster && !result.after->pending_in) {
      result.after.reset();
    }
    if (result.after) {
      result.after->contact = contact;
      result.after->version = result.before ? result.before->version : 0;
      if (!result.after->in_roster) {
        // A row that is only a pending request shows nothing (0002's CHECK spells it out).
        result.after->version = 0;
      }
    }
    if (result.after == result.before) {
      return result;
    }
    // New rows are bounded: roster items, and apart from them requests from strangers.
    const bool new_item = is_visible(result.after) && !is_visible(result.before);
    const bool new_request = result.after && !result.after->in_roster && !result.before;
    if ((new_item || new_request) &&
        count_rows(tx, owner, new_item) >= static_cast<std::int64_t>(max_items)) {
      result.status = RosterUpdate::Status::roster_full;
      result.after = result.before;
      return result;
    }
    result.visible_change = visible_change(result.before, result.after);
    if (result.visible_change) {
      result.version = tx.exec_params1(
                             "UPDATE roster_versions SET version = version + 1 WHERE owner = $1 "
                             "RETURNING version",
                             owner)[0]
                           .as<std::int64_t>();
      if (is_visible(result.after)) {
        result.after->version = result.version;
      }
    }
    if (result.after) {
      write_item(tx, owner, *result.after);
    } else {
      tx.exec_params("DELETE FROM roster_items WHERE owner = $1 AND contact = $2", owner, contact);
    }
    if (result.visible_change && is_visible(result.after)) {
      tx.exec_params("DELETE FROM roster_tombstones WHERE owner = $1 AND contact = $2", owner,
                     contact);
    } else if (result.visible_change) {
      tx.exec_params(
          "INSERT INTO roster_tombstones (owner, contact, version) VALUES ($1, $2, $3) "
          "ON CONFLICT (owner, contact) DO UPDATE SET version = EXCLUDED.version",
          owner, contact, result.version);
      prune_tombstones(tx, owner, max_items);
    }
    return result;
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
