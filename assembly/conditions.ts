// Conditional requests (RFC 9110 13) and single byte ranges (RFC 9110 14) for GET and HEAD on
// the listener. Last-Modified has one-second precision, as share dates do.
import { parseHttpDate } from "./httpdate";

/** What the preconditions say: go on, 304 Not Modified, or 412 Precondition Failed. */
export enum Precondition { Proceed, NotModified, Failed }

/** The entity tags of an If-Match / If-None-Match list; "*" matches any current tag. */
function listMatches(list: string, tag: string, weak: bool): bool {
  const value = list.trim();
  if (value == "*") return tag.length > 0;
  if (tag.length == 0) return false;
  const items = value.split(",");
  for (let i = 0; i < items.length; i++) {
    let item = items[i].trim();
    const isWeak = item.startsWith("W/");
    if (isWeak) {
      if (!weak) continue; // strong comparison (13.1.1): a weak tag never matches
      item = item.substring(2);
    }
    if (item == tag) return true;
  }
  return false;
}

/**
 * The preconditions of a GET or HEAD in RFC 9110 13.2.2's order. `tag` is the strong tag ("" for
 * a folder), `modifiedMs` the Last-Modified time; absent headers are "".
 */
export function evaluatePreconditions(ifMatch: string, ifUnmodifiedSince: string, ifNoneMatch: string,
  ifModifiedSince: string, tag: string, modifiedMs: i64): Precondition {
  if (ifMatch.length > 0) {
    if (!listMatches(ifMatch, tag, false)) return Precondition.Failed;
  } else if (ifUnmodifiedSince.length > 0) {
    const since = parseHttpDate(ifUnmodifiedSince);
    if (since >= 0 && modifiedMs > since) return Precondition.Failed;
  }
  if (ifNoneMatch.length > 0) {
    if (listMatches(ifNoneMatch, tag, true)) return Precondition.NotModified;
  } else if (ifModifiedSince.length > 0) {
    const since = parseHttpDate(ifModifiedSince);
    if (since >= 0 && modifiedMs <= since) return Precondition.NotModified;
  }
  return Precondition.Proceed;
}

/** A Range header's verdict: the whole representation, one range, or 416. */
export enum RangeKind { Whole, Part, Unsatisfiable }

export class ByteRange {
  constructor(public kind: RangeKind, public start: u64 = 0, public length: u64 = 0) {}
}

function parseDigits(text: string): i64 {
  if (text.length == 0 || text.length > 18) return -1;
  let value: i64 = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return -1;
    value = value * 10 + <i64>(code - 0x30);
  }
  return value;
}

/**
 * The range to send of `size` bytes. Only a single bytes range is served: a malformed header,
 * another unit or several ranges are ignored (14.2 allows it) and the whole is sent. If-Range
 * (13.1.5) keeps the range only when it names the current strong tag or the exact date.
 */
export function selectRange(range: string, ifRange: string, tag: string, lastModified: string, size: u64): ByteRange {
  const whole = new ByteRange(RangeKind.Whole, 0, size);
  const value = range.trim();
  if (!value.startsWith("bytes=")) return whole;
  if (ifRange.length > 0) {
    const condition = ifRange.trim();
    const current = condition.startsWith("\"") ? condition == tag : condition == lastModified;
    if (!current) return whole;
  }
  const spec = value.substring(6).trim();
  if (spec.includes(",")) return whole;
  const dash = spec.indexOf("-");
  if (dash < 0) return whole;
  const first = spec.substring(0, dash).trim();
  const last = spec.substring(dash + 1).trim();
  if (first.length == 0) {
    const suffix = parseDigits(last);
    if (suffix < 0) return whole;
    if (suffix == 0 || size == 0) return new ByteRange(RangeKind.Unsatisfiable);
    const length = <u64>suffix < size ? <u64>suffix : size;
    return new ByteRange(RangeKind.Part, size - length, length);
  }
  const start = parseDigits(first);
  if (start < 0) return whole;
  let end: i64 = <i64>size - 1;
  if (last.length > 0) {
    const given = parseDigits(last);
    if (given < 0 || given < start) return whole;
    if (given < end) end = given;
  }
  if (<u64>start >= size) return new ByteRange(RangeKind.Unsatisfiable);
  return new ByteRange(RangeKind.Part, <u64>start, <u64>(end - start + 1));
}
