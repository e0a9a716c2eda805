// API-key check for `Authorization: Bearer <key>`, in time independent of where the strings
// differ (so response timing does not reveal the key a byte at a time).
#pragma once

#include <string>

namespace almkit::serve {

bool constant_time_equal(const std::string& a, const std::string& b);
// True when `authorization` (the header's value) carries `key`.
bool authorized(const std::string& authorization, const std::string& key);

}  // namespace almkit::serve
