#include "compliance/export_format.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace stoa::compliance {
namespace {

Event event(std::int64_t seq, std::string room, std::string kind, std::string at) {
  Event e;
  e.seq = seq;
  e.room = std::move(room);
  e.kind = std::move(kind);
  auto time = muc::parse_timestamp(at);
  EXPECT_TRUE(time) << at;
  e.at = time.value_or(muc::Timestamp{});
  return e;
}

std::string export_of(ExportFormat format, const std::vector<Event>& events) {
  std::ostringstream out;
  auto writer = make_export_writer(format, out);
  for (const Event& e : events) {
    writer->write(e);
  }
  writer->finish();
  return out.str();
}

TEST(ExportEscaping, Xml_EscapesMarkupQuotesAndWhitespace) {
  EXPECT_EQ(xml_escape("a<b>&\"c'\n\t\r"), "a&lt;b&gt;&amp;&quot;c&apos;&#xA;&#x9;&#xD;");
  EXPECT_EQ(xml_escape("plain ünïcode"), "plain ünïcode");
}

TEST(ExportEscaping, Json_EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_string("a\"b\\c\nd\x01é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
}

TEST(ExportEscaping, Csv_QuotesOnlyWhenNeeded_Rfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
}

TEST(ExportContent, MessageShowsBody_SubjectShowsSubject_TextAsIs) {
  Event message = event(1, "r@c", "message", "2026-11-26T16:58:01Z");
  message.payload =
      "<message xmlns='jabber:client' type='groupchat'><body>a &amp; b</body>"
      "<x><body>not me</body></x></message>";
  EXPECT_EQ(readable_content(message), "a & b");
  Event subject = event(2, "r@c", "subject", "2026-11-26T16:58:01Z");
  subject.payload = "<message type='groupchat'><subject>Today</subject></message>";
  EXPECT_EQ(readable_content(subject), "Today");
  Event clear = event(3, "r@c", "history-cleared", "2026-11-26T16:58:01Z");
  clear.payload = "before 2026-01-01";
  EXPECT_EQ(readable_content(clear), "before 2026-01-01");
  Event form = event(4, "r@c", "config-change", "2026-11-26T16:58:01Z");
  form.payload = "<x xmlns='jabber:x:data'/>";
  EXPECT_EQ(readable_content(form), "");
  Event broken = event(5, "r@c", "message", "2026-11-26T16:58:01Z");
  broken.payload = "<message><body>unterminated";
  EXPECT_EQ(readable_content(broken), "");
}

TEST(ExportXml, GroupsPerRoom_LyncShape) {
  Event join = event(1, "a@conference.example.org", "join", "2026-11-26T16:58:01Z");
  join.actor = "alice@example.org";
  join.nick = "Alice";
  Event chat = event(2, "a@conference.example.org", "message", "2026-11-26T16:58:02.500000Z");
  chat.actor = "alice@example.org";
  chat.nick = "Alice";
  chat.stanza_id = "S1";
  chat.payload = "<message><body>1 &lt; 2 &amp; \"ok\"</body></message>";
  Event kick = event(3, "b@conference.example.org", "kick", "2026-11-26T17:00:00Z");
  kick.actor = "mod@example.org";
  kick.nick = "Mod";
  kick.target = "bob@example.org";
  kick.target_nick = "Bob";

  EXPECT_EQ(
      export_of(ExportFormat::xml, {join, chat, kick}),
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Conversations>\n"
      "  <Conversation>\n"
      "    <Channel uri=\"xmpp:a@conference.example.org\" name=\"a@conference.example.org\"/>\n"
      "    <FirstMessage type=\"JOIN\" kind=\"join\" content=\"\" id=\"1\">\n"
      "      <Sender UserName=\"Alice\" uri=\"alice@example.org\"/>\n"
      "      <DateTimeUTC since1970=\"1795712281000\" string=\"2026-11-26T16:58:01Z\"/>\n"
      "    </FirstMessage>\n"
      "    <Messages>\n"
      "      <Message type=\"JOIN\" kind=\"join\" content=\"\" id=\"1\">\n"
      "        <Sender UserName=\"Alice\" uri=\"alice@example.org\"/>\n"
      "        <DateTimeUTC since1970=\"1795712281000\" string=\"2026-11-26T16:58:01Z\"/>\n"
      "      </Message>\n"
      "      <Message type=\"CHAT\" kind=\"message\" content=\"1 &lt; 2 &amp; &quot;ok&quot;\" "
      "id=\"2\" stanzaId=\"S1\">\n"
      "        <Sender UserName=\"Alice\" uri=\"alice@example.org\"/>\n"
      "        <DateTimeUTC since1970=\"1795712282500\" string=\"2026-11-26T16:58:02.500000Z\"/>\n"
      "        <Payload>&lt;message&gt;&lt;body&gt;1 &amp;lt; 2 &amp;amp; &quot;ok&quot;"
      "&lt;/body&gt;&lt;/message&gt;</Payload>\n"
      "      </Message>\n"
      "    </Messages>\n"
      "    <StartTimeUTC since1970=\"1795712281000\" string=\"2026-11-26T16:58:01Z\"/>\n"
      "    <EndTimeUTC since1970=\"1795712282500\" string=\"2026-11-26T16:58:02.500000Z\"/>\n"
      "  </Conversation>\n"
      "  <Conversation>\n"
      "    <Channel uri=\"xmpp:b@conference.example.org\" name=\"b@conference.example.org\"/>\n"
      "    <FirstMessage type=\"KICK\" kind=\"kick\" content=\"\" id=\"3\">\n"
      "      <Sender UserName=\"Mod\" uri=\"mod@example.org\"/>\n"
      "      <Target UserName=\"Bob\" uri=\"bob@example.org\"/>\n"
      "      <DateTimeUTC since1970=\"1795712400000\" string=\"2026-11-26T17:00:00Z\"/>\n"
      "    </FirstMessage>\n"
      "    <Messages>\n"
      "      <Message type=\"KICK\" kind=\"kick\" content=\"\" id=\"3\">\n"
      "        <Sender UserName=\"Mod\" uri=\"mod@example.org\"/>\n"
      "        <Target UserName=\"Bob\" uri=\"bob@example.org\"/>\n"
      "        <DateTimeUTC since1970=\"1795712400000\" string=\"2026-11-26T17:00:00Z\"/>\n"
      "      </Message>\n"
      "    </Messages>\n"
      "    <StartTimeUTC since1970=\"1795712400000\" string=\"2026-11-26T17:00:00Z\"/>\n"
      "    <EndTimeUTC since1970=\"1795712400000\" string=\"2026-11-26T17:00:00Z\"/>\n"
      "  </Conversation>\n"
      "</Conversations>\n");
}

TEST(ExportXml, NoEvents_IsAnEmptyDocument) {
  EXPECT_EQ(export_of(ExportFormat::xml, {}),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Conversations>\n</Conversations>\n");
}

TEST(ExportJson, IsOneArrayOfFlatObjects) {
  Event chat = event(7, "r@c", "nick-change", "2026-11-26T16:58:01.000001Z");
  chat.actor = "a@x";
  chat.nick = "Old";
  chat.target_nick = "New \"one\"";
  EXPECT_EQ(export_of(ExportFormat::json, {chat, event(8, "r@c", "leave", "2026-11-26T16:59:00Z")}),
            "[\n{\"seq\":7,\"room\":\"r@c\",\"kind\":\"nick-change\","
            "\"at\":\"2026-11-26T16:58:01.000001Z\",\"actor\":\"a@x\",\"nick\":\"Old\","
            "\"target\":\"\",\"target_nick\":\"New \\\"one\\\"\",\"stanza_id\":\"\","
            "\"payload\":\"\"},\n"
            "{\"seq\":8,\"room\":\"r@c\",\"kind\":\"leave\",\"at\":\"2026-11-26T16:59:00Z\","
            "\"actor\":\"\",\"nick\":\"\",\"target\":\"\",\"target_nick\":\"\","
            "\"stanza_id\":\"\",\"payload\":\"\"}\n]\n");
  EXPECT_EQ(export_of(ExportFormat::json, {}), "[]\n");
}

TEST(ExportCsv, HeaderThenOneQuotedRecordPerEvent) {
  Event chat = event(9, "r@c", "message", "2026-11-26T16:58:01Z");
  chat.nick = "Smith, J.";
  chat.payload = "<message><body>line1\nline2 \"q\"</body></message>";
  EXPECT_EQ(export_of(ExportFormat::csv, {chat}),
            "seq,room,kind,at,actor,nick,target,target_nick,stanza_id,payload\r\n"
            "9,r@c,message,2026-11-26T16:58:01Z,,\"Smith, J.\",,,,"
            "\"<message><body>line1\nline2 \"\"q\"\"</body></message>\"\r\n");
}

TEST(ExportOrder, XmlByRoom_OthersBySeq) {
  EXPECT_EQ(order_for(ExportFormat::xml), EventOrder::by_room_then_seq);
  EXPECT_EQ(order_for(ExportFormat::json), EventOrder::by_seq);
  EXPECT_EQ(order_for(ExportFormat::csv), EventOrder::by_seq);
}

}  // namespace
}  // namespace stoa::compliance
