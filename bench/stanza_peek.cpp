#include "bench/stanza_peek.hpp"

#include "bench/markup_scanner.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::bench::stanza_peek {
namespace {

/// Raw values are compared as written, so one holding a reference needs the parser to decode it.
bool has_reference(std::string_view raw) {
  return raw.find('&') != std::string_view::npos;
}

bool is_prefixed(std::string_view name) {
  return name.find(':') != std::string_view::npos;
}

/// Unprefixed names below a jabber:client stanza are in jabber:client unless redeclared.
std::optional<std::string_view> namespace_of(const markup::StartTag& tag) {
  const std::optional<std::string_view> xmlns = tag.attribute("xmlns");
  if (!xmlns) {
    return xmpp::ns::kClient;
  }
  if (has_reference(*xmlns)) {
    return std::nullopt;
  }
  return xmlns;
}

}  // namespace

std::optional<Head> read_head(std::string_view stanza) {
  if (stanza.empty() || stanza.front() != '<') {
    return std::nullopt;
  }
  const markup::Construct construct = markup::scan(stanza, 0);
  if (construct.kind != markup::Kind::start_tag &&
      construct.kind != markup::Kind::empty_element_tag) {
    return std::nullopt;
  }
  const std::optional<markup::StartTag> tag =
      markup::StartTag::read(stanza.substr(0, construct.end));
  if (!tag || is_prefixed(tag->name())) {
    return std::nullopt;
  }
  const std::optional<std::string_view> xmlns = namespace_of(*tag);
  if (!xmlns || *xmlns != xmpp::ns::kClient) {
    return std::nullopt;
  }
  Head head;
  head.name = tag->name();
  head.type = tag->attribute("type").value_or(std::string_view());
  head.from = tag->attribute("from").value_or(std::string_view());
  if (has_reference(head.type) || has_reference(head.from)) {
    return std::nullopt;
  }
  head.content_begin = construct.end;
  head.empty = construct.kind == markup::Kind::empty_element_tag;
  return head;
}

std::optional<GroupchatContent> read_groupchat_content(std::string_view stanza, const Head& head) {
  GroupchatContent content;
  if (head.empty) {
    return content;
  }
  std::size_t depth = 1;  // inside the stanza
  std::size_t position = head.content_begin;
  for (;;) {
    const std::size_t open = stanza.find('<', position);
    if (open == std::string_view::npos) {
      return std::nullopt;
    }
    const markup::Construct construct = markup::scan(stanza, open);
    position = construct.end;
    switch (construct.kind) {
      case markup::Kind::incomplete:
      case markup::Kind::invalid:
        return std::nullopt;
      case markup::Kind::other:
        break;
      case markup::Kind::end_tag:
        if (--depth == 0) {
          return content;
        }
        break;
      case markup::Kind::start_tag:
      case markup::Kind::empty_element_tag: {
        const bool empty = construct.kind == markup::Kind::empty_element_tag;
        const std::string_view tag = stanza.substr(open, construct.end - open);
        const std::string_view name = markup::tag_name(tag);
        // Only <body/> and <delay/> matter: other children are not worth reading attributes of.
        if (depth == 1 && is_prefixed(name)) {
          return std::nullopt;
        }
        if (depth == 1 && (name == "body" || name == "delay")) {
          const std::optional<markup::StartTag> child = markup::StartTag::read(tag);
          if (!child) {
            return std::nullopt;
          }
          const std::optional<std::string_view> xmlns = namespace_of(*child);
          if (!xmlns) {
            return std::nullopt;
          }
          if (name == "delay" && *xmlns == xmpp::ns::kDelay) {
            content.delayed = true;
          } else if (name == "body" && *xmlns == xmpp::ns::kClient && !content.body) {
            if (empty) {
              content.body = std::string_view();
              break;
            }
            // Only plain text: anything else in a body (markup, references) is the parser's.
            const std::size_t text_end = stanza.find('<', position);
            if (text_end == std::string_view::npos) {
              return std::nullopt;
            }
            const markup::Construct end_tag = markup::scan(stanza, text_end);
            const std::string_view text = stanza.substr(position, text_end - position);
            if (end_tag.kind != markup::Kind::end_tag || has_reference(text)) {
              return std::nullopt;
            }
            content.body = text;
            position = end_tag.end;
            break;
          }
        }
        if (!empty) {
          ++depth;
        }
        break;
      }
    }
  }
}

}  // namespace stoa::bench::stanza_peek
