/* Runs the WebAssembly module (see guest.h): the calls, their inputs and answers, traps and
 * the module's restart. */
#include "codes.h"
#include "guest_internal.h"
#include "identity.h"
#include "orthanc.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* saved_configuration = NULL;
static uint32_t trap_count = 0; /* atomic */

/* ---- calls, traps and recovery ---- */

typedef enum {
  CALL_CONFIGURE, CALL_PATH, CALL_TICK, CALL_STATUS, CALL_DELETED, CALL_STORE, CALL_STAGED,
  CALL_RESTORE, CALL_NEXT, CALL_CHECK, CALL_FINISH, CALL_ZIP_MEMBER, CALL_ZIP_DONE, CALL_FILTER,
  CALL_LISTENER_SETTINGS, CALL_HTTP, CALL_HTTP_CONTINUE, CALL_HTTP_END
} call_kind_t;

typedef struct {
  call_kind_t kind;
  guest_path_op_t op;
  const uint8_t* input;
  size_t input_size;
  int32_t level; /* resource level, "ok", or outcome, by call kind */
  int32_t result;
  guest_buffer_t* answer;
  uint64_t size; /* body or file size */
  double time;
  guest_kept_t* kept; /* http_request: the kept parts of its answer */
  guest_buffer_t* deleted; /* http_request on the first instance: what it deleted in Orthanc */
} call_t;

static int32_t run_locked(guest_t* g, call_t* call);

static uint32_t write_input(guest_t* g, const uint8_t* data, size_t size) {
  if (size > 0x7fffffffu) wasm_rt_trap(WASM_RT_TRAP_OOB);
  uint32_t ptr = Z_webdavZ_input(&g->module, (u32)size);
  uint8_t* target = guest_span_or_trap(g, ptr, size);
  if (size > 0) memcpy(target, data, size);
  return (uint32_t)size;
}

static int32_t copy_output(guest_t* g, int32_t length, guest_buffer_t* answer) {
  if (answer == NULL || length < 0) return length;
  uint8_t* source = guest_span_or_trap(g, Z_webdavZ_output_ptr(&g->module), (uint64_t)length);
  answer->data = malloc(length > 0 ? (size_t)length : 1);
  if (answer->data == NULL) return GUEST_FAILED;
  memcpy(answer->data, source, (size_t)length);
  answer->size = (size_t)length;
  return length;
}

void guest_kept_release(guest_kept_t* kept) {
  for (uint32_t i = 0; i < kept->count; i++) byte_entry_release(kept->entries[i]);
  kept->count = 0;
}

static void free_copy(void* data) {
  free(data);
}

/* After http_request, in the same hold of the instance: the kept parts of its answer, from
 * byte_cache.h, or copied out of module memory (where http_kept says they are) and kept there. */
static int32_t take_kept(guest_t* g, guest_kept_t* kept) {
  int32_t length = (int32_t)Z_webdavZ_http_kept(&g->module);
  wire_reader_t reader;
  wire_init(&reader, guest_span_or_trap(g, Z_webdavZ_output_ptr(&g->module), (uint64_t)(length > 0 ? length : 0)),
            (size_t)(length > 0 ? length : 0));
  uint32_t count = wire_u32(&reader);
  if (!reader.ok || count > GUEST_MAX_KEPT) return GUEST_FAILED;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t id = wire_u32(&reader);
    uint32_t address = wire_u32(&reader);
    uint32_t size = wire_u32(&reader);
    if (!reader.ok) return GUEST_FAILED;
    char key[64];
    snprintf(key, sizeof key, "kept %d %u %u", (int)(g - guests), g->generation, id);
    byte_entry_t* entry = byte_cache_find(key, size);
    if (entry == NULL) {
      const uint8_t* source = guest_span_or_trap(g, address, size);
      uint8_t* copy = malloc(size > 0 ? size : 1);
      if (copy == NULL) return GUEST_FAILED;
      memcpy(copy, source, size);
      entry = byte_cache_add(key, copy, size, free_copy, copy, 1);
      if (entry == NULL) return GUEST_FAILED;
    }
    kept->ids[kept->count] = id;
    kept->entries[kept->count] = entry;
    kept->count++;
  }
  return 0;
}

