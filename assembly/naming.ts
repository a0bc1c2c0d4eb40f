// How DICOM values become file and folder names.
// Compatible with the built-in share (docs/orthanc.md, "The built-in share": templates, trimming, " (n)" suffixes),
// but every name can be shown on Windows, macOS and Linux: Unicode is kept, characters
// Windows forbids and control characters become "_", trailing dots become "_", reserved
// device names get a "_", and suffixes do not depend on database order.

/** A name's bytes are capped so that suffix and extension still fit in 255 bytes. */
export const MAX_NAME_BYTES = 200;

const REPLACEMENT: i32 = 0x5f; // "_"

function isForbidden(code: i32): bool {
  if (code < 0x20 || code == 0x7f) return true; // control characters
  switch (code) {
    case 0x5c: // backslash
    case 0x2f: // "/"
    case 0x3a: // ":"
    case 0x2a: // "*"
    case 0x3f: // "?"
    case 0x22: // '"'
    case 0x3c: // "<"
    case 0x3e: // ">"
    case 0x7c: // "|"
      return true;
  }
  return false;
}

function isSpace(code: i32): bool {
  return code == 0x20;
}

/** Windows refuses these names (with any extension) whatever the case. */
function isReservedDeviceName(name: string): bool {
  const dot = name.indexOf(".");
  const stem = (dot < 0 ? name : name.substring(0, dot)).toUpperCase();
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL") return true;
  if (stem.length == 4 && (stem.startsWith("COM") || stem.startsWith("LPT"))) {
    const digit = stem.charCodeAt(3);
    return digit >= 0x31 && digit <= 0x39;
  }
  return false;
}

/** Cuts a string so that its UTF-8 form is at most `maxBytes`, never inside a character. */
export function truncateUtf8(text: string, maxBytes: i32): string {
  if (String.UTF8.byteLength(text, false) <= maxBytes) return text;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i);
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += code >= 0x10000 ? 2 : 1;
  }
  return text.substring(0, i);
}

/**
 * Whether sanitizeName would return `raw` unchanged, decided without building anything: true of
 * nearly every DICOM value, and names are made for every child of every folder listed.
 */
function isAlreadySafe(raw: string): bool {
  const length = raw.length;
  if (length == 0 || length > MAX_NAME_BYTES / 4) return false; // long ones: the byte cap decides
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(length - 1);
  if (isSpace(first) || isSpace(last) || last == 0x2e) return false;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0x7f) return false; // non-ASCII (surrogates, asciiOnly): the full path
    if (isForbidden(code)) return false;
  }
  const dot = raw.indexOf(".");
  const stemLength = dot < 0 ? length : dot;
  return (stemLength != 3 && stemLength != 4) || !isReservedDeviceName(raw);
}

/**
 * Turns a raw value (a template already filled in) into a safe name.
 * `asciiOnly` drops every non-ASCII character, as the built-in share does.
 */
export function sanitizeName(raw: string, asciiOnly: bool): string {
  if (isAlreadySafe(raw)) return raw;
  const parts = new Array<string>();
  let i = 0;
  while (i < raw.length) {
    const code = raw.codePointAt(i);
    const units = code >= 0x10000 ? 2 : 1;
    i += units;
    if (code > 0x7f && asciiOnly) continue;
    if (code >= 0xd800 && code <= 0xdfff) {
      parts.push("_"); // a lone surrogate cannot be written as UTF-8
    } else if (isForbidden(code)) {
      parts.push(String.fromCharCode(REPLACEMENT));
    } else {
      parts.push(String.fromCodePoint(code));
    }
  }
  let name = parts.join("");
  // The built-in trims both ends and keeps inner runs of spaces.
  let start = 0;
  let end = name.length;
  while (start < end && isSpace(name.charCodeAt(start))) start++;
  while (end > start && isSpace(name.charCodeAt(end - 1))) end--;
  name = name.substring(start, end);
  name = truncateUtf8(name, MAX_NAME_BYTES);
  // Windows drops trailing dots and spaces silently, which would make two names equal.
  let cut = name.length;
  while (cut > 0 && (name.charCodeAt(cut - 1) == 0x2e || isSpace(name.charCodeAt(cut - 1)))) cut--;
  if (cut < name.length) {
    name = name.substring(0, cut) + "_".repeat(name.length - cut);
  }
  if (name.length == 0) return "_";
  if (isReservedDeviceName(name)) name += "_";
  return name;
}

