// stoa-compliance end to end: it stores every room event stoad reports, exports them, and is
// refused when its credentials or its entitlement are wrong.

#include "tests/wire/compliance_e2e.hpp"

#include <algorithm>
#include <cstdlib>

namespace stoa::test {
namespace {

using ComplianceE2e = ComplianceE2eTest;

TEST_F(ComplianceE2e, StoresEveryRoomEvent_AndExportsThem) {
  ASSERT_TRUE(start_stoad());
  configure_component();
  start_component();
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_enter(alice, bob, "lobby"));
  std::vector<std::string> bodies;
  for (int i = 0; i < 20; ++i) {
    bodies.push_back("hello-" + std::to_string(i) + " <&> \"quoted\"");
    ASSERT_TRUE(say_and_wait(i % 2 == 0 ? alice : bob, "lobby", bodies.back()));
  }
  ASSERT_TRUE(leave(bob, "lobby", "Bob"));

  ASSERT_TRUE(settled());
  std::vector<compliance::Event> events = stored_events();
  std::vector<std::string> kinds;
  for (const auto& event : events) {
    kinds.push_back(event.kind);
    EXPECT_EQ(event.room, "lobby@conference.localhost");
  }
  EXPECT_NE(std::ranges::find(kinds, "join"), kinds.end());
  EXPECT_NE(std::ranges::find(kinds, "leave"), kinds.end());
  EXPECT_EQ(std::ranges::count(kinds, "message"), 20);
  for (const auto& event : events) {
    if (event.kind == "leave") {
      EXPECT_EQ(event.actor, "bob@localhost");
      EXPECT_EQ(event.nick, "Bob");
    }
  }

  CommandResult xml = run_command({STOA_COMPLIANCE_PATH, "export", "--config", config_path_,
                                   "--room", "lobby@conference.localhost", "--format", "xml"},
                                  "", kWaitTimeout);
  ASSERT_EQ(xml.exit_code, 0) << xml.describe();
  EXPECT_NE(xml.out.find("<Channel uri=\"xmpp:lobby@conference.localhost\""), std::string::npos);
  EXPECT_NE(xml.out.find("content=\"hello-7 &lt;&amp;&gt; &quot;quoted&quot;\""), std::string::npos)
      << xml.out.substr(0, 4000);
  EXPECT_NE(xml.out.find("type=\"PART\""), std::string::npos);

  std::filesystem::path csv_path = server_.data_dir() / "bob.csv";
  CommandResult csv =
      run_command({STOA_COMPLIANCE_PATH, "export", "--config", config_path_, "--user",
                   "bob@localhost", "--format", "csv", "--out", csv_path.string()},
                  "", kWaitTimeout);
  ASSERT_EQ(csv.exit_code, 0) << csv.describe();
  std::ifstream in(csv_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(
      text.starts_with("seq,room,kind,at,actor,nick,target,target_nick,stanza_id,"
                       "payload\r\n"));
  // The payload is the stanza as the room sent it: the body's quotes are escaped XML there.
  EXPECT_NE(text.find("hello-1 &lt;&amp;&gt; &quot;quoted&quot;"), std::string::npos) << text;
  EXPECT_EQ(text.find("hello-2 "), std::string::npos) << "alice's messages are not bob's";
}

TEST_F(ComplianceE2e, WrongSecret_IsRefusedAndStoresNothing) {
  ASSERT_TRUE(start_stoad());
  configure_component({}, kComplianceComponent, "not the secret");
  start_component();

  EXPECT_TRUE(wait_until([&] {
    return component_log().find("stoad closed the stream: not-authorized") != std::string::npos;
  })) << component_log();
  EXPECT_EQ(status_value("compliance_" + kComplianceComponent), "not subscribed");
  EXPECT_TRUE(stored_events().empty());
  EXPECT_TRUE(component_->running()) << "it keeps retrying with backoff rather than exiting";
}

TEST_F(ComplianceE2e, ComponentNotEntitledToCompliance_CannotSubscribe) {
  ASSERT_TRUE(start_stoad());
  configure_component({}, kBridgeComponent, kBridgeSecret);
  start_component();

  EXPECT_TRUE(wait_until([&] {
    return component_log().find("stoad refused the subscription: forbidden") != std::string::npos;
  })) << component_log();
  EXPECT_TRUE(stored_events().empty());
  EXPECT_TRUE(component_->running()) << "it keeps retrying with backoff rather than exiting";
}

}  // namespace
}  // namespace stoa::test

