#include "store/pg_muc_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "store/archived_stanza.hpp"
#include "store/migrations.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::Affiliation;
using muc::AffiliationRecord;
using muc::ArchiveEntry;
using muc::ArchiveKind;
using muc::HistoryQuery;
using muc::RoomConfig;
using muc::StoredRoom;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";
constexpr const char* kService = "conference.example.org";

Timestamp at(sys_days day, microseconds offset = {}) {
  return Timestamp(day) + offset;
}

// Two days into the current UTC month, so that entries near it share a partition.
Timestamp this_month(microseconds offset = {}) {
  const year_month_day today(floor<days>(system_clock::now()));
  return at(sys_days(today.year() / today.month() / 2), offset);
}

StoredRoom make_room(const std::string& jid, bool persistent = true) {
  StoredRoom room;
  room.jid = jid;
  room.config.persistent = persistent;
  room.occupant_id_secret = "00ff00ff";
  room.created = at(sys_days(2024y / May / 1), 123456us);
  room.subject.changed = room.created;
  return room;
}

std::string message_stanza(const std::string& id, const std::string& body) {
  return "<message xmlns='jabber:client' from='" + std::string(kRoom) +
         "/romeo' type='groupchat'><body>" + body +
         "</body><stanza-id xmlns='urn:xmpp:sid:0' id='" + id + "' by='" + kRoom +
         "'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-" + id + "'/></message>";
}

ArchiveEntry message(const std::string& id, Timestamp when,
                     ArchiveKind kind = ArchiveKind::message) {
  ArchiveEntry entry;
  entry.stanza_id = id;
  entry.timestamp = when;
  entry.kind = kind;
  entry.nick = "romeo";
  entry.sender = "romeo@example.org";
  entry.stanza = message_stanza(id, "text of " + id);
  return entry;
}

std::vector<std::string> ids(const std::vector<ArchiveEntry>& entries) {
  std::vector<std::string> out;
  for (const ArchiveEntry& entry : entries) {
    out.push_back(entry.stanza_id);
  }
  return out;
}

class PgMucStoreTest : public testing::Test {
 protected:
  PgMucStoreTest()
      : db_(dsn_, 2, log_), writer_(db_, ArchiveWriterSettings{}, log_), store_(db_, writer_) {
    apply_migrations(db_, log_);
  }

  void create(StoredRoom room) { run_awaitable(store_.create_room(std::move(room))); }
  std::optional<StoredRoom> load(const std::string& jid) {
    return run_awaitable(store_.load_room(jid));
  }
  void append(const ArchiveEntry& entry, const std::string& room = kRoom) {
    ArchiveEntry copy = entry;
    run_awaitable(store_.append(room, std::move(copy)));
  }
  std::vector<ArchiveEntry> history(std::size_t max, std::optional<Timestamp> since = {},
                                    const std::string& room = kRoom) {
    return run_awaitable(store_.history(room, HistoryQuery{max, since}));
  }
  long count(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<long>(); });
  }
  std::string text(const std::string& sql) {
    return db_.transact_blocking(
        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::string>(); });
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore store_;
};

TEST_F(PgMucStoreTest, LoadRoom_Unknown_Nullopt) {
  EXPECT_FALSE(load(kRoom).has_value());
}

