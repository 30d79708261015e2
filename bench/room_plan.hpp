#pragma once

#include <cstdint>
#include <vector>

#include "bench/scenario.hpp"

namespace stoa::bench {

/// Which users are in which rooms: computed the same way in every process from the scenario
/// alone, so workers agree without talking. Users and rooms are numbered from 0 here; their
/// names add 1 (bench1, room1).
class RoomPlan {
 public:
  explicit RoomPlan(const Scenario& scenario);

  std::size_t room_count() const { return members_.size(); }
  const std::vector<std::uint32_t>& members(std::uint32_t room) const { return members_[room]; }
  /// The first member: it creates and configures the room.
  std::uint32_t owner(std::uint32_t room) const { return members_[room].front(); }
  std::uint32_t occupants(std::uint32_t room) const {
    return static_cast<std::uint32_t>(members_[room].size());
  }
  /// The rooms of a user, in the order the plan filled them.
  const std::vector<std::uint32_t>& rooms_of(std::uint32_t user) const { return rooms_of_[user]; }
  std::uint64_t memberships() const { return memberships_; }

 private:
  std::vector<std::vector<std::uint32_t>> members_;
  std::vector<std::vector<std::uint32_t>> rooms_of_;
  std::uint64_t memberships_ = 0;
};

}  // namespace stoa::bench
