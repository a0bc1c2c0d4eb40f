/* The host functions the module imports (assembly/host/index.ts), each a door out of the
 * sandbox: every pointer and length from the module is checked before use. */
#include "clock.h"
#include "guest_internal.h"
#include "orthanc.h"

#include <stdlib.h>
#include <string.h>

uint8_t* guest_span(guest_t* g, uint32_t ptr, uint64_t length) {
  wasm_rt_memory_t* memory = Z_webdavZ_memory(&g->module);
  if ((uint64_t)ptr + length > (uint64_t)memory->size) return NULL;
  return memory->data + ptr;
}

uint8_t* guest_span_or_trap(guest_t* g, uint32_t ptr, uint64_t length) {
  uint8_t* span = guest_span(g, ptr, length);
  if (span == NULL) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return span;
}

void Z_hostZ_log(struct Z_host_instance_t* host, u32 level, u32 ptr, u32 length) {
  orthanc_log((int32_t)level, (const char*)guest_span_or_trap(host->guest, ptr, length), length);
}

u32 Z_hostZ_rest_get(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  guest_t* g = host->guest;
  const char* uri = (const char*)guest_span_or_trap(g, ptr, length);
  free(g->pending_answer);
  g->pending_answer = NULL;
  g->pending_size = 0;
  if (orthanc_rest_get(uri, length, &g->pending_answer, &g->pending_size) != 0 || g->pending_size > 0x7fffffffu) {
    free(g->pending_answer);
    g->pending_answer = NULL;
    g->pending_size = 0;
    return (u32)-1;
  }
  return (u32)g->pending_size;
}

void Z_hostZ_rest_take(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  guest_t* g = host->guest;
  uint8_t* target = guest_span_or_trap(g, ptr, length);
  if (length > g->pending_size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  if (length > 0) memcpy(target, g->pending_answer, length);
  free(g->pending_answer);
  g->pending_answer = NULL;
  g->pending_size = 0;
}

u32 Z_hostZ_rest_delete(struct Z_host_instance_t* host, u32 ptr, u32 length) {
  return (u32)orthanc_rest_delete((const char*)guest_span_or_trap(host->guest, ptr, length), length);
}

u32 Z_hostZ_upload_read(struct Z_host_instance_t* host, u64 offset, u32 ptr, u32 length) {
  guest_t* g = host->guest;
  uint8_t* target = guest_span_or_trap(g, ptr, length);
  if (g->checked_bytes == NULL || offset >= g->checked_size) return 0;
  uint64_t available = g->checked_size - offset;
  uint32_t count = available < length ? (uint32_t)available : length;
  memcpy(target, g->checked_bytes + offset, count);
  return count;
}

f64 Z_hostZ_now_ms(struct Z_host_instance_t* host) {
  (void)host;
  return clock_now_ms();
}

