// SPDX-License-Identifier: Apache-2.0
// DataDirLock: one holder per data dir, the holder's pid in the error, release on destruction,
// on move, and when the holding process is SIGKILLed.
#include "weft/store/data_dir_lock.hpp"

#include "io/store/file_bytes.hpp"
#include "io/store/temp_dir.hpp"
#include "unit/store/require_ok.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <optional>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace weft::store::test {
namespace {

using Catch::Contains;

void expect_busy_by(const std::filesystem::path& data_dir, pid_t holder) {
  auto second = DataDirLock::acquire(data_dir);
  REQUIRE_FALSE(second.has_value());
  INFO(second.error().message());
  CHECK(second.error().is(Errc::busy));
  CHECK_THAT(second.error().message(), Contains("pid " + std::to_string(holder)));
  CHECK_THAT(second.error().message(), Contains((data_dir / "weftd.lock").string()));
  CHECK_THAT(second.error().message(), Contains("--data-dir"));
}

TEST_CASE("DataDirLock: creates the data dir 0700 and writes our pid into a 0600 lock file") {
  const TempDir dir;
  const auto data_dir = dir.path() / "a" / "weft";
  auto lock = DataDirLock::acquire(data_dir);
  REQUIRE_OK(lock);
  CHECK(lock->held());
  CHECK(lock->lock_file() == data_dir / "weftd.lock");
  struct stat st {};
  REQUIRE(::stat(data_dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  REQUIRE(::stat(lock->lock_file().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(read_bytes(lock->lock_file()) == std::to_string(::getpid()) + "\n");
}

TEST_CASE("DataDirLock: a second acquire fails with busy naming the holder until release") {
  const TempDir dir;
  auto acquired = DataDirLock::acquire(dir.path());
  REQUIRE_OK(acquired);
  std::optional<DataDirLock> first(std::move(*acquired));
  CHECK(first->held());
  // flock conflicts between open file descriptions, so our own process counts as another.
  expect_busy_by(dir.path(), ::getpid());
  // The failed attempt must not have disturbed the holder's pid.
  CHECK(read_bytes(dir.path() / "weftd.lock") == std::to_string(::getpid()) + "\n");

  SECTION("released by release()") {
    first->release();
    CHECK_FALSE(first->held());
    first->release();  // idempotent
  }
  SECTION("released by the destructor") {
    first.reset();
  }
  SECTION("moved: the new owner holds it, then its destruction releases it") {
    DataDirLock moved(std::move(*first));
    CHECK(moved.held());
    CHECK_FALSE(first->held());
    expect_busy_by(dir.path(), ::getpid());
    DataDirLock assigned = std::move(moved);
    CHECK_FALSE(moved.held());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    expect_busy_by(dir.path(), ::getpid());
    assigned = DataDirLock(std::move(assigned));
    CHECK(assigned.held());
    assigned.release();
  }
  auto again = DataDirLock::acquire(dir.path());
  REQUIRE_OK(again);
  CHECK(again->held());
}

TEST_CASE("DataDirLock: a path that is a file gives io_error") {
  const TempDir dir;
  write_bytes(dir.path() / "file", "x");
  auto lock = DataDirLock::acquire(dir.path() / "file");
  REQUIRE_FALSE(lock.has_value());
  INFO(lock.error().message());
  CHECK(lock.error().is(Errc::io_error));
  CHECK_THAT(lock.error().message(), Contains((dir.path() / "file").string()));
}

// Kills and reaps the child if the test ends before it did.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  /// SIGKILL and waitpid; returns the wait status.
  int kill_and_reap() {
    REQUIRE(::kill(pid_, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

TEST_CASE("DataDirLock: the kernel releases the lock of a holder killed with SIGKILL") {
  const TempDir dir;
  int ready[2];
  int hold[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: take the lock, report, then block until killed (or until the parent is gone and
    // the hold pipe reads EOF). Only async-signal-safe exits from here: _exit.
    ::close(ready[0]);
    ::close(hold[1]);
    auto lock = DataDirLock::acquire(dir.path());
    const char status = lock.has_value() ? '1' : '0';
    if (::write(ready[1], &status, 1) != 1) ::_exit(2);
    char byte = 0;
    if (::read(hold[0], &byte, 1) < 0) ::_exit(3);
    ::_exit(0);
  }
  ChildGuard guard(child);
  ::close(ready[1]);
  ::close(hold[0]);
  char status = 0;
  REQUIRE(::read(ready[0], &status, 1) == 1);
  ::close(ready[0]);
  REQUIRE(status == '1');

  expect_busy_by(dir.path(), child);

  const int wait_status = guard.kill_and_reap();
  ::close(hold[1]);
  CHECK(WIFSIGNALED(wait_status));
  CHECK(WTERMSIG(wait_status) == SIGKILL);

  auto lock = DataDirLock::acquire(dir.path());
  REQUIRE_OK(lock);
  CHECK(read_bytes(dir.path() / "weftd.lock") == std::to_string(::getpid()) + "\n");
}

}  // namespace
}  // namespace weft::store::test
