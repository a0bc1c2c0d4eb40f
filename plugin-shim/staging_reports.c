/* Failure reports: rare, so one durable file each ("<id>.report": magic, the upload's record,
 * the text), written beside the staging log (staging.h). */
#include "staging.h"
#include "staging_internal.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define REPORT_MAGIC 0x50524457u /* "WDRP" */

static int write_file_durably(const char* file, const struct iovec* parts, int count) {
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = 1;
  for (int i = 0; i < count && ok; i++) {
    const uint8_t* at = parts[i].iov_base;
    size_t left = parts[i].iov_len;
    while (left > 0) {
      ssize_t n = write(fd, at, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = 0;
        break;
      }
      at += n;
      left -= (size_t)n;
    }
  }
  if (ok && fsync(fd) != 0) ok = 0;
  if (close(fd) != 0) ok = 0;
  return ok ? 0 : -1;
}

int staging_write_report(const char* id, const char* text, size_t textSize) {
  size_t recordSize = 0;
  char* record = staging_valid_id(id) ? staging_log_record(id, &recordSize) : NULL;
  char partFile[PATH_MAX], reportFile[PATH_MAX];
  if (record == NULL || staging_file_of(partFile, id, ".rpart") != 0 || staging_file_of(reportFile, id, ".report") != 0) {
    free(record);
    return -1;
  }
  uint8_t header[6];
  wire_set_u32(header, REPORT_MAGIC);
  wire_set_u16(header + 4, (uint16_t)recordSize);
  struct iovec parts[3] = {{header, sizeof header}, {record, recordSize}, {(void*)text, textSize}};
  int result = -1;
  if (write_file_durably(partFile, parts, 3) == 0 && rename(partFile, reportFile) == 0 && staging_sync_directory() == 0) {
    result = 0;
    /* The report stands in for the upload from now on: its bytes are no longer needed. A stop
     * before this leaves both; the module then keeps the report (uploads.ts restore). */
    staging_release(id);
  } else {
    unlink(partFile);
  }
  free(record);
  return result;
}

void staging_remove_report(const char* id) {
  char reportFile[PATH_MAX];
  if (staging_valid_id(id) && staging_file_of(reportFile, id, ".report") == 0) unlink(reportFile);
}

static int read_whole(const char* file, uint8_t** data, uint64_t* size, double* mtimeMs) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info;
  uint8_t* buffer = NULL;
  if (fstat(fd, &info) == 0 && (buffer = malloc(info.st_size > 0 ? (size_t)info.st_size : 1)) != NULL &&
      staging_pread_all(fd, buffer, (uint64_t)info.st_size, 0) == 0) {
    close(fd);
    *data = buffer;
    *size = (uint64_t)info.st_size;
    *mtimeMs = (double)info.st_mtime * 1000.0;
    return 0;
  }
  free(buffer);
  close(fd);
  return -1;
}

void staging_scan_reports(staging_found_t found) {
  DIR* dir = opendir(staging_dir_);
  if (dir == NULL) return;
  struct dirent* item;
  while ((item = readdir(dir)) != NULL) {
    const char* dot = strrchr(item->d_name, '.');
    if (dot == NULL || (size_t)(dot - item->d_name) > MAX_ID) continue;
    char id[MAX_ID + 1], file[PATH_MAX];
    memcpy(id, item->d_name, (size_t)(dot - item->d_name));
    id[dot - item->d_name] = '\0';
    if (!staging_valid_id(id) || staging_file_of(file, id, dot) != 0) continue;
    if (strcmp(dot, ".rpart") == 0) {
      unlink(file); /* a report the crash interrupted: written again, its upload is still live */
      continue;
    }
    uint8_t* data = NULL;
    uint64_t size = 0;
    double mtimeMs = 0;
    if (strcmp(dot, ".report") != 0 || read_whole(file, &data, &size, &mtimeMs) != 0) continue;
    uint16_t recordSize = size >= 6 ? wire_get_u16(data + 4) : 0;
    if (size >= 6 && wire_get_u32(data) == REPORT_MAGIC && (uint64_t)recordSize <= size - 6) {
      size_t textSize = (size_t)(size - 6 - recordSize);
      found(id, (const char*)data + 6, recordSize, textSize, mtimeMs, STAGING_LIVE, (const char*)data + 6 + recordSize, textSize);
    }
    free(data);
  }
  closedir(dir);
}

