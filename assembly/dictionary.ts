// What DCMTK's data dictionary says a tag is, for the upload check reading implicit VR
// (docs/dicom-parsing.md, "Implicit VR"): the stream carries no VR there, and DCMTK takes it from
// the dictionaries Orthanc loads. The tables are generated at build time from those very files
// (scripts/dictionary.js); this file only looks them up.
import { PUBLIC_TAGS, PUBLIC_CLASSES, RANGES, PRIVATE_KEYS, PRIVATE_CLASSES } from "./generated/dictionary";

export enum TagClass {
  /** SQ: the value is items, whatever its length. */
  Sequence = 1,
  /** Not in the dictionary, or UN: a defined length is opaque, an undefined one a sequence. */
  Unknown = 2,
  /** Any other VR: a defined length is opaque, an undefined one an error for DCMTK. */
  Other = 3,
}

let privateClasses: Map<string, u8> | null = null;

function privateTable(): Map<string, u8> {
  let table = privateClasses;
  if (table === null) {
    table = new Map<string, u8>();
    for (let i = 0; i < PRIVATE_KEYS.length; i++) table.set(PRIVATE_KEYS[i], PRIVATE_CLASSES[i]);
    privateClasses = table;
  }
  return table;
}

function inRange(value: u32, low: u32, high: u32, restriction: u32): bool {
  if (value < low || value > high) return false;
  return restriction == 2 || (value & 1) == restriction; // 0 even, 1 odd, 2 any
}

function hex(value: u32, digits: i32): string {
  let text = value.toString(16);
  while (text.length < digits) text = "0" + text;
  return text;
}

/** A private data element: odd group past the command and file meta groups, block 0x10 and above. */
export function isPrivateDataElement(tag: u32): bool {
  const group = tag >>> 16;
  return (group & 1) == 1 && group > 0x0008 && group != 0xffff && (tag & 0xffff) >= 0x1000;
}

/** A private creator element (gggg,0010-00FF) of a private group. */
export function isPrivateCreator(tag: u32): bool {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  return (group & 1) == 1 && group > 0x0008 && group != 0xffff && element >= 0x10 && element <= 0xff;
}

/**
 * The class of `tag`; `creator` is the private creator of its block in the same item ("" when
 * none), used for private data elements only, as DCMTK does.
 */
export function classOf(tag: u32, creator: string): TagClass {
  if (isPrivateDataElement(tag)) {
    if (creator.length == 0) return TagClass.Unknown;
    const key = creator + "|" + hex(tag >>> 16, 4) + "|" + hex(tag & 0xff, 2);
    const table = privateTable();
    return table.has(key) ? <TagClass>table.get(key) : TagClass.Unknown;
  }
  // Single entries first, then the repeating ones, as DCMTK's dictionary looks them up.
  let low = 0;
  let high = PUBLIC_TAGS.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = PUBLIC_TAGS[middle];
    if (at == tag) return <TagClass>PUBLIC_CLASSES[middle];
    if (at < tag) low = middle + 1;
    else high = middle - 1;
  }
  const group = tag >>> 16;
  const element = tag & 0xffff;
  for (let i = 0; i + 6 < RANGES.length; i += 7) {
    if (inRange(group, RANGES[i], RANGES[i + 1], RANGES[i + 2]) && inRange(element, RANGES[i + 3], RANGES[i + 4], RANGES[i + 5])) {
      return <TagClass>RANGES[i + 6];
    }
  }
  return TagClass.Unknown;
}
