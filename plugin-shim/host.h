/* What the module may ask of Orthanc (the "host" imports of assembly/host/index.ts), implemented
 * in orthanc_host.c over the Orthanc plugin SDK. guest.c validates every pointer before it
 * calls these. */
#ifndef WEBDAV_HOST_H
#define WEBDAV_HOST_H

#include <stddef.h>
#include <stdint.h>

void host_log(int32_t level, const char* text, size_t length);

/* GET on Orthanc's REST API. Returns 0 and a malloc'ed body, or -1 when Orthanc answered an
 * error. */
int host_rest_get(const char* uri, size_t uriLength, void** body, size_t* bodySize);

/* DELETE on Orthanc's REST API. Returns 0 when done, -1 when Orthanc answered an error. */
int host_rest_delete(const char* uri, size_t uriLength);

double host_now_ms(void);

#endif
