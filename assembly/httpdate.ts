// Dates as the listener's protocol writes and reads them. The resource interface keeps share
// dates (YYYYMMDDTHHMMSS, UTC: clock.ts); WebDAV wants getlastmodified and Last-Modified as an
// HTTP date (RFC 9110 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT") and creationdate as RFC 3339
// (RFC 4918 15.1), and conditional requests send HTTP dates back (If-Modified-Since).

import { ByteWriter } from "./wire";

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

/** The civil date and time of epoch milliseconds, UTC (proleptic Gregorian, H. Hinnant's civil_from_days). */
class Civil {
  year: i32 = 0; month: i32 = 0; day: i32 = 0; weekday: i32 = 0; hours: i32 = 0; minutes: i32 = 0; seconds: i32 = 0;

  set(ms: i64): void {
    const totalSeconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000; // floor, before 1970 too
    const days = totalSeconds >= 0 ? totalSeconds / 86400 : (totalSeconds - 86399) / 86400;
    const second = <i32>(totalSeconds - days * 86400);
    this.hours = second / 3600;
    this.minutes = second / 60 % 60;
    this.seconds = second % 60;
    this.weekday = <i32>(((days % 7) + 7) % 7);
    const z = days + 719468;
    const era = (z >= 0 ? z : z - 146096) / 146097;
    const dayOfEra = <i32>(z - era * 146097);
    const yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const monthIndex = (5 * dayOfYear + 2) / 153;
    this.day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
    this.month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
    this.year = yearOfEra + <i32>era * 400 + (this.month <= 2 ? 1 : 0);
  }
}

// one per module instance: the formatters below run without allocating (a PROPFIND of 10,000
// entries writes 20,000 dates, and each allocation costs garbage-collector work)
const civil = new Civil();

function digitsOut(out: ByteWriter, value: i32, width: i32): void {
  let divisor = 1;
  for (let i = 1; i < width; i++) divisor *= 10;
  for (; divisor > 0; divisor /= 10) out.u8(0x30 + (value / divisor) % 10);
}

/** "HH:MM:SS" of the date last set in `civil`: both formats write it so. */
function timeOfDayOut(out: ByteWriter): void {
  digitsOut(out, civil.hours, 2);
  out.u8(0x3a);
  digitsOut(out, civil.minutes, 2);
  out.u8(0x3a);
  digitsOut(out, civil.seconds, 2);
}

/** Writes the HTTP date (IMF-fixdate) of epoch milliseconds (years 0-9999). */
export function writeHttpDate(out: ByteWriter, ms: i64): void {
  civil.set(ms);
  out.text(DAYS[civil.weekday]);
  out.text(", ");
  digitsOut(out, civil.day, 2);
  out.u8(0x20);
  out.text(MONTHS[civil.month - 1]);
  out.u8(0x20);
  digitsOut(out, civil.year, 4);
  out.u8(0x20);
  timeOfDayOut(out);
  out.text(" GMT");
}

/** Writes the RFC 3339 form of epoch milliseconds ("2024-01-02T03:04:05Z"). */
export function writeRfc3339(out: ByteWriter, ms: i64): void {
  civil.set(ms);
  digitsOut(out, civil.year, 4);
  out.u8(0x2d);
  digitsOut(out, civil.month, 2);
  out.u8(0x2d);
  digitsOut(out, civil.day, 2);
  out.u8(0x54);
  timeOfDayOut(out);
  out.u8(0x5a);
}

/** The HTTP date (IMF-fixdate) of epoch milliseconds, as a string (for headers). */
export function formatHttpDate(ms: i64): string {
  const out = new ByteWriter(32);
  writeHttpDate(out, ms);
  return out.toText();
}

/** The RFC 3339 form of epoch milliseconds, as a string. */
export function formatRfc3339(ms: i64): string {
  const out = new ByteWriter(32);
  writeRfc3339(out, ms);
  return out.toText();
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
