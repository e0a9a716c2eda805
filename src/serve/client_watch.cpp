#include "serve/client_watch.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "serve/context.h"
#include "serve/job.h"

namespace almkit::serve {
namespace {

// The port of an IPv4 / IPv6 address, -1 for other families.
int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return -1;
}

// The numeric host as cpp-httplib writes Request::remote_addr.
std::string host_of(const sockaddr_storage& address, socklen_t length) {
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host, nullptr,
                  0, NI_NUMERICHOST) != 0) {
    return {};
  }
  return host;
}

}  // namespace

ClientWatch::ClientWatch(const httplib::Request& request)
    : ClientWatch(request.local_port, request.remote_addr, request.remote_port) {}

ClientWatch::ClientWatch(int local_port, const std::string& remote_addr, int remote_port) {
  if (local_port <= 0 || remote_port <= 0) return;
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) return;
  while (const dirent* entry = readdir(directory)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(directory)) continue;
    struct stat status;
    if (fstat(static_cast<int>(fd), &status) != 0 || !S_ISSOCK(status.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_length = sizeof local, peer_length = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_length) !=
            0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
      continue;  // not connected (the listening socket among them)
    }
    if (port_of(local) == local_port && port_of(peer) == remote_port &&
        host_of(peer, peer_length) == remote_addr) {
      fd_ = static_cast<int>(fd);
      break;
    }
  }
  closedir(directory);
}

bool ClientWatch::gone() const {
  if (fd_ < 0) return false;
  char byte;
  const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

void wait_for_job_or_client(ServerContext& context, Job& job, const httplib::Request& request) {
  if (job.wait_for(std::chrono::milliseconds(100))) return;  // short jobs pay no search
  const ClientWatch watch(request);
  while (!job.wait_for(std::chrono::milliseconds(100))) {
    if (watch.gone() && !job.cancelled()) {
      job.cancel();
      ++context.clients_disconnected;
    }
  }
}

}  // namespace almkit::serve
