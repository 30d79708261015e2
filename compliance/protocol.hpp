#pragma once

#include <string_view>

namespace stoa::compliance {

/// The namespace of the protocol between stoad and a compliance component.
inline constexpr std::string_view kComplianceNs = "urn:stoa:compliance:0";

}  // namespace stoa::compliance
