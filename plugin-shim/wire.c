#include "wire.h"

#include <string.h>

void wire_init(wire_reader_t* reader, const uint8_t* data, size_t size) {
  reader->at = data;
  reader->end = data + size;
  reader->ok = data != NULL;
}

static const uint8_t* take(wire_reader_t* reader, size_t count) {
  if (!reader->ok || (size_t)(reader->end - reader->at) < count) {
    reader->ok = 0;
    return NULL;
  }
  const uint8_t* at = reader->at;
  reader->at += count;
  return at;
}

uint8_t wire_u8(wire_reader_t* reader) {
  const uint8_t* at = take(reader, 1);
  return at != NULL ? at[0] : 0;
}

uint32_t wire_u32(wire_reader_t* reader) {
  uint32_t value = 0;
  const uint8_t* at = take(reader, 4);
  if (at != NULL) memcpy(&value, at, 4);
  return value;
}

uint64_t wire_u64(wire_reader_t* reader) {
  uint64_t value = 0;
  const uint8_t* at = take(reader, 8);
  if (at != NULL) memcpy(&value, at, 8);
  return value;
}

size_t wire_string(wire_reader_t* reader, int prefixBytes, char* target, size_t capacity) {
  size_t length;
  if (prefixBytes == 1) {
    length = wire_u8(reader);
  } else if (prefixBytes == 2) {
    size_t low = wire_u8(reader);
    length = low | ((size_t)wire_u8(reader) << 8);
  } else {
    length = wire_u32(reader);
  }
  const uint8_t* at = take(reader, length);
  size_t copied = at == NULL ? 0 : (length < capacity ? length : capacity - 1);
  if (copied > 0) memcpy(target, at, copied);
  target[copied] = '\0';
  return length;
}

const uint8_t* wire_bytes(wire_reader_t* reader, uint32_t* length) {
  *length = wire_u32(reader);
  return take(reader, *length);
}
