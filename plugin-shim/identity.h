/* Who is asking, handed from the request filter to the collection callbacks of the same request
 * (docs/orthanc.md, "Request filter": same worker thread, filter first). Mechanism only: the module decides what the
 * identity is (from the Authorization header) and whether it belongs to a callback's request
 * (the URI recorded here must be the callback's path, the callback one its request makes:
 * assembly/callbacks.ts). Worker threads are reused, so every filter call overwrites the record
 * and the callback that ends a request forgets it (plugin.c request_ends). */
#ifndef WEBDAV_IDENTITY_H
#define WEBDAV_IDENTITY_H

#include <stddef.h>

/* Records, for this thread, the identity the module gave and the URI the filter saw. */
void identity_record(const char* identity, size_t identitySize, const char* uri);

/* This thread's record; both "" when there is none. Valid until the next call on the thread. */
void identity_current(const char** identity, const char** uri);

/* Forgets this thread's record. */
void identity_forget(void);

#endif
