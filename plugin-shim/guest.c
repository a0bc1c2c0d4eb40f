/* The one place that runs the WebAssembly module (see guest.h). */
#include "guest.h"
#include "host.h"
#include "identity.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt-impl.h"
#include "webdav_guest.h"

/* wasm2c declares the import namespace as an incomplete struct: the shim defines it. */
struct Z_host_instance_t {
  Z_webdav_instance_t* module;
};

static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;
static Z_webdav_instance_t module_instance;
static struct Z_host_instance_t host_instance = {&module_instance};
static int module_live = 0;
static char* saved_configuration = NULL;
static uint32_t trap_count = 0;
static int restarted = 0; /* the module lost its state (uploads/ included) in a restart */

/* The staged file a worker is having checked, read by host.upload_read. Under module_lock. */
static const uint8_t* checked_bytes = NULL;
static uint64_t checked_size = 0;

/* The REST answer waiting for host.rest_take. Only touched under module_lock. */
static void* pending_answer = NULL;
static size_t pending_size = 0;

/* ---- memory checks (RLBox style: every pointer from the sandbox checked in 64 bits) ---- */

static uint8_t* guest_span(uint32_t ptr, uint64_t length) {
  wasm_rt_memory_t* memory = Z_webdavZ_memory(&module_instance);
  if ((uint64_t)ptr + length > (uint64_t)memory->size) return NULL;
  return memory->data + ptr;
}

static uint8_t* guest_span_or_trap(uint32_t ptr, uint64_t length) {
  uint8_t* span = guest_span(ptr, length);
  if (span == NULL) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return span;
}

/* ---- the host imports ---- */

void Z_hostZ_log(struct Z_host_instance_t* host, u32 level, u32 ptr, u32 length) {
  (void)host;
  host_log((int32_t)level, (const char*)guest_span_or_trap(ptr, length), length);
}

u32 Z_hostZ_rest_get(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  (void)host;
  const char* uri = (const char*)guest_span_or_trap(ptr, length);
  free(pending_answer);
  pending_answer = NULL;
  pending_size = 0;
  if (host_rest_get(uri, length, &pending_answer, &pending_size) != 0 || pending_size > 0x7fffffffu) {
    free(pending_answer);
    pending_answer = NULL;
    pending_size = 0;
    return (u32)-1;
  }
  return (u32)pending_size;
}