static int32_t dispatch(guest_t* g, call_t* call) {
  u32 length = write_input(g, call->input, call->input_size);
  switch (call->kind) {
    case CALL_CONFIGURE:
      return copy_output(g, (int32_t)Z_webdavZ_configure(&g->module, length), call->answer);
    case CALL_TICK:
      return copy_output(g, (int32_t)Z_webdavZ_tick(&g->module), call->answer);
    case CALL_STORE:
      return copy_output(g, (int32_t)Z_webdavZ_store_file(&g->module, length, call->size), call->answer);
    case CALL_STAGED:
      Z_webdavZ_upload_staged(&g->module, length, (u32)call->level);
      return 0;
    case CALL_RESTORE:
      Z_webdavZ_upload_restore(&g->module, length, call->size, call->time, (u32)call->level);
      return 0;
    case CALL_NEXT:
      return copy_output(g, (int32_t)Z_webdavZ_upload_next(&g->module), call->answer);
    case CALL_CHECK:
      return (int32_t)Z_webdavZ_upload_check(&g->module, length, call->size);
    case CALL_FINISH:
      Z_webdavZ_upload_finish(&g->module, length, (u32)call->level);
      return 0;
    case CALL_ZIP_MEMBER:
      return copy_output(g, (int32_t)Z_webdavZ_upload_zip_member(&g->module, length, call->size), call->answer);
    case CALL_ZIP_DONE:
      Z_webdavZ_upload_zip_member_done(&g->module, length, (u32)call->level);
      return 0;
    case CALL_STATUS: {
      double memory = (double)Z_webdavZ_memory(&g->module)->size;
      return copy_output(g, (int32_t)Z_webdavZ_status(&g->module, trap_count, memory, length), call->answer);
    }
    case CALL_DELETED:
      Z_webdavZ_resource_deleted(&g->module, (u32)call->level, length);
      return 0;
    case CALL_FILTER:
      return copy_output(g, (int32_t)Z_webdavZ_filter_request(&g->module, length, (u32)call->level), call->answer);
    case CALL_LISTENER_SETTINGS:
      return copy_output(g, (int32_t)Z_webdavZ_listener_settings(&g->module, length), call->answer);
    case CALL_HTTP:
    {
      int32_t result = copy_output(g, (int32_t)Z_webdavZ_http_request(&g->module, length, g == PRIMARY, (u32)call->level),
                                   call->answer);
      if (result >= 0 && call->kept != NULL && take_kept(g, call->kept) != 0) return GUEST_FAILED;
      if (result >= 0 && call->deleted != NULL &&
          copy_output(g, (int32_t)Z_webdavZ_http_deleted(&g->module), call->deleted) < 0) return GUEST_FAILED;
      return result;
    }
    case CALL_HTTP_CONTINUE:
      return copy_output(g, (int32_t)Z_webdavZ_http_continue(&g->module, (u32)call->level), call->answer);
    case CALL_HTTP_END:
      Z_webdavZ_http_end(&g->module, (u32)call->level);
      return 0;
    case CALL_PATH:
      switch (call->op) {
        case GUEST_IS_EXISTING_FOLDER: return (int32_t)Z_webdavZ_is_existing_folder(&g->module, length);
        case GUEST_LIST_FOLDER: return copy_output(g, (int32_t)Z_webdavZ_list_folder(&g->module, length), call->answer);
        case GUEST_RETRIEVE_FILE: return copy_output(g, (int32_t)Z_webdavZ_retrieve_file(&g->module, length), call->answer);
        case GUEST_CREATE_FOLDER: return (int32_t)Z_webdavZ_create_folder(&g->module, length);
        case GUEST_DELETE_ITEM: return (int32_t)Z_webdavZ_delete_item(&g->module, length);
      }
  }
  return GUEST_FAILED;
}