/** Names that Windows and macOS would take for the same one get the same key. */
export function foldKey(name: string): string {
  return name.toLowerCase();
}

/** "A - B" as the built-in writes its templates; sanitizeName trims the result. */
export function joinFields(fields: Array<string>): string {
  return fields.join(" - ");
}

/** One child of a folder before it gets its final name. */
export class Candidate {
  /** foldKey(baseName), computed once: sorting compares it O(n log n) times. */
  key: string;
  constructor(public baseName: string, public id: string) {
    this.key = foldKey(baseName);
  }
}

/** The " (n)" a name gets; 0: none. */
function suffixed(baseName: string, suffix: i32): string {
  return suffix == 0 ? baseName : baseName + " (" + suffix.toString() + ")";
}

/**
 * A name of a group: the one its member at `position` (in id order) gets. Positions keep their
 * suffix while the group grows or shrinks, so a child arriving or leaving costs one name, not
 * one per member (an anonymized archive has thousands of studies named alike).
 */
class NameSlot {
  /** Index in NamedChildren.listed. */
  listed: i32 = -1;
  /** The display name, for the member it was made for (names differing in case keep theirs). */
  private shown: string = "";
  private shownFor: Candidate | null = null;

  constructor(public group: NameGroup, public position: i32, public suffix: i32, public key: string) {}

  get candidate(): Candidate {
    return this.group.members[this.position];
  }

  name(extension: string): string {
    const candidate = this.candidate;
    if (this.shownFor !== candidate) {
      this.shown = suffixed(candidate.baseName, this.suffix) + extension;
      this.shownFor = candidate;
    }
    return this.shown;
  }
}

/** The children whose base names are equal (as foldKey compares them), in id order. */
class NameGroup {
  members: Array<Candidate> = new Array<Candidate>();
  slots: Array<NameSlot> = new Array<NameSlot>();
  constructor(public key: string) {}

  /** Where the member with `id` is, or -(where it would go) - 1: members are in id order. */
  search(id: string): i32 {
    let low = 0;
    let high = this.members.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const other = this.members[middle].id;
      if (other < id) low = middle + 1;
      else if (other > id) high = middle - 1;
      else return middle;
    }
    return -low - 1;
  }
}

/**
 * A folder's children with their final, unique names, and the lookup by name. Kept up to date
 * child by child (addCandidate, removeCandidate) with the names a rebuild (assignUniqueNames)
 * would give; where that would take more than the child's own group of equal names, they
 * answer false and the caller rebuilds.
 *
 * Rules (the built-in's suffixes, made deterministic): in a group of equal names ordered by id,
 * the first keeps its name and the next take " (1)", " (2)", ... skipping any suffix that makes
 * another group's base name ("x (1)" when a child is called that). A suffixed name can equal no
 * other suffixed name (the trailing " (n)" tells both parts apart), so a group's suffixes depend
 * only on which base names exist.
 */
export class NamedChildren {
  extension: string = "";
  private groups: Map<string, NameGroup> = new Map<string, NameGroup>();
  private groupOfId: Map<string, NameGroup> = new Map<string, NameGroup>();
  private byKey: Map<string, NameSlot> = new Map<string, NameSlot>();
  /** Every child's slot, in no particular order: what a listing shows. */
  private listed: Array<NameSlot> = new Array<NameSlot>();

  /** The names assignUniqueNames documents, built in one pass. */
  static build(candidates: Array<Candidate>, extension: string): NamedChildren {
    const sorted = candidates.slice(0);
    sorted.sort(compareCandidates);
    const result = new NamedChildren();
    result.extension = extension;
    // Every group first: suffixes skip the base names of the others.
    const groups = new Array<NameGroup>();
    for (let i = 0; i < sorted.length; i++) {
      const candidate = sorted[i];
      if (result.groupOfId.has(candidate.id)) continue;
      if (groups.length == 0 || groups[groups.length - 1].key != candidate.key) {
        const group = new NameGroup(candidate.key);
        groups.push(group);
        result.groups.set(group.key, group);
      }
      const group = groups[groups.length - 1];
      group.members.push(candidate);
      result.groupOfId.set(candidate.id, group);
    }
    for (let g = 0; g < groups.length; g++) {
      for (let i = 0; i < groups[g].members.length; i++) result.addSlot(groups[g]);
    }
    return result;
  }

