// The structure check of an uploaded file, inside the sandbox, before Orthanc sees it:
// Orthanc 1.10.1's parser (DCMTK 3.6.7) recurses once per nested sequence and kills the whole
// server on a file nested thousands of levels deep. The check reads every element header as
// DCMTK reads it, so that the nesting it counts is the nesting DCMTK will meet, and refuses every
// form where the two readings could differ: non-standard VRs, odd lengths, undefined lengths
// DCMTK would not read as a sequence, transfer syntaxes it does not know, a meta header whose
// group length disagrees with its elements. Each rule, and how it was checked against DCMTK, is
// in docs/dicom-parsing.md. Values are never read, except the few the share needs (the transfer
// syntax, private creators, and the IDs access rules check); the file is read through a
// ByteSource, so it never has to be copied into module memory (a deflated one is inflated).
import { TagClass, classOf, isPrivateCreator, isPrivateDataElement } from "./dictionary";
import { inflate } from "./inflate";
import { ByteSource, BytesSource, le16, loadBE16, loadBE32, loadLE16, loadLE32 } from "./bytes";
export { ByteSource, BytesSource };

const UNDEFINED: u32 = 0xffffffff;
const ITEM: u32 = 0xfffee000;
const ITEM_END: u32 = 0xfffee00d;
const SEQUENCE_END: u32 = 0xfffee0dd;
const PIXEL_DATA: u32 = 0x7fe00010;
const PATIENT_ID: u32 = 0x00100020;
const STUDY_UID: u32 = 0x0020000d;
const CHARACTER_SET: u32 = 0x00080005;
const META_GROUP_LENGTH: u32 = 0x00020000;
const TRANSFER_SYNTAX: u32 = 0x00020010;
/** Longest value the check reads (IDs, creators, the transfer syntax); longer ones are skipped. */
const MAX_VALUE_READ: u32 = 1024;

export const IMPLICIT_LITTLE = "1.2.840.10008.1.2";
export const EXPLICIT_LITTLE = "1.2.840.10008.1.2.1";
export const EXPLICIT_BIG = "1.2.840.10008.1.2.2";
export const DEFLATED = "1.2.840.10008.1.2.1.99";

/** JPIP Referenced Deflate: deflated as 1.2.840.10008.1.2.1.99 is. */
export const JPIP_DEFLATED = "1.2.840.10008.1.2.4.95";

/**
 * The explicit VR little endian syntaxes DCMTK 3.6.7 knows (dcxfer.cc; each checked with
 * dcmdump). With a UID it does not know, DCMTK guesses the encoding from the data, which the
 * check does not do: such files are refused. Those after the first two are encapsulated.
 */
const EXPLICIT_SYNTAXES: Array<string> = [
  EXPLICIT_LITTLE, "1.2.840.10008.1.2.5",
  "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.52", "1.2.840.10008.1.2.4.53",
  "1.2.840.10008.1.2.4.54", "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.56", "1.2.840.10008.1.2.4.57",
  "1.2.840.10008.1.2.4.58", "1.2.840.10008.1.2.4.59", "1.2.840.10008.1.2.4.60", "1.2.840.10008.1.2.4.61",
  "1.2.840.10008.1.2.4.62", "1.2.840.10008.1.2.4.63", "1.2.840.10008.1.2.4.64", "1.2.840.10008.1.2.4.65",
  "1.2.840.10008.1.2.4.66", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
  "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93",
  "1.2.840.10008.1.2.4.94", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
  "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.106",
  "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
];

/** The VRs of DICOM that DCMTK 3.6.7 reads as written; any other pair of bytes is refused. */
const SHORT_VRS = "AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US";
const LONG_VRS = "OB OD OF OL OV OW SQ SV UC UN UR UT UV";

function vrCode(a: u8, b: u8): u32 {
  return (<u32>a << 8) | <u32>b;
}

let shortVrs: Set<u32> | null = null;
let longVrs: Set<u32> | null = null;

function vrSet(list: string): Set<u32> {
  const set = new Set<u32>();
  for (let i = 0; i + 1 < list.length; i += 3) set.add(vrCode(<u8>list.charCodeAt(i), <u8>list.charCodeAt(i + 1)));
  return set;
}

function isShortVr(code: u32): bool {
  if (shortVrs === null) shortVrs = vrSet(SHORT_VRS);
  return shortVrs!.has(code);
}

