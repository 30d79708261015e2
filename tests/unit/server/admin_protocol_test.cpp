#include "xmpp/server/admin_protocol.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace stoa::xmpp::server {
namespace {

/// Splits an encoded reply into its lines, without their LFs.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t lf = text.find('\n', start);
    EXPECT_NE(lf, std::string::npos) << "reply does not end with LF";
    if (lf == std::string::npos) {
      break;
    }
    lines.push_back(text.substr(start, lf - start));
    start = lf + 1;
  }
  return lines;
}

AdminReplyDecoder decode_reply(const std::string& text) {
  AdminReplyDecoder decoder;
  for (const auto& line : lines_of(text)) {
    decoder.feed(line);
  }
  return decoder;
}

TEST(AdminFieldEscape, SpecialCharacters_AreEscaped) {
  EXPECT_EQ(escape_admin_field("a\\b\tc\nd"), "a\\\\b\\tc\\nd");
  EXPECT_EQ(escape_admin_field("plain"), "plain");
}

TEST(AdminFieldEscape, EveryByte_RoundTrips) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) {
    all += static_cast<char>(byte);
  }
  std::string escaped = escape_admin_field(all);
  EXPECT_EQ(escaped.find('\t'), std::string::npos);
  EXPECT_EQ(escaped.find('\n'), std::string::npos);
  EXPECT_EQ(unescape_admin_field(escaped), all);
}

TEST(AdminFieldEscape, UnknownEscape_IsRejected) {
  EXPECT_EQ(unescape_admin_field("a\\x"), std::nullopt);
  EXPECT_EQ(unescape_admin_field("\\r"), std::nullopt);
}

TEST(AdminFieldEscape, TrailingBackslash_IsRejected) {
  EXPECT_EQ(unescape_admin_field("abc\\"), std::nullopt);
}

TEST(AdminFieldEscape, RawTabOrLf_IsRejected) {
  EXPECT_EQ(unescape_admin_field("a\tb"), std::nullopt);
  EXPECT_EQ(unescape_admin_field("a\nb"), std::nullopt);
}

TEST(AdminDecodeLine, EmptyLine_HasNoFields) {
  AdminLine line = decode_admin_line("");
  EXPECT_TRUE(line.error.empty());
  EXPECT_TRUE(line.fields.empty());
}

TEST(AdminDecodeLine, TabSeparatedFields_AreSplitAndUnescaped) {
  AdminLine line = decode_admin_line("user\tadd\ta\\tb\\\\c\\nd");
  ASSERT_TRUE(line.error.empty()) << line.error;
  EXPECT_EQ(line.fields, (std::vector<std::string>{"user", "add", "a\tb\\c\nd"}));
}

TEST(AdminDecodeLine, EmptyFields_AreKept) {
  AdminLine line = decode_admin_line("\t\tx\t");
  ASSERT_TRUE(line.error.empty()) << line.error;
  EXPECT_EQ(line.fields, (std::vector<std::string>{"", "", "x", ""}));
}

TEST(AdminDecodeLine, MaxFields_AreAccepted) {
  std::string text = "f";
  for (std::size_t i = 1; i < kMaxAdminFields; ++i) {
    text += "\tf";
  }
  AdminLine line = decode_admin_line(text);
  ASSERT_TRUE(line.error.empty()) << line.error;
  EXPECT_EQ(line.fields.size(), kMaxAdminFields);
}

TEST(AdminDecodeLine, OneFieldTooMany_IsRejected) {
  std::string text = "f";
  for (std::size_t i = 0; i < kMaxAdminFields; ++i) {
    text += "\tf";
  }
  AdminLine line = decode_admin_line(text);
  EXPECT_TRUE(line.fields.empty());
  EXPECT_NE(line.error.find(std::to_string(kMaxAdminFields)), std::string::npos) << line.error;
}

TEST(AdminDecodeLine, LineAtByteLimit_IsAccepted) {
  AdminLine line = decode_admin_line(std::string(kMaxAdminLineBytes, 'x'));
  ASSERT_TRUE(line.error.empty()) << line.error;
  ASSERT_EQ(line.fields.size(), 1u);
  EXPECT_EQ(line.fields[0].size(), kMaxAdminLineBytes);
}

TEST(AdminDecodeLine, LineOverByteLimit_IsRejected) {
  AdminLine line = decode_admin_line(std::string(kMaxAdminLineBytes + 1, 'x'));
  EXPECT_TRUE(line.fields.empty());
  EXPECT_NE(line.error.find("exceeds"), std::string::npos) << line.error;
}

TEST(AdminDecodeLine, RawLf_IsRejected) {
  AdminLine line = decode_admin_line("user\nlist");
  EXPECT_FALSE(line.error.empty());
  EXPECT_TRUE(line.fields.empty());
}

