/* The share's own HTTP listener (docs/listener.md): libmicrohttpd, loaded with dlopen only when
 * the module asks for a port, so the plugin loads and serves Orthanc's port on a machine
 * without the library. The shim only carries bytes: each request goes whole to the module
 * (guest_http_request), which answers status, headers and a body; the shim sends the body, a
 * stream of chunks the module writes, or a range of an instance or staged upload. */
#define _GNU_SOURCE /* strcasestr */
#include "listener.h"

#include "byte_cache.h"
#include "codes.h"
#include "guest.h"
#include "ingest.h"
#include "instance_cache.h"
#include "orthanc.h"
#include "staging.h"
#include "wire.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define LIBRARY "libmicrohttpd.so.12"

/* ---- the library, looked up at run time ---- */

static struct {
  void* handle;
  struct MHD_Daemon* (*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void*, MHD_AccessHandlerCallback,
                                     void*, ...);
  void (*stop_daemon)(struct MHD_Daemon*);
  int (*get_connection_values)(struct MHD_Connection*, enum MHD_ValueKind, MHD_KeyValueIterator, void*);
  const union MHD_ConnectionInfo* (*get_connection_info)(struct MHD_Connection*, enum MHD_ConnectionInfoType, ...);
  struct MHD_Response* (*create_from_callback)(uint64_t, size_t, MHD_ContentReaderCallback, void*,
                                               MHD_ContentReaderFreeCallback);
  struct MHD_Response* (*create_from_buffer)(size_t, void*, enum MHD_ResponseMemoryMode);
  struct MHD_Response* (*create_from_iovec)(const struct MHD_IoVec*, unsigned int, MHD_ContentReaderFreeCallback, void*);
  enum MHD_Result (*add_header)(struct MHD_Response*, const char*, const char*);
  enum MHD_Result (*queue_response)(struct MHD_Connection*, unsigned int, struct MHD_Response*);
  void (*destroy_response)(struct MHD_Response*);
} mhd;

static int load_library(void) {
  mhd.handle = dlopen(LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (mhd.handle == NULL) return -1;
  void** slots[] = {(void**)&mhd.start_daemon, (void**)&mhd.stop_daemon, (void**)&mhd.get_connection_values,
                    (void**)&mhd.get_connection_info, (void**)&mhd.create_from_callback, (void**)&mhd.create_from_buffer,
                    (void**)&mhd.create_from_iovec,
                    (void**)&mhd.add_header, (void**)&mhd.queue_response, (void**)&mhd.destroy_response};
  const char* names[] = {"MHD_start_daemon", "MHD_stop_daemon", "MHD_get_connection_values", "MHD_get_connection_info",
                         "MHD_create_response_from_callback", "MHD_create_response_from_buffer",
                         "MHD_create_response_from_iovec",
                         "MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    *slots[i] = dlsym(mhd.handle, names[i]);
    if (*slots[i] == NULL) return -1;
  }
  return 0;
}

/* ---- settings ---- */

static struct MHD_Daemon* daemon_ = NULL;
static int tls_ = 0;
static uint32_t max_body_ = 0;
static char* certificate_pem_ = NULL;

/* Orthanc's configuration argument, from its command line: the first that is not an option.
 * The module decides what it means (index.ts listener_settings). */
static void configuration_argument(char* path, size_t capacity, int* isFolder) {
  snprintf(path, capacity, ".");
  *isFolder = 1;
  FILE* f = fopen("/proc/self/cmdline", "rb");
  if (f == NULL) return;
  char args[8192];
  size_t n = fread(args, 1, sizeof args - 1, f);
  fclose(f);
  args[n] = '\0';
  size_t at = strlen(args) + 1; /* skip argv[0] */
  while (at < n) {
    const char* arg = args + at;
    if (arg[0] != '-' && arg[0] != '\0') {
      snprintf(path, capacity, "%s", arg);
      struct stat st;
      *isFolder = stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
      return;
    }
    at += strlen(arg) + 1;
  }
}

static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
  long size = ftell(f);
  rewind(f);
  char* text = size >= 0 && size < (1 << 24) ? malloc((size_t)size + 1) : NULL;
  if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
    free(text);
    text = NULL;
  }
  if (text != NULL) text[size] = '\0';
  fclose(f);
  return text;
}

static void log_line(int level, const char* text) {
  orthanc_log(level, text, strlen(text));
}

/* ---- one request ---- */

