#include "io/json_file.h"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace almkit {

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidFormat, source + " is not valid JSON (at byte " +
                                               std::to_string(error.byte) + "): " + error.what());
  } catch (const nlohmann::json::out_of_range& error) {  // a number beyond double (1e999)
    throw Error(ErrorCode::kInvalidFormat, source + " is not valid JSON: " + error.what());
  }
}

nlohmann::json read_json_file(const std::string& path) {
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
  return parse_json_text(buffer.str(), "'" + path + "'");
}

}  // namespace almkit
