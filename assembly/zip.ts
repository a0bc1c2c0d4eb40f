// Reading ZIP archives dropped into uploads/ (README, "Uploading"): Orthanc 1.10.1 dies on some corrupt
// archives, so archives never reach it whole. The module reads the central directory and
// inflates member after member (inflate.ts); each member is then checked like any uploaded
// file and imported on its own. Only the structures needed for that are read: no ZIP64, no
// encryption, stored and deflated members only; anything else is reported, never guessed.
import { ByteSource, le16, le32 } from "./bytes";
import { inflate, crc32 } from "./inflate";

const END_SIGNATURE: u32 = 0x06054b50;
const CENTRAL_SIGNATURE: u32 = 0x02014b50;
const LOCAL_SIGNATURE: u32 = 0x04034b50;
/** Members larger than this are refused: they would not fit the module's memory. */
export const MAX_MEMBER_BYTES: i32 = 256 * 1024 * 1024;

export class ZipMember {
  constructor(public name: string, public method: u32, public flags: u32, public crc: u32,
    public compressedSize: u32, public size: u32, public localOffset: u32) {}

  get isFolder(): bool {
    return this.name.endsWith("/");
  }
}

export class ZipDirectory {
  members: Array<ZipMember> = new Array<ZipMember>();
  error: string = "";
}

function readBytes(source: ByteSource, offset: u64, count: i32): Uint8Array | null {
  const bytes = new Uint8Array(count);
  return source.read(offset, bytes.dataStart, count) == count ? bytes : null;
}

/** The central directory of the archive, or an error saying why it cannot be read. */
export function readZipDirectory(source: ByteSource): ZipDirectory {
  const result = new ZipDirectory();
  const size = source.length;
  const tailLength = <i32>(size < 65557 ? size : 65557);
  const tail = tailLength >= 22 ? readBytes(source, size - <u64>tailLength, tailLength) : null;
  if (tail === null) {
    result.error = "not a readable ZIP archive (too short)";
    return result;
  }
  let end = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (le32(tail, i) == END_SIGNATURE) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    result.error = "not a readable ZIP archive (no central directory: truncated or corrupt)";
    return result;
  }
  const count = le16(tail, end + 10);
  const directorySize = le32(tail, end + 12);
  const directoryOffset = le32(tail, end + 16);
  if (count == 0xffff || directoryOffset == 0xffffffff) {
    result.error = "ZIP64 archives are not supported";
    return result;
  }
  if (<u64>directoryOffset + <u64>directorySize > size) {
    result.error = "corrupt ZIP archive (the central directory lies outside the file)";
    return result;
  }
  const directory = readBytes(source, directoryOffset, <i32>directorySize);
  if (directory === null) {
    result.error = "corrupt ZIP archive (the central directory cannot be read)";
    return result;
  }
  let at = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (at + 46 > directory.length || le32(directory, at) != CENTRAL_SIGNATURE) {
      result.error = "corrupt ZIP archive (entry " + i.toString() + " of the central directory)";
      return result;
    }
    const nameLength = <i32>le16(directory, at + 28);
    const extraLength = <i32>le16(directory, at + 30);
    const commentLength = <i32>le16(directory, at + 32);
    if (at + 46 + nameLength > directory.length) {
      result.error = "corrupt ZIP archive (a name runs past the central directory)";
      return result;
    }
    const name = String.UTF8.decodeUnsafe(directory.dataStart + <usize>(at + 46), <usize>nameLength, false);
    result.members.push(new ZipMember(name, le16(directory, at + 10), le16(directory, at + 8), le32(directory, at + 16),
      le32(directory, at + 20), le32(directory, at + 24), le32(directory, at + 42)));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return result;
}

export class MemberData {
  constructor(public data: Uint8Array | null, public error: string) {}
}

/** The bytes of one member, at most `budget` of them, with their CRC checked. */
export function extractMember(source: ByteSource, member: ZipMember, budget: u64): MemberData {
  if ((member.flags & 1) != 0) return new MemberData(null, "encrypted");
  if (member.method != 0 && member.method != 8) return new MemberData(null, "compression method " + member.method.toString() + " is not supported");
  const limit = budget < <u64>MAX_MEMBER_BYTES ? <i32>budget : MAX_MEMBER_BYTES;
  if (<u64>member.size > <u64>limit) return new MemberData(null, "unpacks to more than the configured limit");
  const header = readBytes(source, member.localOffset, 30);
  if (header === null || le32(header, 0) != LOCAL_SIGNATURE) return new MemberData(null, "corrupt local header");
  const dataOffset = <u64>member.localOffset + 30 + <u64>le16(header, 26) + <u64>le16(header, 28);
  if (dataOffset + <u64>member.compressedSize > source.length) return new MemberData(null, "its data runs past the end of the archive");
  const compressed = readBytes(source, dataOffset, <i32>member.compressedSize);
  if (compressed === null) return new MemberData(null, "its data cannot be read");
  let data: Uint8Array;
  if (member.method == 0) {
    data = compressed;
  } else {
    const result = inflate(compressed, limit, <i32>member.size);
    if (result.data === null) return new MemberData(null, result.error);
    data = result.data!;
  }
  if (<u32>data.length != member.size || crc32(data) != member.crc) {
    return new MemberData(null, "its data is corrupt (size or CRC-32 differs from the archive's directory)");
  }
  return new MemberData(data, "");
}
