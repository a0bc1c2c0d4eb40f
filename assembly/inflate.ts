// DEFLATE decoding (RFC 1951) and CRC-32, for ZIP archives dropped into uploads/. Written for
// the sandbox: every read is bounds-checked, the output is capped, and a malformed stream
// returns an error instead of trapping.
import { le16 } from "./bytes";

/** Canonical Huffman code: how many codes of each length, and the symbols in code order. */
class Huffman {
  counts: StaticArray<u16> = new StaticArray<u16>(16);
  symbols: StaticArray<u16>;

  constructor(maxSymbols: i32) {
    this.symbols = new StaticArray<u16>(maxSymbols);
  }

  /** Builds the code from code lengths; false when the lengths are over-subscribed. */
  build(lengths: StaticArray<u8>, count: i32): bool {
    for (let i = 0; i < 16; i++) this.counts[i] = 0;
    for (let i = 0; i < count; i++) this.counts[lengths[i]]++;
    if (<i32>this.counts[0] == count) return true; // no codes: only valid if never used
    let left: i32 = 1;
    for (let len = 1; len < 16; len++) {
      left <<= 1;
      left -= <i32>this.counts[len];
      if (left < 0) return false;
    }
    const offsets = new StaticArray<u16>(16);
    for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len] + this.counts[len];
    for (let i = 0; i < count; i++) {
      const len = lengths[i];
      if (len != 0) {
        this.symbols[offsets[len]] = <u16>i;
        offsets[len]++;
      }
    }
    return true;
  }
}

const LENGTH_BASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DISTANCE_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which code length code lengths are stored (RFC 1951, 3.2.7). */
const CODE_LENGTH_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export class InflateResult {
  constructor(public data: Uint8Array | null, public error: string) {}
}

class Inflater {
  position: i32 = 0; // in bytes
  bitBuffer: u32 = 0;
  bitCount: i32 = 0;
  out: Uint8Array;
  outLength: i32 = 0;
  error: string = "";

  constructor(public input: Uint8Array, public maxOutput: i32, expected: i32) {
    this.out = new Uint8Array(expected > 0 && expected <= maxOutput ? expected : 65536);
  }

  private fail(message: string): bool {
    if (this.error.length == 0) this.error = message;
    return false;
  }

  /** `count` bits (0..16), least significant first; sets `error` at the end of the input. */
  bits(count: i32): i32 {
    while (this.bitCount < count) {
      if (this.position >= this.input.length) {
        this.fail("the compressed data ends too early");
        return 0;
      }
      this.bitBuffer |= (<u32>this.input[this.position++]) << this.bitCount;
      this.bitCount += 8;
    }
    const value = <i32>(this.bitBuffer & ((1 << count) - 1));
    this.bitBuffer >>>= count;
    this.bitCount -= count;
    return value;
  }

  private emit(byte: u8): bool {
    if (this.outLength >= this.out.length) {
      if (this.out.length >= this.maxOutput) return this.fail("unpacks to more than the configured limit");
      let capacity = this.out.length * 2;
      if (capacity > this.maxOutput) capacity = this.maxOutput;
      const grown = new Uint8Array(capacity);
      memory.copy(grown.dataStart, this.out.dataStart, <usize>this.outLength);
      this.out = grown;
    }
    this.out[this.outLength++] = byte;
    return true;
  }

  private decode(code: Huffman): i32 {
    let value: i32 = 0; // the code read so far
    let first: i32 = 0; // the first code of the current length
    let index: i32 = 0; // the index of that code's symbol
    for (let len = 1; len < 16; len++) {
      value |= this.bits(1);
      if (this.error.length > 0) return -1;
      const count = <i32>code.counts[len];
      if (value - count < first) return <i32>code.symbols[index + (value - first)];
      index += count;
      first += count;
      first <<= 1;
      value <<= 1;
    }
    this.fail("invalid Huffman code");
    return -1;
  }

  private stored(): bool {
    this.bitBuffer = 0;
    this.bitCount = 0;
    if (this.position + 4 > this.input.length) return this.fail("the compressed data ends too early");
    const length = <i32>le16(this.input, this.position);
    const check = <i32>le16(this.input, this.position + 2);
    this.position += 4;
    if (length != (~check & 0xffff)) return this.fail("a stored block's length is corrupt");
    if (this.position + length > this.input.length) return this.fail("the compressed data ends too early");
    for (let i = 0; i < length; i++) if (!this.emit(this.input[this.position + i])) return false;
    this.position += length;
    return true;
  }