TEST_F(PgMucStoreTest, CreateRoom_EveryFieldSet_LoadsBackEqual) {
  StoredRoom room = make_room(kRoom);
  RoomConfig& config = room.config;
  // Text that JSON, SQL and C strings would each mangle if escaped wrongly.
  config.name = "Salon \"Ünïcödé\" \\ {x} 'quoted' \n tab\t";
  config.description = "NULL";
  config.language = "fr";
  config.public_room = false;
  config.members_only = true;
  config.moderated = true;
  config.password_protected = true;
  config.password = "s3cr3t \u00e9";
  config.whois = muc::Whois::anyone;
  config.max_users = 4294967295u;
  config.allow_invites = true;
  config.allow_pm = muc::PmPolicy::moderators;
  config.change_subject = true;
  config.enable_logging = false;
  config.get_member_list = {true, false, false};
  config.presence_broadcast = {false, false, false};
  config.history_length = 0;
  config.allow_voice_requests = false;
  room.subject = {"Today: \"tests\"", "juliet", at(sys_days(2024y / June / 30), 999999us)};
  room.affiliations = {{"juliet@example.org", Affiliation::owner, ""},
                       {"example.net", Affiliation::outcast, "spam, from the whole domain"},
                       {"romeo@example.org/phone", Affiliation::member, "r\u00e9ason"},
                       {"nurse@example.org", Affiliation::admin, ""}};
  create(room);

  std::optional<StoredRoom> loaded = load(kRoom);
  ASSERT_TRUE(loaded.has_value());
  std::sort(room.affiliations.begin(), room.affiliations.end(),
            [](const auto& a, const auto& b) { return a.jid < b.jid; });
  EXPECT_EQ(*loaded, room);
}

TEST_F(PgMucStoreTest, CreateRoom_Defaults_LoadsBackEqual) {
  const StoredRoom room = make_room(kRoom, false);
  create(room);
  EXPECT_EQ(load(kRoom), room);
}

TEST_F(PgMucStoreTest, LoadRoom_ConfigKeysMissing_DefaultsApply) {
  create(make_room(kRoom));
  db_.transact_blocking(
      [](pqxx::work& tx) { tx.exec("UPDATE muc_rooms SET config = '{\"name\": \"Old row\"}'"); });
  RoomConfig expected;
  expected.persistent = true;
  expected.name = "Old row";
  EXPECT_EQ(load(kRoom)->config, expected);
}

TEST_F(PgMucStoreTest, LoadRoom_CorruptConfigValue_ThrowsNamingIt) {
  create(make_room(kRoom));
  db_.transact_blocking([](pqxx::work& tx) {
    tx.exec("UPDATE muc_rooms SET config = config || '{\"whois\": \"everybody\"}'");
  });
  try {
    load(kRoom);
    FAIL() << "a corrupt whois loaded";
  } catch (const StoreUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("whois 'everybody'"), std::string::npos) << e.what();
  }
}

TEST_F(PgMucStoreTest, CreateRoom_Existing_ReplacedWithoutOldAffiliationsOrArchive) {
  StoredRoom old = make_room(kRoom);
  old.affiliations = {{"juliet@example.org", Affiliation::owner, ""}};
  create(old);
  append(message("m1", this_month()));

  StoredRoom fresh = make_room(kRoom);
  fresh.config.name = "Fresh";
  fresh.affiliations = {{"romeo@example.org", Affiliation::owner, ""}};
  create(fresh);

  EXPECT_EQ(load(kRoom), fresh);
  EXPECT_TRUE(history(10).empty());
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 0);
}

TEST_F(PgMucStoreTest, CreateRoom_AffiliationNone_NotStored) {
  StoredRoom room = make_room(kRoom);
  room.affiliations = {{"juliet@example.org", Affiliation::none, ""}};
  create(room);
  EXPECT_TRUE(load(kRoom)->affiliations.empty());
}

TEST_F(PgMucStoreTest, CreateRoom_InvalidValues_RejectedNamingThem) {
  StoredRoom no_at = make_room("lobby.example.org");
  EXPECT_THROW(create(std::move(no_at)), std::invalid_argument);
  StoredRoom nul = make_room(kRoom);
  nul.config.name = std::string("a\0b", 3);
  EXPECT_THROW(create(std::move(nul)), std::invalid_argument);
  StoredRoom twice = make_room(kRoom);
  twice.affiliations = {{"juliet@example.org", Affiliation::owner, ""},
                        {"juliet@example.org", Affiliation::member, ""}};
  EXPECT_THROW(create(std::move(twice)), std::invalid_argument);
  StoredRoom ancient = make_room(kRoom);
  ancient.created = Timestamp(sys_days(year(-5) / 1 / 1));
  EXPECT_THROW(create(std::move(ancient)), std::invalid_argument);
  EXPECT_EQ(count("SELECT count(*) FROM muc_rooms"), 0);
}

