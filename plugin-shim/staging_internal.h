/* What the units of the staging directory share (staging.c: the log of uploads;
 * staging_reports.c: failure reports; staging_slot.c: the directory this process holds and its
 * files). The rest of the shim sees staging.h only. */
#ifndef WEBDAV_STAGING_INTERNAL_H
#define WEBDAV_STAGING_INTERNAL_H

#include "staging.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_ID 63

/* ---- staging_slot.c ---- */

/* The slot taken (slot_take), where every file below lives. */
extern char staging_dir_[PATH_MAX];
/* Creates `root` if needed and takes a slot in it that no other process holds. Returns 0 or -1. */
int slot_take(const char* root);
void slot_release(void);
/* Staging ids come from the module: digits and "-" only; anything else is refused. */
int staging_valid_id(const char* id);
/* `target` = the slot's file "<name><suffix>". Returns 0, or -1 when too long. */
int staging_file_of(char* target, const char* name, const char* suffix);
int staging_sync_directory(void);
int staging_pread_all(int fd, void* buffer, uint64_t size, uint64_t offset);

/* ---- staging.c ---- */

/* The record (path below uploads/) of a live upload, malloc'ed, or NULL. */
char* staging_log_record(const char* id, size_t* size);

/* ---- staging_reports.c ---- */

/* Calls `found` for every report in the slot (removing reports a crash left half written). */
void staging_scan_reports(staging_found_t found);

#endif
