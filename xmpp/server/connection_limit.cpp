#include "xmpp/server/connection_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace stoa::xmpp::server {

unsigned connection_capacity(unsigned configured, unsigned reserved_descriptors, Logger& log) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log.warn("server", "cannot read the open-files limit; allowing ", configured, " connections");
    return configured;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  rlim_t usable = limit.rlim_cur > reserved_descriptors ? limit.rlim_cur - reserved_descriptors : 1;
  unsigned capacity = static_cast<unsigned>(std::min<rlim_t>(usable, 1u << 30));
  if (configured != 0 && configured < capacity) {
    capacity = configured;
  }
  log.info("server", "open-files limit ", limit.rlim_cur, " allows ", capacity,
           " client connections");
  return capacity;
}

}  // namespace stoa::xmpp::server
