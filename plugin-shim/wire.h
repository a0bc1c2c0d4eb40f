/* Reading the module's answers (formats written by assembly/wire.ts, views.ts, index.ts).
 * Every read is bounds-checked; a malformed answer reads as an error, never past the end. */
#ifndef WEBDAV_WIRE_H
#define WEBDAV_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t* at;
  const uint8_t* end;
  int ok;
} wire_reader_t;

void wire_init(wire_reader_t* reader, const uint8_t* data, size_t size);
uint8_t wire_u8(wire_reader_t* reader);
uint32_t wire_u32(wire_reader_t* reader);
uint64_t wire_u64(wire_reader_t* reader);

/* Copies a string with a 1, 2 or 4 byte length prefix into `target` (NUL-terminated, cut to
 * `capacity` - 1 bytes). Returns its full length. */
size_t wire_string(wire_reader_t* reader, int prefixBytes, char* target, size_t capacity);

/* A view of `length` bytes inside the buffer (u32 length prefix), or NULL. */
const uint8_t* wire_bytes(wire_reader_t* reader, uint32_t* length);

#endif