function isLongVr(code: u32): bool {
  if (longVrs === null) longVrs = vrSet(LONG_VRS);
  return longVrs!.has(code);
}

const VR_SQ = vrCode(0x53, 0x51);
const VR_UN = vrCode(0x55, 0x4e);
const VR_OB = vrCode(0x4f, 0x42);
const VR_OW = vrCode(0x4f, 0x57);
const VR_UI = vrCode(0x55, 0x49);
const VR_UL = vrCode(0x55, 0x4c);
/** VOI LUT Sequence: OB or OW there is an error for DCMTK. */
const VOI_LUT_SEQUENCE: u32 = 0x00283010;

export enum Verdict {
  Valid = 0,
  NotDicom = 1, // no DICOM structure at all: plainly another kind of file (a viewer program, autorun.inf)
  Invalid = 2, // meant to be DICOM, but malformed or unsafe: reported to the user
}

export class CheckResult {
  /** PatientID and StudyInstanceUID at the top level, trimmed as Orthanc trims them. */
  patientId: string = "";
  studyUid: string = "";
  /** True when the IDs can be compared with Orthanc's (ASCII, or declared UTF-8). */
  idsComparable: bool = true;
  constructor(public verdict: Verdict, public reason: string) {}
}

/** How a data set is encoded. */
class Encoding {
  constructor(public explicit: bool, public big: bool) {}
}

const EXPLICIT_LE = new Encoding(true, false);
const IMPLICIT_LE = new Encoding(false, false);
const EXPLICIT_BE = new Encoding(true, true);

/** The private creators of one item: (group << 8 | block) -> creator. */
class Creators {
  map: Map<u32, string> = new Map<u32, string>();
  of(tag: u32): string {
    const key = ((tag >>> 16) << 8) | ((tag >>> 8) & 0xff);
    return this.map.has(key) ? this.map.get(key) : "";
  }
}

/** Trailing (and, where Orthanc strips them, leading) spaces and NULs go. */
function trimValue(text: string, leading: bool): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) == 0x20 || text.charCodeAt(end - 1) == 0)) end--;
  let start = 0;
  if (leading) while (start < end && (text.charCodeAt(start) == 0x20 || text.charCodeAt(start) == 0)) start++;
  return text.substring(start, end);
}

class Walker {
  private scratch: ArrayBuffer = new ArrayBuffer(16);
  error: string = "";
  result: CheckResult = new CheckResult(Verdict.Valid, "");
  characterSet: string = "";
  /** The transfer syntax is encapsulated. */
  encapsulated: bool = false;
  /** Top-level tags already met (of those the check reads). */
  seen: Set<u32> = new Set<u32>();
  /** The transfer syntax UID of the meta header (meta()). */
  syntax: string = "";

  constructor(public source: ByteSource, public maxDepth: i32) {}

  fail(message: string, offset: u64): u64 {
    if (this.error.length == 0) this.error = message + " (at byte " + offset.toString() + ")";
    return u64.MAX_VALUE;
  }

  /** Reads `count` bytes at `offset` into the scratch buffer; false when the file is shorter. */
  private fetch(offset: u64, count: i32): bool {
    return this.source.read(offset, changetype<usize>(this.scratch), count) == count;
  }

  private u16At(i: i32, big: bool): u32 {
    const p = changetype<usize>(this.scratch) + <usize>i;
    return big ? loadBE16(p) : loadLE16(p);
  }

  private u32At(i: i32, big: bool): u32 {
    const p = changetype<usize>(this.scratch) + <usize>i;
    return big ? loadBE32(p) : loadLE32(p);
  }

  private byteAt(i: i32): u8 {
    return load<u8>(changetype<usize>(this.scratch) + <usize>i);
  }

  private startsWithItem(offset: u64, big: bool): bool {
    return this.fetch(offset, 4) && this.tagAt(big) == ITEM;
  }

  private tagAt(big: bool): u32 {
    return (this.u16At(0, big) << 16) | this.u16At(2, big);
  }

  /** The bytes of a short value, or null when longer than MAX_VALUE_READ or cut off. */
  private valueBytes(offset: u64, length: u32): Uint8Array | null {
    if (length > MAX_VALUE_READ) return null;
    const bytes = new Uint8Array(<i32>length);
    return this.source.read(offset, bytes.dataStart, <i32>length) == <i32>length ? bytes : null;
  }

