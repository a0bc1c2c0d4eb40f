/* The staging directory of this process: its slot, and how files in it are named, read and synced. */
#include "staging.h"
#include "staging_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

char staging_dir_[PATH_MAX] = "";

int staging_valid_id(const char* id) {
  /* Staging ids come from the module: digits and "-" only; anything else is refused. */
  size_t n = 0;
  for (const char* c = id; *c; c++, n++) {
    if (!((*c >= '0' && *c <= '9') || *c == '-')) return 0;
  }
  return n > 0 && n <= MAX_ID;
}

int staging_file_of(char* target, const char* name, const char* suffix) {
  int n = snprintf(target, PATH_MAX, "%s/%s%s", staging_dir_, name, suffix);
  return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int make_directories(const char* path) {
  char partial[PATH_MAX];
  size_t length = strlen(path);
  if (length == 0 || length >= sizeof partial) return -1;
  memcpy(partial, path, length + 1);
  for (size_t i = 1; i <= length; i++) {
    if (partial[i] == '/' || partial[i] == '\0') {
      char saved = partial[i];
      partial[i] = '\0';
      if (mkdir(partial, 0700) != 0 && errno != EEXIST) return -1;
      partial[i] = saved;
    }
  }
  return 0;
}

int staging_sync_directory(void) {
  int fd = open(staging_dir_, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int result = fsync(fd);
  close(fd);
  return result;
}

int staging_pread_all(int fd, void* buffer, uint64_t size, uint64_t offset) {
  uint8_t* at = buffer;
  while (size > 0) {
    ssize_t n = pread(fd, at, size > (1u << 30) ? (1u << 30) : (size_t)size, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    at += n;
    size -= (uint64_t)n;
    offset += (uint64_t)n;
  }
  return 0;
}

/* Several Orthancs may share one storage folder (a cluster on one database), and so one default
 * staging directory: each process takes the first slot ("slot-<n>") whose lock no other process
 * holds, and keeps it while it runs. A node that starts again takes a free slot, and imports what
 * is staged there: with one database and one storage, any node may import any upload. */
#define MAX_SLOTS 64
static int slotLock_ = -1;

static int take_free_slot(const char* root) {
  for (int n = 1; n <= MAX_SLOTS; n++) {
    char slot[PATH_MAX], lockFile[PATH_MAX];
    int a = snprintf(slot, sizeof slot, "%s/slot-%d", root, n);
    int b = snprintf(lockFile, sizeof lockFile, "%s/slot-%d/lock", root, n);
    if (a <= 0 || a >= (int)sizeof slot || b <= 0 || b >= (int)sizeof lockFile) return -1;
    if (mkdir(slot, 0700) != 0 && errno != EEXIST) return -1;
    int fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      slotLock_ = fd;
      strcpy(staging_dir_, slot);
      return 0;
    }
    close(fd);
  }
  return -1;
}

int slot_take(const char* root) {
  if (strlen(root) + 32 >= sizeof staging_dir_) return -1;
  return make_directories(root) != 0 ? -1 : take_free_slot(root);
}

void slot_release(void) {
  if (slotLock_ >= 0) close(slotLock_);
  slotLock_ = -1;
}

const char* staging_directory(void) {
  return staging_dir_;
}

