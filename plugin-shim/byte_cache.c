/* See byte_cache.h. A handful of slots under one mutex; an entry is kept while it is sent and
 * keep_seconds_ after its last use, within max_kept_bytes_ in all (the least recently used
 * goes first; both bounds are the module's, byte_cache_configure). Keys say what the bytes are
 * and are never reused for other bytes: an instance's id with its length from the module's
 * catalog (a file replaced meanwhile is not served from here past keep_seconds_, and never
 * with another length), a module instance's kept part id. */
#include "byte_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 16

/* Set once, before the listener starts (nothing is kept before): byte_cache_configure. */
static double keep_seconds_ = 0;
static uint64_t max_kept_bytes_ = 0;

struct byte_entry {
  char key[112];
  const uint8_t* data;
  uint64_t size;
  void (*release_data)(void*);
  void* owner;
  int users;
  int kept; /* in a slot; else freed by its last release */
  double last_used;
};

static pthread_mutex_t lock_ = PTHREAD_MUTEX_INITIALIZER;
static byte_entry_t* slots_[SLOTS];

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void free_entry(byte_entry_t* entry) {
  entry->release_data(entry->owner);
  free(entry);
}

/* Under lock_: drops kept entries nobody uses that are too old, or, to make room for `needed`
 * bytes, the least recently used ones. Returns a free slot, or -1. */
static int make_room(uint64_t needed, double now) {
  for (;;) {
    uint64_t kept = 0;
    int free_slot = -1, oldest = -1;
    for (int i = 0; i < SLOTS; i++) {
      byte_entry_t* e = slots_[i];
      if (e == NULL) {
        if (free_slot < 0) free_slot = i;
        continue;
      }
      if (e->users == 0 && now - e->last_used > keep_seconds_) {
        free_entry(e);
        slots_[i] = NULL;
        if (free_slot < 0) free_slot = i;
        continue;
      }
      kept += e->size;
      if (e->users == 0 && (oldest < 0 || e->last_used < slots_[oldest]->last_used)) oldest = i;
    }
    if (free_slot >= 0 && kept + needed <= max_kept_bytes_) return free_slot;
    if (oldest < 0) return -1; /* everything kept is being sent */
    free_entry(slots_[oldest]);
    slots_[oldest] = NULL;
  }
}

void byte_cache_configure(double keepSeconds, uint64_t maxBytes) {
  pthread_mutex_lock(&lock_);
  keep_seconds_ = keepSeconds;
  max_kept_bytes_ = maxBytes;
  pthread_mutex_unlock(&lock_);
}

byte_entry_t* byte_cache_find(const char* key, uint64_t size) {
  double now = now_seconds();
  pthread_mutex_lock(&lock_);
  for (int i = 0; i < SLOTS; i++) {
    byte_entry_t* e = slots_[i];
    if (e != NULL && e->size == size && strcmp(e->key, key) == 0 && now - e->last_used <= keep_seconds_) {
      e->users++;
      e->last_used = now;
      pthread_mutex_unlock(&lock_);
      return e;
    }
  }
  pthread_mutex_unlock(&lock_);
  return NULL;
}

byte_entry_t* byte_cache_add(const char* key, const uint8_t* data, uint64_t size, void (*release_data)(void*),
                             void* owner, int keep) {
  byte_entry_t* entry = strlen(key) < sizeof entry->key ? calloc(1, sizeof *entry) : NULL;
  if (entry == NULL) {
    release_data(owner);
    return NULL;
  }
  strcpy(entry->key, key);
  entry->data = data;
  entry->size = size;
  entry->release_data = release_data;
  entry->owner = owner;
  entry->users = 1;
  entry->last_used = now_seconds();
  if (keep && size <= max_kept_bytes_) {
    pthread_mutex_lock(&lock_);
    int slot = make_room(size, entry->last_used);
    if (slot >= 0) {
      slots_[slot] = entry;
      entry->kept = 1;
    }
    pthread_mutex_unlock(&lock_);
  }
  return entry;
}

const uint8_t* byte_entry_data(const byte_entry_t* entry) {
  return entry->data;
}

uint64_t byte_entry_size(const byte_entry_t* entry) {
  return entry->size;
}

void byte_entry_release(byte_entry_t* entry) {
  pthread_mutex_lock(&lock_);
  entry->users--;
  entry->last_used = now_seconds();
  int unkept = !entry->kept && entry->users == 0;
  pthread_mutex_unlock(&lock_);
  if (unkept) free_entry(entry);
}

void byte_cache_clear(void) {
  pthread_mutex_lock(&lock_);
  for (int i = 0; i < SLOTS; i++) {
    if (slots_[i] != NULL && slots_[i]->users == 0) {
      free_entry(slots_[i]);
      slots_[i] = NULL;
    }
  }
  pthread_mutex_unlock(&lock_);
}
