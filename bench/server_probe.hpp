#pragma once

#include <sys/types.h>

#include <optional>

namespace stoa::bench {

/// The server's resource use at one moment, from /proc/PID.
struct ServerSample {
  long rss_kib = 0;        ///< VmRSS
  long peak_rss_kib = 0;   ///< VmHWM
  double cpu_seconds = 0;  ///< user + system time since the server started
};

/// nullopt when the process is gone or /proc cannot be read.
std::optional<ServerSample> sample_server(pid_t pid);

}  // namespace stoa::bench
