/* The benchmark's "floor": a WebDAV collection at /floor that answers from a table the
 * benchmark precomputed (POST /floor-table), with one hash lookup per callback and nothing
 * else. What remains of a PROPFIND is Orthanc's own work (HTTP, path decoding, XML writing),
 * which no plugin can avoid, so the time of /floor is the lower bound for any WebDAV plugin.
 *
 * Table format (UTF-8 text, one record a line, fields separated by TAB):
 *   D <path>                                       starts the listing of folder <path>
 *   E <isFolder> <size> <mime> <date> <name> <instanceId>   an entry of the current folder
 * <path> is the decoded path components joined by "/" ("" is the root). <date> is
 * YYYYMMDDTHHMMSS. <instanceId> (may be empty) is the Orthanc instance a file's GET sends. */
#include <orthanc/OrthancCPlugin.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_ROOT "/floor"
#define TABLE_ROUTE "/floor-table"

typedef struct {
  int is_folder;
  uint64_t size;
  const char* mime;
  const char* date;
  const char* name;
  const char* instance_id;
} entry_t;

/* A key of the hash: a folder (its entries) or a file (the entry that names it). */
typedef struct {
  const char* key;
  uint64_t hash;
  entry_t* entries;   /* folder: its listing; file: the one entry */
  uint32_t count;
  int is_folder;
} slot_t;

typedef struct {
  char* text;         /* the posted table, split in place: every string points into it */
  char* file_keys;    /* "folder/name" strings of files that can be retrieved */
  entry_t* entries;
  slot_t* slots;
  uint64_t mask;
  uint32_t folders;
  uint32_t files;
  uint32_t total_entries;
} table_t;

static OrthancPluginContext* context_ = NULL;
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static table_t* table_ = NULL;

static uint64_t fnv1a(const char* s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void table_free(table_t* t) {
  if (t == NULL) return;
  free(t->text);
  free(t->file_keys);
  free(t->entries);
  free(t->slots);
  free(t);
}

static void insert(table_t* t, const char* key, entry_t* entries, uint32_t count, int is_folder) {
  uint64_t h = fnv1a(key, strlen(key));
  uint64_t i = h & t->mask;
  while (t->slots[i].key != NULL) {
    if (t->slots[i].hash == h && strcmp(t->slots[i].key, key) == 0) break; /* later line wins */
    i = (i + 1) & t->mask;
  }
  t->slots[i] = (slot_t){key, h, entries, count, is_folder};
}

static const slot_t* lookup(const table_t* t, const char* key, size_t length) {
  if (t == NULL) return NULL;
  uint64_t h = fnv1a(key, length);
  for (uint64_t i = h & t->mask; t->slots[i].key != NULL; i = (i + 1) & t->mask) {
    const slot_t* s = &t->slots[i];
    if (s->hash == h && strncmp(s->key, key, length) == 0 && s->key[length] == '\0') return s;
  }
  return NULL;
}

/* Splits `line` at TABs into at most `max` fields; returns how many. */
static int split(char* line, char** fields, int max) {
  int n = 0;
  fields[n++] = line;
  for (char* p = line; *p && n < max; p++) {
    if (*p == '\t') {
      *p = '\0';
      fields[n++] = p + 1;
    }
  }
  return n;
}

/* Builds a table from the posted text; NULL (and a message) when it is malformed. */
static table_t* table_parse(const char* body, size_t size, char* error, size_t error_size) {
  table_t* t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->text = malloc(size + 1);
  if (t->text == NULL) goto fail;
  memcpy(t->text, body, size);
  t->text[size] = '\0';

  /* First pass: count, so that every array is allocated once. */
  size_t file_key_bytes = 0, folder_length = 0;
  for (char* p = t->text; *p;) {
    char* end = strchr(p, '\n');
    size_t length = end ? (size_t)(end - p) : strlen(p);
    if (p[0] == 'D') {
      t->folders++;
      folder_length = length;
    } else if (p[0] == 'E') {
      t->total_entries++;
      file_key_bytes += folder_length + length + 2; /* bounds "folder/name\0" */
    }
    p = end ? end + 1 : p + length;
  }
  t->entries = calloc(t->total_entries + 1, sizeof(entry_t));
  t->file_keys = malloc(file_key_bytes + 1);
  uint64_t capacity = 16;
  while (capacity < 2ull * (t->folders + t->total_entries)) capacity <<= 1;
  t->slots = calloc(capacity, sizeof(slot_t));
  t->mask = capacity - 1;
  if (t->entries == NULL || t->file_keys == NULL || t->slots == NULL) goto fail;

  /* Second pass: split in place; a folder's entries are contiguous in t->entries. */
  const char* folder = NULL;
  entry_t* first = NULL;
  uint32_t used = 0;
  char* keys = t->file_keys;
  for (char* p = t->text; *p;) {
    char* end = strchr(p, '\n');
    if (end) *end = '\0';
    char* next = end ? end + 1 : p + strlen(p);
    char* f[8];
    int n = split(p, f, 8);
    if (f[0][0] == 'D' && n == 2) {
      if (folder != NULL) insert(t, folder, first, (uint32_t)(t->entries + used - first), 1);
      folder = f[1];
      first = t->entries + used;
    } else if (f[0][0] == 'E' && n == 7 && folder != NULL) {
      entry_t* e = &t->entries[used++];
      e->is_folder = f[1][0] == '1';
      e->size = strtoull(f[2], NULL, 10);
      e->mime = f[3];
      e->date = f[4];
      e->name = f[5];
      e->instance_id = f[6];
      if (!e->is_folder && e->instance_id[0] != '\0') {
        int k = sprintf(keys, "%s%s%s", folder, folder[0] ? "/" : "", e->name);
        insert(t, keys, e, 1, 0);
        t->files++;
        keys += k + 1;
      }
    } else if (p[0] != '\0') {
      snprintf(error, error_size, "malformed table line: %.80s", p);
      goto fail;
    }
    p = next;
  }
  if (folder != NULL) insert(t, folder, first, (uint32_t)(t->entries + used - first), 1);
  return t;
fail:
  table_free(t);
  return NULL;
}

/* The table key of a request path: components joined by "/". */
static char* path_key(uint32_t count, const char* const* items, char* buffer, size_t buffer_size, size_t* length) {
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) total += strlen(items[i]) + 1;
  char* key = total <= buffer_size ? buffer : malloc(total + 1);
  if (key == NULL) return NULL;
  size_t at = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (i > 0) key[at++] = '/';
    size_t n = strlen(items[i]);
    memcpy(key + at, items[i], n);
    at += n;
  }
  key[at] = '\0';
  *length = at;
  return key;
}

