#include "xmpp/jid.hpp"

#include <gtest/gtest.h>
#include <stringprep.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>

namespace stoa::xmpp {
namespace {

TEST(JidParse, FullJid_SplitsIntoParts) {
  auto jid = Jid::parse("juliet@example.com/balcony");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local(), "juliet");
  EXPECT_EQ(jid->domain(), "example.com");
  EXPECT_EQ(jid->resource(), "balcony");
  EXPECT_FALSE(jid->is_bare());
  EXPECT_FALSE(jid->is_domain());
  EXPECT_EQ(jid->str(), "juliet@example.com/balcony");
  EXPECT_EQ(jid->bare_str(), "juliet@example.com");
}

TEST(JidParse, BareJid_HasNoResource) {
  auto jid = Jid::parse("juliet@example.com");
  ASSERT_TRUE(jid);
  EXPECT_TRUE(jid->is_bare());
  EXPECT_FALSE(jid->is_domain());
  EXPECT_EQ(jid->str(), "juliet@example.com");
}

TEST(JidParse, DomainOnly_IsDomainJid) {
  auto jid = Jid::parse("conference.example.com");
  ASSERT_TRUE(jid);
  EXPECT_TRUE(jid->is_domain());
  EXPECT_TRUE(jid->local().empty());
  EXPECT_EQ(jid->str(), "conference.example.com");
}

TEST(JidParse, DomainWithResource_HasNoLocal) {
  auto jid = Jid::parse("example.com/res");
  ASSERT_TRUE(jid);
  EXPECT_TRUE(jid->local().empty());
  EXPECT_EQ(jid->resource(), "res");
  EXPECT_FALSE(jid->is_domain());
  EXPECT_EQ(jid->str(), "example.com/res");
}

TEST(JidParse, ResourceWithSlashAndAt_KeptWhole) {
  auto jid = Jid::parse("a@example.com/b@c/d");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local(), "a");
  EXPECT_EQ(jid->domain(), "example.com");
  EXPECT_EQ(jid->resource(), "b@c/d");
}

TEST(JidParse, AtOnlyInResource_MeansNoLocal) {
  auto jid = Jid::parse("example.com/user@host");
  ASSERT_TRUE(jid);
  EXPECT_TRUE(jid->local().empty());
  EXPECT_EQ(jid->domain(), "example.com");
  EXPECT_EQ(jid->resource(), "user@host");
}

TEST(JidParse, EmptyParts_Rejected) {
  for (const char* text : {"", "@example.com", "user@", "example.com/", "user@example.com/", "@",
                           "/", "@/", "/res", "@example.com/res", "user@/res"}) {
    EXPECT_FALSE(Jid::parse(text)) << text;
  }
}

TEST(JidParse, SecondAt_Rejected) {
  EXPECT_FALSE(Jid::parse("a@b@example.com"));
}

TEST(JidParse, LocalAndDomain_CaseFolded) {
  auto jid = Jid::parse("JuLiet@Example.COM/Balcony");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local(), "juliet");
  EXPECT_EQ(jid->domain(), "example.com");
  EXPECT_EQ(jid->resource(), "Balcony");
}

TEST(JidParse, NonAsciiLocal_CaseFolded) {
  auto jid = Jid::parse("\xC3\x89LODIE@example.com");  // ÉLODIE
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local(), "\xC3\xA9lodie");  // élodie
}

TEST(JidParse, NonAsciiDomain_Nameprepped) {
  auto jid = Jid::parse("user@B\xC3\x9C\x43HER.example");  // BÜCHER.example
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(),
            "b\xC3\xBC"
            "cher.example");  // bücher.example
}

TEST(JidParse, LocalProhibitedCharacters_Rejected) {
  for (const char* text :
       {"a b@example.com", "a\"b@example.com", "a&b@example.com", "a'b@example.com",
        "a:b@example.com", "a<b@example.com", "a>b@example.com"}) {
    EXPECT_FALSE(Jid::parse(text)) << text;
  }
}

TEST(JidParse, DomainForbiddenCharacters_Rejected) {
  for (const char* text : {"user@exa mple.com", "user@exa:mple.com", "user@exa<mple.com",
                           "exa&mple.com", "exa*mple.com", "user@example..com", "user@.example.com",
                           "user@example.com..", ".", "user@."}) {
    EXPECT_FALSE(Jid::parse(text)) << text;
  }
}

