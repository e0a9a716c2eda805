// Reading python3-jieba's installed data files, with the error a user can act on.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "almkit/error.h"

namespace almkit::bench::jieba {

inline std::string read_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::kFileNotFound,
                path +
                    ": cannot open jieba's data file (ISA-Bench's S2TT 'constrain' checker "
                    "segments Chinese with jieba 0.42.1: apt install python3-jieba, or set "
                    "ALMKIT_JIEBA_DIR to a folder with dict.txt and finalseg/)");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": read failed");
  return bytes.str();
}

}  // namespace almkit::bench::jieba