static void instantiate(guest_t* g) {
  static uint32_t generations = 0; /* instantiations happen under the instance's lock: atomic */
  g->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
  g->host.guest = g;
  Z_webdav_instantiate(&g->module, &g->host);
  g->live = 1;
}

static const char* call_name(const call_t* call) {
  static const char* const path_ops[] = {"IsExistingFolder", "ListFolder", "RetrieveFile",
                                         "CreateFolder", "DeleteItem"};
  switch (call->kind) {
    case CALL_CONFIGURE: return "configure";
    case CALL_TICK: return "tick";
    case CALL_STATUS: return "status";
    case CALL_DELETED: return "resource_deleted";
    case CALL_STORE: return "StoreFile";
    case CALL_STAGED: return "upload_staged";
    case CALL_RESTORE: return "upload_restore";
    case CALL_NEXT: return "upload_next";
    case CALL_CHECK: return "upload_check";
    case CALL_FINISH: return "upload_finish";
    case CALL_ZIP_MEMBER: return "upload_zip_member";
    case CALL_ZIP_DONE: return "upload_zip_member_done";
    case CALL_FILTER: return "IncomingHttpRequestFilter";
    case CALL_LISTENER_SETTINGS: return "listener_settings";
    case CALL_HTTP: return "http_request";
    case CALL_HTTP_CONTINUE: return "http_continue";
    case CALL_HTTP_END: return "http_end";
    case CALL_PATH: return path_ops[call->op];
  }
  return "?";
}

static void log_trap(wasm_rt_trap_t trap, const call_t* call) {
  char text[300];
  int n = snprintf(text, sizeof text,
                   "WebDAV plugin: the module trapped (%s) in %s; that request is answered with an error "
                   "and the module is restarted",
                   wasm_rt_strerror(trap), call_name(call));
  orthanc_log(0, text, n > 0 ? (size_t)n : 0);
}

/* Runs one call under the module lock's protection (the caller holds it). A trap longjmps
 * back here; the instance is then thrown away and a fresh one configured as before. */
static int32_t guarded(guest_t* g, call_t* call) {
  volatile int32_t result = GUEST_FAILED;
  if (!g->live) return GUEST_FAILED;
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap == WASM_RT_TRAP_NONE) {
    result = dispatch(g, call);
    return result;
  }
  __atomic_fetch_add(&trap_count, 1, __ATOMIC_RELAXED);
  log_trap(trap, call);
  free(g->pending_answer);
  g->pending_answer = NULL;
  g->pending_size = 0;
  if (call->answer != NULL) {
    free(call->answer->data);
    call->answer->data = NULL;
    call->answer->size = 0;
  }
  if (call->kept != NULL) guest_kept_release(call->kept);
  Z_webdav_free(&g->module);
  g->live = 0;
  instantiate(g);
  g->restarted = 1;
  if (saved_configuration != NULL && call->kind != CALL_CONFIGURE) {
    call_t configure = {.kind = CALL_CONFIGURE, .input = (const uint8_t*)saved_configuration,
                        .input_size = strlen(saved_configuration)};
    if (guarded(g, &configure) < 0) {
      orthanc_log(0, "WebDAV plugin: the restarted module could not be configured; the share answers errors", 68);
      Z_webdav_free(&g->module);
      g->live = 0;
    }
  }
  return GUEST_TRAPPED;
}

/* Applies queued deletions, then runs the call. Caller holds g->lock. */
static int32_t run(guest_t* g, call_t* call) {
  deletion_t* item = take_deletions(g);
  while (item != NULL) {
    deletion_t* next = item->next;
    call_t deleted = {.kind = CALL_DELETED, .input = (const uint8_t*)item->id, .input_size = strlen(item->id),
                      .level = item->level};
    guarded(g, &deleted);
    free(item);
    item = next;
  }
  return guarded(g, call);
}