TEST_F(PgMucStoreTest, LoadRooms_PersistentRoomsOfThatServiceOnly) {
  StoredRoom persistent = make_room("b@conference.example.org");
  persistent.affiliations = {{"juliet@example.org", Affiliation::owner, ""},
                             {"romeo@example.org", Affiliation::member, ""}};
  create(persistent);
  create(make_room("a@conference.example.org"));
  create(make_room("temp@conference.example.org", false));
  create(make_room("other@chat.example.org"));

  const std::vector<StoredRoom> rooms = run_awaitable(store_.load_rooms(kService));
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0], make_room("a@conference.example.org"));
  EXPECT_EQ(rooms[1], persistent);
}

TEST_F(PgMucStoreTest, PurgeTemporaryRooms_TemporaryOfServiceGoWithArchive) {
  create(make_room("temp@conference.example.org", false));
  create(make_room("kept@conference.example.org"));
  create(make_room("temp@chat.example.org", false));
  append(message("t1", this_month()), "temp@conference.example.org");
  append(message("k1", this_month()), "kept@conference.example.org");

  run_awaitable(store_.purge_temporary_rooms(kService));

  EXPECT_FALSE(load("temp@conference.example.org").has_value());
  EXPECT_TRUE(load("kept@conference.example.org").has_value());
  EXPECT_TRUE(load("temp@chat.example.org").has_value());
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 1);
}

TEST_F(PgMucStoreTest, SaveConfig_ReplacesConfigAndPersistence) {
  create(make_room(kRoom, false));
  RoomConfig config;
  config.persistent = true;
  config.members_only = true;
  config.name = "Renamed";
  run_awaitable(store_.save_config(kRoom, config));
  EXPECT_EQ(load(kRoom)->config, config);
  EXPECT_EQ(run_awaitable(store_.load_rooms(kService)).size(), 1u);
}

TEST_F(PgMucStoreTest, SaveConfig_UnknownRoom_Throws) {
  EXPECT_THROW(run_awaitable(store_.save_config(kRoom, RoomConfig{})), std::invalid_argument);
}

TEST_F(PgMucStoreTest, SaveSubject_Replaces) {
  create(make_room(kRoom));
  const muc::RoomSubject subject{"New topic", "juliet", this_month(7us)};
  run_awaitable(store_.save_subject(kRoom, subject));
  EXPECT_EQ(load(kRoom)->subject, subject);
}

TEST_F(PgMucStoreTest, SetAffiliation_AddReplaceRemove) {
  create(make_room(kRoom));
  run_awaitable(store_.set_affiliation(kRoom, {"romeo@example.org", Affiliation::member, "hi"}));
  run_awaitable(store_.set_affiliation(kRoom, {"tybalt@example.org", Affiliation::member, ""}));
  run_awaitable(
      store_.set_affiliation(kRoom, {"tybalt@example.org", Affiliation::outcast, "fight"}));
  run_awaitable(store_.set_affiliation(kRoom, {"romeo@example.org", Affiliation::none, ""}));
  const std::vector<AffiliationRecord> expected = {
      {"tybalt@example.org", Affiliation::outcast, "fight"}};
  EXPECT_EQ(load(kRoom)->affiliations, expected);
}

TEST_F(PgMucStoreTest, SetAffiliation_UnknownRoomOrEmptyJid_Throws) {
  EXPECT_THROW(
      run_awaitable(store_.set_affiliation(kRoom, {"romeo@example.org", Affiliation::member, ""})),
      std::invalid_argument);
  create(make_room(kRoom));
  EXPECT_THROW(run_awaitable(store_.set_affiliation(kRoom, {"", Affiliation::member, ""})),
               std::invalid_argument);
}