/* A PUT body up to this size is held in memory and then written into the staging log's shared
 * segment; a larger one streams into a segment of its own (staging.h). The module's bound
 * (index.ts listener_settings). */
static uint64_t small_upload_ = 0;

typedef struct {
  wire_writer_t headers; /* u32 count is patched in at the end */
  uint32_t header_count;
  uint8_t* body;
  size_t body_size;
  int too_large;
  /* a PUT the module answered Receive: its body goes into the staging log as it arrives, or,
   * when it is small, into `small` first and then into the log's shared segment */
  int receiving;
  staging_stream_t* upload;
  uint8_t* small;
  char* record;
  size_t record_size;
  char upload_id[128];
  uint16_t upload_status; /* what to answer once the bytes are durable */
  uint64_t upload_expected, upload_received;
  int upload_failed; /* 1: the body did not fit what was announced; 2: the staging log failed */
  int answered;      /* an answer was queued before the body (a refused PUT): the rest is dropped */
  int discarding;    /* a refused PUT without Expect: its body is read and dropped, then `deferred` is sent */
  guest_buffer_t deferred;
  int deferred_instance;
} request_t;

static enum MHD_Result collect_header(void* cls, enum MHD_ValueKind kind, const char* key, const char* value) {
  (void)kind;
  request_t* request = cls;
  wire_put_string(&request->headers, key, strlen(key));
  wire_put_string(&request->headers, value != NULL ? value : "", value != NULL ? strlen(value) : 0);
  request->header_count++;
  return MHD_YES;
}

static void peer_of(struct MHD_Connection* connection, char* text, size_t capacity) {
  snprintf(text, capacity, "?");
  const union MHD_ConnectionInfo* info = mhd.get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == NULL || info->client_addr == NULL) return;
  const struct sockaddr* address = info->client_addr;
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in*)address)->sin_addr, text, (socklen_t)capacity);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6*)address)->sin6_addr, text, (socklen_t)capacity);
  }
}

/* A streamed body: chunks from the module (Stream) or a range of bytes held here (Instance, Staged). */
typedef struct {
  int instance;
  uint32_t stream;
  int finished;
  guest_buffer_t chunk;
  size_t chunk_at;
  /* a file's bytes: an instance's file (instance_cache.h) or a staged copy */
  byte_entry_t* file;
  void* staged;
  const uint8_t* bytes;
  uint64_t start;
  uint64_t length;
  /* an inline answer: the module's answer, whose parts are sent from where they are, and the kept parts */
  uint8_t* answer;
  guest_kept_t kept;
} body_t;

