/* The staging directory: uploaded bytes made durable before the PUT is answered, and found
 * again after a restart. Mechanism only: the module decides names and fate.
 *
 * Uploads are appended to segment files ("<n>.seg"), one record per upload (its staging id,
 * where it was uploaded below uploads/, its bytes, a CRC), made durable with one fdatasync.
 * Creating a file per upload cost more than everything else a PUT does (inode allocation and
 * three syncs, measured in README "Uploads"). A record is marked done in place when the module
 * discards it; a segment with no live record is deleted (or emptied, if it is the one being
 * appended to). Failure reports are rare and kept as one file each ("<id>.report"). */
#ifndef WEBDAV_STAGING_H
#define WEBDAV_STAGING_H

#include "codes.h"

#include <stddef.h>
#include <stdint.h>

/* Creates the directory if needed, takes a slot in it that no other process holds (Orthancs
 * sharing one storage folder share the default directory) and indexes the records and reports
 * found in the slot. */
int staging_open(const char* directory);

/* The slot taken: where this process stages (for log lines). */
const char* staging_directory(void);

/* Appends the upload durably. Returns 0, or -1 (nothing live left behind). */
int staging_write(const char* id, const char* record, size_t recordSize, const void* data, uint64_t size);

/* An upload written as its bytes arrive (the listener's PUT), `size` bytes announced: begin,
 * append as often as bytes come, then commit (durable when it returns 0: no more and no fewer
 * than `size` bytes) or abort (nothing left behind). Returns NULL / -1 on failure; a failed
 * commit has aborted. */
typedef struct staging_stream staging_stream_t;
staging_stream_t* staging_stream_begin(const char* id, const char* record, size_t recordSize, uint64_t size);
int staging_stream_append(staging_stream_t* stream, const void* data, size_t size);
int staging_stream_commit(staging_stream_t* stream);
void staging_stream_abort(staging_stream_t* stream);

/* Reads the bytes of `id` into a malloc'ed buffer. Returns 0, or -1 (e.g. gone). */
int staging_read(const char* id, void** data, uint64_t* size);

/* Makes a failure report durable as "<id>.report" (with the upload's record); the upload's
 * bytes are no longer needed. Returns 0 or -1. */
int staging_write_report(const char* id, const char* text, size_t textSize);

/* What a staged record says of its import (README "Uploading": no crash loop): before a file is
 * handed to Orthanc its record says IMPORTING, afterwards LIVE again (refused: it may be
 * tried again) or IMPORTED. A record still IMPORTING at start belongs to an import that
 * Orthanc did not survive; the module reports it instead of trying it again. */
#define STAGING_LIVE WEBDAV_RESTORED_STATE_WAITING
#define STAGING_IMPORTING WEBDAV_RESTORED_STATE_IMPORT_STARTED
#define STAGING_IMPORTED WEBDAV_RESTORED_STATE_IMPORTED
/* The module trapped while checking the file: the module reports it when it finds it again. */
#define STAGING_TRAPPED WEBDAV_RESTORED_STATE_CHECK_TRAPPED
void staging_mark(const char* id, uint8_t state);

/* Drops the staged bytes of `id`: its record is marked done. */
void staging_release(const char* id);

/* Removes the report of `id`. */
void staging_remove_report(const char* id);

/* Makes the removals since the last call durable (one data sync per segment touched). */
void staging_flush(void);

/* Calls `found` for every report, then every live upload with its state (report NULL): all of
 * them, a report and the upload it stands for included; the module decides what each becomes. */
typedef void (*staging_found_t)(const char* id, const char* record, size_t recordSize, uint64_t size, double mtimeMs,
                                uint8_t state, const char* report, size_t reportSize);
void staging_scan(staging_found_t found);

/* Closes the segments (at plugin stop). */
void staging_close(void);

#endif