void Z_hostZ_rest_take(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  (void)host;
  uint8_t* target = guest_span_or_trap(ptr, length);
  if (length > pending_size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  if (length > 0) memcpy(target, pending_answer, length);
  free(pending_answer);
  pending_answer = NULL;
  pending_size = 0;
}

u32 Z_hostZ_rest_delete(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  (void)host;
  return (u32)host_rest_delete((const char*)guest_span_or_trap(ptr, length), length);
}

u32 Z_hostZ_upload_read(struct Z_host_instance_t* host, u64 offset, u32 ptr, u32 length) {
  (void)host;
  uint8_t* target = guest_span_or_trap(ptr, length);
  if (checked_bytes == NULL || offset >= checked_size) return 0;
  uint64_t available = checked_size - offset;
  uint32_t count = available < length ? (uint32_t)available : length;
  memcpy(target, checked_bytes + offset, count);
  return count;
}

f64 Z_hostZ_now_ms(struct Z_host_instance_t* host) {
  (void)host;
  return host_now_ms();
}

/* ---- deletions queued from Orthanc's change callback ---- */

typedef struct deletion {
  struct deletion* next;
  int32_t level;
  char id[];
} deletion_t;

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static deletion_t* queue_head = NULL;
static deletion_t* queue_tail = NULL;

void guest_queue_deletion(int32_t level, const char* id) {
  size_t length = strlen(id);
  deletion_t* item = malloc(sizeof(deletion_t) + length + 1);
  if (item == NULL) return; /* the periodic reconciliation will find it */
  item->next = NULL;
  item->level = level;
  memcpy(item->id, id, length + 1);
  pthread_mutex_lock(&queue_lock);
  if (queue_tail != NULL) queue_tail->next = item;
  else queue_head = item;
  queue_tail = item;
  pthread_mutex_unlock(&queue_lock);
}

static deletion_t* take_deletions(void) {
  pthread_mutex_lock(&queue_lock);
  deletion_t* items = queue_head;
  queue_head = queue_tail = NULL;
  pthread_mutex_unlock(&queue_lock);
  return items;
}

/* ---- calls, traps and recovery ---- */

typedef enum {
  CALL_CONFIGURE, CALL_PATH, CALL_TICK, CALL_STATUS, CALL_DELETED, CALL_STORE, CALL_STAGED,
  CALL_RESTORE, CALL_NEXT, CALL_CHECK, CALL_FINISH, CALL_ZIP_MEMBER, CALL_ZIP_DONE, CALL_FILTER
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
} call_t;

static int32_t run_locked(call_t* call);

static uint32_t write_input(const uint8_t* data, size_t size) {
  if (size > 0x7fffffffu) wasm_rt_trap(WASM_RT_TRAP_OOB);
  uint32_t ptr = Z_webdavZ_input(&module_instance, (u32)size);
  uint8_t* target = guest_span_or_trap(ptr, size);
  if (size > 0) memcpy(target, data, size);
  return (uint32_t)size;
}

static int32_t copy_output(int32_t length, guest_buffer_t* answer) {
  if (answer == NULL || length < 0) return length;
  uint8_t* source = guest_span_or_trap(Z_webdavZ_output_ptr(&module_instance), (uint64_t)length);
  answer->data = malloc(length > 0 ? (size_t)length : 1);
  if (answer->data == NULL) return GUEST_FAILED;
  memcpy(answer->data, source, (size_t)length);
  answer->size = (size_t)length;
  return length;
}

static int32_t dispatch(call_t* call) {
  u32 length = write_input(call->input, call->input_size);
  switch (call->kind) {
    case CALL_CONFIGURE:
      return copy_output((int32_t)Z_webdavZ_configure(&module_instance, length), call->answer);
    case CALL_TICK:
      return copy_output((int32_t)Z_webdavZ_tick(&module_instance), call->answer);
    case CALL_STORE:
      return copy_output((int32_t)Z_webdavZ_store_file(&module_instance, length, call->size), call->answer);
    case CALL_STAGED:
      Z_webdavZ_upload_staged(&module_instance, length, (u32)call->level);
      return 0;
    case CALL_RESTORE:
      Z_webdavZ_upload_restore(&module_instance, length, call->size, call->time, (u32)call->level);
      return 0;
    case CALL_NEXT:
      return copy_output((int32_t)Z_webdavZ_upload_next(&module_instance), call->answer);
    case CALL_CHECK:
      return (int32_t)Z_webdavZ_upload_check(&module_instance, length, call->size);
    case CALL_FINISH:
      Z_webdavZ_upload_finish(&module_instance, length, (u32)call->level);
      return 0;
    case CALL_ZIP_MEMBER:
      return copy_output((int32_t)Z_webdavZ_upload_zip_member(&module_instance, length, call->size), call->answer);
    case CALL_ZIP_DONE:
      Z_webdavZ_upload_zip_member_done(&module_instance, length, (u32)call->level);
      return 0;
    case CALL_STATUS: {
      double memory = (double)Z_webdavZ_memory(&module_instance)->size;
      return copy_output((int32_t)Z_webdavZ_status(&module_instance, trap_count, memory), call->answer);
    }
    case CALL_DELETED:
      Z_webdavZ_resource_deleted(&module_instance, (u32)call->level, length);
      return 0;
    case CALL_FILTER:
      return copy_output((int32_t)Z_webdavZ_filter_request(&module_instance, length, (u32)call->level), call->answer);
    case CALL_PATH:
      switch (call->op) {
        case GUEST_IS_EXISTING_FOLDER: return (int32_t)Z_webdavZ_is_existing_folder(&module_instance, length);
        case GUEST_LIST_FOLDER: return copy_output((int32_t)Z_webdavZ_list_folder(&module_instance, length), call->answer);
        case GUEST_RETRIEVE_FILE: return copy_output((int32_t)Z_webdavZ_retrieve_file(&module_instance, length), call->answer);
        case GUEST_CREATE_FOLDER: return (int32_t)Z_webdavZ_create_folder(&module_instance, length);
        case GUEST_DELETE_ITEM: return (int32_t)Z_webdavZ_delete_item(&module_instance, length);
      }
  }
  return GUEST_FAILED;
}

static void instantiate(void) {
  Z_webdav_instantiate(&module_instance, &host_instance);
  module_live = 1;
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
  host_log(0, text, n > 0 ? (size_t)n : 0);
}

/* Runs one call under the module lock's protection (the caller holds it). A trap longjmps
 * back here; the instance is then thrown away and a fresh one configured as before. */
static int32_t guarded(call_t* call) {
  volatile int32_t result = GUEST_FAILED;
  if (!module_live) return GUEST_FAILED;
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap == WASM_RT_TRAP_NONE) {
    result = dispatch(call);
    return result;
  }
  trap_count++;
  log_trap(trap, call);
  free(pending_answer);
  pending_answer = NULL;
  pending_size = 0;
  if (call->answer != NULL) {
    free(call->answer->data);
    call->answer->data = NULL;
    call->answer->size = 0;
  }
  Z_webdav_free(&module_instance);
  module_live = 0;
  instantiate();
  restarted = 1;
  if (saved_configuration != NULL && call->kind != CALL_CONFIGURE) {
    call_t configure = {.kind = CALL_CONFIGURE, .input = (const uint8_t*)saved_configuration,
                        .input_size = strlen(saved_configuration)};
    if (guarded(&configure) < 0) {
      host_log(0, "WebDAV plugin: the restarted module could not be configured; the share answers errors", 68);
      Z_webdav_free(&module_instance);
      module_live = 0;
    }
  }
  return GUEST_TRAPPED;
}

