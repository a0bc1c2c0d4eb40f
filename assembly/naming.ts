// How DICOM values become file and folder names.
// Compatible with the built-in share (orthanc.md §4: templates, trimming, " (n)" suffixes),
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
 * Turns a raw value (a template already filled in) into a safe name.
 * `asciiOnly` drops every non-ASCII character, as the built-in share does.
 */
export function sanitizeName(raw: string, asciiOnly: bool): string {
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

/**
 * A folder's children with their final, unique names, and the lookup by name. Kept up to date
 * child by child (addCandidate, removeCandidate) with the names a rebuild by assignUniqueNames
 * would give; where that would take more than the child's own group of equal names, they
 * answer false and the caller rebuilds.
 */
export class NamedChildren {
  names: Array<string> = new Array<string>();
  ids: Array<string> = new Array<string>();
  private byKey: Map<string, i32> = new Map<string, i32>();
  private indexOfId: Map<string, i32> = new Map<string, i32>();
  /** The candidates of each base name (by key), in id order: the order suffixes follow. */
  private groups: Map<string, Array<Candidate>> = new Map<string, Array<Candidate>>();
  private keyOfId: Map<string, string> = new Map<string, string>();
  extension: string = "";

  add(name: string, id: string): void {
    this.byKey.set(foldKey(name), this.names.length);
    this.indexOfId.set(id, this.names.length);
    this.names.push(name);
    this.ids.push(id);
  }

  /** For assignUniqueNames: the candidate is in its group (in id order, as it is called). */
  addToGroup(candidate: Candidate): void {
    if (!this.groups.has(candidate.key)) this.groups.set(candidate.key, new Array<Candidate>());
    this.groups.get(candidate.key).push(candidate);
    this.keyOfId.set(candidate.id, candidate.key);
  }

  has(id: string): bool {
    return this.indexOfId.has(id);
  }

  /** A new child. False when only a rebuild gives the right names. */
  addCandidate(candidate: Candidate): bool {
    if (this.indexOfId.has(candidate.id)) return false;
    const key = candidate.key;
    if (!this.groups.has(key)) {
      // A new base name that ends like a suffix ("x (1)") may take or free a name another
      // group's suffixes depend on: rare, rebuilt.
      if (key.endsWith(")") || this.byKey.has(key + foldKey(this.extension))) return false;
      this.groups.set(key, new Array<Candidate>());
    }
    const group = this.groups.get(key);
    let at = group.length;
    while (at > 0 && group[at - 1].id > candidate.id) at--;
    group.push(candidate); // then moved to its place (AssemblyScript's splice cannot insert)
    for (let i = group.length - 1; i > at; i--) group[i] = group[i - 1];
    group[at] = candidate;
    this.keyOfId.set(candidate.id, key);
    this.renameGroup(key);
    return true;
  }

  /** A child gone. False when only a rebuild gives the right names. */
  removeCandidate(id: string): bool {
    if (!this.indexOfId.has(id) || !this.keyOfId.has(id)) return false;
    const key = this.keyOfId.get(id);
    if (!this.groups.has(key)) return false;
    this.keyOfId.delete(id);
    const group = this.groups.get(key);
    let at = -1;
    for (let i = 0; i < group.length; i++) if (group[i].id == id) at = i;
    if (at < 0) return false;
    group.splice(at, 1);
    this.removeAt(this.indexOfId.get(id));
    if (group.length == 0) {
      this.groups.delete(key);
      return !key.endsWith(")"); // a base name like "x (1)" gone frees a suffix: rebuilt
    }
    this.renameGroup(key);
    return true;
  }

  /** Swap-removes the child at `index`. */
  private removeAt(index: i32): void {
    const last = this.names.length - 1;
    const key = foldKey(this.names[index]);
    if (this.byKey.has(key) && this.byKey.get(key) == index) this.byKey.delete(key);
    this.indexOfId.delete(this.ids[index]);
    if (index != last) {
      this.names[index] = this.names[last];
      this.ids[index] = this.ids[last];
      this.byKey.set(foldKey(this.names[index]), index);
      this.indexOfId.set(this.ids[index], index);
    }
    this.names.pop();
    this.ids.pop();
  }

  /** Names the group of `key` as assignUniqueNames does: the first keeps the name, then " (n)". */
  private renameGroup(key: string): void {
    const group = this.groups.get(key);
    for (let i = 0; i < group.length; i++) {
      if (!this.indexOfId.has(group[i].id)) continue;
      const index = this.indexOfId.get(group[i].id);
      const old = foldKey(this.names[index]);
      if (this.byKey.has(old) && this.byKey.get(old) == index) this.byKey.delete(old);
    }
    // Taken names only accumulate, so each member's suffix is the next free one after the
    // previous member's: the search goes on from there (restarting at 1 made a group of n
    // equal names cost n² names).
    let n = 1;
    for (let i = 0; i < group.length; i++) {
      const candidate = group[i];
      let name = candidate.baseName + this.extension;
      if (i > 0) {
        let stem: string;
        do {
          stem = candidate.baseName + " (" + n.toString() + ")";
          name = stem + this.extension;
          n++;
        } while (this.groups.has(foldKey(stem)) || this.byKey.has(foldKey(name)));
      }
      if (this.indexOfId.has(candidate.id)) {
        const index = this.indexOfId.get(candidate.id);
        this.names[index] = name;
        this.byKey.set(foldKey(name), index);
      } else {
        this.add(name, candidate.id);
      }
    }
  }

  /** The id of the child with this name (compared as foldKey does), or null. */
  find(name: string): string | null {
    const key = foldKey(name);
    if (!this.byKey.has(key)) return null;
    return this.ids[this.byKey.get(key)];
  }

  get size(): i32 {
    return this.names.length;
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
  const sorted = candidates.slice(0);
  sorted.sort(compareCandidates);
  const taken = new Set<string>();
  const extensionKey = foldKey(extension);
  for (let i = 0; i < sorted.length; i++) taken.add(sorted[i].key + extensionKey);
  const result = new NamedChildren();
  result.extension = extension;
  let previousKey = "";
  let n = 1; // the next suffix to try in the current group (see renameGroup)
  for (let i = 0; i < sorted.length; i++) {
    const candidate = sorted[i];
    const key = candidate.key;
    let name = candidate.baseName + extension;
    if (i == 0 || key != previousKey) n = 1;
    else {
      do {
        name = candidate.baseName + " (" + n.toString() + ")" + extension;
        n++;
      } while (taken.has(foldKey(name)));
      taken.add(foldKey(name));
    }
    previousKey = key;
    result.add(name, candidate.id);
    result.addToGroup(candidate);
  }
  return result;
}