  private codes(lengths: Huffman, distances: Huffman): bool {
    for (;;) {
      const symbol = this.decode(lengths);
      if (symbol < 0) return false;
      if (symbol < 256) {
        if (!this.emit(<u8>symbol)) return false;
      } else if (symbol == 256) {
        return true;
      } else {
        const lengthIndex = symbol - 257;
        if (lengthIndex >= 29) return this.fail("invalid length symbol");
        const length = <i32>LENGTH_BASE[lengthIndex] + this.bits(LENGTH_EXTRA[lengthIndex]);
        const distanceSymbol = this.decode(distances);
        if (distanceSymbol < 0) return false;
        if (distanceSymbol >= 30) return this.fail("invalid distance symbol");
        const distance = <i32>DISTANCE_BASE[distanceSymbol] + this.bits(DISTANCE_EXTRA[distanceSymbol]);
        if (this.error.length > 0) return false;
        if (distance > this.outLength) return this.fail("a distance reaches before the start of the data");
        for (let i = 0; i < length; i++) {
          if (!this.emit(this.out[this.outLength - distance])) return false;
        }
      }
    }
    return false; // not reached
  }

  private fixed(): bool {
    const lengths = new StaticArray<u8>(288);
    for (let i = 0; i < 144; i++) lengths[i] = 8;
    for (let i = 144; i < 256; i++) lengths[i] = 9;
    for (let i = 256; i < 280; i++) lengths[i] = 7;
    for (let i = 280; i < 288; i++) lengths[i] = 8;
    const literal = new Huffman(288);
    literal.build(lengths, 288);
    const distanceLengths = new StaticArray<u8>(30);
    for (let i = 0; i < 30; i++) distanceLengths[i] = 5;
    const distance = new Huffman(30);
    distance.build(distanceLengths, 30);
    return this.codes(literal, distance);
  }

  private dynamic(): bool {
    const literalCount = this.bits(5) + 257;
    const distanceCount = this.bits(5) + 1;
    const codeCount = this.bits(4) + 4;
    if (this.error.length > 0) return false;
    if (literalCount > 286 || distanceCount > 30) return this.fail("too many codes in a dynamic block");
    const lengths = new StaticArray<u8>(320);
    for (let i = 0; i < codeCount; i++) lengths[CODE_LENGTH_ORDER[i]] = <u8>this.bits(3);
    const lengthCode = new Huffman(19);
    if (!lengthCode.build(lengths, 19)) return this.fail("invalid code lengths");
    const all = new StaticArray<u8>(320);
    let index = 0;
    while (index < literalCount + distanceCount) {
      let symbol = this.decode(lengthCode);
      if (symbol < 0) return false;
      if (symbol < 16) {
        all[index++] = <u8>symbol;
        continue;
      }
      let value: u8 = 0;
      let repeat: i32;
      if (symbol == 16) {
        if (index == 0) return this.fail("a repeat with nothing to repeat");
        value = all[index - 1];
        repeat = 3 + this.bits(2);
      } else if (symbol == 17) {
        repeat = 3 + this.bits(3);
      } else {
        repeat = 11 + this.bits(7);
      }
      if (index + repeat > literalCount + distanceCount) return this.fail("too many code lengths");
      for (let i = 0; i < repeat; i++) all[index++] = value;
    }
    if (all[256] == 0) return this.fail("no end-of-block code");
    const literal = new Huffman(286);
    const literalLengths = new StaticArray<u8>(286);
    for (let i = 0; i < literalCount; i++) literalLengths[i] = all[i];
    if (!literal.build(literalLengths, literalCount)) return this.fail("invalid literal code");
    const distance = new Huffman(30);
    const distanceLengths = new StaticArray<u8>(30);
    for (let i = 0; i < distanceCount; i++) distanceLengths[i] = all[literalCount + i];
    if (!distance.build(distanceLengths, distanceCount)) return this.fail("invalid distance code");
    return this.codes(literal, distance);
  }

  run(): bool {
    let last = 0;
    do {
      last = this.bits(1);
      const type = this.bits(2);
      if (this.error.length > 0) return false;
      let ok = false;
      if (type == 0) ok = this.stored();
      else if (type == 1) ok = this.fixed();
      else if (type == 2) ok = this.dynamic();
      else return this.fail("invalid block type");
      if (!ok) return false;
    } while (last == 0);
    return true;
  }
}

/** Inflates a raw DEFLATE stream to at most `maxOutput` bytes. */
export function inflate(input: Uint8Array, maxOutput: i32, expectedSize: i32): InflateResult {
  const inflater = new Inflater(input, maxOutput, expectedSize);
  if (!inflater.run()) return new InflateResult(null, inflater.error);
  return new InflateResult(inflater.out.subarray(0, inflater.outLength), "");
}

let crcTable: StaticArray<u32> | null = null;

export function crc32(data: Uint8Array): u32 {
  let table = crcTable;
  if (table === null) {
    table = new StaticArray<u32>(256);
    for (let n: u32 = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
    crcTable = table;
  }
  let crc: u32 = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ <u32>data[i]) & 0xff] ^ (crc >>> 8);
  return crc ^ 0xffffffff;
}
