#include "wire.h"

#include <stdlib.h>
#include <string.h>

uint16_t wire_get_u16(const uint8_t* at) {
  return (uint16_t)(at[0] | (at[1] << 8));
}

uint32_t wire_get_u32(const uint8_t* at) {
  return (uint32_t)wire_get_u16(at) | ((uint32_t)wire_get_u16(at + 2) << 16);
}

uint64_t wire_get_u64(const uint8_t* at) {
  return (uint64_t)wire_get_u32(at) | ((uint64_t)wire_get_u32(at + 4) << 32);
}

void wire_set_u16(uint8_t* at, uint16_t value) {
  at[0] = (uint8_t)value;
  at[1] = (uint8_t)(value >> 8);
}

void wire_set_u32(uint8_t* at, uint32_t value) {
  wire_set_u16(at, (uint16_t)value);
  wire_set_u16(at + 2, (uint16_t)(value >> 16));
}

void wire_set_u64(uint8_t* at, uint64_t value) {
  wire_set_u32(at, (uint32_t)value);
  wire_set_u32(at + 4, (uint32_t)(value >> 32));
}

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

uint16_t wire_u16(wire_reader_t* reader) {
  const uint8_t* at = take(reader, 2);
  return at != NULL ? wire_get_u16(at) : 0;
}

uint32_t wire_u32(wire_reader_t* reader) {
  const uint8_t* at = take(reader, 4);
  return at != NULL ? wire_get_u32(at) : 0;
}

uint64_t wire_u64(wire_reader_t* reader) {
  const uint8_t* at = take(reader, 8);
  return at != NULL ? wire_get_u64(at) : 0;
}

size_t wire_string(wire_reader_t* reader, int prefixBytes, char* target, size_t capacity) {
  size_t length;
  if (prefixBytes == 1) {
    length = wire_u8(reader);
  } else if (prefixBytes == 2) {
    length = wire_u16(reader);
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

/* ---- writing ---- */

void wire_writer_init(wire_writer_t* writer) {
  writer->data = NULL;
  writer->size = 0;
  writer->capacity = 0;
  writer->ok = 1;
}

void wire_put_raw(wire_writer_t* writer, const void* data, size_t length) {
  if (!writer->ok) return;
  if (writer->size + length > writer->capacity || writer->data == NULL) {
    size_t capacity = writer->capacity > 0 ? writer->capacity : 256;
    while (capacity < writer->size + length) capacity *= 2;
    uint8_t* grown = realloc(writer->data, capacity);
    if (grown == NULL) {
      wire_writer_free(writer);
      writer->ok = 0;
      return;
    }
    writer->data = grown;
    writer->capacity = capacity;
  }
  if (length > 0) memcpy(writer->data + writer->size, data, length);
  writer->size += length;
}

void wire_put_u32(wire_writer_t* writer, uint32_t value) {
  uint8_t bytes[4];
  wire_set_u32(bytes, value);
  wire_put_raw(writer, bytes, 4);
}

void wire_put_string(wire_writer_t* writer, const char* text, size_t length) {
  wire_put_u32(writer, (uint32_t)length);
  wire_put_raw(writer, text, length);
}

void wire_writer_free(wire_writer_t* writer) {
  free(writer->data);
  writer->data = NULL;
  writer->size = 0;
  writer->capacity = 0;
}