TEST(JidParse, TrailingDot_StrippedOnce) {
  auto jid = Jid::parse("user@example.com./res");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(), "example.com");
  EXPECT_EQ(*Jid::parse("user@example.com."), *Jid::parse("user@example.com"));
}

TEST(JidParse, IdeographicFullStop_MappedToDot) {
  auto jid = Jid::parse("user@example\xE3\x80\x82\x63om");  // example。com
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(), "example.com");
}

TEST(JidParse, FullwidthFullStops_MappedToDot) {
  auto jid = Jid::parse(
      "user@example\xEF\xBC\x8E"
      "com\xEF\xBD\xA1");  // example．com｡
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(), "example.com");
}

TEST(JidParse, Ipv4Literal_Accepted) {
  auto jid = Jid::parse("user@192.0.2.1/res");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(), "192.0.2.1");
}

TEST(JidParse, Ipv6Literal_KeptAsWritten) {
  auto jid = Jid::parse("user@[2001:db8::1]/res");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->domain(), "[2001:db8::1]");
  EXPECT_EQ(jid->resource(), "res");
  EXPECT_EQ(jid->str(), "user@[2001:db8::1]/res");
}

TEST(JidParse, MalformedIpv6Literal_Rejected) {
  for (const char* text :
       {"user@[2001:db8::1", "user@2001:db8::1", "user@[]", "user@[not-an-address]",
        "user@[2001:db8::1]x", "user@[192.0.2.1", "user@[fe80::1%eth0]"}) {
    EXPECT_FALSE(Jid::parse(text)) << text;
  }
}

TEST(JidParse, PartOf1023Bytes_Accepted) {
  const std::string local(1023, 'a');
  const std::string domain = std::string(1019, 'd') + ".com";
  const std::string resource(1023, 'R');
  auto jid = Jid::parse(local + "@" + domain + "/" + resource);
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local().size(), 1023u);
  EXPECT_EQ(jid->domain().size(), 1023u);
  EXPECT_EQ(jid->resource().size(), 1023u);
}

TEST(JidParse, PartOf1024Bytes_Rejected) {
  const std::string big(1024, 'a');
  EXPECT_FALSE(Jid::parse(big + "@example.com"));
  EXPECT_FALSE(Jid::parse("user@" + std::string(1020, 'd') + ".com"));
  EXPECT_FALSE(Jid::parse("user@example.com/" + big));
}

TEST(JidParse, LengthCountedAfterPreparation) {
  // U+00AD SOFT HYPHEN is mapped to nothing: 2000 bytes of input prepare to 1000.
  std::string local;
  for (int i = 0; i < 1000; ++i) {
    local += "a\xC2\xAD";
  }
  auto jid = Jid::parse(local + "@example.com");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->local(), std::string(1000, 'a'));
}

TEST(JidParse, LengthAfterPreparationGrowsPastLimit_Rejected) {
  // U+00DF (2 bytes) case-folds to "ss" in nameprep: 600 of them are 1200 bytes once prepared.
  std::string domain;
  for (int i = 0; i < 600; ++i) {
    domain += "\xC3\x9F";
  }
  EXPECT_FALSE(Jid::parse("user@" + domain));
}

TEST(JidParse, OnlyMappedToNothing_Rejected) {
  EXPECT_FALSE(Jid::parse("\xC2\xAD@example.com"));
}

TEST(JidParse, InvalidUtf8_Rejected) {
  for (std::string text : {std::string("\xFF@example.com"), std::string("user@exa\xC3mple.com"),
                           std::string("user@example.com/\xC0\xAF"),
                           std::string("user@example.com/\xED\xA0\x80"),      // surrogate
                           std::string("user@example.com/\xF4\x90\x80\x80"),  // > U+10FFFF
                           std::string("us\0er@example.com", 17)}) {
    EXPECT_FALSE(Jid::parse(text)) << text;
  }
}

TEST(JidParse, ValidUtf8Resource_KeptCase) {
  auto jid = Jid::parse("user@example.com/\xE2\x99\x9A Caf\xC3\xA9");  // ♚ Café
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->resource(), "\xE2\x99\x9A Caf\xC3\xA9");
}

TEST(JidParse, ResourceProhibitedCharacter_Rejected) {
  EXPECT_FALSE(Jid::parse("user@example.com/a\x7F"));  // control character
}

TEST(JidEquality, PreparedFormsCompareEqualAndHashEqual) {
  auto a = Jid::parse("USER@EXAMPLE.COM/Res");
  auto b = Jid::parse("user@example.com./Res");
  auto c = Jid::parse("user@example.com/res");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  std::unordered_set<Jid> set{*a, *b, *c};
  EXPECT_EQ(set.size(), 2u);
}

