#pragma once

#include <asio/awaitable.hpp>
#include <string>

#include "muc/outcome_runner.hpp"
#include "muc/search_request.hpp"
#include "muc/search_store.hpp"

namespace stoa::muc {

/// Carries out a search the service accepted, all to the requesting session: each result
/// message of the page, oldest first, then the IQ result with <fin/>, all from `service`. A
/// busy store is answered with resource-constraint, a failing one with internal-server-error.
/// Returns what went wrong, for the log ("" when nothing did); never throws std::exception.
asio::awaitable<std::string> serve_search(ServeSearch request, std::string service,
                                          SearchStore& store, Deliverer& deliverer);

}  // namespace stoa::muc