/* ---- WebDAV callbacks: a lookup each ---- */

static OrthancPluginErrorCode is_existing_folder(uint8_t* isExisting, uint32_t pathSize,
                                                 const char* const* pathItems, void* payload) {
  (void)payload;
  char buffer[1024];
  size_t length = 0;
  char* key = path_key(pathSize, pathItems, buffer, sizeof buffer, &length);
  if (key == NULL) return OrthancPluginErrorCode_NotEnoughMemory;
  pthread_rwlock_rdlock(&table_lock);
  const slot_t* s = lookup(table_, key, length);
  *isExisting = s != NULL && s->is_folder;
  pthread_rwlock_unlock(&table_lock);
  if (key != buffer) free(key);
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode list_folder(uint8_t* isExisting, OrthancPluginWebDavCollection* collection,
                                          OrthancPluginWebDavAddFile addFile, OrthancPluginWebDavAddFolder addFolder,
                                          uint32_t pathSize, const char* const* pathItems, void* payload) {
  (void)payload;
  char buffer[1024];
  size_t length = 0;
  char* key = path_key(pathSize, pathItems, buffer, sizeof buffer, &length);
  if (key == NULL) return OrthancPluginErrorCode_NotEnoughMemory;
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  pthread_rwlock_rdlock(&table_lock);
  const slot_t* s = lookup(table_, key, length);
  *isExisting = s != NULL && s->is_folder;
  if (*isExisting) {
    for (uint32_t i = 0; i < s->count && code == OrthancPluginErrorCode_Success; i++) {
      const entry_t* e = &s->entries[i];
      code = e->is_folder ? addFolder(collection, e->name, e->date) : addFile(collection, e->name, e->size, e->mime, e->date);
    }
  }
  pthread_rwlock_unlock(&table_lock);
  if (key != buffer) free(key);
  return code;
}

/* A GET reads the instance from Orthanc, as any plugin serving DICOM files must. */
static OrthancPluginErrorCode retrieve_file(OrthancPluginWebDavCollection* collection,
                                            OrthancPluginWebDavRetrieveFile retrieveFile, uint32_t pathSize,
                                            const char* const* pathItems, void* payload) {
  (void)payload;
  char buffer[1024];
  size_t length = 0;
  char* key = path_key(pathSize, pathItems, buffer, sizeof buffer, &length);
  if (key == NULL) return OrthancPluginErrorCode_NotEnoughMemory;
  char instance[128] = "", mime[128] = "", date[64] = "";
  pthread_rwlock_rdlock(&table_lock);
  const slot_t* s = lookup(table_, key, length);
  int found = s != NULL && !s->is_folder;
  if (found) {
    snprintf(instance, sizeof instance, "%s", s->entries[0].instance_id);
    snprintf(mime, sizeof mime, "%s", s->entries[0].mime);
    snprintf(date, sizeof date, "%s", s->entries[0].date);
  }
  pthread_rwlock_unlock(&table_lock);
  if (key != buffer) free(key);
  if (!found) return OrthancPluginErrorCode_Success; /* not answering: 404 */
  OrthancPluginMemoryBuffer dicom;
  memset(&dicom, 0, sizeof dicom);
  if (OrthancPluginGetDicomForInstance(context_, &dicom, instance) != OrthancPluginErrorCode_Success) {
    return OrthancPluginErrorCode_Success;
  }
  OrthancPluginErrorCode code = retrieveFile(collection, dicom.data, dicom.size, mime, date);
  OrthancPluginFreeMemoryBuffer(context_, &dicom);
  return code;
}

/* Read-only: every write is refused (0 means refused; docs/orthanc.md, "Collection callbacks"). */
static OrthancPluginErrorCode store_file(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                         const void* data, uint64_t size, void* payload) {
  (void)pathSize, (void)pathItems, (void)data, (void)size, (void)payload;
  *isReadOnly = 0;
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode create_folder(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                            void* payload) {
  (void)pathSize, (void)pathItems, (void)payload;
  *isReadOnly = 0;
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode delete_item(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                          void* payload) {
  (void)pathSize, (void)pathItems, (void)payload;
  *isReadOnly = 0;
  return OrthancPluginErrorCode_Success;
}

/* ---- POST /floor-table: replace the table; GET: its counts ---- */

static OrthancPluginErrorCode table_route(OrthancPluginRestOutput* output, const char* url,
                                          const OrthancPluginHttpRequest* request) {
  (void)url;
  char answer[256];
  if (request->method == OrthancPluginHttpMethod_Post) {
    char error[160] = "out of memory";
    table_t* fresh = table_parse(request->body, request->bodySize, error, sizeof error);
    if (fresh == NULL) {
      OrthancPluginSendHttpStatus(context_, output, 400, error, (uint32_t)strlen(error));
      return OrthancPluginErrorCode_Success;
    }
    pthread_rwlock_wrlock(&table_lock);
    table_t* old = table_;
    table_ = fresh;
    pthread_rwlock_unlock(&table_lock);
    table_free(old);
  } else if (request->method != OrthancPluginHttpMethod_Get) {
    OrthancPluginSendMethodNotAllowed(context_, output, "GET,POST");
    return OrthancPluginErrorCode_Success;
  }
  pthread_rwlock_rdlock(&table_lock);
  snprintf(answer, sizeof answer, "{\"Folders\":%u,\"Entries\":%u,\"Files\":%u}\n", table_ ? table_->folders : 0,
           table_ ? table_->total_entries : 0, table_ ? table_->files : 0);
  pthread_rwlock_unlock(&table_lock);
  OrthancPluginAnswerBuffer(context_, output, answer, (uint32_t)strlen(answer), "application/json");
  return OrthancPluginErrorCode_Success;
}

__attribute__((visibility("default"))) int32_t OrthancPluginInitialize(OrthancPluginContext* context) {
  context_ = context;
  OrthancPluginSetDescription(context, "Benchmark floor: a WebDAV collection answering from a posted table");
  /* Must happen here: Orthanc accepts WebDAV collections only during initialization. */
  OrthancPluginRegisterWebDavCollection(context, FLOOR_ROOT, is_existing_folder, list_folder, retrieve_file,
                                        store_file, create_folder, delete_item, NULL);
  OrthancPluginRegisterRestCallback(context, TABLE_ROUTE, table_route);
  return 0;
}

__attribute__((visibility("default"))) void OrthancPluginFinalize(void) {
  pthread_rwlock_wrlock(&table_lock);
  table_free(table_);
  table_ = NULL;
  pthread_rwlock_unlock(&table_lock);
}

__attribute__((visibility("default"))) const char* OrthancPluginGetName(void) {
  return "webdav-bench-floor";
}

__attribute__((visibility("default"))) const char* OrthancPluginGetVersion(void) {
  return "1.0";
}
