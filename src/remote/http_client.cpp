#include "remote/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "almkit/error.h"

namespace almkit::remote {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  const std::string line(data, size * count);
  static const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    std::transform(head.begin(), head.end(), head.begin(), ::tolower);
    if (head == name) {
      char* end = nullptr;
      const double seconds = std::strtod(line.c_str() + name.size(), &end);
      if (end != line.c_str() + name.size()) {
        static_cast<HttpResponse*>(user)->retry_after_seconds = seconds;
      }
    }
  }
  return size * count;
}

}  // namespace

HttpClient::HttpClient() {
  // curl_global_init is not thread-safe: once, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (!curl_) throw Error(ErrorCode::kInternal, "libcurl: curl_easy_init failed");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body,
                                   const std::vector<std::string>& headers,
                                   double timeout_seconds) {
  return perform(url, &body, headers, timeout_seconds);
}

HttpResponse HttpClient::get(const std::string& url, const std::vector<std::string>& headers,
                             double timeout_seconds) {
  return perform(url, nullptr, headers, timeout_seconds);
}

HttpResponse HttpClient::perform(const std::string& url, const std::string* body,
                                 const std::vector<std::string>& headers,
                                 double timeout_seconds) {
  HttpResponse response;
  CURL* c = curl_;
  curl_easy_reset(c);  // keeps the connection cache: the next request reuses the socket
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  if (body) {
    list = curl_slist_append(list, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  // No "Expect: 100-continue" round trip for large bodies (audio).
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: safe in threads
  const long timeout_ms = std::max(1L, static_cast<long>(timeout_seconds * 1000.0));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response);
  // No Accept-Encoding: answers are small, and compressing them costs the server more than the
  // bytes saved on a cluster network.
  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    response.transport_error = curl_easy_strerror(code);
    response.status = 0;
    return response;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

HttpClient& thread_http_client() {
  thread_local HttpClient client;
  return client;
}

}  // namespace almkit::remote
