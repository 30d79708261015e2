#include "bench/markup_scanner.hpp"

#include <gtest/gtest.h>

namespace stoa::bench::markup {
namespace {

TEST(MarkupScan, Kinds) {
  EXPECT_EQ(scan("<a b='1'>", 0).kind, Kind::start_tag);
  EXPECT_EQ(scan("<a b='1' />", 0).kind, Kind::empty_element_tag);
  EXPECT_EQ(scan("</a >", 0).kind, Kind::end_tag);
  EXPECT_EQ(scan("<?xml version='1.0'?>", 0).kind, Kind::other);
  EXPECT_EQ(scan("<!-- > -->", 0).kind, Kind::other);
  EXPECT_EQ(scan("<![CDATA[ <a> ]]>", 0).kind, Kind::other);
  EXPECT_EQ(scan("<!DOCTYPE x>", 0).kind, Kind::invalid);
  EXPECT_EQ(scan("< a>", 0).kind, Kind::invalid);
}

TEST(MarkupScan, EndIsJustPastTheConstruct) {
  EXPECT_EQ(scan("x<a b='>'/>y", 1).end, 11U);
  EXPECT_EQ(scan("<!-- - -->z", 0).end, 10U);
}

TEST(MarkupScan, SlashInsideAQuotedValue_IsNotSelfClosing) {
  EXPECT_EQ(scan("<a b='c/'>", 0).kind, Kind::start_tag);
  EXPECT_EQ(scan("<a b=\"/\">", 0).kind, Kind::start_tag);
}

TEST(MarkupScan, EveryProperPrefix_IsIncomplete) {
  for (const std::string_view whole :
       {"<a b='>' c=\"'\"/>", "</stream:stream>", "<!-- x -->", "<![CDATA[x]]>", "<?pi x?>"}) {
    for (std::size_t size = 1; size < whole.size(); ++size) {
      EXPECT_EQ(scan(whole.substr(0, size), 0).kind, Kind::incomplete) << whole.substr(0, size);
    }
    EXPECT_NE(scan(whole, 0).kind, Kind::incomplete) << whole;
  }
}

TEST(StartTag, ReadsNameAndRawAttributeValues) {
  const std::optional<StartTag> tag = StartTag::read("<message a='1' b=\"x&amp;y\" c = 'q\"'/>");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->name(), "message");
  EXPECT_EQ(tag->attribute("a"), "1");
  EXPECT_EQ(tag->attribute("b"), "x&amp;y");
  EXPECT_EQ(tag->attribute("c"), "q\"");
  EXPECT_FALSE(tag->attribute("d"));
}

TEST(StartTag, Malformed_IsNothing) {
  EXPECT_FALSE(StartTag::read("<a b>"));
  EXPECT_FALSE(StartTag::read("<a b=c>"));
  EXPECT_FALSE(StartTag::read("<a b='c>"));
}

TEST(StartTag, TooManyAttributes_IsNothing) {
  std::string tag = "<a";
  for (std::size_t index = 0; index <= StartTag::kMaxAttributes; ++index) {
    tag += " x" + std::to_string(index) + "='v'";
  }
  EXPECT_FALSE(StartTag::read(tag + ">"));
}

}  // namespace
}  // namespace stoa::bench::markup