static ssize_t read_stream(void* cls, uint64_t pos, char* buffer, size_t max) {
  (void)pos;
  body_t* body = cls;
  while (body->chunk_at >= body->chunk.size) {
    if (body->finished) return MHD_CONTENT_READER_END_OF_STREAM;
    guest_buffer_free(&body->chunk);
    body->chunk_at = 0;
    int32_t result = guest_http_continue(body->instance, body->stream, &body->chunk);
    if (result == -1) {
      body->finished = 1;
      return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (result < 0) {
      body->finished = 1;
      return MHD_CONTENT_READER_END_WITH_ERROR; /* the module trapped: the answer is cut, not completed */
    }
  }
  size_t n = body->chunk.size - body->chunk_at;
  if (n > max) n = max;
  memcpy(buffer, body->chunk.data + body->chunk_at, n);
  body->chunk_at += n;
  return (ssize_t)n;
}

static ssize_t read_nothing(void* cls, uint64_t pos, char* buffer, size_t max) {
  (void)cls;
  (void)pos;
  (void)buffer;
  (void)max;
  return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_body(void* cls) {
  body_t* body = cls;
  if (body->stream != 0 && !body->finished) guest_http_end(body->instance, body->stream);
  guest_buffer_free(&body->chunk);
  if (body->file != NULL) byte_entry_release(body->file);
  guest_kept_release(&body->kept);
  free(body->answer);
  free(body->staged);
  free(body);
}

static enum MHD_Result answer_text(struct MHD_Connection* connection, unsigned int status, const char* text) {
  struct MHD_Response* response = mhd.create_from_buffer(strlen(text), (void*)text, MHD_RESPMEM_MUST_COPY);
  if (response == NULL) return MHD_NO;
  mhd.add_header(response, "Content-Type", "text/plain; charset=utf-8");
  enum MHD_Result queued = mhd.queue_response(connection, status, response);
  mhd.destroy_response(response);
  return queued;
}

/* An answer with no body (Content-Length: 0). */
static enum MHD_Result answer_empty(struct MHD_Connection* connection, unsigned int status) {
  struct MHD_Response* response = mhd.create_from_buffer(0, (void*)"", MHD_RESPMEM_PERSISTENT);
  if (response == NULL) return MHD_NO;
  enum MHD_Result queued = mhd.queue_response(connection, status, response);
  mhd.destroy_response(response);
  return queued;
}

/* The file bytes an answer names, from Orthanc or the staging directory; 0, or -1 when gone. */
static int open_file(body_t* body, uint8_t kind, const char* source, uint64_t total, int keep) {
  if (kind == WEBDAV_BODY_KIND_INSTANCE) {
    body->file = instance_file_open(source, total, keep); /* kept when the module says (instance_cache.h) */
    if (body->file == NULL) return -1;
    body->bytes = byte_entry_data(body->file);
    return 0;
  }
  uint64_t size = 0;
  if (staging_read(source, &body->staged, &size) != 0) return -1;
  body->bytes = body->staged;
  return size == total ? 0 : -1;
}

/* An inline answer's parts (assembly/index.ts writeBodyPart) as libmicrohttpd's vector: bytes
 * in the answer itself, or kept parts, from `kept` in the order the answer names them. The
 * vector points into both; `count` receives its length. Returns 0, or -1 when malformed. */
#define MAX_PARTS 8
static int inline_parts(wire_reader_t* reader, const guest_kept_t* kept, struct MHD_IoVec* parts, unsigned int* count) {
  uint32_t n = wire_u32(reader);
  if (!reader->ok || n > MAX_PARTS) return -1;
  uint32_t next_kept = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t kind = wire_u8(reader);
    uint32_t size = 0;
    if (kind == 0) {
      parts[i].iov_base = wire_bytes(reader, &size);
    } else {
      uint32_t id = wire_u32(reader);
      size = wire_u32(reader);
      if (kept == NULL || next_kept >= kept->count || kept->ids[next_kept] != id ||
          byte_entry_size(kept->entries[next_kept]) != size) return -1;
      parts[i].iov_base = byte_entry_data(kept->entries[next_kept++]);
    }
    parts[i].iov_len = size;
    if (!reader->ok) return -1;
  }
  *count = n;
  return 0;
}

/* Turns the module's answer into an MHD response (assembly/index.ts http_request). An inline
 * body is sent from where its parts are (the answer's buffer, kept parts of byte_cache.h),
 * which are released when libmicrohttpd is done: `answer` and `kept` are then left empty. A
 * file is sent from its bytes. Neither is copied again before the socket. */
static enum MHD_Result send_answer(struct MHD_Connection* connection, guest_buffer_t* answer, guest_kept_t* kept,
                                   int instance) {
  wire_reader_t reader;
  wire_init(&reader, answer->data, answer->size);
  uint16_t status = wire_u16(&reader);
  uint32_t delay = wire_u32(&reader);
  uint8_t kind = wire_u8(&reader);
  uint64_t length = wire_u64(&reader);
  uint32_t stream = wire_u32(&reader);
  uint32_t count = wire_u32(&reader);
  const uint8_t* headers = reader.at;
  size_t headers_size = (size_t)(answer->data + answer->size - headers); /* the buffer may be handed on below */
  for (uint32_t i = 0; i < 2 * count && reader.ok; i++) {
    uint32_t n = 0;
    wire_bytes(&reader, &n);
  }
  if (!reader.ok || status < 100 || status > 599) return answer_text(connection, 500, "The module's answer is malformed\n");
  if (delay > 0) usleep(delay * 1000u); /* a failed login: this connection's thread waits */
  body_t* body = calloc(1, sizeof *body);
  if (body == NULL) return MHD_NO;
  body->instance = instance;
  struct MHD_Response* response = NULL;
  if (kind == WEBDAV_BODY_KIND_STREAM) {
    body->stream = stream;
    size_t first = (size_t)(reader.end - reader.at);
    body->chunk.data = malloc(first > 0 ? first : 1);
    if (body->chunk.data != NULL) {
      memcpy(body->chunk.data, reader.at, first);
      body->chunk.size = first;
      /* the module announces the length when it knows it; else UINT64_MAX, which is MHD_SIZE_UNKNOWN (chunked) */
      response = mhd.create_from_callback(length, 64 * 1024, read_stream, body, free_body);
    }
  } else if (kind == WEBDAV_BODY_KIND_INSTANCE || kind == WEBDAV_BODY_KIND_STAGED) {
    char source[256];
    wire_string(&reader, 4, source, sizeof source);
    body->start = wire_u64(&reader);
    uint64_t total = wire_u64(&reader);
    int keep = wire_u8(&reader);
    body->length = length;
    if (!reader.ok || open_file(body, kind, source, total, keep) != 0 || body->start + length > total) {
      free_body(body);
      return answer_text(connection, 404, "Not found (deleted or changed meanwhile)\n");
    }
    struct MHD_IoVec range = {body->bytes + body->start, (size_t)length};
    response = mhd.create_from_iovec(&range, 1, free_body, body);
  } else if (kind == WEBDAV_BODY_KIND_COPY) {
    /* A COPY in uploads/: each staged file written again under its copy's staging id. */
    uint32_t copies = wire_u32(&reader);
    int failed = 0;
    for (uint32_t i = 0; i < copies && reader.ok; i++) {
      char source[128], target[128];
      wire_string(&reader, 4, source, sizeof source);
      wire_string(&reader, 4, target, sizeof target);
      uint32_t recordSize = 0;
      const uint8_t* record = wire_bytes(&reader, &recordSize);
      void* data = NULL;
      uint64_t size = 0;
      int ok = reader.ok && staging_read(source, &data, &size) == 0 &&
               staging_write(target, (const char*)record, recordSize, data, size) == 0;
      free(data);
      guest_upload_staged(target, ok);
      if (!ok) failed = 1;
    }
    free_body(body);
    if (failed || !reader.ok) return answer_text(connection, 500, "Some files could not be copied (gone meanwhile, or the disk is full)\n");
    ingest_wake();
    return answer_empty(connection, status);
  } else if (kind == WEBDAV_BODY_KIND_INLINE) {
    /* no copy of a large listing per request (docs/listener.md, "Speed") */
    struct MHD_IoVec parts[MAX_PARTS];
    unsigned int part_count = 0;
    if (inline_parts(&reader, kept, parts, &part_count) != 0) {
      free_body(body);
      return answer_text(connection, 500, "The module's answer is malformed\n");
    }
    response = mhd.create_from_iovec(parts, part_count, free_body, body);
    if (response == NULL) {
      free_body(body);
      return MHD_NO;
    }
    body->answer = answer->data;
    answer->data = NULL;
    answer->size = 0;
    if (kept != NULL) {
      body->kept = *kept;
      kept->count = 0;
    }
  } else {
    /* no body; a HEAD announces the GET's length, which libmicrohttpd sends as Content-Length */
    response = mhd.create_from_callback(length, 64 * 1024, read_nothing, body, free_body);
  }
  if (response == NULL) {
    if (kind != WEBDAV_BODY_KIND_STREAM || body->chunk.data == NULL) free_body(body);
    return MHD_NO;
  }
  wire_reader_t names;
  wire_init(&names, headers, headers_size);
  char name[256], value[4096];
  for (uint32_t i = 0; i < count; i++) {
    wire_string(&names, 4, name, sizeof name);
    wire_string(&names, 4, value, sizeof value);
    if (names.ok) mhd.add_header(response, name, value);
  }
  enum MHD_Result queued = mhd.queue_response(connection, status, response);
  mhd.destroy_response(response);
  return queued;
}

/* Free space where uploads are staged, in MiB (the module reports it as quota-available-bytes). */
static uint32_t free_mebibytes(void) {
  struct statvfs info;
  if (statvfs(staging_directory(), &info) != 0) return 0;
  uint64_t mebibytes = ((uint64_t)info.f_bavail * info.f_frsize) >> 20;
  return mebibytes > UINT32_MAX ? UINT32_MAX : (uint32_t)mebibytes;
}

/* The whole request to the module (index.ts http_request), and to the first instance when the
 * one asked hands it on (BodyKind Primary). Returns what guest_http_request returns. */
static int32_t ask_module(struct MHD_Connection* connection, request_t* request, const char* url, const char* method,
                          const uint8_t* body, size_t bodySize, guest_buffer_t* answer, guest_kept_t* kept,
                          int* instance) {
  /* The target with its query: libmicrohttpd gives the path without it, undecoded (no-op unescaping). */
  char peer[INET6_ADDRSTRLEN + 1];
  peer_of(connection, peer, sizeof peer);
  wire_writer_t input;
  wire_writer_init(&input);
  wire_put_string(&input, method, strlen(method));
  wire_put_string(&input, url, strlen(url));
  wire_put_string(&input, peer, strlen(peer));
  wire_put_u32(&input, free_mebibytes());
  request->header_count = 0;
  wire_writer_init(&request->headers);
  mhd.get_connection_values(connection, MHD_HEADER_KIND, collect_header, request);
  wire_put_u32(&input, request->header_count);
  if (request->headers.ok) wire_put_raw(&input, request->headers.data, request->headers.size);
  wire_writer_free(&request->headers);
  wire_put_raw(&input, body, bodySize);
  if (!input.ok) {
    wire_writer_free(&input);
    return -1;
  }
  int32_t result = guest_http_request(input.data, input.size, tls_, 0, answer, kept, instance);
  if (result >= 0 && answer->size >= 7 && answer->data[6] == WEBDAV_BODY_KIND_PRIMARY) {
    guest_buffer_free(answer);
    if (kept != NULL) guest_kept_release(kept);
    result = guest_http_request(input.data, input.size, tls_, 1, answer, kept, instance);
  }
  wire_writer_free(&input);
  return result;
}

static enum MHD_Result find_continue(void* cls, enum MHD_ValueKind kind, const char* key, const char* value) {
  (void)kind;
  if (strcasecmp(key, "Expect") == 0 && value != NULL && strcasestr(value, "100-continue") != NULL) *(int*)cls = 1;
  return MHD_YES;
}

/* Whether the client waits for "100 Continue" before sending its body. */
static int expects_continue(struct MHD_Connection* connection) {
  int found = 0;
  mhd.get_connection_values(connection, MHD_HEADER_KIND, find_continue, &found);
  return found;
}

/* A PUT, asked of the module before its body is read. A refusal goes out at once to a client
 * that waits for 100 Continue (it never sends the body); another client is sending its body
 * already, and a server that answers and closes meanwhile makes many clients report a network
 * error instead of the status, so its body is read and dropped first. Receive opens the
 * staging stream the body is written into. Returns 1 when an answer was queued, 0 to read the
 * body, -1 on failure. */
static int begin_put(struct MHD_Connection* connection, request_t* request, const char* url, const char* method) {
  guest_buffer_t answer = {NULL, 0};
  int instance = 0;
  int32_t result = ask_module(connection, request, url, method, NULL, 0, &answer, NULL, &instance);
  if (result < 0) {
    guest_buffer_free(&answer);
    return answer_text(connection, 500, "The share's module failed on this request; it was restarted\n") == MHD_YES ? 1 : -1;
  }
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint16_t status = wire_u16(&reader);
  (void)wire_u32(&reader); /* delay */
  uint8_t kind = wire_u8(&reader);
  (void)wire_u64(&reader);
  (void)wire_u32(&reader);
  uint32_t count = wire_u32(&reader);
  for (uint32_t i = 0; i < 2 * count && reader.ok; i++) {
    uint32_t n = 0;
    wire_bytes(&reader, &n);
  }
  if (kind != WEBDAV_BODY_KIND_RECEIVE || !reader.ok) {
    if (!expects_continue(connection)) {
      request->discarding = 1;
      request->deferred = answer;
      request->deferred_instance = instance;
      return 0;
    }
    enum MHD_Result sent = send_answer(connection, &answer, NULL, instance);
    guest_buffer_free(&answer);
    return sent == MHD_YES ? 1 : -1;
  }
  wire_string(&reader, 4, request->upload_id, sizeof request->upload_id);
  request->upload_expected = wire_u64(&reader);
  request->upload_status = status;
  const char* record = (const char*)reader.at;
  size_t recordSize = (size_t)(reader.end - reader.at);
  request->receiving = 1;
  if (!reader.ok) {
    request->upload_failed = 2;
  } else if (request->upload_expected <= small_upload_) {
    request->small = malloc(request->upload_expected > 0 ? request->upload_expected : 1);
    request->record = malloc(recordSize > 0 ? recordSize : 1);
    if (request->small == NULL || request->record == NULL) request->upload_failed = 2;
    else memcpy(request->record, record, recordSize);
    request->record_size = recordSize;
  } else {
    request->upload = staging_stream_begin(request->upload_id, record, recordSize, request->upload_expected);
    if (request->upload == NULL) request->upload_failed = 2;
  }
  guest_buffer_free(&answer);
  return 0;
}

/* The bytes of a PUT's body, as libmicrohttpd hands them over. */
static void receive(request_t* request, const char* data, size_t size) {
  uint64_t at = request->upload_received;
  request->upload_received += size;
  if (request->upload_failed) return;
  if (request->upload_received > request->upload_expected) {
    request->upload_failed = 1;
  } else if (request->small != NULL) {
    memcpy(request->small + at, data, size);
    return;
  } else if (staging_stream_append(request->upload, data, size) == 0) {
    return;
  } else {
    request->upload_failed = 2;
  }
  if (request->upload != NULL) staging_stream_abort(request->upload);
  request->upload = NULL;
}

/* The end of a PUT's body: durable, then the module's status; or why not. */
static enum MHD_Result end_put(struct MHD_Connection* connection, request_t* request) {
  if (!request->upload_failed && request->upload_received != request->upload_expected) {
    request->upload_failed = 1;
    if (request->upload != NULL) staging_stream_abort(request->upload);
  } else if (!request->upload_failed && request->small != NULL) {
    /* one record in the shared segment: one file descriptor for all small uploads */
    if (staging_write(request->upload_id, request->record, request->record_size, request->small, request->upload_received) != 0) {
      request->upload_failed = 2;
    }
  } else if (!request->upload_failed && staging_stream_commit(request->upload) != 0) {
    request->upload_failed = 2; /* the commit aborted */
  }
  request->upload = NULL;
  free(request->small);
  free(request->record);
  request->small = NULL;
  request->record = NULL;
  guest_upload_staged(request->upload_id, !request->upload_failed);
  request->receiving = 0;
  if (request->upload_failed == 1) return answer_text(connection, 400, "The body is not as long as announced\n");
  if (request->upload_failed == 2) {
    orthanc_log_error("WebDAV plugin listener: cannot write an upload to the staging directory (disk full?)");
    return answer_text(connection, 507, "The upload could not be stored (the server's disk may be full)\n");
  }
  ingest_wake();
  return answer_empty(connection, request->upload_status);
}

static enum MHD_Result handle(void* cls, struct MHD_Connection* connection, const char* url, const char* method,
                              const char* version, const char* upload_data, size_t* upload_data_size, void** con_cls) {
  (void)cls;
  (void)version;
  request_t* request = *con_cls;
  if (request == NULL) {
    request = calloc(1, sizeof *request);
    if (request == NULL) return MHD_NO;
    *con_cls = request;
    if (strcmp(method, "PUT") == 0) {
      int begun = begin_put(connection, request, url, method);
      if (begun < 0) return MHD_NO;
      request->answered = begun;
    }
    return MHD_YES;
  }
  if (request->answered) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (request->discarding) {
    if (*upload_data_size > 0) {
      *upload_data_size = 0;
      return MHD_YES;
    }
    request->discarding = 0;
    enum MHD_Result sent = send_answer(connection, &request->deferred, NULL, request->deferred_instance);
    guest_buffer_free(&request->deferred);
    return sent;
  }
  if (request->receiving) {
    if (*upload_data_size > 0) {
      receive(request, upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    return end_put(connection, request);
  }
  if (*upload_data_size > 0) {
    if (request->body_size + *upload_data_size > max_body_) {
      request->too_large = 1;
    } else {
      uint8_t* grown = realloc(request->body, request->body_size + *upload_data_size);
      if (grown == NULL) return MHD_NO;
      memcpy(grown + request->body_size, upload_data, *upload_data_size);
      request->body = grown;
      request->body_size += *upload_data_size;
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (request->too_large) return answer_text(connection, 413, "The request body is too large for this method\n");
  guest_buffer_t answer = {NULL, 0};
  guest_kept_t kept = {0};
  int instance = 0;
  int32_t result = ask_module(connection, request, url, method, request->body, request->body_size, &answer, &kept,
                              &instance);
  enum MHD_Result sent = result < 0 ? answer_text(connection, 500, "The share's module failed on this request; it was restarted\n")
                                    : send_answer(connection, &answer, &kept, instance);
  guest_buffer_free(&answer);
  guest_kept_release(&kept);
  return sent;
}

static void completed(void* cls, struct MHD_Connection* connection, void** con_cls, enum MHD_RequestTerminationCode code) {
  (void)cls;
  (void)connection;
  (void)code;
  request_t* request = *con_cls;
  if (request == NULL) return;
  if (request->receiving) { /* the client went away before the end of its PUT */
    if (request->upload != NULL) staging_stream_abort(request->upload);
    guest_upload_staged(request->upload_id, 0);
  }
  free(request->small);
  free(request->record);
  guest_buffer_free(&request->deferred);
  free(request->body);
  free(request);
  *con_cls = NULL;
}

/* The target reaches the module as the client sent it (docs/listener.md). */
static size_t keep_escaped(void* cls, struct MHD_Connection* connection, char* text) {
  (void)cls;
  (void)connection;
  return strlen(text);
}

static void mhd_log(void* cls, const char* format, va_list ap) {
  (void)cls;
  char text[512];
  int n = snprintf(text, sizeof text, "WebDAV plugin listener: ");
  vsnprintf(text + n, sizeof text - (size_t)n, format, ap);
  size_t length = strlen(text);
  while (length > 0 && text[length - 1] == '\n') text[--length] = '\0';
  orthanc_log(ORTHANC_LOG_WARNING, text, length);
}

void listener_start(void) {
  char path[PATH_MAX];
  int isFolder = 1;
  configuration_argument(path, sizeof path, &isFolder);
  guest_buffer_t answer = {NULL, 0};
  if (guest_listener_settings(isFolder, path, &answer) < 0) return;
  wire_reader_t reader;
  wire_init(&reader, answer.data, answer.size);
  uint16_t port = wire_u16(&reader);
  tls_ = wire_u8(&reader);
  char certificate[PATH_MAX];
  wire_string(&reader, 2, certificate, sizeof certificate);
  max_body_ = wire_u32(&reader);
  uint32_t connections = wire_u32(&reader);
  uint32_t perAddress = wire_u32(&reader);
  uint32_t timeout = wire_u32(&reader);
  small_upload_ = wire_u32(&reader);
  uint32_t keepSeconds = wire_u32(&reader);
  uint32_t keepMebibytes = wire_u32(&reader);
  int ok = reader.ok;
  guest_buffer_free(&answer);
  if (!ok || port == 0) return;
  byte_cache_configure((double)keepSeconds, (uint64_t)keepMebibytes << 20);
  char line[PATH_MAX + 300];
  if (load_library() != 0) {
    log_line(ORTHANC_LOG_ERROR, "WebDAV plugin: WebDavShare.Listener.Port is set but " LIBRARY " cannot be loaded: install Debian's "
                "libmicrohttpd12; the share's own listener is NOT open (Orthanc's port serves the share)");
    return;
  }
  /* poll(), not select(): Orthanc's process may hold more than FD_SETSIZE descriptors, beyond
   * which a select() daemon turns every new connection away */
  unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
  if (tls_) {
    certificate_pem_ = read_file(certificate);
    if (certificate_pem_ == NULL) {
      snprintf(line, sizeof line, "WebDAV plugin: SslEnabled is true but the certificate %s cannot be read; the share's "
               "own listener is NOT open", certificate);
      log_line(ORTHANC_LOG_ERROR, line);
      return;
    }
    flags |= MHD_USE_TLS;
  }
  /* One PEM holds key and certificate, as Orthanc's SslCertificate does. */
  daemon_ = mhd.start_daemon(flags, port, NULL, NULL, handle, NULL,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned int)connections,
                             MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)perAddress,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                             MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                             MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                             MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
                             MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                             tls_ ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, certificate_pem_,
                             MHD_OPTION_HTTPS_MEM_CERT, certificate_pem_,
                             MHD_OPTION_END);
  if (daemon_ == NULL) {
    snprintf(line, sizeof line, "WebDAV plugin: cannot open the share's own listener on port %u (in use?)", port);
    log_line(ORTHANC_LOG_ERROR, line);
    return;
  }
  snprintf(line, sizeof line, "WebDAV plugin: the share's own listener is open on port %u (%s)", port,
           tls_ ? "HTTPS" : "HTTP");
  log_line(ORTHANC_LOG_WARNING, line);
}

void listener_stop(void) {
  if (daemon_ != NULL) mhd.stop_daemon(daemon_);
  daemon_ = NULL;
  byte_cache_clear();
  free(certificate_pem_);
  certificate_pem_ = NULL;
}
