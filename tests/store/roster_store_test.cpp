#include "store/roster_store.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <set>

#include "store/migrations.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using test::run_awaitable;

constexpr std::size_t kMaxItems = 3;

/// Sets name and groups, keeping the rest: what a roster set does.
RosterUpdater set_item(std::optional<std::string> name, std::vector<std::string> groups = {}) {
  return [name, groups](const std::optional<RosterItem>& current) {
    RosterItem next = current ? *current : RosterItem{};
    next.in_roster = true;
    next.name = name;
    next.groups = groups;
    return std::optional<RosterItem>(next);
  };
}

RosterUpdater remove_item() {
  return [](const std::optional<RosterItem>&) { return std::optional<RosterItem>(); };
}

/// A subscription request from someone not in the roster.
RosterUpdater pending_request(std::string stanza) {
  return [stanza](const std::optional<RosterItem>& current) {
    RosterItem next = current ? *current : RosterItem{};
    if (!current) {
      next.in_roster = false;
    }
    next.pending_in = true;
    next.pending_in_stanza = stanza;
    return std::optional<RosterItem>(next);
  };
}

RosterUpdater with_subscription(Subscription subscription) {
  return [subscription](const std::optional<RosterItem>& current) {
    RosterItem next = current ? *current : RosterItem{};
    next.in_roster = true;
    next.subscription = subscription;
    return std::optional<RosterItem>(next);
  };
}

class RosterStoreTest : public testing::Test {
 protected:
  RosterStoreTest() : db_(test::create_test_database(), 2, log_), roster_(db_, kMaxItems) {
    apply_migrations(db_, log_);
    db_.transact_blocking([](pqxx::work& tx) {
      tx.exec("INSERT INTO accounts (username) VALUES ('juliet'), ('romeo')");
    });
  }

  RosterUpdate update(const std::string& contact, RosterUpdater updater,
                      const std::string& owner = "juliet") {
    return run_awaitable(roster_.update(owner, contact, std::move(updater)));
  }

  long count(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<long>(); });
  }

  Logger log_{LogLevel::warn};
  Database db_;
  RosterStore roster_;
};

TEST_F(RosterStoreTest, Roster_NewAccount_EmptyAtVersionZero) {
  const Roster roster = run_awaitable(roster_.roster("juliet"));
  EXPECT_EQ(roster.version, 0);
  EXPECT_TRUE(roster.items.empty());
}

TEST_F(RosterStoreTest, Update_NewItem_VisibleChangeAtNextVersion) {
  const RosterUpdate result = update("romeo@example.net", set_item("Romeo", {"Friends"}));
  EXPECT_EQ(result.status, RosterUpdate::Status::applied);
  EXPECT_FALSE(result.before.has_value());
  ASSERT_TRUE(result.after.has_value());
  EXPECT_TRUE(result.visible_change);
  EXPECT_EQ(result.version, 1);
  EXPECT_EQ(result.after->version, 1);
  EXPECT_EQ(result.after->contact, "romeo@example.net");

  const Roster roster = run_awaitable(roster_.roster("juliet"));
  EXPECT_EQ(roster.version, 1);
  ASSERT_EQ(roster.items.size(), 1u);
  EXPECT_EQ(roster.items[0], *result.after);
}

TEST_F(RosterStoreTest, Update_AwkwardNamesAndGroups_RoundTripExactly) {
  const std::vector<std::string> groups = {"a,b",  "{braces}", "quote\"d", "back\\slash",
                                           "NULL", " spaced ", "ünïcödé"};
  update("romeo@example.net", set_item("", groups));
  update("mercutio@example.net", set_item(std::nullopt));
  const Roster roster = run_awaitable(roster_.roster("juliet"));
  ASSERT_EQ(roster.items.size(), 2u);
  EXPECT_EQ(roster.items[0].contact, "mercutio@example.net");
  EXPECT_FALSE(roster.items[0].name.has_value());
  EXPECT_TRUE(roster.items[0].groups.empty());
  EXPECT_EQ(roster.items[1].name, std::optional<std::string>(""));
  EXPECT_EQ(roster.items[1].groups, groups);
}

TEST_F(RosterStoreTest, Update_SameContent_NoChangeNoVersion) {
  update("romeo@example.net", set_item("Romeo"));
  const RosterUpdate again = update("romeo@example.net", set_item("Romeo"));
  EXPECT_FALSE(again.visible_change);
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(again.before, again.after);
}

