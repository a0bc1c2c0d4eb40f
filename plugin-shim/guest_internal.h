/* What the three units of the guest share (guest.c: calls, traps and the module's lifecycle;
 * guest_imports.c: the host functions the module imports; guest_pool.c: the instances and
 * which one answers). Not for the rest of the shim, which sees guest.h only. */
#ifndef WEBDAV_GUEST_INTERNAL_H
#define WEBDAV_GUEST_INTERNAL_H

#include "guest.h"

#include <pthread.h>

#include "wasm-rt-impl.h"
#include "webdav_guest.h"

struct guest;

/* wasm2c declares the import namespace as an incomplete struct: the shim defines it. */
struct Z_host_instance_t {
  struct guest* guest;
};

typedef struct deletion {
  struct deletion* next;
  int32_t level;
  char id[];
} deletion_t;

/* One instance of the module, with its own lock, memory and catalog. Instance 0 (the primary)
 * does everything; the others, when ModuleInstances asks for them, answer reads of the DICOM
 * views in parallel (each a catalog of its own, kept current the same way), because one lock
 * around one instance left one core of two idle under load (README "Under load"). */
typedef struct guest {
  pthread_mutex_t lock;
  Z_webdav_instance_t module;
  struct Z_host_instance_t host;
  int live;
  int restarted; /* the module lost its state (uploads/ included) in a restart */
  uint32_t generation; /* new at each instantiation: kept part ids are an instantiation's own */
  /* The staged file a worker is having checked, read by host.upload_read. Under lock. */
  const uint8_t* checked_bytes;
  uint64_t checked_size;
  /* The REST answer waiting for host.rest_take. Under lock. */
  void* pending_answer;
  size_t pending_size;
  /* Deletions queued from Orthanc's change callback, applied at the next call. */
  pthread_mutex_t queue_lock;
  deletion_t* queue_head;
  deletion_t* queue_tail;
} guest_t;


/* ---- guest_pool.c ---- */

#define MAX_GUESTS 8
extern guest_t guests[MAX_GUESTS];
extern int guest_count;
#define PRIMARY (&guests[0])

void guest_init(guest_t* g);
/* Which calls any instance may answer, as the module said at configure. */
void pool_set_routing(uint32_t readerOps, const char* primaryFolder);
/* The instance that answers a call on a path, returned locked. */
guest_t* pool_lock_for(guest_path_op_t op, uint32_t count, const char* const* items);
/* Any instance (a free one first), returned locked: the listener's requests, which the module hands back when only the primary can answer them. */
guest_t* pool_lock_any(void);
void queue_deletion(guest_t* g, int32_t level, const char* id);
deletion_t* take_deletions(guest_t* g);

/* ---- guest_imports.c ---- */

/* A span of module memory, checked in 64 bits (RLBox style); NULL when out of bounds. */
uint8_t* guest_span(guest_t* g, uint32_t ptr, uint64_t length);
/* The same, trapping (wasm_rt_trap) when out of bounds: only inside a guarded call. */
uint8_t* guest_span_or_trap(guest_t* g, uint32_t ptr, uint64_t length);

#endif
