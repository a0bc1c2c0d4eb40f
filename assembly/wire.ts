// The byte formats that cross the boundary with the shim (mirrored in plugin-shim/wire.h).
// The shim writes a request into the input buffer and the module answers in the output
// buffer; both live in module memory and are only valid until the next call.
// All integers are little-endian; strings are UTF-8 with a length prefix.
import { loadLE32 } from "./bytes";

export class ByteWriter {
  buffer: ArrayBuffer;
  length: i32 = 0;

  constructor(capacity: i32 = 4096) {
    this.buffer = new ArrayBuffer(capacity);
  }

  reset(): void {
    this.length = 0;
  }

  get dataStart(): usize {
    return changetype<usize>(this.buffer);
  }

  private reserve(extra: i32): usize {
    const needed = this.length + extra;
    if (needed > this.buffer.byteLength) {
      let capacity = this.buffer.byteLength * 2;
      if (capacity < needed) capacity = needed;
      const grown = new ArrayBuffer(capacity);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buffer), <usize>this.length);
      this.buffer = grown;
    }
    const at = changetype<usize>(this.buffer) + <usize>this.length;
    this.length = needed;
    return at;
  }

  u8(value: i32): void {
    store<u8>(this.reserve(1), <u8>value);
  }

  u16(value: i32): void {
    store<u16>(this.reserve(2), <u16>value);
  }

  u32(value: u32): void {
    store<u32>(this.reserve(4), value);
  }

  u64(value: u64): void {
    store<u64>(this.reserve(8), value);
  }

  raw(ptr: usize, length: i32): void {
    memory.copy(this.reserve(length), ptr, <usize>length);
  }

  bytes(data: ArrayBuffer): void {
    this.raw(changetype<usize>(data), data.byteLength);
  }

  /** A string's UTF-8 bytes, no prefix (the listener's answers are written this way). */
  text(value: string): void {
    this.textPart(value, 0, value.length);
  }

  /** The UTF-8 bytes of value[start, end), cut at character boundaries, no prefix. */
  textPart(value: string, start: i32, end: i32): void {
    const count = end - start;
    // a UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair: 4 bytes for 2 units)
    const at = this.reserve(count * 3);
    const written = String.UTF8.encodeUnsafe(changetype<usize>(value) + (<usize>start << 1), count, at);
    this.length -= count * 3 - <i32>written;
  }

  /** What was written, read as UTF-8. */
  toText(): string {
    return String.UTF8.decodeUnsafe(this.dataStart, <usize>this.length);
  }

  /** The decimal digits of `value`. */
  decimal(value: u64): void {
    let divisor: u64 = 1;
    while (value / divisor >= 10) divisor *= 10;
    for (; divisor > 0; divisor /= 10) this.u8(<i32>(value / divisor % 10) + 0x30);
  }

  /** A string with a u8 length prefix; longer strings are cut (only short ASCII goes here). */
  shortString(text: string): void {
    const data = String.UTF8.encode(text, false);
    const length = data.byteLength < 255 ? data.byteLength : 255;
    this.u8(length);
    this.raw(changetype<usize>(data), length);
  }

  /** A string with a u16 length prefix (names are capped well below 65535 bytes). */
  mediumString(text: string): void {
    const data = String.UTF8.encode(text, false);
    const length = data.byteLength < 65535 ? data.byteLength : 65535;
    this.u16(length);
    this.raw(changetype<usize>(data), length);
  }

  /** A string with a u32 length prefix. */
  longBytes(data: ArrayBuffer): void {
    this.u32(<u32>data.byteLength);
    this.bytes(data);
  }

  /** Overwrites a u32 written earlier (a count known only at the end). */
  patchU32(offset: i32, value: u32): void {
    store<u32>(changetype<usize>(this.buffer) + <usize>offset, value);
  }

  /**
   * Makes room for `capacity` bytes in all now, so that a large answer whose size is known
   * roughly is not grown (and copied) several times.
   */
  reserveTotal(capacity: i32): void {
    if (capacity > this.buffer.byteLength) {
      const at = this.length;
      this.reserve(capacity - at);
      this.length = at;
    }
  }

  /**
   * What was written, as its own buffer, without a copy: the buffer is cut to the length written
   * (in place: the allocator keeps the block) and handed over; the writer starts afresh. For a
   * large answer kept, so that writing it allocates it once (the collector's pace follows the
   * bytes allocated: docs/listener.md "Speed").
   */
  detach(): ArrayBuffer {
    const bytes = changetype<ArrayBuffer>(__renew(changetype<usize>(this.buffer), <usize>this.length));
    this.buffer = new ArrayBuffer(64);
    this.length = 0;
    return bytes;
  }

  /** A copy of what was written, to keep beyond the next reset. */
  snapshot(): ArrayBuffer {
    const copy = new ArrayBuffer(this.length);
    memory.copy(changetype<usize>(copy), changetype<usize>(this.buffer), <usize>this.length);
    return copy;
  }
}

