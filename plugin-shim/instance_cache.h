/* The files of instances the listener is reading in ranges, kept a few seconds between reads
 * (docs/listener.md, "Ranges"). Orthanc 1.10.1's SDK reads an instance whole
 * (OrthancPluginGetDicomForInstance); without this, a client reading a 40 MB file in 1 MB
 * ranges (macOS Finder, rclone) would have Orthanc read all 40 MB for every one of them. */
#ifndef INSTANCE_CACHE_H
#define INSTANCE_CACHE_H

#include <stdint.h>

typedef struct instance_file instance_file_t;

/* The file of instance `id`, which must be `total` bytes long: a kept copy, or read from Orthanc
 * (and kept when `keep`: the answer is a part of the file). NULL when it is gone or has
 * another length. Each instance_file_open is matched by one instance_file_release. */
instance_file_t* instance_file_open(const char* id, uint64_t total, int keep);
const uint8_t* instance_file_bytes(const instance_file_t* file);
void instance_file_release(instance_file_t* file);

/* Frees every kept file no request is reading (the listener stops). */
void instance_cache_clear(void);

#endif
