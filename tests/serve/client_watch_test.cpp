// ClientWatch finds a connection's socket by its addresses and sees the peer leave.
#include "serve/client_watch.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace almkit::serve {
namespace {

int bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

TEST(ClientWatch, FindsTheConnectionAndSeesThePeerClose) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  address.sin_port = htons(static_cast<uint16_t>(bound_port(listener)));
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const int served = accept(listener, nullptr, nullptr);
  ASSERT_GE(served, 0);

  const ClientWatch watch(bound_port(listener), "127.0.0.1", bound_port(client));
  EXPECT_TRUE(watch.found());
  EXPECT_FALSE(watch.gone());
  ASSERT_EQ(write(client, "x", 1), 1);  // bytes from the client (a pipelined request) are no exit
  usleep(20000);
  EXPECT_FALSE(watch.gone());
  char byte;
  ASSERT_EQ(read(served, &byte, 1), 1);
  close(client);
  usleep(20000);
  EXPECT_TRUE(watch.gone());

  // Addresses of no connection: nothing found, never gone.
  const ClientWatch nobody(bound_port(listener), "127.0.0.1", 1);
  EXPECT_FALSE(nobody.found());
  EXPECT_FALSE(nobody.gone());
  EXPECT_FALSE(ClientWatch(0, "", -1).found());
  close(served);
  close(listener);
}

}  // namespace
}  // namespace almkit::serve
