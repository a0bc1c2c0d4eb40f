/* Bytes the listener sends again and again, kept a few seconds between sends (docs/listener.md,
 * "Speed" and "Ranges"): the files of instances read in ranges (instance_cache.h), and the
 * written responses of large listings the module keeps (guest.h guest_kept_t), so that a
 * 7 MB listing is not copied out of module memory for every PROPFIND. Entries are counted
 * references: one evicted while it is being sent is freed by its last release. */
#ifndef BYTE_CACHE_H
#define BYTE_CACHE_H

#include <stdint.h>

typedef struct byte_entry byte_entry_t;

/* How long an entry is kept after its last use, and how many bytes are kept in all (the
 * module's bounds, index.ts listener_settings). Until then nothing is kept. */
void byte_cache_configure(double keepSeconds, uint64_t maxBytes);

/* The entry kept under `key` with `size` bytes, acquired; NULL when there is none. */
byte_entry_t* byte_cache_find(const char* key, uint64_t size);

/* Makes an entry of `data` (`size` bytes, released with release_data(owner) when the entry is
 * freed), acquired, and keeps it under `key` when `keep` and there is room. NULL when out of
 * memory or `key` is too long; release_data(owner) has then been called. */
byte_entry_t* byte_cache_add(const char* key, const uint8_t* data, uint64_t size, void (*release_data)(void*),
                             void* owner, int keep);

const uint8_t* byte_entry_data(const byte_entry_t* entry);
uint64_t byte_entry_size(const byte_entry_t* entry);

/* Each find or add is matched by one release. */
void byte_entry_release(byte_entry_t* entry);

/* Frees every kept entry nobody is sending (the listener stops). */
void byte_cache_clear(void);

#endif
