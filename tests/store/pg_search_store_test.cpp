#include "store/pg_search_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "store/archive_writer.hpp"
#include "store/migrations.hpp"
#include "store/pg_muc_store.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::Affiliation;
using muc::ArchiveEntry;
using muc::SearchPage;
using muc::SearchQuery;
using muc::SearchScope;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kService = "conference.example.org";
constexpr const char* kOpen = "open@conference.example.org";
constexpr const char* kMembers = "members@conference.example.org";
constexpr const char* kNonAnonymous = "public@conference.example.org";
constexpr const char* kUnlogged = "unlogged@conference.example.org";
constexpr const char* kSecret = "secret@conference.example.org";
constexpr const char* kElsewhere = "room@chat.example.net";

Timestamp this_month(seconds offset) {
  const year_month_day today(floor<days>(system_clock::now()));
  return Timestamp(sys_days(today.year() / today.month() / 2)) + offset;
}

muc::StoredRoom make_room(const std::string& jid, muc::RoomConfig config = {},
                          std::vector<muc::AffiliationRecord> affiliations = {}) {
  muc::StoredRoom room;
  room.jid = jid;
  room.config = config;
  room.occupant_id_secret = "00ff00ff";
  room.created = this_month(seconds(0));
  room.subject.changed = room.created;
  room.affiliations = std::move(affiliations);
  return room;
}

SearchScope scope_of(const std::string& bare, bool admin = false) {
  SearchScope scope;
  scope.service = kService;
  scope.user = bare + "/phone";
  scope.user_bare = bare;
  scope.user_domain = bare.substr(bare.find('@') + 1);
  scope.service_admin = admin;
  return scope;
}

SearchQuery words(const std::string& text, std::size_t max = 10) {
  SearchQuery query;
  query.text = text;
  query.max = max;
  return query;
}

/// "room:id" of each hit, oldest first.
std::vector<std::string> found(const SearchPage& page) {
  std::vector<std::string> out;
  for (const muc::SearchHit& hit : page.hits) {
    out.push_back(hit.room.substr(0, hit.room.find('@')) + ":" + hit.entry.stanza_id);
  }
  return out;
}

using Found = std::vector<std::string>;

class PgSearchStoreTest : public testing::Test {
 protected:
  PgSearchStoreTest()
      : db_(dsn_, 2, log_),
        writer_(db_, ArchiveWriterSettings{}, log_),
        rooms_(db_, writer_),
        search_(db_) {
    apply_migrations(db_, log_);
    muc::RoomConfig members_only;
    members_only.members_only = true;
    muc::RoomConfig non_anonymous;
    non_anonymous.whois = muc::Whois::anyone;
    muc::RoomConfig unlogged;
    unlogged.enable_logging = false;
    muc::RoomConfig secret;
    secret.password_protected = true;
    secret.password = "sesame";
    create(make_room(kOpen, {},
                     {{"mallory@example.org", Affiliation::outcast, "spam"},
                      {"ada@example.org", Affiliation::admin, ""}}));
    create(make_room(kMembers, members_only,
                     {{"alice@example.org", Affiliation::member, ""},
                      {"partner.example.com", Affiliation::member, ""}}));
    create(make_room(kNonAnonymous, non_anonymous));
    create(make_room(kUnlogged, unlogged));
    create(make_room(kSecret, secret, {{"olga@example.org", Affiliation::owner, ""}}));
    create(make_room(kElsewhere));
    // One message about the release in each room, a second apart, and one about lunch.
    int second = 0;
    for (const char* room : {kOpen, kMembers, kNonAnonymous, kUnlogged, kSecret, kElsewhere}) {
      ++second;
      append(room, "r" + std::to_string(second), "Release notes are ready", second);
      ++second;
      append(room, "l" + std::to_string(second), "Lunch at noon?", second);
    }
  }

  void create(muc::StoredRoom room) { run_awaitable(rooms_.create_room(std::move(room))); }

