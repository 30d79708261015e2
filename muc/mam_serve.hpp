#pragma once

#include <asio/awaitable.hpp>
#include <string>

#include "muc/mam_query.hpp"
#include "muc/mam_store.hpp"
#include "muc/outcome_runner.hpp"

namespace stoa::muc {

/// Carries out a MAM request the room allowed, all to the requesting session: each result
/// message of the page (oldest first, newest first when flipped), then the IQ result with
/// <fin/>; or the IQ result with the archive metadata. An id the archive does not hold is
/// answered with item-not-found, a busy store with resource-constraint, a failing one with
/// internal-server-error. Returns what went wrong, for the log ("" when nothing did); never
/// throws std::exception.
asio::awaitable<std::string> serve_archive(ServeArchive request, std::string room, MamStore& store,
                                           Deliverer& deliverer);

}  // namespace stoa::muc