  /** A short value as text (Latin-1 bytes widened: the check only compares and trims it). */
  valueText(offset: u64, length: u32): string {
    const bytes = this.valueBytes(offset, length);
    if (bytes === null) return "";
    const codes = new Array<i32>(bytes.length);
    for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i];
    return String.fromCharCodes(codes);
  }

  /**
   * The value of an ID, trimmed; when its bytes cannot be compared with what Orthanc stores (not
   * ASCII, and not declared UTF-8; or too long to read), idsComparable is cleared.
   */
  private readId(offset: u64, length: u32): string {
    const bytes = this.valueBytes(offset, length);
    let ascii = bytes !== null;
    if (bytes !== null) for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) ascii = false;
    if (ascii || (bytes !== null && this.characterSet.indexOf("ISO_IR 192") >= 0)) {
      return trimValue(String.UTF8.decode(bytes!.buffer, false), true);
    }
    this.result.idsComparable = false;
    return "";
  }

  /**
   * Walks the elements in [start, end) of one data set or item. With `untilItemEnd`, the walk
   * must meet an item end delimiter first (an item of undefined length). `top`: the data set
   * itself (its IDs are collected). Returns the offset after the last element (after the
   * delimiter), or u64.MAX_VALUE on error.
   */
  walk(start: u64, end: u64, depth: i32, untilItemEnd: bool, encoding: Encoding, top: bool): u64 {
    const big = encoding.big;
    const creators = new Creators();
    let offset = start;
    while (offset < end) {
      if (!this.fetch(offset, 8)) return this.fail(untilItemEnd ? "item without its end" : "element header cut off by the end of the file", offset);
      const tag = this.tagAt(big);
      if ((tag >>> 16) == 0xfffe) {
        // Items and delimiters have no VR in any encoding (DCMTK: dictionary VR "na").
        if (tag != ITEM_END) return this.fail(tag == ITEM || tag == SEQUENCE_END ? "item tag outside a sequence" : "element of group FFFE", offset);
        if (!untilItemEnd) return this.fail("item end outside an item", offset);
        // A delimiter is 8 bytes whatever its length field says (DCMTK ignores it).
        return offset + 8;
      }
      let length: u32;
      let header: u64 = 8;
      let isSequence = false;
      let sequenceEncoding = encoding;
      let undefinedIsSequence = false;
      let mayBeFragments = false;
      if (encoding.explicit) {
        const code = vrCode(this.byteAt(4), this.byteAt(5));
        if (isLongVr(code)) {
          if (!this.fetch(offset, 12)) return this.fail("element header cut off by the end of the file", offset);
          length = this.u32At(8, big);
          header = 12;
        } else if (isShortVr(code)) {
          length = this.u16At(6, big);
        } else {
          // DCMTK guesses a length field for these (docs/dicom-parsing.md): refused instead.
          return this.fail("non-standard VR \"" + String.fromCharCodes([this.byteAt(4), this.byteAt(5)]) + "\" in element " + tagText(tag), offset);
        }
        isSequence = code == VR_SQ;
        if (tag == VOI_LUT_SEQUENCE && !isSequence) return this.fail("VOI LUT Sequence that is not a sequence", offset);
        if (code == VR_UN) {
          undefinedIsSequence = true; // CP-246: read as implicit VR little endian
          sequenceEncoding = IMPLICIT_LE;
        }
        mayBeFragments = tag == PIXEL_DATA && (code == VR_OB || code == VR_OW);
      } else {
        length = this.u32At(4, big);
        const kind = classOf(tag, isPrivateDataElement(tag) ? creators.of(tag) : "");
        isSequence = kind == TagClass.Sequence;
        undefinedIsSequence = kind == TagClass.Unknown;
        mayBeFragments = tag == PIXEL_DATA;
      }
      const valueStart = offset + header;
      if (length == UNDEFINED) {
        let after: u64;
        if (mayBeFragments) {
          if (big) return this.fail("encapsulated pixel data in big endian", offset);
          after = this.fragments(valueStart, end);
        } else if (isSequence || undefinedIsSequence) {
          after = this.items(valueStart, end, UNDEFINED, depth + 1, sequenceEncoding);
        } else {
          return this.fail("undefined length in element " + tagText(tag) + ", which is not a sequence", offset);
        }
        if (after == u64.MAX_VALUE) return after;
        offset = after;
        continue;
      }
      const valueEnd = valueStart + <u64>length;
      if (valueEnd > end || valueEnd > this.source.length) {
        return this.fail("element " + tagText(tag) + " of length " + length.toString() + " runs past the end of its container", offset);
      }
      if (!isSequence && !encoding.explicit && length >= 8 && this.startsWithItem(valueStart, big)) {
        // Implicit VR, a value made of items: DCMTK reads it as a sequence if its dictionary
        // (with Orthanc's "Dictionary" entries, and creators as it normalises them) says SQ.
        // It is walked as one either way, so that no nesting goes uncounted.
        isSequence = true;
      }
      if (isSequence) {
        if (length > 0 && this.items(valueStart, valueEnd, length, depth + 1, encoding) == u64.MAX_VALUE) return u64.MAX_VALUE;
      } else if (isPrivateCreator(tag)) {
        creators.map.set(((tag >>> 16) << 8) | (tag & 0xff), creatorOf(this.valueText(valueStart, length)));
      } else if (top) {
        if (tag == PIXEL_DATA && this.encapsulated) return this.fail("native pixel data in an encapsulated transfer syntax", offset);
        // DCMTK keeps the first of two equal tags: so does the check.
        if (tag == CHARACTER_SET && !this.seen.has(tag)) this.characterSet = this.valueText(valueStart, length);
        else if (tag == PATIENT_ID && !this.seen.has(tag)) this.result.patientId = this.readId(valueStart, length);
        else if (tag == STUDY_UID && !this.seen.has(tag)) this.result.studyUid = this.readId(valueStart, length);
        this.seen.add(tag);
      }
      offset = valueEnd;
    }
    if (untilItemEnd) return this.fail("item without its end", offset);
    return offset;
  }

  /** Items of a sequence in [start, end), or until the sequence end when `length` is undefined. */
  private items(start: u64, end: u64, length: u32, depth: i32, encoding: Encoding): u64 {
    if (depth > this.maxDepth) return this.fail("sequences nested deeper than " + this.maxDepth.toString() + " levels", start);
    const big = encoding.big;
    let offset = start;
    const limit = length == UNDEFINED ? end : start + <u64>length;
    for (;;) {
      if (length != UNDEFINED && offset == limit) return offset;
      if (!this.fetch(offset, 8) || offset + 8 > limit) {
        return this.fail(length == UNDEFINED ? "sequence without its end" : "item cut off by the end of its sequence", offset);
      }
      const tag = this.tagAt(big);
      const itemLength = this.u32At(4, big);
      if (tag == SEQUENCE_END) {
        if (length != UNDEFINED) return this.fail("sequence end inside a sequence of defined length", offset);
        return offset + 8;
      }
      if (tag != ITEM) return this.fail("a sequence holds something else than items", offset);
      const itemStart = offset + 8;
      if (itemLength == UNDEFINED) {
        const after = this.walk(itemStart, limit, depth, true, encoding, false);
        if (after == u64.MAX_VALUE) return after;
        offset = after;
      } else {
        const itemEnd = itemStart + <u64>itemLength;
        if (itemEnd > limit || itemEnd > this.source.length) return this.fail("item length " + itemLength.toString() + " runs past the end of its sequence", offset);
        if (this.walk(itemStart, itemEnd, depth, false, encoding, false) == u64.MAX_VALUE) return u64.MAX_VALUE;
        offset = itemEnd;
      }
    }
    return u64.MAX_VALUE; // not reached: the loop returns
  }

  /** Fragments of an encapsulated pixel data: items of defined length, then the sequence end. */
  private fragments(start: u64, end: u64): u64 {
    let offset = start;
    for (;;) {
      if (!this.fetch(offset, 8) || offset + 8 > end) return this.fail("encapsulated pixel data without its end", offset);
      const tag = this.tagAt(false);
      const length = this.u32At(4, false);
      if (tag == SEQUENCE_END) return offset + 8;
      if (tag != ITEM || length == UNDEFINED) return this.fail("invalid fragment in encapsulated pixel data", offset);
      const next = offset + 8 + <u64>length;
      if (next > end || next > this.source.length) return this.fail("fragment runs past the end of the file", offset);
      offset = next;
    }
    return u64.MAX_VALUE; // not reached: the loop returns
  }

  /**
   * The file meta header, explicit VR little endian, from `start`: its end, with the transfer
   * syntax left in `syntax`; u64.MAX_VALUE on error. Its group length, when present, must be
   * exactly the size of the group-0002 elements that follow it (DCMTK trusts it).
   */
  meta(start: u64): u64 {
    let offset = start;
    let groupEnd: u64 = u64.MAX_VALUE;
    for (;;) {
      if (offset == groupEnd) break;
      if (!this.fetch(offset, 8)) {
        if (groupEnd == u64.MAX_VALUE && offset == this.source.length) break;
        return this.fail("meta header cut off by the end of the file", offset);
      }
      const tag = this.tagAt(false);
      if ((tag >>> 16) != 0x0002) {
        if (groupEnd != u64.MAX_VALUE) return this.fail("meta header shorter than its group length says", offset);
        break;
      }
      const code = vrCode(this.byteAt(4), this.byteAt(5));
      let length: u32;
      let header: u64 = 8;
      if (isLongVr(code)) {
        if (!this.fetch(offset, 12)) return this.fail("meta header cut off by the end of the file", offset);
        length = this.u32At(8, false);
        header = 12;
      } else if (isShortVr(code)) {
        length = this.u16At(6, false);
      } else {
        return this.fail("non-standard VR in the meta header", offset);
      }
      if (length == UNDEFINED || code == VR_SQ) return this.fail("meta header element " + tagText(tag) + " is not a plain value", offset);
      const valueEnd = offset + header + <u64>length;
      if (valueEnd > this.source.length) return this.fail("meta header element runs past the end of the file", offset);
      if (tag == META_GROUP_LENGTH) {
        if (offset != start || length != 4 || code != VR_UL) return this.fail("meta header group length not as DCMTK reads it", offset);
        this.fetch(offset + 8, 4);
        groupEnd = valueEnd + <u64>this.u32At(0, false);
      } else if (tag == TRANSFER_SYNTAX) {
        // Debian's DCMTK reads it only with VR UI (else it guesses); a second one it ignores.
        if (code != VR_UI || this.syntax.length > 0) return this.fail("transfer syntax element not as DCMTK reads it", offset);
        this.syntax = trimValue(this.valueText(offset + header, length), false);
        if (this.syntax.length == 0) return this.fail("empty transfer syntax", offset);
      }
      offset = valueEnd;
      if (groupEnd != u64.MAX_VALUE && offset > groupEnd) return this.fail("meta header longer than its group length says", offset);
    }
    if (groupEnd != u64.MAX_VALUE && this.fetch(offset, 2) && this.u16At(0, false) == 0x0002) {
      return this.fail("meta header longer than its group length says", offset);
    }
    return offset;
  }

  /** The result of a walk that ended at `end` (u64.MAX_VALUE on error), `what` naming the part read. */
  finish(end: u64, what: string): CheckResult {
    if (end == u64.MAX_VALUE) return new CheckResult(Verdict.Invalid, what + ": " + this.error);
    return this.result;
  }
}

