/* The WebAssembly module as the rest of the shim sees it (mirrors assembly/index.ts).
 * The guest units (guest.c, guest_imports.c, guest_pool.c; guest_internal.h) are the only ones
 * that include the wasm2c output: they take the lock of an instance around each call, check
 * every pointer and length that comes out of it, contain traps (log, count, re-instantiate,
 * re-configure) and copy answers out so that no pointer into module memory outlives a call. */
#ifndef WEBDAV_GUEST_H
#define WEBDAV_GUEST_H

#include "byte_cache.h"
#include "codes.h"

#include <stddef.h>
#include <stdint.h>

/* An answer copied out of module memory; release with guest_buffer_free. */
typedef struct {
  uint8_t* data;
  size_t size;
} guest_buffer_t;

void guest_buffer_free(guest_buffer_t* buffer);

/* What the module answers when a call did not complete. */
#define GUEST_TRAPPED (-1000)
#define GUEST_FAILED (-1001)

/* The calls on a path, numbered as the module's Callback (codes.h). */
typedef enum {
  GUEST_IS_EXISTING_FOLDER = WEBDAV_CALLBACK_IS_EXISTING_FOLDER,
  GUEST_LIST_FOLDER = WEBDAV_CALLBACK_LIST_FOLDER,
  GUEST_RETRIEVE_FILE = WEBDAV_CALLBACK_RETRIEVE_FILE,
  GUEST_CREATE_FOLDER = WEBDAV_CALLBACK_CREATE_FOLDER,
  GUEST_DELETE_ITEM = WEBDAV_CALLBACK_DELETE_ITEM
} guest_path_op_t;

/* Instantiates the module and hands it Orthanc's configuration. Returns the module's answer
 * to `configure` (assembly/index.ts), or GUEST_TRAPPED / GUEST_FAILED. */
int32_t guest_start(const char* configuration, guest_buffer_t* answer);
void guest_stop(void);

/* Adds `count` instances (ModuleInstances - 1), configured as the primary, that answer in
 * parallel the calls the module named at configure: those whose op bit is set in `readerOps`,
 * on paths whose first component is not `primaryFolder`. Call before any callback is
 * registered. Returns the instances now. */
int guest_add_readers(int count, uint32_t readerOps, const char* primaryFolder);

/* One WebDAV callback, with this thread's identity (identity.h). The return value is the export's; `answer` (may be NULL) receives the
 * output buffer when the export returns a length >= 0. */
int32_t guest_path_call(guest_path_op_t op, uint32_t count, const char* const* items, guest_buffer_t* answer);

/* The request filter (only with access rules): `method` is Orthanc's OrthancPluginHttpMethod,
 * `authorization` the header's value or "". The answer: u8 allow, u32-prefixed identity to
 * record for the request's callbacks (assembly/index.ts filter_request). */
int32_t guest_filter(int32_t method, const char* uri, const char* authorization, const char* depth, guest_buffer_t* answer);

/* The timer. `work` receives what the staging directory must do (assembly/answers.ts writeStagingWork). */
int32_t guest_tick(guest_buffer_t* work);
int32_t guest_status(const char* version, guest_buffer_t* answer);

/* ---- uploads (assembly/uploads.ts decides; the shim stores bytes and imports) ---- */

/* PUT: the module's decision (u8 action, u8-prefixed staging id, u16-prefixed record). */
int32_t guest_store(uint32_t count, const char* const* items, uint64_t size, guest_buffer_t* answer);
void guest_upload_staged(const char* id, int ok);
/* A staged upload found at start, with its staging state (staging.h), or (report != NULL) a failure report. */
void guest_upload_restore(const char* id, const char* record, size_t recordSize, uint64_t size, double mtimeMs,
                          uint8_t state, const char* report, size_t reportSize);
/* The next staged file to import: its id in `id`; -1 when there is none. */
int32_t guest_upload_next(guest_buffer_t* id);
/* 1: import the file; 0: dropped by the module (skipped or reported); 2: a ZIP archive, see
 * guest_upload_zip_member. The module reads the bytes through host.upload_read during the call. */
int32_t guest_upload_check(const char* id, const uint8_t* data, uint64_t size);
/* After guest_upload_check answered 2 (a ZIP archive): the next member to import, checked by
 * the module, in `member`; -1 when the archive is done. */
int32_t guest_upload_zip_member(const char* id, const uint8_t* data, uint64_t size, guest_buffer_t* member);
void guest_upload_zip_member_done(const char* id, int32_t outcome, const char* message);
/* outcome: a job outcome (codes.h): imported, rejected by Orthanc (message says why), or gone. */
void guest_upload_finish(const char* id, int32_t outcome, const char* message);
/* ---- the listener (listener.c; assembly/index.ts http_request) ---- */

/* The listener's settings: `isFolder`, whether Orthanc was started with a folder, and that path.
 * The answer: u16 port, u8 TLS, u16-prefixed certificate path, u32 body limit, u32 connections,
 * u32 per address, u32 timeout (s). */
int32_t guest_listener_settings(int isFolder, const char* configurationPath, guest_buffer_t* answer);
/* The kept parts of an Inline answer (assembly/index.ts http_kept): their ids, in the order the
 * answer names them, and their bytes, copied out of module memory only when byte_cache.h did not
 * hold them yet. Each entry is acquired: release with guest_kept_release. */
#define GUEST_MAX_KEPT 4
typedef struct {
  uint32_t count;
  uint32_t ids[GUEST_MAX_KEPT];
  byte_entry_t* entries[GUEST_MAX_KEPT];
} guest_kept_t;

void guest_kept_release(guest_kept_t* kept);

/* One request (input as http_request wants it), on any instance unless `primaryOnly`. `instance`
 * receives the one that answered, which alone can continue its stream. `kept` (may be NULL:
 * then the answer must name no kept part) receives its kept parts. */
int32_t guest_http_request(const uint8_t* input, size_t size, int tls, int primaryOnly, guest_buffer_t* answer,
                           guest_kept_t* kept, int* instance);
/* The next chunk of a streamed answer; -1 when it is over. */
int32_t guest_http_continue(int instance, uint32_t stream, guest_buffer_t* chunk);
void guest_http_end(int instance, uint32_t stream);

/* True once after the module was restarted (its uploads/ state must be restored). */
int guest_take_restarted(void);

/* Orthanc's change callback may not wait for the module lock (docs/orthanc.md, "Change log and change callbacks"): it only queues
 * the deletion, and the next call into the module applies it. level: 0 patient .. 3 instance. */
void guest_queue_deletion(int32_t level, const char* id);


#endif