TEST(JidFromParts, PreparesEachPart) {
  auto jid = Jid::from_parts("Romeo", "Example.NET", "Orchard");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->str(), "romeo@example.net/Orchard");
}

TEST(JidFromParts, EmptyDomain_Rejected) {
  EXPECT_FALSE(Jid::from_parts("romeo", ""));
}

TEST(JidFromParts, InvalidPart_Rejected) {
  EXPECT_FALSE(Jid::from_parts("ro meo", "example.net"));
  EXPECT_FALSE(Jid::from_parts("romeo", "exa mple.net"));
}

TEST(JidBare, DropsResource) {
  auto jid = Jid::parse("romeo@example.net/orchard");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->bare().str(), "romeo@example.net");
  EXPECT_TRUE(jid->bare().is_bare());
}

TEST(JidWithResource, ReplacesAndPreparesResource) {
  auto jid = Jid::parse("romeo@example.net/orchard");
  ASSERT_TRUE(jid);
  auto moved = jid->with_resource("Garden\xE2\x80\x8B");  // ZERO WIDTH SPACE maps to nothing
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->str(), "romeo@example.net/Garden");
  EXPECT_FALSE(jid->with_resource(""));
  EXPECT_FALSE(jid->with_resource("\xFF"));
}

TEST(JidDefault, IsEmpty) {
  Jid jid;
  EXPECT_TRUE(jid.empty());
  EXPECT_FALSE(Jid::parse("example.com")->empty());
}

TEST(JidPrep, SinglePartFunctions) {
  EXPECT_EQ(nodeprep("Alice"), "alice");
  EXPECT_FALSE(nodeprep("al ice"));
  EXPECT_FALSE(nodeprep(""));
  EXPECT_EQ(nameprep("Example.ORG."), "example.org");
  EXPECT_EQ(nameprep("[::1]"), "[::1]");
  using namespace std::string_view_literals;
  EXPECT_FALSE(nameprep("[::1\0trailing]"sv));
  EXPECT_FALSE(nodeprep("al\0ice"sv));
  EXPECT_FALSE(nameprep("example\0.org"sv));
  EXPECT_FALSE(resourceprep("a\0b"sv));
  EXPECT_FALSE(nameprep("a/b"));
  EXPECT_FALSE(nameprep("a@b"));
  EXPECT_EQ(resourceprep("Laptop"), "Laptop");
  EXPECT_FALSE(resourceprep(""));
}

// libidn's own answer, for checking the printable-ASCII shortcut against it.
std::optional<std::string> stringprep_answer(const std::string& part,
                                             const Stringprep_profile* profile) {
  std::string buffer(part);
  buffer.resize(part.size() + 64, '\0');
  if (stringprep(buffer.data(), buffer.size(), static_cast<Stringprep_profile_flags>(0), profile) !=
      STRINGPREP_OK) {
    return std::nullopt;
  }
  buffer.resize(std::strlen(buffer.c_str()));
  if (buffer.empty()) {
    return std::nullopt;
  }
  return buffer;
}

TEST(JidPrep, PrintableAscii_SameAsStringprep) {
  for (char c = 0x20; c <= 0x7E; ++c) {
    for (const std::string& part : {std::string(1, c), "x" + std::string(1, c) + "Yz"}) {
      EXPECT_EQ(nodeprep(part), stringprep_answer(part, stringprep_xmpp_nodeprep)) << part;
      EXPECT_EQ(resourceprep(part), stringprep_answer(part, stringprep_xmpp_resourceprep)) << part;
      const bool hostname_character =
          std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      if (hostname_character) {
        EXPECT_EQ(nameprep(part), stringprep_answer(part, stringprep_nameprep)) << part;
      } else if (c != '.') {
        EXPECT_FALSE(nameprep(part)) << part;
      }
    }
  }
}

TEST(JidPrep, NonAsciiAndControlCharacters_StillPrepared) {
  EXPECT_EQ(nodeprep("\xC3\x84lice"), "\xC3\xA4lice");  // Ä folds to ä
  EXPECT_EQ(resourceprep("a\xC2\xAD"
                         "b"),
            "ab");  // soft hyphen maps to nothing
  EXPECT_FALSE(nodeprep("a\x01b"));
  EXPECT_FALSE(resourceprep("a\x7F"));
}

}  // namespace
}  // namespace stoa::xmpp
