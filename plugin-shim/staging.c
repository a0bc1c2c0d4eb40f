/* The staging log: uploads appended to segment files, one record each (staging.h). */
#include "staging.h"
#include "clock.h"
#include "staging_internal.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* A record: this header, then the id, the record (the upload's path) and the bytes.
 * Little-endian; the CRC covers everything after the state byte. */
#define RECORD_MAGIC 0x52534457u /* "WDSR" */
#define HEADER_SIZE 28
#define AT_STATE 4
#define STATE_DONE 0
/* STAGING_LIVE, STAGING_IMPORTING, STAGING_IMPORTED (staging.h): written in place without a
 * sync, as the process, not the machine, is what an import can take down. */
/* A new segment is begun once the current one holds this much; the old one goes when its last
 * record is done. Bounds the space that done records hold. */
#define SEGMENT_LIMIT (64u << 20)
#define BUCKETS 4096

typedef struct segment {
  uint32_t number;
  int fd;
  uint64_t size;    /* where the next record goes */
  uint32_t live;    /* records not done, including those being written */
  uint32_t readers; /* calls reading it outside the lock: it is neither emptied nor deleted */
  int unsynced;     /* records marked done since the last staging_flush */
  struct segment* next;
} segment_t;

typedef struct entry {
  char id[MAX_ID + 1];
  segment_t* segment;
  uint64_t offset; /* of the header */
  uint64_t dataSize;
  uint16_t recordSize;
  double mtimeMs;
  uint8_t state; /* STAGING_LIVE, _IMPORTING (only as found at open), _IMPORTED or _TRAPPED */
  struct entry* next; /* in its bucket */
} entry_t;

static pthread_mutex_t lock_ = PTHREAD_MUTEX_INITIALIZER;
static segment_t* segments_ = NULL; /* every open segment */
static segment_t* current_ = NULL;  /* the one appended to; NULL until the first upload */
static uint32_t nextNumber_ = 1;
static entry_t* buckets_[BUCKETS];

/* ---- small helpers ---- */

static int segment_file(char* target, uint32_t number) {
  int n = snprintf(target, PATH_MAX, "%s/%010u.seg", staging_dir_, number);
  return n > 0 && n < PATH_MAX ? 0 : -1;
}