int32_t guest_start(const char* configuration, guest_buffer_t* answer) {
  wasm_rt_init();
  Z_webdav_init_module();
  guest_init(PRIMARY);
  guest_count = 1;
  pthread_mutex_lock(&PRIMARY->lock);
  instantiate(PRIMARY);
  free(saved_configuration);
  saved_configuration = strdup(configuration);
  call_t call = {.kind = CALL_CONFIGURE, .input = (const uint8_t*)configuration, .input_size = strlen(configuration),
                 .answer = answer};
  int32_t result = guarded(PRIMARY, &call);
  pthread_mutex_unlock(&PRIMARY->lock);
  return result;
}

int guest_add_readers(int count, uint32_t readerOps, const char* primaryFolder) {
  /* Before any callback is registered: no other thread runs yet. */
  pool_set_routing(readerOps, primaryFolder);
  for (int i = 0; i < count && guest_count < MAX_GUESTS; i++) {
    guest_t* g = &guests[guest_count];
    guest_init(g);
    instantiate(g);
    call_t call = {.kind = CALL_CONFIGURE, .input = (const uint8_t*)saved_configuration,
                   .input_size = strlen(saved_configuration)};
    if (guarded(g, &call) < 0) {
      Z_webdav_free(&g->module);
      break;
    }
    guest_count++;
  }
  return guest_count;
}

void guest_stop(void) {
  for (int i = 0; i < guest_count; i++) {
    guest_t* g = &guests[i];
    pthread_mutex_lock(&g->lock);
    if (g->live) Z_webdav_free(&g->module);
    g->live = 0;
    free(g->pending_answer);
    g->pending_answer = NULL;
    deletion_t* item = take_deletions(g);
    while (item != NULL) {
      deletion_t* next = item->next;
      free(item);
      item = next;
    }
    pthread_mutex_unlock(&g->lock);
  }
  free(saved_configuration);
  saved_configuration = NULL;
  wasm_rt_free();
}

/* A string with its u32 length prefix (wire.ts ByteReader.string). */
static void put_text(wire_writer_t* writer, const char* text) {
  wire_put_string(writer, text, strlen(text));
}

/* This thread's identity and filter URI (identity.h), the start of a callback's input. */
static void put_identity(wire_writer_t* writer) {
  const char* identity;
  const char* uri;
  identity_current(&identity, &uri);
  put_text(writer, identity);
  put_text(writer, uri);
}

/* A callback's input (assembly/index.ts beginRequest): the identity, then a u32 count of
 * u32-prefixed path components. NULL when out of memory. */
static uint8_t* encode_path(uint32_t count, const char* const* items, size_t* size) {
  wire_writer_t writer;
  wire_writer_init(&writer);
  put_identity(&writer);
  wire_put_u32(&writer, count);
  for (uint32_t i = 0; i < count; i++) put_text(&writer, items[i]);
  *size = writer.size;
  return writer.ok ? writer.data : NULL;
}

/* Runs `call` on the primary with the writer's bytes as input, then frees them. */
static int32_t run_written(call_t* call, wire_writer_t* writer) {
  if (!writer->ok) return GUEST_FAILED;
  call->input = writer->data;
  call->input_size = writer->size;
  int32_t result = run_locked(PRIMARY, call);
  wire_writer_free(writer);
  return result;
}

int32_t guest_filter(int32_t method, const char* uri, const char* authorization, const char* depth, guest_buffer_t* answer) {
  wire_writer_t writer;
  wire_writer_init(&writer);
  put_text(&writer, uri);
  put_text(&writer, authorization);
  wire_put_raw(&writer, depth, strlen(depth));
  call_t call = {.kind = CALL_FILTER, .level = method, .answer = answer};
  return run_written(&call, &writer);
}

/* What the first instance deleted in Orthanc (answers.ts writeDeleted) reaches the other
 * instances before the DELETE is answered: Orthanc's own Deleted events come later, from its
 * change thread. */
static void share_deletions(const guest_buffer_t* deleted) {
  if (deleted->data == NULL) return;
  wire_reader_t reader;
  wire_init(&reader, deleted->data, deleted->size);
  uint32_t n = wire_u32(&reader);
  char id[256];
  for (uint32_t i = 0; i < n && reader.ok; i++) {
    int32_t level = wire_u8(&reader);
    wire_string(&reader, 1, id, sizeof id);
    for (int k = 1; reader.ok && k < guest_count; k++) queue_deletion(&guests[k], level, id);
  }
}