TEST(AdminDecodeLine, BadEscape_NamesTheField) {
  AdminLine line = decode_admin_line("user\tadd\\q");
  EXPECT_TRUE(line.fields.empty());
  EXPECT_NE(line.error.find("field 2"), std::string::npos) << line.error;
}

TEST(AdminEncodeLine, Fields_EndWithOneLf) {
  auto line = encode_admin_line({"user", "add", "a\nb"});
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "user\tadd\ta\\nb\n");
}

TEST(AdminEncodeLine, RandomFields_RoundTrip) {
  std::mt19937 random(20240501);
  const std::string alphabet = std::string("ab\\\t\n\r\0 \xC3\xA9", 10);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> fields(1 + random() % 8);
    for (auto& field : fields) {
      field.resize(random() % 12);
      for (char& c : field) {
        c = alphabet[random() % alphabet.size()];
      }
    }
    // A single empty field and no field at all are both the empty line.
    if (fields.size() == 1 && fields[0].empty()) {
      continue;
    }
    auto line = encode_admin_line(fields);
    ASSERT_TRUE(line);
    ASSERT_EQ(line->find('\n'), line->size() - 1);
    AdminLine decoded = decode_admin_line(std::string_view(*line).substr(0, line->size() - 1));
    ASSERT_TRUE(decoded.error.empty()) << decoded.error;
    EXPECT_EQ(decoded.fields, fields);
  }
}

TEST(AdminEncodeLine, TooManyFields_IsRefused) {
  EXPECT_TRUE(encode_admin_line(std::vector<std::string>(kMaxAdminFields, "f")));
  EXPECT_FALSE(encode_admin_line(std::vector<std::string>(kMaxAdminFields + 1, "f")));
}

TEST(AdminEncodeLine, EscapedSizeOverLimit_IsRefused) {
  // Within the limit raw, over it once every backslash is doubled.
  std::string backslashes(kMaxAdminLineBytes / 2 + 1, '\\');
  EXPECT_FALSE(encode_admin_line({backslashes}));
  EXPECT_TRUE(encode_admin_line({std::string(kMaxAdminLineBytes, 'x')}));
}

TEST(AdminEncodeReply, Rows_AreDataLinesThenOk) {
  AdminReply reply{{{"a"}, {"b", "c\td"}, {}}, std::nullopt};
  EXPECT_EQ(encode_admin_reply(reply), "data\ta\ndata\tb\tc\\td\ndata\nok\n");
}

TEST(AdminEncodeReply, Error_IsTheOnlyLine) {
  AdminReply reply{{{"ignored"}}, "no user\talice"};
  EXPECT_EQ(encode_admin_reply(reply), "error\tno user\\talice\n");
}

TEST(AdminEncodeReply, OversizeRow_BecomesAnErrorNamingIt) {
  AdminReply reply{{{"fine"}, std::vector<std::string>(kMaxAdminFields, "f")}, std::nullopt};
  AdminReplyDecoder decoder = decode_reply(encode_admin_reply(reply));
  ASSERT_EQ(decoder.state(), AdminReplyDecoder::State::complete);
  ASSERT_TRUE(decoder.reply().error);
  EXPECT_NE(decoder.reply().error->find("row 2"), std::string::npos) << *decoder.reply().error;
  EXPECT_TRUE(decoder.reply().rows.empty());
}

TEST(AdminEncodeReply, HugeErrorMessage_IsShortenedAndStillDecodes) {
  std::string message(3 * kMaxAdminLineBytes, '\\');
  AdminReplyDecoder decoder = decode_reply(encode_admin_reply(AdminReply::failure(message)));
  ASSERT_EQ(decoder.state(), AdminReplyDecoder::State::complete) << decoder.malformed_reason();
  ASSERT_TRUE(decoder.reply().error);
  EXPECT_LT(decoder.reply().error->size(), message.size());
  EXPECT_TRUE(decoder.reply().error->starts_with("\\\\\\"));
}

TEST(AdminEncodeReply, ShortenedMessage_DoesNotSplitUtf8) {
  std::string message;
  while (message.size() < 2 * kMaxAdminLineBytes) {
    message += "\xC3\xA9";  // é
  }
  message.insert(0, "x");  // puts the cut in the middle of a sequence
  AdminReplyDecoder decoder = decode_reply(encode_admin_reply(AdminReply::failure(message)));
  ASSERT_TRUE(decoder.reply().error);
  const std::string& shortened = *decoder.reply().error;
  ASSERT_TRUE(shortened.ends_with("..."));
  std::string body = shortened.substr(0, shortened.size() - 3);
  EXPECT_EQ((body.size() - 1) % 2, 0u) << "a UTF-8 sequence was cut";
}

TEST(AdminReplyDecoder, EncodedReply_RoundTrips) {
  AdminReply reply{{{"alice@localhost"}, {"key", "a\\b\nc"}, {"", ""}}, std::nullopt};
  AdminReplyDecoder decoder = decode_reply(encode_admin_reply(reply));
  ASSERT_EQ(decoder.state(), AdminReplyDecoder::State::complete) << decoder.malformed_reason();
  EXPECT_EQ(decoder.reply().rows, reply.rows);
  EXPECT_FALSE(decoder.reply().error);
}

