/* A test plugin that issues REST API tokens (OrthancPluginGenerateRestApiAuthorizationToken,
 * Orthanc >= 1.8.1): GET /test-token answers "Bearer <token>". A request carrying such a token
 * skips every request filter (docs/orthanc.md, "Request filter"), which is how tests/integration/access-writes.test.js
 * sends a request that the share's filter never sees. Tests only. */
#include <orthanc/OrthancCPlugin.h>
#include <string.h>

static OrthancPluginContext* context_ = NULL;

static OrthancPluginErrorCode issue_token(OrthancPluginRestOutput* output, const char* url,
                                          const OrthancPluginHttpRequest* request) {
  (void)url;
  (void)request;
  char* token = OrthancPluginGenerateRestApiAuthorizationToken(context_);
  if (token == NULL) return OrthancPluginErrorCode_InternalError;
  OrthancPluginAnswerBuffer(context_, output, token, strlen(token), "text/plain");
  OrthancPluginFreeString(context_, token);
  return OrthancPluginErrorCode_Success;
}

__attribute__((visibility("default"))) int32_t OrthancPluginInitialize(OrthancPluginContext* context) {
  context_ = context;
  OrthancPluginRegisterRestCallback(context, "/test-token", issue_token);
  return 0;
}

__attribute__((visibility("default"))) void OrthancPluginFinalize(void) {}

__attribute__((visibility("default"))) const char* OrthancPluginGetName(void) {
  return "test-token";
}

__attribute__((visibility("default"))) const char* OrthancPluginGetVersion(void) {
  return "1.0";
}
