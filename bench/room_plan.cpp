#include "bench/room_plan.hpp"

#include <algorithm>
#include <numeric>

namespace stoa::bench {
namespace {

/// A step through the users that is coprime with their number, so that each pass visits
/// every user once but neighbours in one room are not neighbours in the next.
std::uint64_t stride_for(std::uint64_t users) {
  for (std::uint64_t candidate : {7919u, 7907u, 7901u, 104729u}) {
    if (std::gcd(candidate, users) == 1) {
      return candidate;
    }
  }
  return 1;
}

}  // namespace

RoomPlan::RoomPlan(const Scenario& scenario) : rooms_of_(scenario.users) {
  const std::uint64_t users = scenario.users;
  const std::uint64_t wanted = users * scenario.rooms_per_user;
  std::uint64_t fixed = 0;
  for (const RoomGroup& group : scenario.rooms) {
    fixed += std::uint64_t{group.count} * std::min<std::uint64_t>(group.occupants, users);
  }
  std::vector<std::pair<std::uint32_t, std::uint64_t>> sizes;  // occupants, count
  for (const RoomGroup& group : scenario.rooms) {
    const auto occupants =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(group.occupants, users));
    std::uint64_t count = group.count;
    if (count == 0) {
      count = wanted > fixed ? (wanted - fixed + occupants - 1) / occupants : 0;
    }
    sizes.emplace_back(occupants, count);
  }
  // Large rooms first, so that their members are spread over all users.
  std::ranges::stable_sort(sizes, std::greater<>(),
                           &std::pair<std::uint32_t, std::uint64_t>::first);

  const std::uint64_t stride = stride_for(users);
  std::vector<std::uint32_t> last_room(users, UINT32_MAX);
  std::uint64_t position = 0;
  for (const auto& [occupants, count] : sizes) {
    for (std::uint64_t n = 0; n < count; ++n) {
      const auto room = static_cast<std::uint32_t>(members_.size());
      std::vector<std::uint32_t>& members = members_.emplace_back();
      members.reserve(occupants);
      while (members.size() < occupants) {
        const std::uint64_t pass = position / users;
        const auto user = static_cast<std::uint32_t>(((position % users) * stride + pass) % users);
        ++position;
        if (last_room[user] == room) {
          continue;  // a room that straddles two passes may meet a user twice
        }
        last_room[user] = room;
        members.push_back(user);
        rooms_of_[user].push_back(room);
      }
      memberships_ += members.size();
    }
  }
}

}  // namespace stoa::bench
