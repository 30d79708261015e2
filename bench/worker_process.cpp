#include "bench/worker_process.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include "bench/parent_link.hpp"
#include "bench/worker.hpp"

namespace stoa::bench {

int run_worker_process(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                       const asio::ip::tcp::endpoint& endpoint, std::uint32_t first,
                       std::uint32_t end, unsigned index, int to_parent, int from_parent) {
  asio::io_context io(1);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  // Benchmarks run against test servers with self-signed certificates.
  tls.set_verify_mode(asio::ssl::verify_none);
  WorkerContext ctx{io, tls, options, scenario, plan, endpoint, {}, {}};
  ParentLink link(io, to_parent, from_parent);
  Worker worker(ctx, link, first, end, index, options.processes);
  int status = 0;
  asio::co_spawn(io, worker.run(), [&](std::exception_ptr error) {
    if (error) {
      status = 1;
      io.stop();
    }
  });
  io.run();
  return status;
}

}  // namespace stoa::bench
