// SPDX-License-Identifier: Apache-2.0
// Replays a fuzzer's corpus (files or directories given as arguments) through
// LLVMFuzzerTestOneInput, so every normal build runs the corpus as a regression test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
int replay_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return 1;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) {
          failures += replay_file(entry.path());
          ++runs;
        }
      }
    } else {
      failures += replay_file(arg);
      ++runs;
    }
  }
  if (runs == 0) {
    std::fprintf(stderr, "replay: no corpus inputs found (an empty corpus tests nothing)\n");
    return 1;
  }
  std::printf("replay: %d inputs, %d unreadable\n", runs, failures);
  return failures == 0 ? 0 : 1;
}