/** A private creator as DCMTK caches it: its first value, without surrounding spaces. */
function creatorOf(value: string): string {
  const backslash = value.indexOf("\\");
  return trimValue(backslash >= 0 ? value.substring(0, backslash) : value, true);
}

function tagText(tag: u32): string {
  let text = tag.toString(16).toUpperCase();
  while (text.length < 8) text = "0" + text;
  return "(" + text.substring(0, 4) + "," + text.substring(4) + ")";
}

/** Files above this inflate to more than the module may hold; deflated ones are refused. */
const MAX_INFLATED: i32 = 256 * 1024 * 1024;

/**
 * Checks one uploaded file. `meantAsDicom`: its name ends with .dcm (or similar). `maxInflated`:
 * how large a deflated data set may grow (the share's bound on archives).
 */
export function checkDicom(source: ByteSource, meantAsDicom: bool, maxDepth: i32, maxInflated: u64 = <u64>MAX_INFLATED): CheckResult {
  const walker = new Walker(source, maxDepth);
  const preamble = new Uint8Array(4);
  const hasPreamble = source.length >= 132 && source.read(128, preamble.dataStart, 4) == 4 &&
    preamble[0] == 0x44 && preamble[1] == 0x49 && preamble[2] == 0x43 && preamble[3] == 0x4d; // "DICM"
  // Without a preamble DCMTK looks for a meta header at byte 0 (group 0002), else a bare data set.
  const metaAtStart = !hasPreamble && source.read(0, preamble.dataStart, 2) == 2 && preamble[0] == 0x02 && preamble[1] == 0;
  if (!hasPreamble && !metaAtStart) return checkRawDataSet(walker, meantAsDicom);
  const metaEnd = walker.meta(metaAtStart ? 0 : 132);
  if (metaEnd == u64.MAX_VALUE) return walker.finish(metaEnd, "malformed DICOM meta header");
  const syntax = walker.syntax;
  if (syntax.length == 0) return new CheckResult(Verdict.Invalid, "malformed DICOM meta header: no transfer syntax");
  if (syntax == DEFLATED || syntax == JPIP_DEFLATED) return checkDeflated(source, metaEnd, maxDepth, maxInflated);
  if (syntax != IMPLICIT_LITTLE && syntax != EXPLICIT_BIG && !EXPLICIT_SYNTAXES.includes(syntax)) {
    return new CheckResult(Verdict.Invalid, "transfer syntax " + syntax + " is unknown to Orthanc's DICOM parser");
  }
  // A top-level pixel data of defined length is an error for DCMTK in an encapsulated syntax.
  walker.encapsulated = EXPLICIT_SYNTAXES.indexOf(syntax) >= 2;
  const encoding = syntax == IMPLICIT_LITTLE ? IMPLICIT_LE : syntax == EXPLICIT_BIG ? EXPLICIT_BE : EXPLICIT_LE;
  return walker.finish(walker.walk(metaEnd, source.length, 0, false, encoding, true), "malformed DICOM data set");
}

