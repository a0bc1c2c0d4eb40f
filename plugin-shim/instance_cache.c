/* See instance_cache.h. A handful of slots under one mutex; a file is kept while it is read and
 * KEEP_SECONDS after its last read, within MAX_KEPT_BYTES in all (the least recently read goes
 * first). A file is looked up by instance id and length: the module names the instance and its
 * length from its catalog for every answer, so a file deleted or replaced meanwhile is not
 * served from here past KEEP_SECONDS, and never with another length. */
#include "instance_cache.h"

#include "orthanc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 8
#define KEEP_SECONDS 10.0
#define MAX_KEPT_BYTES ((uint64_t)512 << 20)

struct instance_file {
  char id[96];
  uint64_t total;
  orthanc_dicom_t dicom;
  int readers;
  int kept; /* in a slot; else freed by its last release */
  double last_read;
};

static pthread_mutex_t lock_ = PTHREAD_MUTEX_INITIALIZER;
static instance_file_t* slots_[SLOTS];

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void free_file(instance_file_t* file) {
  orthanc_dicom_free(&file->dicom);
  free(file);
}

/* Under lock_: drops kept files nobody reads that are too old, or, to make room for `needed`
 * bytes, the least recently read ones. Returns a free slot, or -1. */
static int make_room(uint64_t needed, double now) {
  for (;;) {
    uint64_t kept = 0;
    int free_slot = -1, oldest = -1;
    for (int i = 0; i < SLOTS; i++) {
      instance_file_t* f = slots_[i];
      if (f == NULL) {
        if (free_slot < 0) free_slot = i;
        continue;
      }
      if (f->readers == 0 && now - f->last_read > KEEP_SECONDS) {
        free_file(f);
        slots_[i] = NULL;
        if (free_slot < 0) free_slot = i;
        continue;
      }
      kept += f->total;
      if (f->readers == 0 && (oldest < 0 || f->last_read < slots_[oldest]->last_read)) oldest = i;
    }
    if (free_slot >= 0 && kept + needed <= MAX_KEPT_BYTES) return free_slot;
    if (oldest < 0) return -1; /* everything kept is being read */
    free_file(slots_[oldest]);
    slots_[oldest] = NULL;
  }
}

instance_file_t* instance_file_open(const char* id, uint64_t total, int keep) {
  double now = now_seconds();
  pthread_mutex_lock(&lock_);
  for (int i = 0; i < SLOTS; i++) {
    instance_file_t* f = slots_[i];
    if (f != NULL && f->total == total && strcmp(f->id, id) == 0 && now - f->last_read <= KEEP_SECONDS) {
      f->readers++;
      f->last_read = now;
      pthread_mutex_unlock(&lock_);
      return f;
    }
  }
  pthread_mutex_unlock(&lock_);

  instance_file_t* file = calloc(1, sizeof *file);
  if (file == NULL) return NULL;
  if (strlen(id) >= sizeof file->id || orthanc_dicom_of(id, &file->dicom) != 0) {
    free(file);
    return NULL;
  }
  if (file->dicom.buffer.size != total) {
    free_file(file);
    return NULL;
  }
  strcpy(file->id, id);
  file->total = total;
  file->readers = 1;
  file->last_read = now;
  if (keep && total <= MAX_KEPT_BYTES) {
    pthread_mutex_lock(&lock_);
    int slot = make_room(total, now);
    if (slot >= 0) {
      slots_[slot] = file;
      file->kept = 1;
    }
    pthread_mutex_unlock(&lock_);
  }
  return file;
}

const uint8_t* instance_file_bytes(const instance_file_t* file) {
  return file->dicom.buffer.data;
}

void instance_file_release(instance_file_t* file) {
  pthread_mutex_lock(&lock_);
  file->readers--;
  file->last_read = now_seconds();
  int unkept = !file->kept && file->readers == 0;
  pthread_mutex_unlock(&lock_);
  if (unkept) free_file(file);
}

void instance_cache_clear(void) {
  pthread_mutex_lock(&lock_);
  for (int i = 0; i < SLOTS; i++) {
    if (slots_[i] != NULL && slots_[i]->readers == 0) {
      free_file(slots_[i]);
      slots_[i] = NULL;
    }
  }
  pthread_mutex_unlock(&lock_);
}