TEST_F(RosterStoreTest, Update_Remove_TombstoneReportedAsChange) {
  update("romeo@example.net", set_item("Romeo"));
  update("mercutio@example.net", set_item("Mercutio"));
  update("tybalt@example.net", set_item("Tybalt"));
  const RosterUpdate removed = update("romeo@example.net", remove_item());
  EXPECT_TRUE(removed.visible_change);
  EXPECT_EQ(removed.version, 4);
  EXPECT_FALSE(removed.after.has_value());

  const std::optional<RosterChanges> changes = run_awaitable(roster_.changes_since("juliet", 2));
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->version, 4);
  ASSERT_EQ(changes->changed.size(), 1u);
  EXPECT_EQ(changes->changed[0].contact, "tybalt@example.net");
  ASSERT_EQ(changes->removed.size(), 1u);
  EXPECT_EQ(changes->removed[0].contact, "romeo@example.net");
  EXPECT_EQ(changes->removed[0].version, 4);
  EXPECT_EQ(run_awaitable(roster_.roster("juliet")).items.size(), 2u);
}

TEST_F(RosterStoreTest, Update_ReAdded_TombstoneGone) {
  update("romeo@example.net", set_item("Romeo"));
  update("romeo@example.net", remove_item());
  update("romeo@example.net", set_item("Romeo"));
  const std::optional<RosterChanges> changes = run_awaitable(roster_.changes_since("juliet", 0));
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->changed.size(), 1u);
  EXPECT_TRUE(changes->removed.empty());
}

TEST_F(RosterStoreTest, ChangesSince_CurrentVersion_Empty) {
  update("romeo@example.net", set_item("Romeo"));
  const std::optional<RosterChanges> changes = run_awaitable(roster_.changes_since("juliet", 1));
  ASSERT_TRUE(changes.has_value());
  EXPECT_TRUE(changes->changed.empty());
  EXPECT_TRUE(changes->removed.empty());
}

TEST_F(RosterStoreTest, ChangesSince_FutureVersion_FullRosterNeeded) {
  update("romeo@example.net", set_item("Romeo"));
  EXPECT_FALSE(run_awaitable(roster_.changes_since("juliet", 2)).has_value());
}

TEST_F(RosterStoreTest, ChangesSince_MoreChangesThanItems_FullRosterNeeded) {
  update("romeo@example.net", set_item("Romeo"));
  update("mercutio@example.net", set_item("Mercutio"));
  update("romeo@example.net", remove_item());
  // One item left, two changes since version 0.
  EXPECT_FALSE(run_awaitable(roster_.changes_since("juliet", 0)).has_value());
}

TEST_F(RosterStoreTest, Update_TombstonesPastLimit_OldestPrunedAndHistoryCut) {
  for (const char* contact : {"a@example.net", "b@example.net", "c@example.net"}) {
    update(contact, set_item(std::nullopt));
  }
  for (const char* contact : {"a@example.net", "b@example.net", "c@example.net"}) {
    update(contact, remove_item());
  }
  update("d@example.net", set_item(std::nullopt));
  update("d@example.net", remove_item());  // version 8: a fourth tombstone, one too many
  EXPECT_EQ(count("SELECT count(*) FROM roster_tombstones WHERE owner = 'juliet'"),
            static_cast<long>(kMaxItems));
  EXPECT_EQ(count("SELECT count(*) FROM roster_tombstones WHERE contact = 'a@example.net'"), 0);
  EXPECT_EQ(count("SELECT tombstones_pruned_through FROM roster_versions WHERE owner = 'juliet'"),
            4);
  // a@ went at version 4: a client at 3 cannot learn of it any more.
  EXPECT_FALSE(run_awaitable(roster_.changes_since("juliet", 3)).has_value());
  EXPECT_TRUE(run_awaitable(roster_.changes_since("juliet", 8)).has_value());
}

TEST_F(RosterStoreTest, Update_PendingRequestFromStranger_StoredButInvisible) {
  const RosterUpdate result =
      update("romeo@example.net", pending_request("<presence type='subscribe'/>"));
  EXPECT_EQ(result.status, RosterUpdate::Status::applied);
  EXPECT_FALSE(result.visible_change);
  EXPECT_EQ(result.version, 0);
  EXPECT_TRUE(run_awaitable(roster_.roster("juliet")).items.empty());
  const std::optional<RosterItem> item = run_awaitable(roster_.item("juliet", "romeo@example.net"));
  ASSERT_TRUE(item.has_value());
  EXPECT_FALSE(item->in_roster);
  EXPECT_EQ(item->pending_in_stanza, "<presence type='subscribe'/>");
  const PresencePeers peers = run_awaitable(roster_.presence_peers("juliet"));
  EXPECT_EQ(peers.pending_requests, std::vector<std::string>{"<presence type='subscribe'/>"});
}

