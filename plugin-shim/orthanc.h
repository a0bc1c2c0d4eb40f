/* Orthanc as the rest of the shim sees it: the only unit that holds the plugin context and
 * calls the Orthanc plugin SDK, plugin.c's entry points (registration) excepted; the
 * SDK's own WebDAV helpers (addFile, retrieveFile...) are called where Orthanc hands them. Mirrors, for the C side,
 * what assembly/host/index.ts is for the module. tests/integration/abi.test.js checks that no
 * other file calls the SDK. */
#ifndef WEBDAV_ORTHANC_H
#define WEBDAV_ORTHANC_H

#include <orthanc/OrthancCPlugin.h>

#include <stddef.h>
#include <stdint.h>

#define PLUGIN_NAME "webdav-share"

/* At OrthancPluginInitialize, before anything else here is called. */
void orthanc_init(OrthancPluginContext* context);

#define ORTHANC_LOG_ERROR 0
#define ORTHANC_LOG_WARNING 1
#define ORTHANC_LOG_INFO 2
/* One line of Orthanc's log (`length` bytes, not necessarily NUL-terminated). */
void orthanc_log(int32_t level, const char* text, size_t length);
void orthanc_log_error(const char* line);

/* GET on Orthanc's REST API. Returns 0 and a malloc'ed body, or -1 when Orthanc answered an error. */
int orthanc_rest_get(const char* uri, size_t uriLength, void** body, size_t* bodySize);

/* DELETE on Orthanc's REST API. Returns 0 when done, -1 when Orthanc answered an error. */
int orthanc_rest_delete(const char* uri, size_t uriLength);

/* POST /instances. Returns 0 when imported, or -1 with `message` (static) saying why not. */
int orthanc_import(const void* data, uint64_t size, const char** message);

/* The DICOM file of an instance, in Orthanc's memory until orthanc_dicom_free. Returns 0, or -1 (gone). */
typedef struct {
  OrthancPluginMemoryBuffer buffer;
} orthanc_dicom_t;
int orthanc_dicom_of(const char* instanceId, orthanc_dicom_t* dicom);
void orthanc_dicom_free(orthanc_dicom_t* dicom);

/* Answers a REST call of the plugin's own route. */
void orthanc_answer(OrthancPluginRestOutput* output, const void* data, size_t size, const char* mime);
void orthanc_method_not_allowed(OrthancPluginRestOutput* output, const char* allowed);

#endif