  void append(const std::string& room, const std::string& id, const std::string& body, int second,
              const std::string& nick = "romeo") {
    ArchiveEntry entry;
    entry.stanza_id = id;
    entry.timestamp = this_month(seconds(second));
    entry.nick = nick;
    entry.sender = nick + "@example.org";
    entry.stanza = "<message xmlns='jabber:client' from='" + room + "/" + nick +
                   "' type='groupchat'><body>" + body + "</body></message>";
    run_awaitable(rooms_.append(room, std::move(entry)));
  }

  SearchPage search(const SearchScope& scope, SearchQuery query) {
    return run_awaitable(search_.search(scope, std::move(query)));
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore rooms_;
  PgSearchStore search_;
};

TEST_F(PgSearchStoreTest, Outsider_OpenRoomsWithArchivesOfThisServiceOnly) {
  const SearchPage page = search(scope_of("carol@example.org"), words("release"));
  EXPECT_EQ(found(page), (Found{"open:r1", "public:r5"}));
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 2u);
  EXPECT_EQ(page.first_index, 0u);
}

TEST_F(PgSearchStoreTest, Member_AlsoTheirMembersOnlyRoom) {
  EXPECT_EQ(found(search(scope_of("alice@example.org"), words("release"))),
            (Found{"open:r1", "members:r3", "public:r5"}));
}

TEST_F(PgSearchStoreTest, DomainAffiliation_CountsForItsUsers) {
  EXPECT_EQ(found(search(scope_of("zoe@partner.example.com"), words("release"))),
            (Found{"open:r1", "members:r3", "public:r5"}));
}

TEST_F(PgSearchStoreTest, Outcast_NotTheRoomThatBannedThem) {
  EXPECT_EQ(found(search(scope_of("mallory@example.org"), words("release"))), (Found{"public:r5"}));
}

TEST_F(PgSearchStoreTest, PasswordProtectedRoom_OwnersOnly) {
  EXPECT_EQ(found(search(scope_of("olga@example.org"), words("release"))),
            (Found{"open:r1", "public:r5", "secret:r9"}));
}

TEST_F(PgSearchStoreTest, ServiceAdmin_EveryRoomThatKeepsAnArchive) {
  const SearchPage page = search(scope_of("root@example.org", true), words("release"));
  EXPECT_EQ(found(page), (Found{"open:r1", "members:r3", "public:r5", "secret:r9"}));
  for (const muc::SearchHit& hit : page.hits) {
    EXPECT_TRUE(hit.shows_real_jid) << hit.room;
  }
}

TEST_F(PgSearchStoreTest, RealJids_WhereWhoisAnyoneOrToRoomAdmins) {
  const SearchPage outsider = search(scope_of("carol@example.org"), words("release"));
  ASSERT_EQ(outsider.hits.size(), 2u);
  EXPECT_FALSE(outsider.hits[0].shows_real_jid);  // open: semi-anonymous
  EXPECT_TRUE(outsider.hits[1].shows_real_jid);   // public: whois anyone
  const SearchPage admin = search(scope_of("ada@example.org"), words("release"));
  ASSERT_EQ(admin.hits.size(), 2u);
  EXPECT_TRUE(admin.hits[0].shows_real_jid);  // ada is an admin of open
}

TEST_F(PgSearchStoreTest, HitsCarryTheEntry) {
  const SearchPage page = search(scope_of("carol@example.org"), words("noon", 1));
  ASSERT_EQ(page.hits.size(), 1u);
  const muc::SearchHit& hit = page.hits.front();
  EXPECT_EQ(hit.room, kOpen);
  EXPECT_EQ(hit.entry.stanza_id, "l2");
  EXPECT_EQ(hit.entry.timestamp, this_month(seconds(2)));
  EXPECT_EQ(hit.entry.nick, "romeo");
  EXPECT_EQ(hit.entry.sender, "romeo@example.org");
  EXPECT_NE(hit.entry.stanza.find("Lunch at noon?"), std::string::npos);
  EXPECT_EQ(hit.position.at, hit.entry.timestamp);
  EXPECT_FALSE(page.complete);
}

