#include "muc/rsm.hpp"

#include <algorithm>
#include <charconv>

#include "muc/muc_namespaces.hpp"

namespace stoa::muc {

namespace {

using xmpp::StanzaCondition;
using xmpp::StanzaError;

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::variant<RsmRequest, StanzaError> parse_rsm(const xmpp::Element& set) {
  RsmRequest request;
  if (const xmpp::Element* max = set.child("max", ns::kRsm)) {
    request.max = parse_size(max->text());
    if (!request.max) {
      return StanzaError(StanzaCondition::bad_request, "<max/> must be a non-negative integer");
    }
  }
  if (const xmpp::Element* index = set.child("index", ns::kRsm)) {
    request.index = parse_size(index->text());
    if (!request.index) {
      return StanzaError(StanzaCondition::bad_request, "<index/> must be a non-negative integer");
    }
  }
  if (const xmpp::Element* after = set.child("after", ns::kRsm)) {
    request.after = after->text();
  }
  if (const xmpp::Element* before = set.child("before", ns::kRsm)) {
    request.before = before->text();
  }
  return request;
}

std::variant<RsmPage, StanzaError> select_page(const std::vector<std::string>& keys,
                                               const RsmRequest& request, std::size_t limit) {
  const std::size_t size = std::min(request.max.value_or(limit), limit);
  auto position = [&keys](const std::string& key) -> std::optional<std::size_t> {
    auto found = std::lower_bound(keys.begin(), keys.end(), key);
    if (found == keys.end() || *found != key) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(found - keys.begin());
  };
  if (request.before) {
    std::size_t end = keys.size();
    if (!request.before->empty()) {
      std::optional<std::size_t> at = position(*request.before);
      if (!at) {
        return StanzaError(StanzaCondition::item_not_found,
                           "no item '" + *request.before + "' to page before");
      }
      end = *at;
    }
    return RsmPage{end - std::min(end, size), end};
  }
  std::size_t begin = 0;
  if (request.after) {
    std::optional<std::size_t> at = position(*request.after);
    if (!at) {
      return StanzaError(StanzaCondition::item_not_found,
                         "no item '" + *request.after + "' to page after");
    }
    begin = *at + 1;
  } else if (request.index) {
    begin = std::min(*request.index, keys.size());
  }
  return RsmPage{begin, begin + std::min(size, keys.size() - begin)};
}

xmpp::Element rsm_result(const std::vector<std::string>& keys, const RsmPage& page) {
  if (page.begin >= page.end) {
    return rsm_page_set("", "", std::nullopt, keys.size());
  }
  return rsm_page_set(keys[page.begin], keys[page.end - 1], page.begin, keys.size());
}

xmpp::Element rsm_page_set(std::string_view first, std::string_view last,
                           std::optional<std::uint64_t> first_index,
                           std::optional<std::uint64_t> count) {
  xmpp::Element set("set", std::string(ns::kRsm));
  if (!first.empty()) {
    xmpp::Element& first_item = set.add_child("first", std::string(ns::kRsm));
    if (first_index) {
      first_item.set_attr("index", std::to_string(*first_index));
    }
    first_item.set_text(std::string(first));
    set.add_child("last", std::string(ns::kRsm)).set_text(std::string(last));
  }
  if (count) {
    set.add_child("count", std::string(ns::kRsm)).set_text(std::to_string(*count));
  }
  return set;
}

}  // namespace stoa::muc