TEST_F(PgMucStoreTest, DeleteRoom_RoomAffiliationsAndArchiveGo_OthersStay) {
  StoredRoom room = make_room(kRoom);
  room.affiliations = {{"juliet@example.org", Affiliation::owner, ""}};
  create(room);
  create(make_room("other@conference.example.org"));
  append(message("m1", this_month()));
  append(message("o1", this_month()), "other@conference.example.org");

  run_awaitable(store_.delete_room(kRoom));
  run_awaitable(store_.delete_room("never@conference.example.org"));

  EXPECT_FALSE(load(kRoom).has_value());
  EXPECT_EQ(count("SELECT count(*) FROM muc_affiliations"), 0);
  EXPECT_EQ(ids(history(10, {}, "other@conference.example.org")), std::vector<std::string>{"o1"});
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 1);
}

TEST_F(PgMucStoreTest, History_NewestMessagesOldestFirst_SubjectsLeftOut) {
  create(make_room(kRoom));
  append(message("m1", this_month(1s)));
  append(message("s1", this_month(2s), ArchiveKind::subject));
  append(message("m2", this_month(3s)));
  append(message("m3", this_month(4s)));
  // Same microsecond as m3: append order decides.
  append(message("m4", this_month(4s)));

  EXPECT_EQ(ids(history(3)), (std::vector<std::string>{"m2", "m3", "m4"}));
  EXPECT_EQ(ids(history(100)), (std::vector<std::string>{"m1", "m2", "m3", "m4"}));
  EXPECT_TRUE(history(0).empty());
  EXPECT_EQ(run_awaitable(store_.count_messages(kRoom)), 4u);
}

TEST_F(PgMucStoreTest, History_Since_OnlyEntriesAtOrAfterIt) {
  create(make_room(kRoom));
  append(message("m1", this_month(1s)));
  append(message("m2", this_month(2s)));
  append(message("m3", this_month(3s)));
  EXPECT_EQ(ids(history(10, this_month(2s))), (std::vector<std::string>{"m2", "m3"}));
  EXPECT_EQ(ids(history(1, this_month(2s))), (std::vector<std::string>{"m3"}));
  EXPECT_TRUE(history(10, this_month(4s)).empty());
}

TEST_F(PgMucStoreTest, History_EntryRoundTripsExactly) {
  create(make_room(kRoom));
  ArchiveEntry entry = message("m1", this_month(123457us));
  entry.nick = "Ròméo ♥";
  append(entry);
  const std::vector<ArchiveEntry> entries = history(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], entry);
}

TEST_F(PgMucStoreTest, History_OtherRoomsEntriesNotMixedIn) {
  create(make_room(kRoom));
  create(make_room("other@conference.example.org"));
  append(message("m1", this_month(1s)));
  append(message("o1", this_month(2s)), "other@conference.example.org");
  EXPECT_EQ(ids(history(10)), std::vector<std::string>{"m1"});
  EXPECT_EQ(run_awaitable(store_.count_messages("other@conference.example.org")), 1u);
}

TEST_F(PgMucStoreTest, Append_UnknownRoom_ThrowsAndStoresNothing) {
  EXPECT_THROW(append(message("m1", this_month())), std::invalid_argument);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 0);
}

TEST_F(PgMucStoreTest, Append_InvalidEntry_Rejected) {
  create(make_room(kRoom));
  EXPECT_THROW(append(message("", this_month())), std::invalid_argument);
  EXPECT_THROW(append(message(std::string(1024, 'x'), this_month())), std::invalid_argument);
  ArchiveEntry nul = message("m1", this_month());
  nul.stanza += std::string(1, '\0');
  EXPECT_THROW(append(nul), std::invalid_argument);
  EXPECT_THROW(append(message("m2", Timestamp(sys_days(year(10000) / 1 / 1)))),
               std::invalid_argument);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 0);
}

TEST_F(PgMucStoreTest, Append_ExtractsBodyAndOccupantIdIntoColumns) {
  create(make_room(kRoom));
  ArchiveEntry entry = message("m1", this_month());
  entry.stanza = message_stanza("m1", "a &amp; b &lt;3");
  append(entry);
  EXPECT_EQ(text("SELECT body FROM muc_archive"), "a & b <3");
  EXPECT_EQ(text("SELECT occupant_id FROM muc_archive"), "occ-m1");
  EXPECT_EQ(text("SELECT sender || ' ' || nick || ' ' || kind FROM muc_archive"),
            "romeo@example.org romeo message");
}