/* Applies queued deletions, then runs the call. Caller holds module_lock. */
static int32_t run(call_t* call) {
  deletion_t* item = take_deletions();
  while (item != NULL) {
    deletion_t* next = item->next;
    call_t deleted = {.kind = CALL_DELETED, .input = (const uint8_t*)item->id, .input_size = strlen(item->id),
                      .level = item->level};
    guarded(&deleted);
    free(item);
    item = next;
  }
  return guarded(call);
}

int32_t guest_start(const char* configuration, guest_buffer_t* answer) {
  pthread_mutex_lock(&module_lock);
  wasm_rt_init();
  Z_webdav_init_module();
  instantiate();
  free(saved_configuration);
  saved_configuration = strdup(configuration);
  call_t call = {.kind = CALL_CONFIGURE, .input = (const uint8_t*)configuration, .input_size = strlen(configuration),
                 .answer = answer};
  int32_t result = guarded(&call);
  pthread_mutex_unlock(&module_lock);
  return result;
}

void guest_stop(void) {
  pthread_mutex_lock(&module_lock);
  if (module_live) Z_webdav_free(&module_instance);
  module_live = 0;
  free(saved_configuration);
  saved_configuration = NULL;
  free(pending_answer);
  pending_answer = NULL;
  deletion_t* item = take_deletions();
  while (item != NULL) {
    deletion_t* next = item->next;
    free(item);
    item = next;
  }
  wasm_rt_free();
  pthread_mutex_unlock(&module_lock);
}

/* Path components as the module reads them (wire.ts ByteReader.components). */
static uint8_t* put_string(uint8_t* at, const char* text) {
  uint32_t length = (uint32_t)strlen(text);
  memcpy(at, &length, 4);
  memcpy(at + 4, text, length);
  return at + 4 + length;
}

/* A callback's input (assembly/index.ts beginRequest): this thread's identity and filter URI
 * (identity.h), then a u32 count of u32-prefixed path components. */
static uint8_t* encode_path(uint32_t count, const char* const* items, size_t* size) {
  const char* identity;
  const char* uri;
  identity_current(&identity, &uri);
  size_t total = 4 + strlen(identity) + 4 + strlen(uri) + 4;
  for (uint32_t i = 0; i < count; i++) total += 4 + strlen(items[i]);
  uint8_t* buffer = malloc(total);
  if (buffer == NULL) return NULL;
  uint8_t* at = put_string(buffer, identity);
  at = put_string(at, uri);
  memcpy(at, &count, 4);
  at += 4;
  for (uint32_t i = 0; i < count; i++) at = put_string(at, items[i]);
  *size = total;
  return buffer;
}

int32_t guest_filter(int32_t method, const char* uri, const char* authorization, guest_buffer_t* answer) {
  size_t size = 4 + strlen(uri) + strlen(authorization);
  uint8_t* input = malloc(size);
  if (input == NULL) return GUEST_FAILED;
  uint8_t* at = put_string(input, uri);
  memcpy(at, authorization, strlen(authorization));
  call_t call = {.kind = CALL_FILTER, .input = input, .input_size = size, .level = method, .answer = answer};
  int32_t result = run_locked(&call);
  free(input);
  return result;
}

int32_t guest_path_call(guest_path_op_t op, uint32_t count, const char* const* items, guest_buffer_t* answer) {
  size_t size = 0;
  uint8_t* input = encode_path(count, items, &size);
  if (input == NULL) return GUEST_FAILED;
  call_t call = {.kind = CALL_PATH, .op = op, .input = input, .input_size = size, .answer = answer};
  pthread_mutex_lock(&module_lock);
  int32_t result = run(&call);
  pthread_mutex_unlock(&module_lock);
  free(input);
  return result;
}

