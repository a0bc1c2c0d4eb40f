/* Orthanc's entry points and the WebDAV collection callbacks. Thin: each callback hands the
 * path to the module (guest.h) and turns its answer into SDK calls; no naming, no policy. */
#include "codes.h"
#include "orthanc.h"
#include "guest.h"
#include "identity.h"
#include "ingest.h"
#include "listener.h"
#include "staging.h"
#include "wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <time.h>

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

static int ingest_workers_ = 0;
static char status_route_[256] = ""; /* named by the module (configure) */

/* ---- WebDAV collection ---- */

/* The request whose callback this is ends here: its identity goes (identity.h). Orthanc 1.10.1
 * makes at most two callbacks per request, the second always ListFolder or RetrieveFile after
 * IsExistingFolder (assembly/callbacks.ts has the table); every other callback is the last, and
 * the module says whether IsExistingFolder is. */
static void request_ends(void) {
  identity_forget();
}

static OrthancPluginErrorCode is_existing_folder(uint8_t* isExisting, uint32_t pathSize,
                                                 const char* const* pathItems, void* payload) {
  (void)payload;
  int32_t result = guest_path_call(GUEST_IS_EXISTING_FOLDER, pathSize, pathItems, NULL);
  if (result < 0) {
    request_ends();
    return OrthancPluginErrorCode_InternalError;
  }
  *isExisting = (result & WEBDAV_FOLDER_ANSWER_FOLDER) != 0;
  if ((result & WEBDAV_FOLDER_ANSWER_ENDS_REQUEST) != 0) request_ends();
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode list_folder(uint8_t* isExisting, OrthancPluginWebDavCollection* collection,
                                          OrthancPluginWebDavAddFile addFile, OrthancPluginWebDavAddFolder addFolder,
                                          uint32_t pathSize, const char* const* pathItems, void* payload) {
  (void)payload;
  guest_buffer_t answer = {NULL, 0};
  int32_t result = guest_path_call(GUEST_LIST_FOLDER, pathSize, pathItems, &answer);
  request_ends();
  if (result == -1) {
    *isExisting = 0;
    return OrthancPluginErrorCode_Success;
  }
  if (result < 0) return OrthancPluginErrorCode_InternalError;
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint32_t count = wire_u32(&reader);
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  char mime[256], date[256], name[1024];
  for (uint32_t i = 0; i < count && reader.ok && code == OrthancPluginErrorCode_Success; i++) {
    uint8_t isFolder = wire_u8(&reader);
    uint64_t size = wire_u64(&reader);
    wire_string(&reader, 1, mime, sizeof mime);
    wire_string(&reader, 1, date, sizeof date);
    wire_string(&reader, 2, name, sizeof name);
    if (!reader.ok) break;
    code = isFolder ? addFolder(collection, name, date) : addFile(collection, name, size, mime, date);
  }
  guest_buffer_free(&answer);
  if (!reader.ok) return OrthancPluginErrorCode_InternalError;
  *isExisting = 1;
  return code;
}

static OrthancPluginErrorCode retrieve_file(OrthancPluginWebDavCollection* collection,
                                            OrthancPluginWebDavRetrieveFile retrieveFile, uint32_t pathSize,
                                            const char* const* pathItems, void* payload) {
  (void)payload;
  guest_buffer_t answer = {NULL, 0};
  int32_t result = guest_path_call(GUEST_RETRIEVE_FILE, pathSize, pathItems, &answer);
  request_ends();
  if (result == -1) return OrthancPluginErrorCode_Success; /* not calling retrieveFile: 404 */
  if (result < 0) return OrthancPluginErrorCode_InternalError;
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  char mime[256], date[256], instance[256];
  wire_string(&reader, 1, mime, sizeof mime);
  wire_string(&reader, 1, date, sizeof date);
  uint8_t kind = wire_u8(&reader);
  uint32_t length = 0;
  const uint8_t* bytes = wire_bytes(&reader, &length);
  OrthancPluginErrorCode code = OrthancPluginErrorCode_InternalError;
  if (reader.ok && kind == WEBDAV_FILE_KIND_CONTENT) {
    code = retrieveFile(collection, bytes, length, mime, date);
  } else if (reader.ok && kind == WEBDAV_FILE_KIND_STAGED && length < sizeof instance) {
    /* A pending upload: its bytes are in the staging directory. */
    memcpy(instance, bytes, length);
    instance[length] = '\0';
    void* staged = NULL;
    uint64_t size = 0;
    if (staging_read(instance, &staged, &size) == 0) {
      code = retrieveFile(collection, staged, size, mime, date);
      free(staged);
    } else {
      code = OrthancPluginErrorCode_Success; /* imported meanwhile: 404 */
    }
  } else if (reader.ok && kind == WEBDAV_FILE_KIND_INSTANCE && length < sizeof instance) {
    /* The module names the instance; its bytes go from Orthanc to the client through the
     * shim only, outside the module lock. */
    memcpy(instance, bytes, length);
    instance[length] = '\0';
    orthanc_dicom_t dicom;
    if (orthanc_dicom_of(instance, &dicom) == 0) {
      code = retrieveFile(collection, dicom.buffer.data, dicom.buffer.size, mime, date);
      orthanc_dicom_free(&dicom);
    } else {
      code = OrthancPluginErrorCode_Success; /* deleted meanwhile: 404 */
    }
  }
  guest_buffer_free(&answer);
  return code;
}

/* StoreFile, CreateFolder and DeleteItem report success through *isReadOnly, inverted with
 * respect to the SDK's documentation (docs/orthanc.md, "Collection callbacks"): 1 means done (201/204), 0 refused (403). */
static OrthancPluginErrorCode answer_write(int32_t result, uint8_t* isReadOnly) {
  if (result < 0) return OrthancPluginErrorCode_InternalError;
  *isReadOnly = result == WEBDAV_DELETE_OUTCOME_DONE;
  return OrthancPluginErrorCode_Success;
}

/* PUT: the module decides; when it says "stage", the bytes are made durable before the 201. */
static OrthancPluginErrorCode store_file(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                         const void* data, uint64_t size, void* payload) {
  (void)payload;
  guest_buffer_t answer = {NULL, 0};
  int32_t decided = guest_store(pathSize, pathItems, size, &answer);
  request_ends();
  if (decided < 0) return OrthancPluginErrorCode_InternalError;
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint8_t action = wire_u8(&reader);
  char id[256];
  wire_string(&reader, 1, id, sizeof id);
  /* The record (where the file was uploaded) stays in the answer buffer: Orthanc's HTTP
   * threads have small stacks, so nothing large goes on the stack here. */
  size_t recordSize = wire_u16(&reader);
  const char* record = (const char*)reader.at;
  if (!reader.ok || (size_t)(reader.end - reader.at) < recordSize) {
    guest_buffer_free(&answer);
    return OrthancPluginErrorCode_InternalError;
  }
  if (action != WEBDAV_STORE_ACTION_STAGE) {
    guest_buffer_free(&answer);
    return answer_write(action == WEBDAV_STORE_ACTION_ACCEPT ? WEBDAV_DELETE_OUTCOME_DONE : WEBDAV_DELETE_OUTCOME_REFUSED, isReadOnly);
  }
  int written = staging_write(id, record, recordSize, data, size) == 0;
  guest_buffer_free(&answer);
  guest_upload_staged(id, written);
  if (!written) {
    orthanc_log_error("WebDAV plugin: cannot write an upload to the staging directory (disk full?)");
    return OrthancPluginErrorCode_InternalError;
  }
  ingest_wake();
  *isReadOnly = 1;
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode create_folder(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                            void* payload) {
  (void)payload;
  int32_t result = guest_path_call(GUEST_CREATE_FOLDER, pathSize, pathItems, NULL);
  request_ends();
  return answer_write(result, isReadOnly);
}

static OrthancPluginErrorCode delete_item(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                          void* payload) {
  (void)payload;
  int32_t result = guest_path_call(GUEST_DELETE_ITEM, pathSize, pathItems, NULL);
  request_ends();
  return answer_write(result, isReadOnly);
}

/* ---- request filter (only with access rules) ---- */

/* The module decides (assembly/access.ts); the shim records the identity it gives for the
 * callbacks of this request, on this thread. A module that cannot answer refuses. */
static int32_t filter_request(OrthancPluginHttpMethod method, const char* uri, const char* ip, uint32_t headersCount,
                              const char* const* headersKeys, const char* const* headersValues,
                              uint32_t getArgumentsCount, const char* const* getArgumentsKeys,
                              const char* const* getArgumentsValues) {
  (void)ip;
  (void)getArgumentsCount;
  (void)getArgumentsKeys;
  (void)getArgumentsValues;
  identity_forget();
  const char* authorization = "";
  const char* depth = ""; /* tells PROPFIND from GET: both arrive as GET (docs/orthanc.md, "Request filter") */
  for (uint32_t i = 0; i < headersCount; i++) {
    if (strcasecmp(headersKeys[i], "authorization") == 0) authorization = headersValues[i];
    if (strcasecmp(headersKeys[i], "depth") == 0) depth = headersValues[i];
  }
  guest_buffer_t answer = {NULL, 0};
  if (guest_filter((int32_t)method, uri, authorization, depth, &answer) < 0) return 0;
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint8_t allowed = wire_u8(&reader);
  uint32_t length = 0;
  const uint8_t* identity = wire_bytes(&reader, &length);
  int32_t verdict = reader.ok && allowed == WEBDAV_FILTER_ANSWER_ALLOW ? 1 : 0;
  if (verdict) identity_record((const char*)identity, length, uri);
  guest_buffer_free(&answer);
  return verdict;
}

/* ---- status route ---- */

static OrthancPluginErrorCode status_route(OrthancPluginRestOutput* output, const char* url,
                                           const OrthancPluginHttpRequest* request) {
  (void)url;
  if (request->method != OrthancPluginHttpMethod_Get) {
    orthanc_method_not_allowed(output, "GET");
    return OrthancPluginErrorCode_Success;
  }
  guest_buffer_t answer = {NULL, 0};
  /* The version is the shim's: it names the .so that is installed. */
  int32_t result = guest_status(PLUGIN_VERSION, &answer);
  request_ends();
  if (result < 0) return OrthancPluginErrorCode_InternalError;
  orthanc_answer(output, answer.data, answer.size, "application/json");
  guest_buffer_free(&answer);
  return OrthancPluginErrorCode_Success;
}

/* ---- catalog timer and change events ---- */

static pthread_t timer_thread;
static int timer_running = 0;
static int timer_stop = 0;
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_wake = PTHREAD_COND_INITIALIZER;

/* Carries out in the staging directory what the module asks (assembly/answers.ts
 * writeStagingWork): reports made durable, staged bytes and reports dropped. */
static void do_staging_work(const guest_buffer_t* work) {
  wire_reader_t reader;
  wire_init(&reader, work->data, work->size);
  char id[256];
  uint32_t reports = wire_u32(&reader);
  for (uint32_t i = 0; i < reports && reader.ok; i++) {
    wire_string(&reader, 1, id, sizeof id);
    uint32_t length = 0;
    const uint8_t* text = wire_bytes(&reader, &length);
    if (reader.ok && staging_write_report(id, (const char*)text, length) != 0) {
      orthanc_log_error("WebDAV plugin: cannot write a failure report to the staging directory");
    }
  }
  uint32_t released = wire_u32(&reader);
  for (uint32_t i = 0; i < released && reader.ok; i++) {
    wire_string(&reader, 1, id, sizeof id);
    if (reader.ok) staging_release(id);
  }
  uint32_t removed = wire_u32(&reader);
  for (uint32_t i = 0; i < removed && reader.ok; i++) {
    wire_string(&reader, 1, id, sizeof id);
    if (reader.ok) staging_remove_report(id);
  }
  staging_flush();
}

/* The module's timer; restores uploads/ after a module restart. */
static void tick(void) {
  guest_buffer_t work = {NULL, 0};
  if (guest_tick(&work) >= 0) do_staging_work(&work); /* the first tick loads the catalog */
  guest_buffer_free(&work);
  if (guest_take_restarted()) {
    staging_scan(guest_upload_restore);
    ingest_wake();
  }
}

static void* timer_main(void* unused) {
  (void)unused;
  pthread_mutex_lock(&timer_lock);
  while (!timer_stop) {
    pthread_mutex_unlock(&timer_lock);
    tick();
    pthread_mutex_lock(&timer_lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    if (!timer_stop) pthread_cond_timedwait(&timer_wake, &timer_lock, &until);
  }
  pthread_mutex_unlock(&timer_lock);
  return NULL;
}

static OrthancPluginErrorCode on_change(OrthancPluginChangeType changeType, OrthancPluginResourceType resourceType,
                                        const char* resourceId) {
  if (changeType == OrthancPluginChangeType_OrthancStarted) {
    pthread_mutex_lock(&timer_lock);
    if (!timer_running && pthread_create(&timer_thread, NULL, timer_main, NULL) == 0) timer_running = 1;
    pthread_mutex_unlock(&timer_lock);
    ingest_start(ingest_workers_);
  } else if (changeType == OrthancPluginChangeType_Deleted && resourceId != NULL) {
    guest_queue_deletion((int32_t)resourceType, resourceId);
  }
  return OrthancPluginErrorCode_Success;
}

/* ---- entry points ---- */

#define EXPORTED __attribute__((visibility("default")))

EXPORTED int32_t OrthancPluginInitialize(OrthancPluginContext* context) {
  orthanc_init(context);
  if (!OrthancPluginCheckVersionAdvanced(context, 1, 10, 1)) {
    OrthancPluginLogError(context, "WebDAV plugin: needs Orthanc 1.10.1 or later; not started");
    return -1;
  }
  OrthancPluginSetDescription(context, "WebDAV share of the DICOM store, with the logic in WebAssembly");
  char* configuration = OrthancPluginGetConfiguration(context);
  if (configuration == NULL) {
    OrthancPluginLogError(context, "WebDAV plugin: cannot read the configuration; the share is not served");
    return 0;
  }
  guest_buffer_t answer = {NULL, 0};
  int32_t result = guest_start(configuration, &answer);
  OrthancPluginFreeString(context, configuration);
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint8_t outcome = wire_u8(&reader);
  char root[256], staging[4096];
  wire_string(&reader, 1, root, sizeof root);
  wire_string(&reader, 2, staging, sizeof staging);
  ingest_workers_ = wire_u8(&reader);
  int filter = wire_u8(&reader);
  wire_string(&reader, 1, status_route_, sizeof status_route_);
  int instances = wire_u8(&reader);
  uint32_t reader_ops = wire_u8(&reader);
  char primary_folder[256];
  wire_string(&reader, 1, primary_folder, sizeof primary_folder);
  int serve = result >= 0 && reader.ok && outcome == WEBDAV_CONFIG_OUTCOME_SERVE;
  guest_buffer_free(&answer);
  if (result >= 0 && reader.ok && filter) {
    /* With access rules, even when the share is not served: the module refuses then. */
    OrthancPluginRegisterIncomingHttpRequestFilter2(context, filter_request);
  }
  if (!serve) {
    /* The module has logged why (disabled, or a configuration error naming the fix). */
    if (result < 0) OrthancPluginLogError(context, "WebDAV plugin: the module failed to start; the share is not served");
    return 0;
  }
  if (staging_open(staging) != 0) {
    char line[4200];
    snprintf(line, sizeof line, "WebDAV plugin: cannot create the staging directory %s; the share is not served", staging);
    OrthancPluginLogError(context, line);
    return 0;
  }
  if (instances > 1) guest_add_readers(instances - 1, reader_ops, primary_folder);
  staging_scan(guest_upload_restore); /* uploads staged before a stop or crash are imported again */
  OrthancPluginRegisterWebDavCollection(context, root, is_existing_folder, list_folder, retrieve_file, store_file,
                                        create_folder, delete_item, NULL);
  OrthancPluginRegisterRestCallback(context, status_route_, status_route);
  OrthancPluginRegisterOnChangeCallback(context, on_change);
  char line[PATH_MAX + 600];
  snprintf(line, sizeof line, "WebDAV plugin %s: serving the share at %s (status at %s, staging in %s)", PLUGIN_VERSION,
           root, status_route_, staging_directory());
  OrthancPluginLogWarning(context, line);
  listener_start();
  return 0;
}

EXPORTED void OrthancPluginFinalize(void) {
  pthread_mutex_lock(&timer_lock);
  timer_stop = 1;
  pthread_cond_broadcast(&timer_wake);
  int running = timer_running;
  pthread_mutex_unlock(&timer_lock);
  if (running) pthread_join(timer_thread, NULL);
  listener_stop();
  ingest_stop();
  guest_stop();
  staging_close();
}

EXPORTED const char* OrthancPluginGetName(void) {
  return PLUGIN_NAME;
}

EXPORTED const char* OrthancPluginGetVersion(void) {
  return PLUGIN_VERSION;
}
