#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "muc/data_form.hpp"
#include "muc/room_config.hpp"
#include "muc/service_settings.hpp"
#include "xmpp/stanza_error.hpp"

namespace stoa::muc {

/// A validated muc#roomconfig submission.
struct ConfigSubmission {
  RoomConfig config;
  /// The muc#roomconfig_roomowners / roomadmins lists when the form had them: prepared bare
  /// JIDs, without duplicates.
  std::optional<std::vector<std::string>> owners;
  std::optional<std::vector<std::string>> admins;
};

/// The configuration form an owner gets (XEP-0045 §10.2), filled with the current values.
DataForm config_form(const std::string& room_jid, const RoomConfig& config,
                     const std::vector<std::string>& owners, const std::vector<std::string>& admins,
                     const ServiceSettings& settings);

/// Applies a submitted form to `current`. Fields left out keep their value; unknown fields are
/// ignored. Malformed values give bad-request, values out of bounds not-acceptable, an empty
/// owner list conflict.
std::variant<ConfigSubmission, xmpp::StanzaError> apply_config_form(
    const DataForm& submitted, const RoomConfig& current, const ServiceSettings& settings);

}  // namespace stoa::muc
