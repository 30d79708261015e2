#include "xmpp/xml_element.hpp"

#include <algorithm>

namespace stoa::xmpp {

Element::Element(std::string name, std::string xmlns)
    : name_(std::move(name)), xmlns_(std::move(xmlns)) {}

Element::~Element() = default;

Element Element::clone() const {
  Element copy(name_, xmlns_);
  copy.attrs_ = attrs_;
  copy.nodes_.reserve(nodes_.size());
  for (const Node& node : nodes_) {
    if (node.element) {
      copy.nodes_.push_back({std::make_unique<Element>(node.element->clone()), {}});
    } else {
      copy.nodes_.push_back({nullptr, node.text});
    }
  }
  return copy;
}

void Element::replace_namespace(std::string_view from, std::string_view to) {
  if (xmlns_ == from) {
    xmlns_ = to;
  }
  for (Node& node : nodes_) {
    if (node.element) {
      node.element->replace_namespace(from, to);
    }
  }
}

const std::string* Element::attr(std::string_view key) const {
  for (const auto& [k, v] : attrs_) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

std::string Element::attr_or(std::string_view key, std::string_view fallback) const {
  const std::string* value = attr(key);
  return value ? *value : std::string(fallback);
}

void Element::set_attr(std::string_view key, std::string_view value) {
  for (auto& [k, v] : attrs_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  attrs_.emplace_back(std::string(key), std::string(value));
}

void Element::remove_attr(std::string_view key) {
  std::erase_if(attrs_, [&](const auto& kv) { return kv.first == key; });
}

Element& Element::add_child(Element child) {
  nodes_.push_back({std::make_unique<Element>(std::move(child)), {}});
  return *nodes_.back().element;
}

Element& Element::add_child(std::string name, std::string xmlns) {
  return add_child(Element(std::move(name), std::move(xmlns)));
}

void Element::add_text(std::string_view text) {
  if (text.empty()) {
    return;
  }
  if (!nodes_.empty() && !nodes_.back().element) {
    nodes_.back().text.append(text);
  } else {
    nodes_.push_back({nullptr, std::string(text)});
  }
}

void Element::set_text(std::string_view text) {
  nodes_.clear();
  add_text(text);
}

std::string Element::text() const {
  std::string out;
  for (const Node& node : nodes_) {
    if (!node.element) {
      out += node.text;
    }
  }
  return out;
}

namespace {
bool matches(const Element& e, std::string_view name, std::string_view xmlns) {
  return e.name() == name && (xmlns.empty() || e.xmlns() == xmlns);
}
}  // namespace

const Element* Element::child(std::string_view name, std::string_view xmlns) const {
  for (const Node& node : nodes_) {
    if (node.element && matches(*node.element, name, xmlns)) {
      return node.element.get();
    }
  }
  return nullptr;
}

Element* Element::child(std::string_view name, std::string_view xmlns) {
  return const_cast<Element*>(std::as_const(*this).child(name, xmlns));
}

std::string Element::child_text(std::string_view name, std::string_view xmlns) const {
  const Element* c = child(name, xmlns);
  return c ? c->text() : std::string();
}

std::vector<const Element*> Element::children() const {
  std::vector<const Element*> out;
  for (const Node& node : nodes_) {
    if (node.element) {
      out.push_back(node.element.get());
    }
  }
  return out;
}

std::vector<const Element*> Element::children(std::string_view name, std::string_view xmlns) const {
  std::vector<const Element*> out;
  for (const Node& node : nodes_) {
    if (node.element && matches(*node.element, name, xmlns)) {
      out.push_back(node.element.get());
    }
  }
  return out;
}

std::size_t Element::remove_children(std::string_view name, std::string_view xmlns) {
  return std::erase_if(
      nodes_, [&](const Node& node) { return node.element && node.element->is(name, xmlns); });
}

bool Element::has_children() const {
  return std::any_of(nodes_.begin(), nodes_.end(),
                     [](const Node& n) { return n.element != nullptr; });
}

namespace {

// Parsers normalize whitespace in attribute values (tab and line feed become spaces) and
// line ends everywhere (a carriage return becomes a line feed), so these characters are written
// as character references where they must come back unchanged.
void append_escaped(std::string& out, std::string_view text, bool attribute) {
  // Runs of characters that need no escaping are appended whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view replacement;
    switch (text[i]) {
      case '<':
        replacement = "&lt;";
        break;
      case '>':
        replacement = "&gt;";
        break;
      case '&':
        replacement = "&amp;";
        break;
      case '"':
        replacement = "&quot;";
        break;
      case '\'':
        replacement = "&apos;";
        break;
      case '\r':
        replacement = "&#13;";
        break;
      case '\n':
        if (attribute) {
          replacement = "&#10;";
        }
        break;
      case '\t':
        if (attribute) {
          replacement = "&#9;";
        }
        break;
      default:
        break;
    }
    if (!replacement.empty()) {
      out.append(text.substr(run, i - run));
      out.append(replacement);
      run = i + 1;
    }
  }
  out.append(text.substr(run));
}

}  // namespace

void append_escaped(std::string& out, std::string_view text) {
  append_escaped(out, text, true);
}

std::string Element::str(std::string_view parent_xmlns) const {
  std::string out;
  write(out, parent_xmlns);
  return out;
}

void Element::write(std::string& out, std::string_view parent_xmlns) const {
  out += '<';
  out += name_;
  if (xmlns_ != parent_xmlns) {
    out += " xmlns='";
    append_escaped(out, xmlns_, true);
    out += '\'';
  }
  write_rest(out, {});
}

void Element::write_split_at_to(std::string& head, std::string& tail,
                                std::string_view parent_xmlns) const {
  head += '<';
  head += name_;
  if (xmlns_ != parent_xmlns) {
    head += " xmlns='";
    append_escaped(head, xmlns_, true);
    head += '\'';
  }
  head += " to='";
  tail += '\'';
  write_rest(tail, "to");
}

void Element::write_rest(std::string& out, std::string_view skipped) const {
  for (const auto& [key, value] : attrs_) {
    if (!skipped.empty() && key == skipped) {
      continue;
    }
    out += ' ';
    out += key;
    out += "='";
    append_escaped(out, value, true);
    out += '\'';
  }
  if (nodes_.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const Node& node : nodes_) {
    if (node.element) {
      node.element->write(out, xmlns_);
    } else {
      append_escaped(out, node.text, false);
    }
  }
  out += "</";
  out += name_;
  out += '>';
}

}  // namespace stoa::xmpp
