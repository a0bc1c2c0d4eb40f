/* The files of instances the listener is reading in ranges, kept a few seconds between reads
 * (docs/listener.md, "Ranges"; byte_cache.h keeps them). Orthanc 1.10.1's SDK reads an instance
 * whole (OrthancPluginGetDicomForInstance); without this, a client reading a 40 MB file in 1 MB
 * ranges (macOS Finder, rclone) would have Orthanc read all 40 MB for every one of them. */
#ifndef INSTANCE_CACHE_H
#define INSTANCE_CACHE_H

#include "byte_cache.h"

#include <stdint.h>

/* The file of instance `id`, which must be `total` bytes long: a kept copy, or read from Orthanc
 * (and kept when `keep`: the answer is a part of the file). NULL when it is gone or has
 * another length. Each instance_file_open is matched by one byte_entry_release. */
byte_entry_t* instance_file_open(const char* id, uint64_t total, int keep);

#endif