int32_t guest_path_call(guest_path_op_t op, uint32_t count, const char* const* items, guest_buffer_t* answer) {
  size_t size = 0;
  uint8_t* input = encode_path(count, items, &size);
  if (input == NULL) return GUEST_FAILED;
  guest_buffer_t deleted = {NULL, 0};
  call_t call = {.kind = CALL_PATH, .op = op, .input = input, .input_size = size,
                 .answer = op == GUEST_DELETE_ITEM ? &deleted : answer};
  guest_t* g = pool_lock_for(op, count, items);
  int32_t result = run(g, &call);
  pthread_mutex_unlock(&g->lock);
  free(input);
  if (op == GUEST_DELETE_ITEM) {
    if (result >= 0) share_deletions(&deleted);
    guest_buffer_free(&deleted);
  }
  return result;
}

static int32_t run_locked(guest_t* g, call_t* call) {
  pthread_mutex_lock(&g->lock);
  int32_t result = run(g, call);
  pthread_mutex_unlock(&g->lock);
  return result;
}

int32_t guest_tick(guest_buffer_t* work) {
  /* Every instance keeps its catalog current; only the primary's answer (uploads) counts. */
  for (int i = 1; i < guest_count; i++) {
    guest_buffer_t ignored = {NULL, 0};
    call_t reader = {.kind = CALL_TICK, .answer = &ignored};
    run_locked(&guests[i], &reader);
    guest_buffer_free(&ignored);
  }
  call_t call = {.kind = CALL_TICK, .answer = work};
  return run_locked(PRIMARY, &call);
}

int32_t guest_status(const char* version, guest_buffer_t* answer) {
  /* This thread's identity and filter URI, as for a path callback, then the version. */
  wire_writer_t writer;
  wire_writer_init(&writer);
  put_identity(&writer);
  wire_put_raw(&writer, version, strlen(version));
  call_t call = {.kind = CALL_STATUS, .answer = answer};
  return run_written(&call, &writer);
}

int32_t guest_store(uint32_t count, const char* const* items, uint64_t size, guest_buffer_t* answer) {
  size_t length = 0;
  uint8_t* input = encode_path(count, items, &length);
  if (input == NULL) return GUEST_FAILED;
  call_t call = {.kind = CALL_STORE, .input = input, .input_size = length, .size = size, .answer = answer};
  int32_t result = run_locked(PRIMARY, &call);
  free(input);
  return result;
}

void guest_upload_staged(const char* id, int ok) {
  call_t call = {.kind = CALL_STAGED, .input = (const uint8_t*)id, .input_size = strlen(id), .level = ok};
  run_locked(PRIMARY, &call);
}

void guest_upload_restore(const char* id, const char* record, size_t recordSize, uint64_t size, double mtimeMs,
                          uint8_t state, const char* report, size_t reportSize) {
  /* u32-prefixed id, u32-prefixed record, then the report's text (assembly/index.ts). */
  wire_writer_t writer;
  wire_writer_init(&writer);
  put_text(&writer, id);
  wire_put_string(&writer, record, recordSize);
  if (report != NULL) wire_put_raw(&writer, report, reportSize);
  /* level: a report, or the upload's staging state (codes.h WEBDAV_RESTORED_STATE_*) */
  call_t call = {.kind = CALL_RESTORE, .size = size, .time = mtimeMs,
                 .level = report != NULL ? WEBDAV_RESTORED_STATE_REPORT : state};
  run_written(&call, &writer);
}

int32_t guest_upload_next(guest_buffer_t* id) {
  call_t call = {.kind = CALL_NEXT, .answer = id};
  return run_locked(PRIMARY, &call);
}