TEST_F(RosterStoreTest, Update_StrangerAdded_PendingRequestKept) {
  update("romeo@example.net", pending_request("<presence type='subscribe'/>"));
  const RosterUpdate added = update("romeo@example.net", set_item("Romeo"));
  EXPECT_TRUE(added.visible_change);
  ASSERT_TRUE(added.after.has_value());
  EXPECT_TRUE(added.after->in_roster);
  EXPECT_TRUE(added.after->pending_in);
  EXPECT_EQ(added.after->pending_in_stanza, "<presence type='subscribe'/>");
}

TEST_F(RosterStoreTest, Update_RowNeitherInRosterNorPending_Deleted) {
  update("romeo@example.net", pending_request("<presence type='subscribe'/>"));
  const RosterUpdate dropped =
      update("romeo@example.net", [](const std::optional<RosterItem>& current) {
        RosterItem next = *current;
        next.pending_in = false;
        next.pending_in_stanza.reset();
        return std::optional<RosterItem>(next);
      });
  EXPECT_FALSE(dropped.after.has_value());
  EXPECT_FALSE(dropped.visible_change);
  EXPECT_EQ(count("SELECT count(*) FROM roster_items"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM roster_tombstones"), 0);
}

TEST_F(RosterStoreTest, Update_NoSuchAccount_NothingWritten) {
  const RosterUpdate result = update("romeo@example.net", set_item("Romeo"), "nobody");
  EXPECT_EQ(result.status, RosterUpdate::Status::no_account);
  EXPECT_EQ(count("SELECT count(*) FROM roster_items"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM roster_versions"), 0);
}

TEST_F(RosterStoreTest, Update_RosterFull_RefusedButExistingItemsChange) {
  for (std::size_t i = 0; i < kMaxItems; ++i) {
    update("c" + std::to_string(i) + "@example.net", set_item(std::nullopt));
  }
  const RosterUpdate refused = update("extra@example.net", set_item("Extra"));
  EXPECT_EQ(refused.status, RosterUpdate::Status::roster_full);
  EXPECT_FALSE(refused.visible_change);
  EXPECT_EQ(run_awaitable(roster_.roster("juliet")).items.size(), kMaxItems);
  EXPECT_EQ(update("c0@example.net", set_item("Renamed")).status, RosterUpdate::Status::applied);
  // Requests from strangers have a bound of their own.
  EXPECT_EQ(update("stranger@example.net", pending_request("<presence/>")).status,
            RosterUpdate::Status::applied);
}

TEST_F(RosterStoreTest, PresencePeers_Subscriptions_SplitByDirection) {
  update("to@example.net", with_subscription(Subscription::to));
  update("from@example.net", with_subscription(Subscription::from));
  update("both@example.net", with_subscription(Subscription::both));
  update("none@example.net", with_subscription(Subscription::none), "romeo");
  const PresencePeers peers = run_awaitable(roster_.presence_peers("juliet"));
  EXPECT_EQ(peers.subscribers, (std::vector<std::string>{"both@example.net", "from@example.net"}));
  EXPECT_EQ(peers.subscriptions, (std::vector<std::string>{"both@example.net", "to@example.net"}));
  EXPECT_TRUE(peers.pending_requests.empty());
}

TEST_F(RosterStoreTest, Update_ConcurrentChanges_EachGetsItsOwnVersion) {
  RosterStore roomy(db_, 100);
  asio::io_context io;
  std::vector<RosterUpdate> results;
  constexpr int kUpdates = 12;
  for (int i = 0; i < kUpdates; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          // Named, not written inside the co_await (the GCC 12 issue noted in Database).
          RosterUpdater updater = set_item(std::nullopt);
          std::string contact = "c" + std::to_string(i) + "@example.net";
          results.push_back(co_await roomy.update("juliet", contact, std::move(updater)));
        },
        asio::detached);
  }
  io.run();
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kUpdates));
  std::set<std::int64_t> versions;
  for (const RosterUpdate& result : results) {
    versions.insert(result.version);
  }
  EXPECT_EQ(versions.size(), static_cast<std::size_t>(kUpdates));
  EXPECT_EQ(*versions.rbegin(), kUpdates);
  EXPECT_EQ(run_awaitable(roomy.roster("juliet")).version, kUpdates);
}

TEST(SubscriptionTest, ParseSubscription_RoundTripsAndRejectsOthers) {
  for (Subscription s :
       {Subscription::none, Subscription::to, Subscription::from, Subscription::both}) {
    EXPECT_EQ(parse_subscription(to_string(s)), s);
  }
  EXPECT_FALSE(parse_subscription("remove").has_value());
  EXPECT_FALSE(parse_subscription("").has_value());
}

}  // namespace
}  // namespace stoa::store
