/* The byte formats of the boundary (docs/boundary.md): reading the module's answers, and
 * writing its inputs. Every read is bounds-checked; a malformed answer reads as an error, never
 * past the end. A writer that cannot grow turns `ok` off and its buffer NULL. */
#ifndef WEBDAV_WIRE_H
#define WEBDAV_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Little-endian integers at a byte address: every fixed-width integer the shim reads or writes
 * in a byte format (the boundary, the staging log) goes through these. */
uint16_t wire_get_u16(const uint8_t* at);
uint32_t wire_get_u32(const uint8_t* at);
uint64_t wire_get_u64(const uint8_t* at);
void wire_set_u16(uint8_t* at, uint16_t value);
void wire_set_u32(uint8_t* at, uint32_t value);
void wire_set_u64(uint8_t* at, uint64_t value);

typedef struct {
  const uint8_t* at;
  const uint8_t* end;
  int ok;
} wire_reader_t;

void wire_init(wire_reader_t* reader, const uint8_t* data, size_t size);
uint8_t wire_u8(wire_reader_t* reader);
uint16_t wire_u16(wire_reader_t* reader);
uint32_t wire_u32(wire_reader_t* reader);
uint64_t wire_u64(wire_reader_t* reader);

/* Copies a string with a 1, 2 or 4 byte length prefix into `target` (NUL-terminated, cut to
 * `capacity` - 1 bytes). Returns its full length. */
size_t wire_string(wire_reader_t* reader, int prefixBytes, char* target, size_t capacity);

/* A view of `length` bytes inside the buffer (u32 length prefix), or NULL. */
const uint8_t* wire_bytes(wire_reader_t* reader, uint32_t* length);

typedef struct {
  uint8_t* data; /* malloc'ed; the caller frees it (wire_writer_free) */
  size_t size;
  size_t capacity;
  int ok;
} wire_writer_t;

void wire_writer_init(wire_writer_t* writer);
void wire_put_u32(wire_writer_t* writer, uint32_t value);
/* `length` bytes with a u32 length prefix (wire.ts ByteReader.string). */
void wire_put_string(wire_writer_t* writer, const char* text, size_t length);
/* `length` bytes as they are (the module reads them as the rest of its input). */
void wire_put_raw(wire_writer_t* writer, const void* data, size_t length);
void wire_writer_free(wire_writer_t* writer);

#endif
