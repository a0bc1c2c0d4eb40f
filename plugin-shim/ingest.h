/* The ingestion workers: threads that take staged uploads, have the module check them, and
 * import them with POST /instances outside the module lock. */
#ifndef WEBDAV_INGEST_H
#define WEBDAV_INGEST_H

void ingest_start(int workers);
void ingest_wake(void);
void ingest_stop(void);

#endif