TEST_F(PgSearchStoreTest, WebSearchSyntax_PhrasesExclusionsOr) {
  const SearchScope carol = scope_of("carol@example.org");
  EXPECT_EQ(found(search(carol, words("\"notes are ready\""))), (Found{"open:r1", "public:r5"}));
  EXPECT_EQ(found(search(carol, words("\"ready notes\""))), Found{});
  EXPECT_EQ(found(search(carol, words("release or lunch"))),
            (Found{"open:r1", "open:l2", "public:r5", "public:l6"}));
  EXPECT_EQ(found(search(carol, words("notes -release"))), Found{});
  // Case does not matter, and words are not stemmed: "note" is not "notes".
  EXPECT_EQ(found(search(carol, words("LUNCH"))), (Found{"open:l2", "public:l6"}));
  EXPECT_EQ(found(search(carol, words("note"))), Found{});
}

TEST_F(PgSearchStoreTest, TextWithoutWordsOrBrokenSyntax_NoHitsNoError) {
  const SearchScope carol = scope_of("carol@example.org");
  for (const char* text : {"!!!", "\"", "-", "( release", "release & | !:* <->", "'", "\\"}) {
    SCOPED_TRACE(text);
    EXPECT_NO_THROW(search(carol, words(text)));
  }
  EXPECT_TRUE(search(carol, words("!!!")).hits.empty());
  EXPECT_EQ(found(search(carol, words("( release"))), (Found{"open:r1", "public:r5"}));
}

TEST_F(PgSearchStoreTest, RoomFilter_OnlyThatRoomAndOnlyWhenReadable) {
  SearchQuery query = words("release");
  query.room = kNonAnonymous;
  EXPECT_EQ(found(search(scope_of("carol@example.org"), query)), (Found{"public:r5"}));
  query.room = kMembers;
  EXPECT_EQ(found(search(scope_of("carol@example.org"), query)), Found{});
  EXPECT_EQ(found(search(scope_of("alice@example.org"), query)), (Found{"members:r3"}));
}

TEST_F(PgSearchStoreTest, StartAndEnd_Inclusive) {
  SearchQuery query = words("release or lunch");
  query.start = this_month(seconds(2));
  query.end = this_month(seconds(5));
  EXPECT_EQ(found(search(scope_of("carol@example.org"), query)), (Found{"open:l2", "public:r5"}));
}

TEST_F(PgSearchStoreTest, Paging_ForwardsAndBackwardsByPosition) {
  const SearchScope carol = scope_of("carol@example.org");
  SearchQuery first = words("release or lunch", 3);
  const SearchPage one = search(carol, first);
  EXPECT_EQ(found(one), (Found{"open:r1", "open:l2", "public:r5"}));
  EXPECT_FALSE(one.complete);
  EXPECT_EQ(one.count, 4u);

  SearchQuery next = words("release or lunch", 3);
  next.page_after = one.hits.back().position;
  const SearchPage two = search(carol, next);
  EXPECT_EQ(found(two), (Found{"public:l6"}));
  EXPECT_TRUE(two.complete);
  EXPECT_EQ(two.first_index, 3u);

  SearchQuery last = words("release or lunch", 3);
  last.last_page = true;
  const SearchPage newest = search(carol, last);
  EXPECT_EQ(found(newest), (Found{"open:l2", "public:r5", "public:l6"}));
  EXPECT_FALSE(newest.complete);
  EXPECT_EQ(newest.first_index, 1u);

  SearchQuery before = words("release or lunch", 3);
  before.page_before = newest.hits.front().position;
  const SearchPage oldest = search(carol, before);
  EXPECT_EQ(found(oldest), (Found{"open:r1"}));
  EXPECT_TRUE(oldest.complete);
}

