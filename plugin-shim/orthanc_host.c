/* The host functions the module imports, over the Orthanc plugin SDK (see host.h). */
#include "host.h"
#include "plugin.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static char* terminated(const char* text, size_t length) {
  char* copy = malloc(length + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

void host_log(int32_t level, const char* text, size_t length) {
  char* line = terminated(text, length);
  if (line == NULL) return;
  OrthancPluginContext* context = plugin_context();
  if (level == 0) OrthancPluginLogError(context, line);
  else if (level == 1) OrthancPluginLogWarning(context, line);
  else OrthancPluginLogInfo(context, line);
  free(line);
}

int host_rest_get(const char* uri, size_t uriLength, void** body, size_t* bodySize) {
  char* path = terminated(uri, uriLength);
  if (path == NULL) return -1;
  OrthancPluginMemoryBuffer answer;
  memset(&answer, 0, sizeof answer);
  OrthancPluginErrorCode code = OrthancPluginRestApiGet(plugin_context(), &answer, path);
  free(path);
  if (code != OrthancPluginErrorCode_Success) return -1;
  *bodySize = answer.size;
  *body = malloc(answer.size > 0 ? answer.size : 1);
  if (*body == NULL) {
    OrthancPluginFreeMemoryBuffer(plugin_context(), &answer);
    return -1;
  }
  if (answer.size > 0) memcpy(*body, answer.data, answer.size);
  OrthancPluginFreeMemoryBuffer(plugin_context(), &answer);
  return 0;
}

int host_rest_delete(const char* uri, size_t uriLength) {
  char* path = terminated(uri, uriLength);
  if (path == NULL) return -1;
  OrthancPluginErrorCode code = OrthancPluginRestApiDelete(plugin_context(), path);
  free(path);
  return code == OrthancPluginErrorCode_Success ? 0 : -1;
}

double host_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}
