/* Every call to the Orthanc plugin SDK but registration (orthanc.h). */
#include "orthanc.h"

#include <stdlib.h>
#include <string.h>

static OrthancPluginContext* context_ = NULL;

void orthanc_init(OrthancPluginContext* context) {
  context_ = context;
}

static char* terminated(const char* text, size_t length) {
  char* copy = malloc(length + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

void orthanc_log(int32_t level, const char* text, size_t length) {
  char* line = terminated(text, length);
  if (line == NULL) return;
  if (level == ORTHANC_LOG_ERROR) OrthancPluginLogError(context_, line);
  else if (level == ORTHANC_LOG_WARNING) OrthancPluginLogWarning(context_, line);
  else OrthancPluginLogInfo(context_, line);
  free(line);
}

void orthanc_log_error(const char* line) {
  OrthancPluginLogError(context_, line);
}

int orthanc_rest_get(const char* uri, size_t uriLength, void** body, size_t* bodySize) {
  char* path = terminated(uri, uriLength);
  if (path == NULL) return -1;
  OrthancPluginMemoryBuffer answer;
  memset(&answer, 0, sizeof answer);
  OrthancPluginErrorCode code = OrthancPluginRestApiGet(context_, &answer, path);
  free(path);
  if (code != OrthancPluginErrorCode_Success) return -1;
  *bodySize = answer.size;
  *body = malloc(answer.size > 0 ? answer.size : 1);
  if (*body == NULL) {
    OrthancPluginFreeMemoryBuffer(context_, &answer);
    return -1;
  }
  if (answer.size > 0) memcpy(*body, answer.data, answer.size);
  OrthancPluginFreeMemoryBuffer(context_, &answer);
  return 0;
}

int orthanc_rest_delete(const char* uri, size_t uriLength) {
  char* path = terminated(uri, uriLength);
  if (path == NULL) return -1;
  OrthancPluginErrorCode code = OrthancPluginRestApiDelete(context_, path);
  free(path);
  return code == OrthancPluginErrorCode_Success ? 0 : -1;
}

int orthanc_import(const void* data, uint64_t size, const char** message) {
  OrthancPluginMemoryBuffer result;
  memset(&result, 0, sizeof result);
  OrthancPluginErrorCode code = OrthancPluginRestApiPost(context_, &result, "/instances", data, size);
  if (code != OrthancPluginErrorCode_Success) {
    *message = OrthancPluginGetErrorDescription(context_, code);
    return -1;
  }
  OrthancPluginFreeMemoryBuffer(context_, &result);
  return 0;
}

int orthanc_dicom_of(const char* instanceId, orthanc_dicom_t* dicom) {
  memset(&dicom->buffer, 0, sizeof dicom->buffer);
  return OrthancPluginGetDicomForInstance(context_, &dicom->buffer, instanceId) == OrthancPluginErrorCode_Success ? 0 : -1;
}

void orthanc_dicom_free(orthanc_dicom_t* dicom) {
  OrthancPluginFreeMemoryBuffer(context_, &dicom->buffer);
}

void orthanc_answer(OrthancPluginRestOutput* output, const void* data, size_t size, const char* mime) {
  OrthancPluginAnswerBuffer(context_, output, data, size, mime);
}

void orthanc_method_not_allowed(OrthancPluginRestOutput* output, const char* allowed) {
  OrthancPluginSendMethodNotAllowed(context_, output, allowed);
}