/* Writes every part at `offset`, however the kernel splits it. The parts are consumed. */
static int pwrite_all(int fd, struct iovec* parts, int count, uint64_t offset) {
  while (count > 0) {
    if (parts->iov_len == 0) {
      parts++;
      count--;
      continue;
    }
    ssize_t n = pwritev(fd, parts, count, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    offset += (uint64_t)n;
    while (n > 0) {
      size_t step = (size_t)n < parts->iov_len ? (size_t)n : parts->iov_len;
      parts->iov_base = (uint8_t*)parts->iov_base + step;
      parts->iov_len -= step;
      n -= (ssize_t)step;
      if (parts->iov_len == 0 && n > 0) {
        parts++;
        count--;
      }
    }
  }
  return 0;
}

/* ---- the index (under lock_) ---- */

static uint32_t bucket_of(const char* id) {
  uint32_t h = 2166136261u;
  for (const char* c = id; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
  return h % BUCKETS;
}

static entry_t* find(const char* id) {
  for (entry_t* e = buckets_[bucket_of(id)]; e != NULL; e = e->next) {
    if (strcmp(e->id, id) == 0) return e;
  }
  return NULL;
}

static void insert(entry_t* entry) {
  uint32_t b = bucket_of(entry->id);
  entry->next = buckets_[b];
  buckets_[b] = entry;
}

static void unlink_entry(entry_t* entry) {
  entry_t** at = &buckets_[bucket_of(entry->id)];
  while (*at != entry) at = &(*at)->next;
  *at = entry->next;
}

/* A segment with nothing live and nobody reading: deleted, or emptied if it is the current one
 * (so that an idle share keeps no space). */
static void release_if_unused(segment_t* segment) {
  if (segment->live > 0 || segment->readers > 0) return;
  if (segment == current_) {
    if (segment->size > 0 && ftruncate(segment->fd, 0) == 0) segment->size = 0;
    return;
  }
  char file[PATH_MAX];
  if (segment_file(file, segment->number) == 0) unlink(file);
  close(segment->fd);
  segment_t** at = &segments_;
  while (*at != segment) at = &(*at)->next;
  *at = segment->next;
  free(segment);
}

static segment_t* add_segment(uint32_t number, int fd, uint64_t size) {
  segment_t* segment = calloc(1, sizeof *segment);
  if (segment == NULL) return NULL;
  segment->number = number;
  segment->fd = fd;
  segment->size = size;
  segment->next = segments_;
  segments_ = segment;
  if (number >= nextNumber_) nextNumber_ = number + 1;
  return segment;
}

/* A new, empty segment file (its name made durable too). */
static segment_t* create_segment(void) {
  char file[PATH_MAX];
  uint32_t number = nextNumber_;
  if (segment_file(file, number) != 0) return NULL;
  int fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return NULL;
  if (staging_sync_directory() != 0) { /* the new name must outlive a crash too */
    close(fd);
    unlink(file);
    return NULL;
  }
  segment_t* segment = add_segment(number, fd, 0);
  if (segment == NULL) {
    close(fd);
    unlink(file);
    return NULL;
  }
  return segment;
}

/* The segment to append to, begun anew when there is none or it is full. */
static segment_t* current_segment(void) {
  if (current_ != NULL && current_->size < SEGMENT_LIMIT) return current_;
  segment_t* segment = create_segment();
  if (segment == NULL) return NULL;
  segment_t* old = current_;
  current_ = segment;
  if (old != NULL) release_if_unused(old);
  return segment;
}

/* Marks the record done in its segment and forgets it (under lock_). */
static void retire(entry_t* entry) {
  static const uint8_t done = STATE_DONE;
  segment_t* segment = entry->segment;
  if (pwrite(segment->fd, &done, 1, (off_t)(entry->offset + AT_STATE)) == 1) segment->unsynced = 1;
  unlink_entry(entry);
  free(entry);
  segment->live--;
  release_if_unused(segment);
}

/* ---- opening: index what a previous run left ---- */

/* Continues `crc` over `size` bytes of `fd` at `offset`, read a piece at a time: a staged upload
 * can be larger than the memory one would give it, and a failed allocation must not look like
 * a torn record (everything after it in the segment would be dropped). Start-up only. */
#define CRC_PIECE (1u << 16)
static uint8_t piece_[CRC_PIECE];
static int crc_of_range(int fd, uint64_t offset, uint64_t size, uint32_t* crc) {
  uint8_t* piece = piece_;
  while (size > 0) {
    uint64_t n = size < CRC_PIECE ? size : CRC_PIECE;
    if (staging_pread_all(fd, piece, n, offset) != 0) return -1;
    *crc = (uint32_t)crc32_z(*crc, piece, (z_size_t)n);
    offset += n;
    size -= n;
  }
  return 0;
}

/* Reads the records of one segment; returns how many are live. A record that is incomplete or
 * fails its CRC ends the segment: it is the tail of a write that a crash interrupted, never
 * answered with 201. */
static uint32_t index_segment(segment_t* segment, uint64_t fileSize) {
  uint64_t at = 0;
  uint8_t header[HEADER_SIZE];
  while (at + HEADER_SIZE <= fileSize && staging_pread_all(segment->fd, header, HEADER_SIZE, at) == 0) {
    uint8_t idSize = header[5];
    uint16_t recordSize = wire_get_u16(header + 6);
    uint64_t dataSize = wire_get_u64(header + 8);
    uint64_t bodySize = (uint64_t)idSize + recordSize + dataSize;
    if (wire_get_u32(header) != RECORD_MAGIC || idSize == 0 || idSize > MAX_ID || bodySize > fileSize - at - HEADER_SIZE) break;
    uint32_t crc = (uint32_t)crc32_z(0, header + 5, 19);
    char id[MAX_ID + 1];
    if (crc_of_range(segment->fd, at + HEADER_SIZE, bodySize, &crc) != 0 || crc != wire_get_u32(header + 24) ||
        staging_pread_all(segment->fd, id, idSize, at + HEADER_SIZE) != 0) {
      break;
    }
    id[idSize] = '\0';
    entry_t* entry = calloc(1, sizeof *entry);
    uint8_t state = header[AT_STATE];
    if (state >= STAGING_LIVE && state <= STAGING_TRAPPED && entry != NULL) {
      memcpy(entry->id, id, (size_t)idSize + 1);
      if (staging_valid_id(entry->id) && find(entry->id) == NULL) {
        uint64_t bits = wire_get_u64(header + 16);
        memcpy(&entry->mtimeMs, &bits, sizeof bits);
        entry->segment = segment;
        entry->offset = at;
        entry->dataSize = dataSize;
        entry->recordSize = recordSize;
        entry->state = state;
        insert(entry);
        segment->live++;
        entry = NULL;
      }
    }
    free(entry);
    at += HEADER_SIZE + bodySize;
  }
  return segment->live;
}

static void index_segments(void) {
  DIR* dir = opendir(staging_dir_);
  if (dir == NULL) return;
  struct dirent* item;
  while ((item = readdir(dir)) != NULL) {
    char* end = NULL;
    unsigned long number = strtoul(item->d_name, &end, 10);
    if (end == item->d_name || strcmp(end, ".seg") != 0 || number == 0 || number >= UINT32_MAX) continue;
    char file[PATH_MAX];
    if (segment_file(file, (uint32_t)number) != 0) continue;
    int fd = open(file, O_RDWR | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
      if (fd >= 0) close(fd);
      continue;
    }
    segment_t* segment = add_segment((uint32_t)number, fd, (uint64_t)info.st_size);
    if (segment == NULL) {
      close(fd);
      continue;
    }
    index_segment(segment, (uint64_t)info.st_size);
    release_if_unused(segment); /* current_ is NULL: a segment with nothing live goes */
  }
  closedir(dir);
}

int staging_open(const char* directory) {
  if (slot_take(directory) != 0) return -1;
  pthread_mutex_lock(&lock_);
  index_segments();
  pthread_mutex_unlock(&lock_);
  return 0;
}

/* ---- uploads ---- */

int staging_write(const char* id, const char* record, size_t recordSize, const void* data, uint64_t size) {
  if (!staging_valid_id(id) || recordSize > UINT16_MAX) return -1;
  entry_t* entry = calloc(1, sizeof *entry);
  if (entry == NULL) return -1;
  strcpy(entry->id, id);
  entry->dataSize = size;
  entry->recordSize = (uint16_t)recordSize;
  entry->mtimeMs = clock_now_ms();

  uint8_t header[HEADER_SIZE];
  size_t idSize = strlen(id);
  uint64_t bits;
  memcpy(&bits, &entry->mtimeMs, sizeof bits);
  wire_set_u32(header, RECORD_MAGIC);
  header[AT_STATE] = STAGING_LIVE;
  entry->state = STAGING_LIVE;
  header[5] = (uint8_t)idSize;
  wire_set_u16(header + 6, (uint16_t)recordSize);
  wire_set_u64(header + 8, size);
  wire_set_u64(header + 16, bits);
  uint32_t crc = (uint32_t)crc32_z(0, header + 5, 19);
  crc = (uint32_t)crc32_z(crc, (const Bytef*)id, idSize);
  crc = (uint32_t)crc32_z(crc, (const Bytef*)record, recordSize);
  crc = (uint32_t)crc32_z(crc, (const Bytef*)data, (z_size_t)size);
  wire_set_u32(header + 24, crc);
  uint64_t total = HEADER_SIZE + idSize + recordSize + size;

  /* Reserve the space under the lock; write and sync outside it, so that uploads on other
   * connections append meanwhile. The reservation counts as live: the segment stays. */
  pthread_mutex_lock(&lock_);
  segment_t* segment = find(id) == NULL ? current_segment() : NULL;
  if (segment != NULL) {
    entry->segment = segment;
    entry->offset = segment->size;
    segment->size += total;
    segment->live++;
  }
  pthread_mutex_unlock(&lock_);
  if (segment == NULL) {
    free(entry);
    return -1;
  }

  struct iovec parts[4] = {{header, HEADER_SIZE}, {(void*)id, idSize}, {(void*)record, recordSize}, {(void*)data, size}};
  int ok = pwrite_all(segment->fd, parts, 4, entry->offset) == 0;
  if (ok && fdatasync(segment->fd) != 0) ok = 0;

  pthread_mutex_lock(&lock_);
  if (ok) {
    insert(entry);
  } else {
    /* Whatever reached the disk fails its CRC or is marked done; the space is not reused. */
    static const uint8_t abandoned = STATE_DONE;
    if (pwrite(segment->fd, &abandoned, 1, (off_t)(entry->offset + AT_STATE)) == 1) segment->unsynced = 1;
    segment->live--;
    release_if_unused(segment);
    free(entry);
  }
  pthread_mutex_unlock(&lock_);
  return ok ? 0 : -1;
}

/* ---- uploads streamed as they arrive (the listener's PUT) ----
 * Each in a segment of its own: a record is checked by its CRC when the log is read at start,
 * and one that fails ends its segment, so a record being written for seconds must not sit
 * before records that were answered meanwhile. Its CRC goes into the header last, before the
 * sync: a crash before that leaves a segment with no valid record, which start-up deletes. */
struct staging_stream {
  entry_t* entry;
  segment_t* segment;
  uint8_t header[HEADER_SIZE];
  uint32_t crc;   /* over the header's bytes 5-23, the id, the record and the bytes so far */
  uint64_t at;    /* where the next bytes go */
  uint64_t received;
};

staging_stream_t* staging_stream_begin(const char* id, const char* record, size_t recordSize, uint64_t size) {
  if (!staging_valid_id(id) || recordSize > UINT16_MAX) return NULL;
  staging_stream_t* stream = calloc(1, sizeof *stream);
  entry_t* entry = calloc(1, sizeof *entry);
  if (stream == NULL || entry == NULL) {
    free(stream);
    free(entry);
    return NULL;
  }
  strcpy(entry->id, id);
  entry->dataSize = size;
  entry->recordSize = (uint16_t)recordSize;
  entry->mtimeMs = clock_now_ms();
  entry->state = STAGING_LIVE;
  pthread_mutex_lock(&lock_);
  segment_t* segment = find(id) == NULL ? create_segment() : NULL;
  if (segment != NULL) segment->live++; /* the reservation: the segment stays */
  pthread_mutex_unlock(&lock_);
  if (segment == NULL) {
    free(stream);
    free(entry);
    return NULL;
  }
  entry->segment = segment;
  stream->entry = entry;
  stream->segment = segment;
  size_t idSize = strlen(id);
  uint8_t* header = stream->header;
  uint64_t bits;
  memcpy(&bits, &entry->mtimeMs, sizeof bits);
  wire_set_u32(header, RECORD_MAGIC);
  header[AT_STATE] = STAGING_LIVE;
  header[5] = (uint8_t)idSize;
  wire_set_u16(header + 6, (uint16_t)recordSize);
  wire_set_u64(header + 8, size);
  wire_set_u64(header + 16, bits);
  wire_set_u32(header + 24, 0); /* written at the end */
  stream->crc = (uint32_t)crc32_z(0, header + 5, 19);
  stream->crc = (uint32_t)crc32_z(stream->crc, (const Bytef*)id, idSize);
  stream->crc = (uint32_t)crc32_z(stream->crc, (const Bytef*)record, recordSize);
  struct iovec parts[3] = {{header, HEADER_SIZE}, {(void*)id, idSize}, {(void*)record, recordSize}};
  stream->at = HEADER_SIZE + idSize + recordSize;
  if (pwrite_all(segment->fd, parts, 3, 0) != 0) {
    staging_stream_abort(stream);
    return NULL;
  }
  return stream;
}

int staging_stream_append(staging_stream_t* stream, const void* data, size_t size) {
  if (stream->received + size > stream->entry->dataSize) return -1; /* more than announced */
  struct iovec part = {(void*)data, size};
  if (pwrite_all(stream->segment->fd, &part, 1, stream->at) != 0) return -1;
  stream->crc = (uint32_t)crc32_z(stream->crc, (const Bytef*)data, (z_size_t)size);
  stream->at += size;
  stream->received += size;
  return 0;
}

int staging_stream_commit(staging_stream_t* stream) {
  segment_t* segment = stream->segment;
  uint8_t crc[4];
  wire_set_u32(crc, stream->crc);
  int ok = stream->received == stream->entry->dataSize && pwrite(segment->fd, crc, 4, 24) == 4 &&
           fdatasync(segment->fd) == 0;
  if (!ok) {
    staging_stream_abort(stream);
    return -1;
  }
  pthread_mutex_lock(&lock_);
  segment->size = stream->at;
  insert(stream->entry);
  pthread_mutex_unlock(&lock_);
  free(stream);
  return 0;
}

void staging_stream_abort(staging_stream_t* stream) {
  pthread_mutex_lock(&lock_);
  stream->segment->live--;
  release_if_unused(stream->segment); /* not the current segment: its file goes */
  pthread_mutex_unlock(&lock_);
  free(stream->entry);
  free(stream);
}

/* Looks `id` up and holds its segment for reading outside the lock; release with `let_go`. */
static segment_t* hold(const char* id, entry_t* copy) {
  pthread_mutex_lock(&lock_);
  entry_t* entry = staging_valid_id(id) ? find(id) : NULL;
  segment_t* segment = NULL;
  if (entry != NULL) {
    *copy = *entry;
    segment = entry->segment;
    segment->readers++;
  }
  pthread_mutex_unlock(&lock_);
  return segment;
}

static void let_go(segment_t* segment) {
  pthread_mutex_lock(&lock_);
  segment->readers--;
  release_if_unused(segment);
  pthread_mutex_unlock(&lock_);
}

int staging_read(const char* id, void** data, uint64_t* size) {
  entry_t entry;
  segment_t* segment = hold(id, &entry);
  if (segment == NULL) return -1;
  char* buffer = malloc(entry.dataSize > 0 ? (size_t)entry.dataSize : 1);
  int result = -1;
  if (buffer != NULL &&
      staging_pread_all(segment->fd, buffer, entry.dataSize, entry.offset + HEADER_SIZE + strlen(entry.id) + entry.recordSize) == 0) {
    *data = buffer;
    *size = entry.dataSize;
    buffer = NULL;
    result = 0;
  }
  free(buffer);
  let_go(segment);
  return result;
}

/* The record of a live upload, malloc'ed. */
static char* read_record(const entry_t* entry, segment_t* segment) {
  char* record = malloc((size_t)entry->recordSize + 1);
  if (record != NULL && staging_pread_all(segment->fd, record, entry->recordSize, entry->offset + HEADER_SIZE + strlen(entry->id)) != 0) {
    free(record);
    return NULL;
  }
  return record;
}

void staging_mark(const char* id, uint8_t state) {
  if (!staging_valid_id(id)) return;
  pthread_mutex_lock(&lock_);
  entry_t* entry = find(id);
  /* The state kept in memory is what staging_scan reports: an import this process started is
   * running, not interrupted (a scan after a module restart must not report it). */
  if (entry != NULL && pwrite(entry->segment->fd, &state, 1, (off_t)(entry->offset + AT_STATE)) == 1) {
    entry->state = state == STAGING_IMPORTING ? STAGING_LIVE : state;
  }
  pthread_mutex_unlock(&lock_);
}

void staging_release(const char* id) {
  if (!staging_valid_id(id)) return;
  pthread_mutex_lock(&lock_);
  entry_t* entry = find(id);
  if (entry != NULL) retire(entry);
  pthread_mutex_unlock(&lock_);
}

void staging_flush(void) {
  /* Collected under the lock, synced outside it (held as readers, so none goes meanwhile). */
  enum { MAX_SYNC = 64 };
  segment_t* touched[MAX_SYNC];
  int count = 0;
  pthread_mutex_lock(&lock_);
  for (segment_t* s = segments_; s != NULL && count < MAX_SYNC; s = s->next) {
    if (!s->unsynced) continue;
    s->unsynced = 0;
    s->readers++;
    touched[count++] = s;
  }
  pthread_mutex_unlock(&lock_);
  for (int i = 0; i < count; i++) {
    fdatasync(touched[i]->fd);
    let_go(touched[i]);
  }
}

char* staging_log_record(const char* id, size_t* size) {
  entry_t entry;
  segment_t* segment = hold(id, &entry);
  if (segment == NULL) return NULL;
  char* record = read_record(&entry, segment);
  let_go(segment);
  *size = entry.recordSize;
  return record;
}

/* ---- finding everything again ---- */

typedef struct found_upload {
  entry_t entry;
  segment_t* segment;
  struct found_upload* next;
} found_upload_t;

static void scan_uploads(staging_found_t found) {
  /* A snapshot under the lock; `found` (the module) is called outside it. */
  found_upload_t* list = NULL;
  pthread_mutex_lock(&lock_);
  for (int b = 0; b < BUCKETS; b++) {
    for (entry_t* e = buckets_[b]; e != NULL; e = e->next) {
      found_upload_t* item = malloc(sizeof *item);
      if (item == NULL) continue;
      item->entry = *e;
      item->segment = e->segment;
      item->segment->readers++;
      item->next = list;
      list = item;
    }
  }
  pthread_mutex_unlock(&lock_);
  while (list != NULL) {
    found_upload_t* item = list;
    list = item->next;
    char* record = read_record(&item->entry, item->segment);
    if (record != NULL) {
      found(item->entry.id, record, item->entry.recordSize, item->entry.dataSize, item->entry.mtimeMs, item->entry.state, NULL, 0);
    }
    free(record);
    let_go(item->segment);
    free(item);
  }
}

void staging_scan(staging_found_t found) {
  staging_scan_reports(found);
  scan_uploads(found);
}

void staging_close(void) {
  staging_flush();
  pthread_mutex_lock(&lock_);
  for (int b = 0; b < BUCKETS; b++) {
    while (buckets_[b] != NULL) {
      entry_t* e = buckets_[b];
      buckets_[b] = e->next;
      free(e);
    }
  }
  while (segments_ != NULL) {
    segment_t* s = segments_;
    segments_ = s->next;
    close(s->fd);
    free(s);
  }
  current_ = NULL;
  pthread_mutex_unlock(&lock_);
  slot_release(); /* the slot is free for the next process */
}
