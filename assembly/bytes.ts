// Random access to the bytes of one uploaded file: a staged file read through the host
// (host/index.ts StagedFile), or bytes in module memory (a ZIP member, an inflated data set).
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