TEST_F(PgMucStoreTest, Append_StoredInTheMonthsPartition) {
  create(make_room(kRoom));
  append(message("old", at(sys_days(2001y / March / 31), 23h + 59min)));
  append(message("now", this_month()));
  const year_month_day today(floor<days>(system_clock::now()));
  char current[32];
  std::snprintf(current, sizeof current, "muc_archive_%04d_%02u", static_cast<int>(today.year()),
                static_cast<unsigned>(today.month()));
  EXPECT_EQ(text("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'old'"),
            "muc_archive_2001_03");
  EXPECT_EQ(text("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'now'"),
            current);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive_default"), 0);
  EXPECT_EQ(ids(history(10)), (std::vector<std::string>{"old", "now"}));
}

TEST_F(PgMucStoreTest, EnsurePartitions_RowsInDefault_MovedIntoNewPartition) {
  db_.transact_blocking([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO muc_archive (room_id, at, kind, stanza_id, nick, sender, stanza) VALUES "
        "(1, '1990-01-15 12:00+00', 'message', 'a', 'n', 's', '<message/>'), "
        "(1, '1990-02-01 00:00+00', 'message', 'b', 'n', 's', '<message/>')");
  });
  ASSERT_EQ(count("SELECT count(*) FROM muc_archive_default"), 2);
  EXPECT_EQ(count("SELECT muc_archive_ensure_partitions('1990-01-31 23:00+00', "
                  "'1990-01-31 23:00+00')"),
            1);
  EXPECT_EQ(text("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'a'"),
            "muc_archive_1990_01");
  EXPECT_EQ(text("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'b'"),
            "muc_archive_default");
  // Indexes follow the parent's onto the new partition: (room, time), (room, stanza-id), the
  // full-text index and the time order across rooms.
  EXPECT_EQ(count("SELECT count(*) FROM pg_indexes WHERE tablename = 'muc_archive_1990_01'"), 4);
  EXPECT_EQ(count("SELECT muc_archive_ensure_partitions('1990-01-01', '1990-01-02')"), 0);
}

TEST_F(PgMucStoreTest, Append_TwoStoresIntoNewMonthAtOnce_BothStored) {
  create(make_room(kRoom));
  Database other_db(dsn_, 1, log_);
  ArchiveWriter other_writer(other_db, ArchiveWriterSettings{}, log_);
  PgMucStore other(other_db, other_writer);
  const Timestamp when = at(sys_days(1995y / July / 4));
  std::exception_ptr failure;
  std::thread racer([&] {
    try {
      run_awaitable(other.append(kRoom, message("b", when)));
    } catch (...) {
      failure = std::current_exception();
    }
  });
  append(message("a", when));
  racer.join();
  ASSERT_FALSE(failure);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive_1995_07"), 2);
}

TEST(ArchivedStanzaTest, ExtractStanzaColumns_Variants) {
  EXPECT_EQ(extract_stanza_columns("<message xmlns='jabber:client'><body>hi</body></message>"),
            (StanzaColumns{"hi", std::nullopt}));
  // Declared by the stream rather than the stanza; only the first body; nested text ignored.
  EXPECT_EQ(extract_stanza_columns("<message><body xml:lang='en'>one</body><body>two</body>"
                                   "<x xmlns='urn:x'><body>no</body></x></message>"),
            (StanzaColumns{"one", std::nullopt}));
  EXPECT_EQ(
      extract_stanza_columns("<message xmlns='jabber:client'><body/>"
                             "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='o'/></message>"),
      (StanzaColumns{"", "o"}));
  // A body in another namespace is not the body.
  EXPECT_EQ(extract_stanza_columns("<message xmlns='jabber:client'>"
                                   "<body xmlns='urn:other'>x</body></message>"),
            StanzaColumns{});
  EXPECT_EQ(extract_stanza_columns("<message><body>unclosed</message>"), StanzaColumns{});
  EXPECT_EQ(extract_stanza_columns(""), StanzaColumns{});
}

}  // namespace
}  // namespace stoa::store
