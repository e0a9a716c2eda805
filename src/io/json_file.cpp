#include "io/json_file.h"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace almkit {

namespace {

// The parser's errors as kInvalidFormat naming `source`; J is nlohmann::json or its ordered twin.
template <typename J>
J parse_as(const std::string& text, const std::string& source) {
  try {
    return J::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidFormat, source + " is not valid JSON (at byte " +
                                               std::to_string(error.byte) + "): " + error.what());
  } catch (const nlohmann::json::out_of_range& error) {  // a number beyond double (1e999)
    throw Error(ErrorCode::kInvalidFormat, source + " is not valid JSON: " + error.what());
  }
}

std::string read_json_text(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    throw Error(ErrorCode::kFileNotFound, "'" + path + "' does not exist");
  }
  if (S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is a directory, expected a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  return parse_as<nlohmann::json>(text, source);
}

nlohmann::json read_json_file(const std::string& path) {
  return parse_as<nlohmann::json>(read_json_text(path), "'" + path + "'");
}

nlohmann::ordered_json read_ordered_json_file(const std::string& path) {
  return parse_as<nlohmann::ordered_json>(read_json_text(path), "'" + path + "'");
}

}  // namespace almkit
