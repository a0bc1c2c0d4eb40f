/* The staging directory: uploaded bytes made durable before the PUT is answered, and found
 * again after a restart. Each upload is two files named by the module's staging id:
 * "<id>.path" (where it was uploaded, below uploads/) and "<id>.data" (its bytes, renamed from
 * "<id>.part" once complete and synced). Mechanism only: the module decides names and fate. */
#ifndef WEBDAV_STAGING_H
#define WEBDAV_STAGING_H

#include <stddef.h>
#include <stdint.h>

int staging_open(const char* directory);

/* Writes both files durably. Returns 0, or -1 (nothing left behind). */
int staging_write(const char* id, const char* record, size_t recordSize, const void* data, uint64_t size);

/* Reads "<id>.data" whole into a malloc'ed buffer. Returns 0, or -1 (e.g. gone). */
int staging_read(const char* id, void** data, uint64_t* size);

/* Makes a failure report durable as "<id>.report" beside "<id>.path"; removes "<id>.data". */
int staging_write_report(const char* id, const char* text, size_t textSize);

/* Removes every file of `id`. */
void staging_remove(const char* id);

/* Calls `found` for every complete upload and every report (report NULL for an upload),
 * removing leftovers of interrupted writes. */
typedef void (*staging_found_t)(const char* id, const char* record, size_t recordSize, uint64_t size, double mtimeMs,
                                const char* report, size_t reportSize);
void staging_scan(staging_found_t found);

#endif