namespace stoa::test {
namespace {

// Also the benchmark of issue 5 ("keeps up with 5,000 events/s"): a backlog of N events
// (STOA_COMPLIANCE_BENCH_EVENTS, default 20000) waits in stoad's outbox; the component drains
// it end to end (stoad sends, it stores, acknowledges, stoad deletes). Prints the rate.
TEST_F(ComplianceE2e, DrainsABacklogInOrder_AndReportsItsRate) {
  const char* configured = std::getenv("STOA_COMPLIANCE_BENCH_EVENTS");
  const std::int64_t count = configured != nullptr ? std::stoll(configured) : 20000;
  const std::string stoad_dsn = create_test_database();
  ASSERT_TRUE(start_stoad_with_database(stoad_dsn));
  {
    Logger log(LogLevel::warn);
    store::Database stoad_db(stoad_dsn, 1, log);
    // Shaped like what the room writes for a groupchat message (muc/room_event.hpp).
    stoad_db.transact_blocking([count](pqxx::work& tx) {
      tx.exec_params(
          "INSERT INTO compliance_outbox "
          "(seq, room, kind, at, actor_jid, actor_nick, stanza_id, payload) "
          "SELECT g, 'room' || (g % 50) || '@conference.localhost', 'message', now(), "
          "'user' || (g % 200) || '@localhost', 'User' || (g % 200), 'id-' || g, "
          "'<message xmlns=''jabber:client'' from=''room@conference.localhost/User'' "
          "type=''groupchat'' id=''m' || g || '''><body>message number ' || g || "
          "' with some ordinary text in it, about as long as a chat line</body></message>' "
          "FROM generate_series(1, $1::bigint) AS g",
          count);
      tx.exec_params("UPDATE compliance_sequence SET last_seq = $1", count);
    });
  }
  configure_component();
  const auto started = std::chrono::steady_clock::now();
  start_component();

  Logger log(LogLevel::warn);
  store::Database db(dsn_, 1, log);
  compliance::EventStore store(db);
  std::int64_t stored = 0;
  const auto deadline = started + kWaitTimeout + std::chrono::milliseconds(count);
  while (stored < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      stored = store.highest_seq();
    } catch (const std::exception&) {
      // Not created yet: the component has not migrated its database.
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(stored, count);
  auto [rows, distinct, first_seq, span] = db.transact_blocking([](pqxx::work& tx) {
    auto row = tx.exec1(
        "SELECT count(*), count(DISTINCT seq), min(seq), "
        "extract(epoch FROM max(stored_at) - min(stored_at)) FROM compliance_events");
    return std::tuple(row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                      row[2].as<std::int64_t>(), row[3].as<double>());
  });
  EXPECT_EQ(rows, count);
  EXPECT_EQ(distinct, count);
  EXPECT_EQ(first_seq, 1);
  ASSERT_TRUE(settled());
  std::cout << "compliance drain: " << count << " events in " << wall << " s from start ("
            << static_cast<std::int64_t>(count / wall) << " events/s); first to last commit "
            << span << " s (" << static_cast<std::int64_t>(span > 0 ? count / span : 0)
            << " events/s)\n";
  RecordProperty("events_per_second", static_cast<int>(count / wall));

  // The export of one room of the backlog: every 50th event, each once, in order.
  std::filesystem::path csv_path = server_.data_dir() / "room7.csv";
  CommandResult csv =
      run_command({STOA_COMPLIANCE_PATH, "export", "--config", config_path_, "--room",
                   "room7@conference.localhost", "--format", "csv", "--out", csv_path.string()},
                  "", kWaitTimeout);
  ASSERT_EQ(csv.exit_code, 0) << csv.describe();
  std::ifstream in(csv_path);
  std::string line;
  std::vector<std::int64_t> exported;
  std::getline(in, line);
  EXPECT_EQ(line, "seq,room,kind,at,actor,nick,target,target_nick,stanza_id,payload\r");
  while (std::getline(in, line)) {
    exported.push_back(std::stoll(line.substr(0, line.find(','))));
  }
  ASSERT_EQ(exported.size(), static_cast<std::size_t>(count / 50));
  for (std::size_t i = 0; i < exported.size(); ++i) {
    EXPECT_EQ(exported[i], static_cast<std::int64_t>(7 + 50 * i));
  }
  CommandResult xml =
      run_command({STOA_COMPLIANCE_PATH, "export", "--config", config_path_, "--user",
                   "user7@localhost", "--from", "2000-01-01", "--format", "xml"},
                  "", kWaitTimeout);
  ASSERT_EQ(xml.exit_code, 0) << xml.describe();
  std::size_t messages = 0;
  for (auto at = xml.out.find("<Message "); at != std::string::npos;
       at = xml.out.find("<Message ", at + 1)) {
    ++messages;
  }
  EXPECT_EQ(messages, static_cast<std::size_t>(count / 200));
  EXPECT_NE(xml.out.find("content=\"message number 7 with some ordinary text"), std::string::npos);
}

}  // namespace
}  // namespace stoa::test
