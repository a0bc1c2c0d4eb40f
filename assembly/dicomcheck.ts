// Checks the structure of an uploaded DICOM file inside the sandbox, before Orthanc sees it
// (issue 3, point 5): Orthanc 1.10.1's parser dies on some malformed files, e.g. sequences
// nested thousands of levels deep, and takes the whole server with it.
// The check walks every element without reading values: the Part 10 preamble and meta header,
// every element length within its container, sequences and items nested at most `maxDepth`,
// every undefined length closed by its delimiter. It reads through a ByteSource, so the file
// never has to be copied into module memory.

/** Random access to the bytes of one file. */
export abstract class ByteSource {
  abstract get length(): u64;
  /** Copies [offset, offset + count) into `target`; returns the number of bytes copied. */
  abstract read(offset: u64, target: usize, count: i32): i32;
}

export class BytesSource extends ByteSource {
  constructor(public bytes: Uint8Array) {
    super();
  }
  get length(): u64 {
    return <u64>this.bytes.length;
  }
  read(offset: u64, target: usize, count: i32): i32 {
    if (offset >= <u64>this.bytes.length) return 0;
    const available = <i32>(<u64>this.bytes.length - offset);
    const n = count < available ? count : available;
    memory.copy(target, this.bytes.dataStart + <usize>offset, <usize>n);
    return n;
  }
}

const UNDEFINED: u32 = 0xffffffff;
const ITEM: u32 = 0xfffee000;
const ITEM_END: u32 = 0xfffee00d;
const SEQUENCE_END: u32 = 0xfffee0dd;
const PIXEL_DATA: u32 = 0x7fe00010;

const IMPLICIT_LITTLE = "1.2.840.10008.1.2";
const EXPLICIT_BIG = "1.2.840.10008.1.2.2";
const DEFLATED = "1.2.840.10008.1.2.1.99";

/** VRs whose explicit encoding has a 2-byte reserved field and a 4-byte length. */
function hasLongLength(vr: string): bool {
  return vr == "OB" || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV" || vr == "SQ" ||
    vr == "UT" || vr == "UN" || vr == "UC" || vr == "UR" || vr == "SV" || vr == "UV";
}

function isVrByte(c: u8): bool {
  return c >= 0x41 && c <= 0x5a;
}

export enum Verdict {
  Valid = 0,
  NotDicom = 1, // no preamble: plainly not DICOM (a viewer program, autorun.inf)
  Invalid = 2, // meant to be DICOM, but malformed: reported to the user
}

export class CheckResult {
  constructor(public verdict: Verdict, public reason: string) {}
}

class Walker {
  private scratch: ArrayBuffer = new ArrayBuffer(16);
  error: string = "";
  explicit: bool = true;
  bigEndian: bool = false;

  constructor(public source: ByteSource, public maxDepth: i32) {}

  private fail(message: string, offset: u64): bool {
    if (this.error.length == 0) this.error = message + " (at byte " + offset.toString() + ")";
    return false;
  }

  /** Reads `count` bytes at `offset` into the scratch buffer; false when the file is shorter. */
  private fetch(offset: u64, count: i32): bool {
    return this.source.read(offset, changetype<usize>(this.scratch), count) == count;
  }

  private u16At(i: i32, big: bool): u32 {
    const p = changetype<usize>(this.scratch) + <usize>i;
    return big ? (<u32>load<u8>(p) << 8) | <u32>load<u8>(p + 1) : <u32>load<u16>(p);
  }

  private u32At(i: i32, big: bool): u32 {
    return big ? (this.u16At(i, true) << 16) | this.u16At(i + 2, true) : load<u32>(changetype<usize>(this.scratch) + <usize>i);
  }

  private byteAt(i: i32): u8 {
    return load<u8>(changetype<usize>(this.scratch) + <usize>i);
  }

