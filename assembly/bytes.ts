// Random access to the bytes of one uploaded file: a staged file read through the host
// (host/index.ts StagedFile), or bytes in module memory (a ZIP member, an inflated data set);
// and the one set of fixed-width integer readers the module has (ZIP, DEFLATE, DICOM, the wire).

// WebAssembly memory is little-endian, so a little-endian value is one load; DICOM's retired
// big-endian syntax needs the bytes swapped.
export function loadLE16(at: usize): u32 {
  return <u32>load<u16>(at);
}

export function loadLE32(at: usize): u32 {
  return load<u32>(at);
}

export function loadBE16(at: usize): u32 {
  return <u32>bswap<u16>(load<u16>(at));
}

export function loadBE32(at: usize): u32 {
  return bswap<u32>(load<u32>(at));
}

function checkedAt(bytes: Uint8Array, at: i32, width: i32): usize {
  if (at < 0 || at + width > bytes.length) throw new RangeError("read past the end of a buffer");
  return bytes.dataStart + <usize>at;
}

/** The little-endian u16 at `bytes[at]`; past the end is a trap, as an index would be. */
export function le16(bytes: Uint8Array, at: i32): u32 {
  return loadLE16(checkedAt(bytes, at, 2));
}

/** The little-endian u32 at `bytes[at]`; past the end is a trap, as an index would be. */
export function le32(bytes: Uint8Array, at: i32): u32 {
  return loadLE32(checkedAt(bytes, at, 4));
}

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