/** Reads the request the shim wrote; every read is bounds-checked and fails softly. */
export class ByteReader {
  ptr: usize;
  end: usize;
  ok: bool = true;

  constructor(ptr: usize, length: i32) {
    this.ptr = ptr;
    this.end = ptr + <usize>length;
  }

  u8(): u8 {
    if (this.ptr + 1 > this.end) {
      this.ok = false;
      return 0;
    }
    const value = load<u8>(this.ptr);
    this.ptr += 1;
    return value;
  }

  u32(): u32 {
    if (this.ptr + 4 > this.end) {
      this.ok = false;
      return 0;
    }
    const value = loadLE32(this.ptr);
    this.ptr += 4;
    return value;
  }

  /** A string with a u32 length prefix. */
  string(): string {
    const length = this.u32();
    if (!this.ok || this.ptr + <usize>length > this.end) {
      this.ok = false;
      return "";
    }
    const text = String.UTF8.decodeUnsafe(this.ptr, <usize>length, false);
    this.ptr += <usize>length;
    return text;
  }

  /**
   * The path components of a WebDAV callback: a u32 count, then that many strings. A component
   * that is not valid UTF-8 (Orthanc decodes %FF and %ED%A0%80 into such bytes) becomes
   * INVALID_COMPONENT, which names nothing and is no acceptable name: decoding it with
   * replacement characters would give a name the client never sent.
   */
  components(): Array<string> {
    const count = this.u32();
    const result = new Array<string>();
    for (let i: u32 = 0; i < count && this.ok; i++) {
      const length = this.ptr + 4 <= this.end ? loadLE32(this.ptr) : 0;
      const valid = this.ptr + 4 + <usize>length <= this.end && isValidUtf8(this.ptr + 4, <usize>length);
      const text = this.string();
      result.push(valid ? text : INVALID_COMPONENT);
    }
    return result;
  }

  rest(): string {
    const text = String.UTF8.decodeUnsafe(this.ptr, this.end - this.ptr, false);
    this.ptr = this.end;
    return text;
  }
}

/** Stands for a path component that is not valid UTF-8: a control character, never a name. */
export const INVALID_COMPONENT = "\u0000";

/** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
export function isValidUtf8(ptr: usize, length: usize): bool {
  let i: usize = 0;
  while (i < length) {
    const c = <u32>load<u8>(ptr + i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let extra: usize;
    let low: u32 = 0x80;
    let high: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else return false;
    if (i + extra >= length) return false;
    const second = <u32>load<u8>(ptr + i + 1);
    if (second < low || second > high) return false;
    for (let k: usize = 2; k <= extra; k++) {
      const next = <u32>load<u8>(ptr + i + k);
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += extra + 1;
  }
  return true;
}

/** One input buffer, reused, grown on demand; the shim asks for it with `input(size)`. */
let inputBuffer = new ArrayBuffer(4096);

export function reserveInput(size: i32): usize {
  if (size > inputBuffer.byteLength) inputBuffer = new ArrayBuffer(size);
  return changetype<usize>(inputBuffer);
}

export function inputReader(length: i32): ByteReader {
  return new ByteReader(changetype<usize>(inputBuffer), length < inputBuffer.byteLength ? length : inputBuffer.byteLength);
}

export const output = new ByteWriter(65536);