/* A call during which host.upload_read reads `data`. */
static int32_t run_reading(call_t* call, const uint8_t* data, uint64_t size) {
  guest_t* g = PRIMARY;
  pthread_mutex_lock(&g->lock);
  g->checked_bytes = data;
  g->checked_size = size;
  int32_t result = run(g, call);
  g->checked_bytes = NULL;
  g->checked_size = 0;
  pthread_mutex_unlock(&g->lock);
  return result;
}

int32_t guest_upload_zip_member(const char* id, const uint8_t* data, uint64_t size, guest_buffer_t* member) {
  call_t call = {.kind = CALL_ZIP_MEMBER, .input = (const uint8_t*)id, .input_size = strlen(id), .size = size,
                 .answer = member};
  return run_reading(&call, data, size);
}

/* An outcome of an import: a u32-prefixed id, then Orthanc's message. */
static void report_outcome(call_kind_t kind, const char* id, int32_t outcome, const char* message) {
  wire_writer_t writer;
  wire_writer_init(&writer);
  put_text(&writer, id);
  wire_put_raw(&writer, message, strlen(message));
  call_t call = {.kind = kind, .level = outcome};
  run_written(&call, &writer);
}

void guest_upload_zip_member_done(const char* id, int32_t outcome, const char* message) {
  report_outcome(CALL_ZIP_DONE, id, outcome, message);
}

int32_t guest_upload_check(const char* id, const uint8_t* data, uint64_t size) {
  call_t call = {.kind = CALL_CHECK, .input = (const uint8_t*)id, .input_size = strlen(id), .size = size};
  return run_reading(&call, data, size);
}

void guest_upload_finish(const char* id, int32_t outcome, const char* message) {
  report_outcome(CALL_FINISH, id, outcome, message);
}

/* ---- the listener (listener.h) ---- */

int32_t guest_listener_settings(int isFolder, const char* configurationPath, guest_buffer_t* answer) {
  wire_writer_t writer;
  wire_writer_init(&writer);
  uint8_t flag = isFolder ? 1 : 0;
  wire_put_raw(&writer, &flag, 1);
  wire_put_raw(&writer, configurationPath, strlen(configurationPath));
  call_t call = {.kind = CALL_LISTENER_SETTINGS, .answer = answer};
  return run_written(&call, &writer);
}

int32_t guest_http_request(const uint8_t* input, size_t size, int tls, int primaryOnly, guest_buffer_t* answer,
                           guest_kept_t* kept, int* instance) {
  guest_buffer_t deleted = {NULL, 0};
  call_t call = {.kind = CALL_HTTP, .input = input, .input_size = size, .level = tls, .answer = answer, .kept = kept};
  guest_t* g = primaryOnly || guest_count == 1 ? (pthread_mutex_lock(&PRIMARY->lock), PRIMARY) : pool_lock_any();
  if (g == PRIMARY && guest_count > 1) call.deleted = &deleted;
  int32_t result = run(g, &call);
  pthread_mutex_unlock(&g->lock);
  if (result >= 0) share_deletions(&deleted);
  guest_buffer_free(&deleted);
  *instance = (int)(g - guests);
  return result;
}

int32_t guest_http_continue(int instance, uint32_t stream, guest_buffer_t* chunk) {
  if (instance < 0 || instance >= guest_count) return GUEST_FAILED;
  call_t call = {.kind = CALL_HTTP_CONTINUE, .level = (int32_t)stream, .answer = chunk};
  return run_locked(&guests[instance], &call);
}

void guest_http_end(int instance, uint32_t stream) {
  if (instance < 0 || instance >= guest_count) return;
  call_t call = {.kind = CALL_HTTP_END, .level = (int32_t)stream};
  run_locked(&guests[instance], &call);
}

int guest_take_restarted(void) {
  guest_t* g = PRIMARY;
  pthread_mutex_lock(&g->lock);
  int value = g->restarted;
  g->restarted = 0;
  pthread_mutex_unlock(&g->lock);
  return value;
}

void guest_buffer_free(guest_buffer_t* buffer) {
  if (buffer == NULL) return;
  free(buffer->data);
  buffer->data = NULL;
  buffer->size = 0;
}
