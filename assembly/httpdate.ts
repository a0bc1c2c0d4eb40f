// Dates as the listener's protocol writes and reads them. The resource interface keeps share
// dates (YYYYMMDDTHHMMSS, UTC: clock.ts); WebDAV wants getlastmodified and Last-Modified as an
// HTTP date (RFC 9110 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT") and creationdate as RFC 3339
// (RFC 4918 15.1), and conditional requests send HTTP dates back (If-Modified-Since).

const DAYS = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function digits(text: string, from: i32, count: i32): i32 {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Milliseconds since the epoch of a share date, or -1 when it is not one. */
export function shareDateMs(shareDate: string): i64 {
  if (shareDate.length != 15 || shareDate.charCodeAt(8) != 0x54) return -1;
  const year = digits(shareDate, 0, 4);
  const month = digits(shareDate, 4, 2);
  const day = digits(shareDate, 6, 2);
  const hours = digits(shareDate, 9, 2);
  const minutes = digits(shareDate, 11, 2);
  const seconds = digits(shareDate, 13, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hours < 0 || hours > 23 ||
      minutes < 0 || minutes > 59 || seconds < 0 || seconds > 60) return -1;
  return Date.UTC(year, month - 1, day, hours, minutes, seconds);
}

function pad2(value: i32): string {
  return value < 10 ? "0" + value.toString() : value.toString();
}

/** The HTTP date (IMF-fixdate) of epoch milliseconds. */
export function formatHttpDate(ms: i64): string {
  const date = new Date(ms);
  const days = <i32>(ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000);
  const weekday = DAYS[((days % 7) + 7) % 7];
  return weekday + ", " + pad2(date.getUTCDate()) + " " + MONTHS[date.getUTCMonth()] + " " +
    date.getUTCFullYear().toString().padStart(4, "0") + " " + pad2(date.getUTCHours()) + ":" +
    pad2(date.getUTCMinutes()) + ":" + pad2(date.getUTCSeconds()) + " GMT";
}

/** The RFC 3339 form of epoch milliseconds ("2024-01-02T03:04:05Z"). */
export function formatRfc3339(ms: i64): string {
  const date = new Date(ms);
  return date.getUTCFullYear().toString().padStart(4, "0") + "-" + pad2(date.getUTCMonth() + 1) + "-" +
    pad2(date.getUTCDate()) + "T" + pad2(date.getUTCHours()) + ":" + pad2(date.getUTCMinutes()) + ":" +
    pad2(date.getUTCSeconds()) + "Z";
}

/**
 * Epoch milliseconds of an HTTP date in the preferred form (IMF-fixdate), or -1. RFC 9110
 * 5.6.7 lets a recipient ignore the obsolete forms: a condition with a date not understood is
 * then ignored, which is what 13.1.3 asks for an invalid date.
 */
export function parseHttpDate(text: string): i64 {
  const value = text.trim();
  if (value.length != 29 || value.charCodeAt(3) != 0x2c || !value.endsWith(" GMT")) return -1;
  const day = digits(value, 5, 2);
  const month = MONTHS.indexOf(value.substring(8, 11));
  const year = digits(value, 12, 4);
  const hours = digits(value, 17, 2);
  const minutes = digits(value, 20, 2);
  const seconds = digits(value, 23, 2);
  if (day < 1 || day > 31 || month < 0 || year < 0 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59 ||
      seconds < 0 || seconds > 60) return -1;
  return Date.UTC(year, month, day, hours, minutes, seconds);
}