  get size(): i32 {
    return this.listed.length;
  }

  nameAt(index: i32): string {
    return this.listed[index].name(this.extension);
  }

  idAt(index: i32): string {
    return this.listed[index].candidate.id;
  }

  has(id: string): bool {
    return this.groupOfId.has(id);
  }

  /** The id of the child with this name (compared as foldKey does), or null. */
  find(name: string): string | null {
    const key = foldKey(name);
    if (!this.byKey.has(key)) return null;
    return this.byKey.get(key).candidate.id;
  }

  /** A new child. False when only a rebuild gives the right names. */
  addCandidate(candidate: Candidate): bool {
    if (this.groupOfId.has(candidate.id)) return false;
    const key = candidate.key;
    if (!this.groups.has(key)) {
      // A new base name that ends like a suffix ("x (1)") may take a suffix another group
      // has: rare, rebuilt.
      if (key.endsWith(")") || this.byKey.has(key + foldKey(this.extension))) return false;
      this.groups.set(key, new NameGroup(key));
    }
    const group = this.groups.get(key);
    const at = -group.search(candidate.id) - 1;
    const members = group.members;
    members.push(candidate); // then moved to its place (AssemblyScript's splice cannot insert)
    for (let i = members.length - 1; i > at; i--) members[i] = members[i - 1];
    members[at] = candidate;
    this.groupOfId.set(candidate.id, group);
    this.addSlot(group);
    return true;
  }

  /** A child gone. False when only a rebuild gives the right names. */
  removeCandidate(id: string): bool {
    if (!this.groupOfId.has(id)) return false;
    const group = this.groupOfId.get(id);
    const at = group.search(id);
    if (at < 0) return false;
    group.members.splice(at, 1);
    this.groupOfId.delete(id);
    this.removeLastSlot(group);
    if (group.members.length == 0) {
      this.groups.delete(group.key);
      return !group.key.endsWith(")"); // a base name like "x (1)" gone frees a suffix: rebuilt
    }
    return true;
  }

  /** Names the member at the group's next position: the next free suffix after the last one. */
  private addSlot(group: NameGroup): void {
    const position = group.slots.length;
    const baseName = group.members[position].baseName;
    let suffix = 0;
    let stem = baseName;
    if (position > 0) {
      suffix = group.slots[position - 1].suffix + 1;
      stem = suffixed(baseName, suffix);
      while (this.groups.has(foldKey(stem))) stem = suffixed(baseName, ++suffix);
    }
    const slot = new NameSlot(group, position, suffix, foldKey(stem + this.extension));
    group.slots.push(slot);
    this.byKey.set(slot.key, slot);
    slot.listed = this.listed.length;
    this.listed.push(slot);
  }

  private removeLastSlot(group: NameGroup): void {
    const slot = group.slots.pop();
    if (this.byKey.has(slot.key) && this.byKey.get(slot.key) === slot) this.byKey.delete(slot.key);
    const last = this.listed.pop();
    if (last !== slot) {
      this.listed[slot.listed] = last;
      last.listed = slot.listed;
    }
  }
}

function compareCandidates(a: Candidate, b: Candidate): i32 {
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  if (a.id < b.id) return -1;
  if (a.id > b.id) return 1;
  return 0;
}

/**
 * Gives every candidate a unique name. Equal names (as foldKey compares them) are ordered by
 * resource id, which Orthanc derives from the DICOM UIDs, so the same archive always gets the
 * same names: the first keeps its name, the next get " (1)", " (2)", ... (the built-in's
 * suffixes), skipping any that another child already has. `extension` is appended after the
 * suffix ("x (1).dcm").
 */
export function assignUniqueNames(candidates: Array<Candidate>, extension: string): NamedChildren {
  return NamedChildren.build(candidates, extension);
}
