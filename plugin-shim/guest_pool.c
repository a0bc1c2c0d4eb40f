/* The module's instances (guest_internal.h): instance 0, the primary, does everything; the
 * others, when ModuleInstances asks for them, answer in parallel the calls the module names
 * at configure (reads of the DICOM views: each instance has a catalog of its own, kept current
 * the same way), because one lock around one instance left one core of two idle under load
 * (README "Under load"). Deletions from Orthanc's change callback wait here for each instance. */
#include "guest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

guest_t guests[MAX_GUESTS];
int guest_count = 0;
static unsigned next_reader = 0; /* atomic */
static uint32_t reader_ops = 0;
static char primary_only_folder[256] = "";

void guest_init(guest_t* g) {
  memset(g, 0, sizeof *g);
  pthread_mutex_init(&g->lock, NULL);
  pthread_mutex_init(&g->queue_lock, NULL);
}

void pool_set_routing(uint32_t readerOps, const char* primaryFolder) {
  reader_ops = readerOps;
  snprintf(primary_only_folder, sizeof primary_only_folder, "%s", primaryFolder);
}

/* The instance that answers a read: a free one (any of them: each has the whole catalog), or,
 * when all are busy, the next in turn. Returned locked. */
static guest_t* lock_reader(void) {
  unsigned start = __atomic_fetch_add(&next_reader, 1, __ATOMIC_RELAXED);
  for (int i = 0; i < guest_count; i++) {
    guest_t* g = &guests[(start + (unsigned)i) % (unsigned)guest_count];
    if (pthread_mutex_trylock(&g->lock) == 0) return g;
  }
  guest_t* g = &guests[start % (unsigned)guest_count];
  pthread_mutex_lock(&g->lock);
  return g;
}

guest_t* pool_lock_any(void) {
  return lock_reader();
}

/* As the module said at configure; everything else goes to the primary. */
static int any_instance_answers(guest_path_op_t op, uint32_t count, const char* const* items) {
  if ((reader_ops & (1u << op)) == 0) return 0;
  return count == 0 || strcmp(items[0], primary_only_folder) != 0;
}

guest_t* pool_lock_for(guest_path_op_t op, uint32_t count, const char* const* items) {
  if (guest_count > 1 && any_instance_answers(op, count, items)) return lock_reader(); /* the primary included */
  pthread_mutex_lock(&PRIMARY->lock);
  return PRIMARY;
}

void queue_deletion(guest_t* g, int32_t level, const char* id) {
  size_t length = strlen(id);
  deletion_t* item = malloc(sizeof(deletion_t) + length + 1);
  if (item == NULL) return; /* the periodic reconciliation will find it */
  item->next = NULL;
  item->level = level;
  memcpy(item->id, id, length + 1);
  pthread_mutex_lock(&g->queue_lock);
  if (g->queue_tail != NULL) g->queue_tail->next = item;
  else g->queue_head = item;
  g->queue_tail = item;
  pthread_mutex_unlock(&g->queue_lock);
}

void guest_queue_deletion(int32_t level, const char* id) {
  for (int i = 0; i < guest_count; i++) queue_deletion(&guests[i], level, id);
}

deletion_t* take_deletions(guest_t* g) {
  pthread_mutex_lock(&g->queue_lock);
  deletion_t* items = g->queue_head;
  g->queue_head = g->queue_tail = NULL;
  pthread_mutex_unlock(&g->queue_lock);
  return items;
}

