// A blocking HTTP client for one thread: libcurl's easy interface with a kept-alive connection.
// Why libcurl rather than cpp-httplib's client: a timeout on the whole request (a server that
// trickles bytes cannot hold a worker forever; httplib's timeouts are per read), and the proxy
// (HTTPS_PROXY / NO_PROXY) and TLS settings that clusters already configure for curl. Each worker
// thread owns one client; the in-flight bound lives in EndpointPool, not here.
#pragma once

#include <string>
#include <vector>

typedef void CURL;

namespace almkit::remote {

struct HttpResponse {
  long status = 0;              // HTTP status; 0 when no complete answer arrived
  std::string body;
  std::string transport_error;  // why there is no complete answer (timeout, reset, refused)
  double retry_after_seconds = -1.0;  // the Retry-After header (seconds form), if any
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `headers` are "Name: value" lines. Never throws for network trouble: it is in the response.
  HttpResponse post_json(const std::string& url, const std::string& body,
                         const std::vector<std::string>& headers, double timeout_seconds);
  HttpResponse get(const std::string& url, const std::vector<std::string>& headers,
                   double timeout_seconds);

 private:
  HttpResponse perform(const std::string& url, const std::string* body,
                       const std::vector<std::string>& headers, double timeout_seconds);
  CURL* curl_ = nullptr;
};

// The client of the calling thread (created on first use, freed when the thread ends).
HttpClient& thread_http_client();

}  // namespace almkit::remote
