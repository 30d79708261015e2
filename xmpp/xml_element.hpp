#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stoa::xmpp {

/// An XML element with its namespace, attributes and mixed content (text and child elements in
/// document order). Move-only: copies are explicit through clone(), so that a stanza is never
/// duplicated by accident on a hot path.
class Element {
 public:
  Element(std::string name, std::string xmlns);
  Element(Element&&) noexcept = default;
  Element& operator=(Element&&) noexcept = default;
  Element(const Element&) = delete;
  Element& operator=(const Element&) = delete;
  ~Element();

  [[nodiscard]] Element clone() const;

  const std::string& name() const { return name_; }
  const std::string& xmlns() const { return xmlns_; }
  void set_xmlns(std::string xmlns) { xmlns_ = std::move(xmlns); }
  /// Moves this element and every descendant in namespace `from` to `to`: a component's stanzas
  /// arrive in jabber:component:accept and travel on in jabber:client.
  void replace_namespace(std::string_view from, std::string_view to);
  bool is(std::string_view name, std::string_view xmlns) const {
    return name_ == name && xmlns_ == xmlns;
  }

  /// Attribute names are local names, except xml:lang which keeps its prefix.
  const std::string* attr(std::string_view key) const;
  std::string attr_or(std::string_view key, std::string_view fallback = {}) const;
  void set_attr(std::string_view key, std::string_view value);
  void remove_attr(std::string_view key);
  const std::vector<std::pair<std::string, std::string>>& attrs() const { return attrs_; }

  Element& add_child(Element child);
  Element& add_child(std::string name, std::string xmlns);
  void add_text(std::string_view text);
  /// Replaces all content with one text node.
  void set_text(std::string_view text);
  /// Concatenated text of the direct text nodes.
  std::string text() const;

  /// First child element with this name and namespace (an empty namespace matches any).
  const Element* child(std::string_view name, std::string_view xmlns = {}) const;
  Element* child(std::string_view name, std::string_view xmlns = {});
  std::string child_text(std::string_view name, std::string_view xmlns = {}) const;
  std::vector<const Element*> children() const;
  std::vector<const Element*> children(std::string_view name, std::string_view xmlns = {}) const;
  /// Removes every child element with this name and namespace; returns how many went.
  std::size_t remove_children(std::string_view name, std::string_view xmlns);
  bool has_children() const;

  /// Serializes the element. `parent_xmlns` is the default namespace in force where the element
  /// is written: the xmlns attribute is emitted only where the namespace differs from it.
  std::string str(std::string_view parent_xmlns = {}) const;
  void write(std::string& out, std::string_view parent_xmlns = {}) const;
  /// Serializes the element for many recipients: 'to' becomes the first attribute and the
  /// text is split around its value, so that head + escaped recipient + tail is the stanza
  /// addressed to that recipient. Any 'to' the element has is left out.
  void write_split_at_to(std::string& head, std::string& tail,
                         std::string_view parent_xmlns = {}) const;

 private:
  struct Node {
    std::unique_ptr<Element> element;  // null for a text node
    std::string text;
  };

  /// Writes the attributes but `skipped`, the content and the end tag.
  void write_rest(std::string& out, std::string_view skipped) const;

  std::string name_;
  std::string xmlns_;
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::vector<Node> nodes_;
};

/// Appends `text` to `out` with the five XML special characters escaped, and tab, line feed
/// and carriage return as character references: safe in text and in attribute values.
void append_escaped(std::string& out, std::string_view text);

}  // namespace stoa::xmpp
