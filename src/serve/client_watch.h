// Whether the client of a request is still there, for handlers that answer only once the engine
// is done. cpp-httplib 0.11 (Debian 12) gives a handler neither its socket nor a "closed" flag,
// so the connection's socket is found among the process's descriptors by its two addresses and
// peeked at: an abandoned request (a client that timed out and left) then stops generating
// instead of holding an engine worker until max_tokens.
#pragma once

#include <string>

namespace httplib {
struct Request;
}

namespace almkit::serve {

struct Job;
struct ServerContext;

class ClientWatch {
 public:
  // Finds the request's connection (none found: gone() is always false).
  explicit ClientWatch(const httplib::Request& request);
  ClientWatch(int local_port, const std::string& remote_addr, int remote_port);
  bool found() const { return fd_ >= 0; }
  // True once the peer has closed the connection (end of stream on a peek) or reset it; pipelined
  // bytes from the client do not count.
  bool gone() const;

 private:
  int fd_ = -1;
};

// job.wait(), cancelling the job if the client leaves meanwhile (looked at every 100 ms);
// counts such departures in context.clients_disconnected.
void wait_for_job_or_client(ServerContext& context, Job& job, const httplib::Request& request);

}  // namespace almkit::serve