TEST(AdminReplyDecoder, ErrorReply_RoundTrips) {
  AdminReplyDecoder decoder = decode_reply(encode_admin_reply(AdminReply::failure("no\nuser")));
  ASSERT_EQ(decoder.state(), AdminReplyDecoder::State::complete);
  EXPECT_EQ(decoder.reply().error, "no\nuser");
}

TEST(AdminReplyDecoder, DataLines_KeepTheReplyIncomplete) {
  AdminReplyDecoder decoder;
  EXPECT_EQ(decoder.feed("data\tx"), AdminReplyDecoder::State::incomplete);
  EXPECT_EQ(decoder.feed("ok"), AdminReplyDecoder::State::complete);
}

TEST(AdminReplyDecoder, UnknownLineKind_IsMalformed) {
  AdminReplyDecoder decoder;
  EXPECT_EQ(decoder.feed("hello"), AdminReplyDecoder::State::malformed);
  EXPECT_NE(decoder.malformed_reason().find("hello"), std::string::npos);
}

TEST(AdminReplyDecoder, LineAfterOk_IsMalformed) {
  AdminReplyDecoder decoder;
  decoder.feed("ok");
  EXPECT_EQ(decoder.feed("data\tlate"), AdminReplyDecoder::State::malformed);
}

TEST(AdminReplyDecoder, WrongFieldCounts_AreMalformed) {
  for (std::string_view line : {"ok\textra", "error", "error\ta\tb", ""}) {
    AdminReplyDecoder decoder;
    EXPECT_EQ(decoder.feed(line), AdminReplyDecoder::State::malformed) << line;
  }
}

TEST(AdminReplyDecoder, BadEscape_IsMalformed) {
  AdminReplyDecoder decoder;
  EXPECT_EQ(decoder.feed("data\t\\z"), AdminReplyDecoder::State::malformed);
  EXPECT_FALSE(decoder.malformed_reason().empty());
}

TEST(AdminUsageArity, Synopses_GiveTheirCounts) {
  struct Case {
    std::string_view usage;
    std::size_t min;
    std::optional<std::size_t> max;
  };
  for (const auto& c : {Case{"", 0, 0}, Case{"JID PASSWORD", 2, 2}, Case{"[GROUP]", 0, 1},
                        Case{"ROOM [REASON]", 1, 2}, Case{"JID...", 1, std::nullopt},
                        Case{"ROOM [JID...]", 1, std::nullopt}, Case{"  A   B ", 2, 2}}) {
    AdminArity arity = admin_usage_arity(c.usage);
    EXPECT_EQ(arity.min, c.min) << c.usage;
    EXPECT_EQ(arity.max, c.max) << c.usage;
  }
}

TEST(AdminHelpRow, Spec_RoundTrips) {
  AdminCommandSpec spec{"user", "add", "JID PASSWORD", "Create an account", true};
  auto back = from_help_row(to_help_row(spec));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name(), "user add");
  EXPECT_EQ(back->usage, spec.usage);
  EXPECT_EQ(back->summary, spec.summary);
  EXPECT_TRUE(back->secret_last_argument);
}

TEST(AdminHelpRow, OneWordCommand_IsNamedByItsGroup) {
  AdminCommandSpec spec{"status", "", "", "Show counters", false};
  EXPECT_EQ(spec.name(), "status");
  auto back = from_help_row(to_help_row(spec));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->secret_last_argument);
}

TEST(AdminHelpRow, MalformedRows_AreRejected) {
  EXPECT_FALSE(from_help_row({"user", "add", "JID", "x"}));
  EXPECT_FALSE(from_help_row({"user", "add", "JID", "x", "maybe"}));
  EXPECT_FALSE(from_help_row({"", "add", "JID", "x", ""}));
}

TEST(AdminSocketPath, Empty_IsStoadSockInDataDir) {
  EXPECT_EQ(resolve_admin_socket_path("", "/var/lib/stoa"), "/var/lib/stoa/stoad.sock");
  EXPECT_EQ(resolve_admin_socket_path("", "/var/lib/stoa/"), "/var/lib/stoa/stoad.sock");
}

TEST(AdminSocketPath, Absolute_IsKept) {
  EXPECT_EQ(resolve_admin_socket_path("/run/stoa/admin.sock", "/var/lib/stoa"),
            "/run/stoa/admin.sock");
}

TEST(AdminSocketPath, Relative_IsUnderDataDir) {
  EXPECT_EQ(resolve_admin_socket_path("run/admin.sock", "/srv/stoa"), "/srv/stoa/run/admin.sock");
}

}  // namespace
}  // namespace stoa::xmpp::server
