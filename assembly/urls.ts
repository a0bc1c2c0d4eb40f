// Request targets and hrefs on the plugin's own listener (docs/listener.md). The shim passes
// the target undecoded, so that this module decides what an escaped byte means: each path
// segment is percent-decoded on its own (a "%2F" stays inside its name, never a separator),
// must decode to valid UTF-8, and "." / ".." segments are refused rather than resolved
// (RFC 3986 5.2.4 resolution belongs to clients; a server that resolves them lets
// "/webdav/../x" look like the share). Hrefs in answers are percent-encoded the same way.

import { ByteWriter, isValidUtf8 } from "./wire";

/** What a target names: the root of the server, the share's root or below it, or nothing here. */
export enum TargetPlace { ServerRoot, Share, Outside, Invalid }

export class Target {
  constructor(public place: TargetPlace, public path: Array<string>, public trailingSlash: bool) {}
}

function hexValue(code: i32): i32 {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** A percent-decoded segment, or null when an escape is malformed or the bytes are not UTF-8. */
export function decodeSegment(segment: string): string | null {
  if (!segment.includes("%")) return segment;
  const ascii = String.UTF8.encode(segment);
  const source = Uint8Array.wrap(ascii);
  const bytes = new Uint8Array(source.length);
  let n = 0;
  for (let i = 0; i < source.length; i++) {
    let byte = <i32>source[i];
    if (byte == 0x25) {
      if (i + 2 >= source.length) return null;
      const high = hexValue(source[i + 1]);
      const low = hexValue(source[i + 2]);
      if (high < 0 || low < 0) return null;
      byte = (high << 4) | low;
      i += 2;
    }
    if (byte == 0) return null;
    bytes[n++] = <u8>byte;
  }
  // strict UTF-8 (no surrogates, no overlong forms), as wire.ts checks the core's paths
  if (!isValidUtf8(bytes.dataStart, <usize>n)) return null;
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>n);
}

/**
 * Reads a request target (origin form, or absolute form whose authority is ignored) against
 * the share's root ("/webdav"). The query, if any, is dropped.
 */
export function readTarget(target: string, root: string): Target {
  let path = target;
  const scheme = path.indexOf("://");
  if (scheme > 0 && scheme < 8) {
    const slash = path.indexOf("/", scheme + 3);
    path = slash < 0 ? "/" : path.substring(slash);
  }
  const query = path.indexOf("?");
  if (query >= 0) path = path.substring(0, query);
  if (!path.startsWith("/")) return new Target(TargetPlace.Invalid, [], false);
  const trailingSlash = path.length > 1 && path.endsWith("/");
  const segments = path.split("/");
  const components = new Array<string>();
  for (let i = 0; i < segments.length; i++) {
    if (segments[i].length == 0) continue;
    const decoded = decodeSegment(segments[i]);
    if (decoded === null || decoded == "." || decoded == "..") return new Target(TargetPlace.Invalid, [], false);
    components.push(decoded);
  }
  if (components.length == 0) return new Target(TargetPlace.ServerRoot, components, false);
  const rootParts = root.split("/").filter((part: string) => part.length > 0);
  if (components.length < rootParts.length) return new Target(TargetPlace.Outside, components, trailingSlash);
  for (let i = 0; i < rootParts.length; i++) {
    if (components[i] != rootParts[i]) return new Target(TargetPlace.Outside, components, trailingSlash);
  }
  return new Target(TargetPlace.Share, components.slice(rootParts.length), trailingSlash);
}

const HEX = "0123456789ABCDEF";

function percentByte(out: ByteWriter, byte: i32): void {
  out.u8(0x25);
  out.u8(HEX.charCodeAt(byte >> 4));
  out.u8(HEX.charCodeAt(byte & 15));
}

/**
 * Writes a name as one href segment: unreserved characters and a few sub-delims kept, the rest
 * %XX of its UTF-8 (a lone surrogate as U+FFFD). Nothing is allocated: a listing of 10,000
 * names with spaces cost a string per character before (docs/listener.md, speed).
 */
export function writeSegment(out: ByteWriter, name: string): void {
  for (let i = 0; i < name.length; i++) {
    let code = <i32>name.charCodeAt(i);
    if (code < 0x80) {
      if (keeps(code)) out.u8(code);
      else percentByte(out, code);
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < name.length) {
      const low = <i32>name.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code < 0xe000) code = 0xfffd;
    if (code < 0x800) {
      percentByte(out, 0xc0 | (code >> 6));
    } else if (code < 0x10000) {
      percentByte(out, 0xe0 | (code >> 12));
      percentByte(out, 0x80 | ((code >> 6) & 0x3f));
    } else {
      percentByte(out, 0xf0 | (code >> 18));
      percentByte(out, 0x80 | ((code >> 12) & 0x3f));
      percentByte(out, 0x80 | ((code >> 6) & 0x3f));
    }
    percentByte(out, 0x80 | (code & 0x3f));
  }
}

/** A name as one href segment, as writeSegment writes it. */
export function encodeSegment(name: string): string {
  let plain = true;
  for (let i = 0; i < name.length && plain; i++) plain = keeps(name.charCodeAt(i));
  if (plain) return name;
  const out = new ByteWriter(name.length * 9);
  writeSegment(out, name);
  return out.toText();
}

/** RFC 3986 unreserved, plus the sub-delims and ":" "@" that a path segment may hold, minus "&" (XML). */
function keeps(code: i32): bool {
  if ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return true;
  return code == 0x2d || code == 0x2e || code == 0x5f || code == 0x7e || code == 0x21 || code == 0x24 ||
    code == 0x27 || code == 0x28 || code == 0x29 || code == 0x2a || code == 0x2b || code == 0x2c ||
    code == 0x3b || code == 0x3d || code == 0x3a || code == 0x40;
}

/** The href of a path below the share's root: collections end in "/" (RFC 4918 8.3 lets clients rely on it). */
export function hrefOf(root: string, path: Array<string>, isFolder: bool): string {
  let href = root;
  for (let i = 0; i < path.length; i++) href += "/" + encodeSegment(path[i]);
  return isFolder ? href + "/" : href;
}