/**
 * A deflated data set (1.2.840.10008.1.2.1.99): everything after the meta header is a raw
 * DEFLATE stream whose output is explicit VR little endian. It is inflated in the sandbox and
 * that output checked.
 */
function checkDeflated(source: ByteSource, metaEnd: u64, maxDepth: i32, maxInflated: u64): CheckResult {
  const size = source.length - metaEnd;
  if (size > <u64>MAX_INFLATED) return new CheckResult(Verdict.Invalid, "deflated data set too large to check");
  const compressed = new Uint8Array(<i32>size);
  if (source.read(metaEnd, compressed.dataStart, <i32>size) != <i32>size) return new CheckResult(Verdict.Invalid, "deflated data set cannot be read");
  const limit = maxInflated < <u64>MAX_INFLATED ? <i32>maxInflated : MAX_INFLATED;
  const inflated = inflate(compressed, limit, 0);
  if (inflated.data === null) return new CheckResult(Verdict.Invalid, "deflated data set cannot be inflated: " + inflated.error);
  const walker = new Walker(new BytesSource(inflated.data!), maxDepth);
  const data = inflated.data!;
  return walker.finish(walker.walk(0, <u64>data.length, 0, false, EXPLICIT_LE, true), "malformed deflated DICOM data set");
}

/**
 * A file without the preamble and "DICM": DCMTK reads it as a bare data set and guesses its
 * encoding from the first element (docs/dicom-parsing.md, "Files without a preamble"). Only
 * the little-endian guesses are accepted. A file whose first element is not plausibly DICOM is
 * not DICOM at all.
 */
function checkRawDataSet(walker: Walker, meantAsDicom: bool): CheckResult {
  const source = walker.source;
  const head = new Uint8Array(8);
  const notDicom = meantAsDicom
    ? new CheckResult(Verdict.Invalid, "not a DICOM file: no \"DICM\" preamble at byte 128, and it does not begin with a DICOM data set")
    : new CheckResult(Verdict.NotDicom, "not DICOM");
  if (source.read(0, head.dataStart, 8) != 8) return notDicom;
  const group = le16(head, 0);
  // A bare data set begins with a group-0008 element (SOP Common, Identifying), or a group
  // length. Anything else is another kind of file: program, text, picture.
  if (group != 0x0008) return notDicom;
  const explicit = isShortVr(vrCode(head[4], head[5])) || isLongVr(vrCode(head[4], head[5]));
  const end = walker.walk(0, source.length, 0, false, explicit ? EXPLICIT_LE : IMPLICIT_LE, true);
  return walker.finish(end, "malformed DICOM data set (no preamble)");
}
