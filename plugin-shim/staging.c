#include "staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char directory_[PATH_MAX] = "";

static int path_of(char* target, const char* id, const char* suffix) {
  /* Staging ids come from the module: digits and "-" only; anything else is refused. */
  for (const char* c = id; *c; c++) {
    if (!((*c >= '0' && *c <= '9') || *c == '-')) return -1;
  }
  int n = snprintf(target, PATH_MAX, "%s/%s%s", directory_, id, suffix);
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

int staging_open(const char* directory) {
  if (strlen(directory) >= sizeof directory_) return -1;
  strcpy(directory_, directory);
  return make_directories(directory_);
}

static int sync_directory(void) {
  int fd = open(directory_, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int result = fsync(fd);
  close(fd);
  return result;
}

static int write_all(const char* path, const void* data, uint64_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const char* at = data;
  uint64_t left = size;
  while (left > 0) {
    ssize_t n = write(fd, at, left > (1u << 30) ? (1u << 30) : (size_t)left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return -1;
    }
    at += n;
    left -= (uint64_t)n;
  }
  int result = fsync(fd);
  return close(fd) == 0 && result == 0 ? 0 : -1;
}

int staging_write(const char* id, const char* record, size_t recordSize, const void* data, uint64_t size) {
  char pathFile[PATH_MAX], partFile[PATH_MAX], dataFile[PATH_MAX];
  if (path_of(pathFile, id, ".path") || path_of(partFile, id, ".part") || path_of(dataFile, id, ".data")) return -1;
  if (write_all(pathFile, record, recordSize) == 0 && write_all(partFile, data, size) == 0 &&
      rename(partFile, dataFile) == 0 && sync_directory() == 0) {
    return 0;
  }
  unlink(partFile);
  unlink(dataFile);
  unlink(pathFile);
  return -1;
}

static int read_all(const char* path, void** data, uint64_t* size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info;
  if (fstat(fd, &info) != 0) {
    close(fd);
    return -1;
  }
  char* buffer = malloc(info.st_size > 0 ? (size_t)info.st_size : 1);
  uint64_t done = 0;
  while (buffer != NULL && done < (uint64_t)info.st_size) {
    ssize_t n = read(fd, buffer + done, (size_t)info.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (uint64_t)n;
  }
  close(fd);
  if (buffer == NULL || done != (uint64_t)info.st_size) {
    free(buffer);
    return -1;
  }
  *data = buffer;
  *size = done;
  return 0;
}

int staging_read(const char* id, void** data, uint64_t* size) {
  char dataFile[PATH_MAX];
  if (path_of(dataFile, id, ".data")) return -1;
  return read_all(dataFile, data, size);
}

int staging_write_report(const char* id, const char* text, size_t textSize) {
  char reportFile[PATH_MAX], partFile[PATH_MAX], dataFile[PATH_MAX];
  if (path_of(reportFile, id, ".report") || path_of(partFile, id, ".rpart") || path_of(dataFile, id, ".data")) return -1;
  if (write_all(partFile, text, textSize) != 0 || rename(partFile, reportFile) != 0 || sync_directory() != 0) {
    unlink(partFile);
    return -1;
  }
  unlink(dataFile);
  return 0;
}

void staging_remove(const char* id) {
  static const char* const suffixes[] = {".data", ".part", ".report", ".rpart", ".path"};
  char file[PATH_MAX];
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    if (path_of(file, id, suffixes[i]) == 0) unlink(file);
  }
}

void staging_scan(staging_found_t found) {
  DIR* dir = opendir(directory_);
  if (dir == NULL) return;
  struct dirent* item;
  while ((item = readdir(dir)) != NULL) {
    const char* dot = strrchr(item->d_name, '.');
    if (dot == NULL || dot == item->d_name || (size_t)(dot - item->d_name) >= 64) continue;
    char id[64];
    memcpy(id, item->d_name, (size_t)(dot - item->d_name));
    id[dot - item->d_name] = '\0';
    char file[PATH_MAX], pathFile[PATH_MAX];
    if (path_of(file, id, dot) || path_of(pathFile, id, ".path")) continue;
    if (strcmp(dot, ".part") == 0 || strcmp(dot, ".rpart") == 0) {
      unlink(file); /* a write the crash interrupted */
      continue;
    }
    int isReport = strcmp(dot, ".report") == 0;
    if (!isReport && strcmp(dot, ".data") != 0) continue;
    void* record = NULL;
    void* report = NULL;
    uint64_t recordSize = 0, reportSize = 0;
    struct stat info;
    if (stat(file, &info) == 0 && read_all(pathFile, &record, &recordSize) == 0 &&
        (!isReport || read_all(file, &report, &reportSize) == 0)) {
      found(id, record, (size_t)recordSize, (uint64_t)info.st_size, (double)info.st_mtime * 1000.0, report,
            (size_t)reportSize);
    }
    free(record);
    free(report);
  }
  closedir(dir);
}