  /**
   * Walks the elements in [start, end). With `untilItemEnd`, the walk must meet an item end
   * delimiter first (an item of undefined length). With `meta`, it stops at the first element
   * outside group 0002. Returns the offset after the last element (after the delimiter), or
   * u64.MAX_VALUE on error.
   */
  walk(start: u64, end: u64, depth: i32, untilItemEnd: bool, meta: bool): u64 {
    if (depth > this.maxDepth) {
      this.fail("sequences nested deeper than " + this.maxDepth.toString() + " levels", start);
      return u64.MAX_VALUE;
    }
    let offset = start;
    const big = this.bigEndian && !meta;
    while (offset < end) {
      if (!this.fetch(offset, 8)) {
        if (untilItemEnd) this.fail("item without its end", offset);
        else this.fail("element header cut off by the end of the file", offset);
        return u64.MAX_VALUE;
      }
      const tag = (this.u16At(0, big) << 16) | this.u16At(2, big);
      if (meta && (tag >>> 16) != 0x0002) return offset; // end of the meta header
      if (tag == ITEM_END) {
        if (!untilItemEnd) {
          this.fail("item end outside an item", offset);
          return u64.MAX_VALUE;
        }
        return offset + 8;
      }
      if (tag == ITEM || tag == SEQUENCE_END) {
        this.fail("item tag outside a sequence", offset);
        return u64.MAX_VALUE;
      }
      let length: u32;
      let header: u64;
      let isSequence = false;
      if (this.explicit || meta) {
        const vr = String.fromCharCodes([this.byteAt(4), this.byteAt(5)]);
        if (!isVrByte(this.byteAt(4)) || !isVrByte(this.byteAt(5))) {
          this.fail("invalid value representation", offset);
          return u64.MAX_VALUE;
        }
        if (hasLongLength(vr)) {
          if (!this.fetch(offset, 12)) {
            this.fail("element header cut off by the end of the file", offset);
            return u64.MAX_VALUE;
          }
          length = this.u32At(8, big);
          header = 12;
        } else {
          length = this.u16At(6, big);
          header = 8;
        }
        isSequence = vr == "SQ";
      } else {
        length = this.u32At(4, big);
        header = 8;
      }
      const valueStart = offset + header;
      if (length == UNDEFINED) {
        // A sequence, an encapsulated pixel data, or (implicit VR) an unknown sequence.
        const after = tag == PIXEL_DATA ? this.fragments(valueStart, end, depth) : this.items(valueStart, end, UNDEFINED, depth + 1);
        if (after == u64.MAX_VALUE) return after;
        offset = after;
        continue;
      }
      const valueEnd = valueStart + <u64>length;
      if (valueEnd > end || valueEnd > this.source.length) {
        this.fail("element length " + length.toString() + " runs past the end of its container", offset);
        return u64.MAX_VALUE;
      }
      if (!isSequence && !this.explicit && length >= 8 && this.fetch(valueStart, 4) &&
          ((this.u16At(0, big) << 16) | this.u16At(2, big)) == ITEM) {
        isSequence = true; // implicit VR: a value made of items is parsed as a sequence
      }
      if (isSequence && length > 0) {
        const after = this.items(valueStart, valueEnd, length, depth + 1);
        if (after == u64.MAX_VALUE) return after;
      }
      offset = valueEnd;
    }
    if (untilItemEnd) {
      this.fail("item without its end", offset);
      return u64.MAX_VALUE;
    }
    return offset;
  }

  /** Items of a sequence in [start, end), or until the sequence end when `length` is undefined. */
  private items(start: u64, end: u64, length: u32, depth: i32): u64 {
    if (depth > this.maxDepth) {
      this.fail("sequences nested deeper than " + this.maxDepth.toString() + " levels", start);
      return u64.MAX_VALUE;
    }
    const big = this.bigEndian;
    let offset = start;
    const limit = length == UNDEFINED ? end : start + <u64>length;
    for (;;) {
      if (length != UNDEFINED && offset == limit) return offset;
      if (!this.fetch(offset, 8) || offset + 8 > limit) {
        this.fail(length == UNDEFINED ? "sequence without its end" : "item cut off by the end of its sequence", offset);
        return u64.MAX_VALUE;
      }
      const tag = (this.u16At(0, big) << 16) | this.u16At(2, big);
      const itemLength = this.u32At(4, big);
      if (tag == SEQUENCE_END) {
        if (length != UNDEFINED) {
          this.fail("sequence end inside a sequence of defined length", offset);
          return u64.MAX_VALUE;
        }
        return offset + 8;
      }
      if (tag != ITEM) {
        this.fail("a sequence holds something else than items", offset);
        return u64.MAX_VALUE;
      }
      const itemStart = offset + 8;
      if (itemLength == UNDEFINED) {
        const after = this.walk(itemStart, limit, depth, true, false);
        if (after == u64.MAX_VALUE) return after;
        offset = after;
      } else {
        const itemEnd = itemStart + <u64>itemLength;
        if (itemEnd > limit || itemEnd > this.source.length) {
          this.fail("item length " + itemLength.toString() + " runs past the end of its sequence", offset);
          return u64.MAX_VALUE;
        }
        const after = this.walk(itemStart, itemEnd, depth, false, false);
        if (after == u64.MAX_VALUE) return after;
        offset = itemEnd;
      }
    }
    return u64.MAX_VALUE; // not reached: the loop returns
  }