static int32_t run_locked(call_t* call) {
  pthread_mutex_lock(&module_lock);
  int32_t result = run(call);
  pthread_mutex_unlock(&module_lock);
  return result;
}

int32_t guest_tick(guest_buffer_t* discarded) {
  call_t call = {.kind = CALL_TICK, .answer = discarded};
  return run_locked(&call);
}

int32_t guest_status(guest_buffer_t* answer) {
  call_t call = {.kind = CALL_STATUS, .answer = answer};
  return run_locked(&call);
}

int32_t guest_store(uint32_t count, const char* const* items, uint64_t size, guest_buffer_t* answer) {
  size_t length = 0;
  uint8_t* input = encode_path(count, items, &length);
  if (input == NULL) return GUEST_FAILED;
  call_t call = {.kind = CALL_STORE, .input = input, .input_size = length, .size = size, .answer = answer};
  int32_t result = run_locked(&call);
  free(input);
  return result;
}

void guest_upload_staged(const char* id, int ok) {
  call_t call = {.kind = CALL_STAGED, .input = (const uint8_t*)id, .input_size = strlen(id), .level = ok};
  run_locked(&call);
}

/* A u32-prefixed id, then `rest` (wire.ts ByteReader.string, then rest()). */
static uint8_t* id_and_rest(const char* id, const char* rest, size_t restSize, size_t* size) {
  uint32_t idLength = (uint32_t)strlen(id);
  *size = 4 + idLength + restSize;
  uint8_t* input = malloc(*size);
  if (input == NULL) return NULL;
  memcpy(input, &idLength, 4);
  memcpy(input + 4, id, idLength);
  if (restSize > 0) memcpy(input + 4 + idLength, rest, restSize);
  return input;
}

void guest_upload_restore(const char* id, const char* record, size_t recordSize, uint64_t size, double mtimeMs,
                          const char* report, size_t reportSize) {
  /* u32-prefixed id, u32-prefixed record, then the report's text (assembly/index.ts). */
  uint32_t idLength = (uint32_t)strlen(id);
  uint32_t recordLength = (uint32_t)recordSize;
  size_t length = 8 + idLength + recordSize + (report != NULL ? reportSize : 0);
  uint8_t* input = malloc(length);
  if (input == NULL) return;
  uint8_t* at = input;
  memcpy(at, &idLength, 4);
  memcpy(at + 4, id, idLength);
  at += 4 + idLength;
  memcpy(at, &recordLength, 4);
  if (recordSize > 0) memcpy(at + 4, record, recordSize);
  at += 4 + recordSize;
  if (report != NULL && reportSize > 0) memcpy(at, report, reportSize);
  call_t call = {.kind = CALL_RESTORE, .input = input, .input_size = length, .size = size, .time = mtimeMs,
                 .level = report != NULL};
  run_locked(&call);
  free(input);
}

int32_t guest_upload_next(guest_buffer_t* id) {
  call_t call = {.kind = CALL_NEXT, .answer = id};
  return run_locked(&call);
}

/* A call during which host.upload_read reads `data`. */
static int32_t run_reading(call_t* call, const uint8_t* data, uint64_t size) {
  pthread_mutex_lock(&module_lock);
  checked_bytes = data;
  checked_size = size;
  int32_t result = run(call);
  checked_bytes = NULL;
  checked_size = 0;
  pthread_mutex_unlock(&module_lock);
  return result;
}

int32_t guest_upload_zip_member(const char* id, const uint8_t* data, uint64_t size, guest_buffer_t* member) {
  call_t call = {.kind = CALL_ZIP_MEMBER, .input = (const uint8_t*)id, .input_size = strlen(id), .size = size,
                 .answer = member};
  return run_reading(&call, data, size);
}

/* An outcome of an import: a u32-prefixed id, then Orthanc's message. */
static void report_outcome(call_kind_t kind, const char* id, int32_t outcome, const char* message) {
  size_t length = 0;
  uint8_t* input = id_and_rest(id, message, strlen(message), &length);
  if (input == NULL) return;
  call_t call = {.kind = kind, .input = input, .input_size = length, .level = outcome};
  run_locked(&call);
  free(input);
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

int guest_take_restarted(void) {
  pthread_mutex_lock(&module_lock);
  int value = restarted;
  restarted = 0;
  pthread_mutex_unlock(&module_lock);
  return value;
}

void guest_buffer_free(guest_buffer_t* buffer) {
  if (buffer == NULL) return;
  free(buffer->data);
  buffer->data = NULL;
  buffer->size = 0;
}
