#pragma once

// The MucStore of unit tests: maps in memory, same contract as store/pg_muc_store (only unit
// tests may use it).

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

#include "muc/muc_store.hpp"

namespace stoa::muc::testing {

class InMemoryMucStore : public MucStore {
 public:
  /// The next call throws (a database outage), then the store works again.
  void fail_next() { fail_next_ = true; }
  /// The next call to the method `call`, or the next change of that name in a commit
  /// ("record_event", "set_affiliation"), throws; the others work.
  void fail_next(std::string call) { fail_call_ = std::move(call); }
  /// Every call made, by name, in order; a commit() counts as one call per change.
  const std::vector<std::string>& calls() const { return calls_; }
  /// How many changes each commit() call carried, in order.
  const std::vector<std::size_t>& commits() const { return commits_; }
  std::map<std::string, StoredRoom> rooms;
  std::map<std::string, std::vector<ArchiveEntry>> archives;
  std::map<std::string, std::vector<RoomEvent>> events;

  asio::awaitable<std::vector<StoredRoom>> load_rooms(std::string service) override {
    record("load_rooms");
    std::vector<StoredRoom> out;
    for (const auto& [jid, room] : rooms) {
      if (room.config.persistent && jid.ends_with("@" + service)) {
        out.push_back(room);
      }
    }
    co_return out;
  }
  asio::awaitable<std::optional<StoredRoom>> load_room(std::string room) override {
    record("load_room");
    auto found = rooms.find(room);
    co_return found == rooms.end() ? std::nullopt : std::optional<StoredRoom>(found->second);
  }
  asio::awaitable<void> purge_temporary_rooms(std::string service) override {
    record("purge_temporary_rooms");
    std::erase_if(rooms, [&](const auto& entry) {
      return !entry.second.config.persistent && entry.first.ends_with("@" + service);
    });
    co_return;
  }
  /// All or nothing, like the real store: a failing change (see fail_next()) undoes the
  /// changes before it.
  asio::awaitable<void> commit(std::string room, std::vector<StoreChange> changes) override {
    commits_.push_back(changes.size());
    const auto saved = std::make_tuple(rooms, archives, events);
    try {
      for (StoreChange& change : changes) {
        apply(room, change);
      }
    } catch (...) {
      std::tie(rooms, archives, events) = saved;
      throw;
    }
    co_return;
  }
  asio::awaitable<std::vector<ArchiveEntry>> history(std::string room,
                                                     HistoryQuery query) override {
    record("history");
    std::vector<ArchiveEntry> matching;
    for (const ArchiveEntry& entry : archives[room]) {
      if (entry.kind == ArchiveKind::message && (!query.since || entry.timestamp >= *query.since)) {
        matching.push_back(entry);
      }
    }
    if (matching.size() > query.max_messages) {
      matching.erase(matching.begin(),
                     matching.end() - static_cast<std::ptrdiff_t>(query.max_messages));
    }
    co_return matching;
  }
  asio::awaitable<std::uint64_t> count_messages(std::string room) override {
    record("count_messages");
    co_return static_cast<std::uint64_t>(
        std::ranges::count(archives[room], ArchiveKind::message, &ArchiveEntry::kind));
  }
  asio::awaitable<std::optional<ArchiveEntry>> archived_message(std::string room,
                                                                std::string stanza_id) override {
    record("archived_message");
    for (const ArchiveEntry& entry : archives[room]) {
      if (entry.stanza_id == stanza_id && entry.kind == ArchiveKind::message) {
        co_return entry;
      }
    }
    co_return std::nullopt;
  }
  asio::awaitable<bool> rewrite_archived(std::string room, ArchiveRewrite rewrite,
                                         RoomEvent event) override {
    record("rewrite_archived");
    for (ArchiveEntry& entry : archives[room]) {
      if (entry.stanza_id == rewrite.stanza_id && entry.kind == ArchiveKind::message) {
        entry.stanza = std::move(rewrite.stanza);
        events[room].push_back(std::move(event));
        co_return true;
      }
    }
    co_return false;
  }
  asio::awaitable<std::uint64_t> clear_history(std::string room, Timestamp before,
                                               RoomEvent event) override {
    record("clear_history");
    events[room].push_back(std::move(event));
    co_return static_cast<std::uint64_t>(std::erase_if(
        archives[room], [&](const ArchiveEntry& entry) { return entry.timestamp < before; }));
  }

 private:
  void apply(const std::string& room, StoreChange& change) {
    if (auto* create = std::get_if<CreateRoom>(&change)) {
      record("create_room");
      const std::string jid = create->room.jid;
      archives.erase(jid);
      rooms[jid] = std::move(create->room);
    } else if (auto* config = std::get_if<SaveConfig>(&change)) {
      record("save_config");
      rooms.at(room).config = std::move(config->config);
    } else if (auto* subject = std::get_if<SaveSubject>(&change)) {
      record("save_subject");
      rooms.at(room).subject = std::move(subject->subject);
    } else if (auto* affiliation = std::get_if<SetAffiliation>(&change)) {
      record("set_affiliation");
      auto& list = rooms.at(room).affiliations;
      std::erase_if(list,
                    [&](const AffiliationRecord& r) { return r.jid == affiliation->record.jid; });
      if (affiliation->record.affiliation != Affiliation::none) {
        list.push_back(std::move(affiliation->record));
      }
    } else if (std::holds_alternative<DeleteRoom>(change)) {
      record("delete_room");
      rooms.erase(room);
      archives.erase(room);
    } else if (auto* append = std::get_if<AppendArchive>(&change)) {
      record("append");
      archives[room].push_back(std::move(append->entry));
    } else if (auto* event = std::get_if<RecordEvent>(&change)) {
      record("record_event");
      events[room].push_back(std::move(event->event));
    }
  }
  void record(const char* call) {
    calls_.emplace_back(call);
    if (fail_next_ || fail_call_ == call) {
      fail_next_ = false;
      fail_call_.clear();
      throw std::runtime_error(std::string(call) + ": the database is unreachable");
    }
  }

  bool fail_next_ = false;
  std::string fail_call_;
  std::vector<std::string> calls_;
  std::vector<std::size_t> commits_;
};

}  // namespace stoa::muc::testing