  /** Fragments of an encapsulated pixel data: items of defined length, then the sequence end. */
  private fragments(start: u64, end: u64, depth: i32): u64 {
    let offset = start;
    for (;;) {
      if (!this.fetch(offset, 8) || offset + 8 > end) {
        this.fail("encapsulated pixel data without its end", offset);
        return u64.MAX_VALUE;
      }
      const tag = (this.u16At(0, false) << 16) | this.u16At(2, false);
      const length = this.u32At(4, false);
      if (tag == SEQUENCE_END) return offset + 8;
      if (tag != ITEM || length == UNDEFINED) {
        this.fail("invalid fragment in encapsulated pixel data", offset);
        return u64.MAX_VALUE;
      }
      const next = offset + 8 + <u64>length;
      if (next > end || next > this.source.length) {
        this.fail("fragment runs past the end of the file", offset);
        return u64.MAX_VALUE;
      }
      offset = next;
    }
    return u64.MAX_VALUE; // not reached: the loop returns
  }

  /** The transfer syntax UID from the meta header that ends at `metaEnd`. */
  transferSyntax(metaStart: u64, metaEnd: u64): string {
    let offset = metaStart;
    while (offset < metaEnd && this.fetch(offset, 8)) {
      const tag = (this.u16At(0, false) << 16) | this.u16At(2, false);
      const vr = String.fromCharCodes([this.byteAt(4), this.byteAt(5)]);
      let length: u32;
      let header: u64 = 8;
      if (hasLongLength(vr)) {
        if (!this.fetch(offset, 12)) return "";
        length = this.u32At(8, false);
        header = 12;
      } else {
        length = this.u16At(6, false);
      }
      if (tag == 0x00020010) {
        if (length > 64) return "";
        const bytes = new Uint8Array(<i32>length);
        if (this.source.read(offset + header, bytes.dataStart, <i32>length) != <i32>length) return "";
        let text = String.UTF8.decode(bytes.buffer, false);
        while (text.length > 0 && (text.endsWith("\0") || text.endsWith(" "))) text = text.substring(0, text.length - 1);
        return text;
      }
      offset += header + <u64>length;
    }
    return "";
  }
}

/** Checks one uploaded file. `meantAsDicom`: its name ends with .dcm (or similar). */
export function checkDicom(source: ByteSource, meantAsDicom: bool, maxDepth: i32): CheckResult {
  const preamble = new Uint8Array(4);
  const hasPreamble = source.length >= 132 && source.read(128, preamble.dataStart, 4) == 4 &&
    preamble[0] == 0x44 && preamble[1] == 0x49 && preamble[2] == 0x43 && preamble[3] == 0x4d; // "DICM"
  if (!hasPreamble) {
    return meantAsDicom
      ? new CheckResult(Verdict.Invalid, "not a DICOM file: no \"DICM\" preamble at byte 128 (truncated or another format)")
      : new CheckResult(Verdict.NotDicom, "not DICOM");
  }
  const walker = new Walker(source, maxDepth);
  const metaEnd = walker.walk(132, source.length, 0, false, true);
  if (metaEnd == u64.MAX_VALUE) return new CheckResult(Verdict.Invalid, "malformed DICOM meta header: " + walker.error);
  const syntax = walker.transferSyntax(132, metaEnd);
  if (syntax.length == 0) return new CheckResult(Verdict.Invalid, "malformed DICOM meta header: no transfer syntax");
  if (syntax == DEFLATED) {
    return new CheckResult(Verdict.Invalid, "deflated transfer syntax: its structure cannot be checked, so it is not imported");
  }
  walker.explicit = syntax != IMPLICIT_LITTLE;
  walker.bigEndian = syntax == EXPLICIT_BIG;
  const end = walker.walk(metaEnd, source.length, 0, false, false);
  if (end == u64.MAX_VALUE) return new CheckResult(Verdict.Invalid, "malformed DICOM data set: " + walker.error);
  return new CheckResult(Verdict.Valid, "");
}