TEST_F(PgSearchStoreTest, ManyMatchesInterleaved_PagedInArchiveOrderAcrossReadableRooms) {
  // Four rooms' messages interleaved in time, two to a second so that rooms share a
  // microsecond (append order breaks the tie), each holding the word: with the statistics
  // up to date, the planner walks the archive in time order rather than sorting the matches.
  const std::vector<std::string> rooms{kOpen, kMembers, kNonAnonymous, kSecret};
  Found expected;  // what carol may read: the open and the non-anonymous room
  for (int i = 0; i < 120; ++i) {
    const std::string& room = rooms[static_cast<std::size_t>(i) % rooms.size()];
    const std::string id = "c" + std::to_string(i);
    append(room, id, "again the common word", 100 + i / 2);
    if (room == kOpen || room == kNonAnonymous) {
      expected.push_back(room.substr(0, room.find('@')) + ":" + id);
    }
  }
  pqxx::connection connection(dsn_);
  pqxx::nontransaction(connection).exec("ANALYZE muc_archive");
  const SearchScope carol = scope_of("carol@example.org");

  // Backwards from the newest page, then forwards from the oldest.
  Found backwards;
  SearchQuery query = words("common", 7);
  query.last_page = true;
  for (SearchPage page = search(carol, query);; page = search(carol, query)) {
    ASSERT_EQ(page.count, expected.size());
    ASSERT_FALSE(page.hits.empty());
    const Found hits = found(page);
    backwards.insert(backwards.begin(), hits.begin(), hits.end());
    EXPECT_EQ(page.first_index, expected.size() - backwards.size());
    if (page.complete) {
      break;
    }
    ASSERT_LT(backwards.size(), expected.size());
    query.last_page = false;
    query.page_before = page.hits.front().position;
  }
  EXPECT_EQ(backwards, expected);

  Found forwards;
  query = words("common", 7);
  for (SearchPage page = search(carol, query);; page = search(carol, query)) {
    EXPECT_EQ(page.first_index, forwards.size());
    const Found hits = found(page);
    forwards.insert(forwards.end(), hits.begin(), hits.end());
    if (page.complete) {
      break;
    }
    ASSERT_LT(forwards.size(), expected.size());
    query.page_after = page.hits.back().position;
  }
  EXPECT_EQ(forwards, expected);

  // A member of the members-only room reads it too, in the same order.
  const SearchPage alice = search(scope_of("alice@example.org"), words("common", 100));
  EXPECT_EQ(alice.count, 90u);
  EXPECT_EQ(found(alice).front(), "open:c0");
  EXPECT_EQ(found(alice)[1], "members:c1");
}

TEST_F(PgSearchStoreTest, NoReadableRoom_EmptyAndComplete) {
  SearchScope nowhere = scope_of("carol@example.org");
  nowhere.service = "conference.nowhere.example";
  const SearchPage page = search(nowhere, words("release"));
  EXPECT_TRUE(page.hits.empty());
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 0u);
}

TEST_F(PgSearchStoreTest, MaxZero_CountOnly) {
  const SearchPage page = search(scope_of("carol@example.org"), words("release", 0));
  EXPECT_TRUE(page.hits.empty());
  EXPECT_EQ(page.count, 2u);
}

TEST_F(PgSearchStoreTest, MoreThanTheCountLimit_NoCount) {
  PgSearchStore limited(db_, PgSearchStore::kDefaultMaxInFlight, 1);
  const SearchPage page =
      run_awaitable(limited.search(scope_of("carol@example.org"), words("release", 1)));
  EXPECT_EQ(found(page), (Found{"open:r1"}));
  EXPECT_FALSE(page.count);
  EXPECT_FALSE(page.first_index);
}

TEST_F(PgSearchStoreTest, LongerThanTheTimeout_BusyNotFailed) {
  // A table the search reads, locked by another transaction: the search waits for it until
  // its statement timeout cancels it.
  pqxx::connection other(dsn_);
  pqxx::work locking(other);
  locking.exec("LOCK TABLE muc_affiliations IN ACCESS EXCLUSIVE MODE");
  PgSearchStore impatient(db_, PgSearchStore::kDefaultMaxInFlight,
                          PgSearchStore::kDefaultCountLimit, milliseconds(50));
  EXPECT_THROW(run_awaitable(impatient.search(scope_of("carol@example.org"), words("release"))),
               muc::ArchiveBusy);
  locking.abort();
  EXPECT_EQ(
      run_awaitable(impatient.search(scope_of("carol@example.org"), words("release"))).hits.size(),
      2u);
}

TEST_F(PgSearchStoreTest, NulByte_Refused) {
  EXPECT_THROW(search(scope_of("carol@example.org"), words(std::string("rel\0ease", 8))),
               std::invalid_argument);
}

}  // namespace
}  // namespace stoa::store
