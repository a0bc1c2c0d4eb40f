// Every function the module imports from the C shim, in one place, kept short: each is a door
// out of the sandbox. tests/integration/abi.test.js pins this list, so it cannot grow unnoticed. Strings cross as UTF-8 (pointer, length) in the module's memory.
import { ByteSource } from "../bytes";

/** Writes one line to Orthanc's log. level: 0 error, 1 warning, 2 info. */
@external("host", "log")
declare function hostLog(level: i32, ptr: usize, len: i32): void;

/**
 * GET on Orthanc's own REST API (no HTTP, no filter). Returns the answer's length, or -1 when
 * Orthanc answered an error (404 included). The answer waits in the shim until `rest_take`.
 */
@external("host", "rest_get")
declare function hostRestGet(uriPtr: usize, uriLen: i32): i32;

/** Copies the pending REST answer into [ptr, ptr + len) and forgets it. */
@external("host", "rest_take")
declare function hostRestTake(ptr: usize, len: i32): void;

/** DELETE on Orthanc's own REST API. Returns 0 when done, -1 when Orthanc answered an error. */
@external("host", "rest_delete")
declare function hostRestDelete(uriPtr: usize, uriLen: i32): i32;

/**
 * Reads bytes of the staged file a worker is checking (set by the shim for the duration of
 * `check_upload`): copies [offset, offset + len) to ptr, returns the count copied.
 */
@external("host", "upload_read")
declare function hostUploadRead(offset: u64, ptr: usize, len: i32): i32;

/** Wall-clock time, milliseconds since the Unix epoch. */
@external("host", "now_ms")
declare function hostNowMs(): f64;

export const LOG_ERROR = 0;
export const LOG_WARNING = 1;
export const LOG_INFO = 2;

export function log(level: i32, message: string): void {
  const bytes = String.UTF8.encode("WebDAV plugin: " + message, false);
  hostLog(level, changetype<usize>(bytes), bytes.byteLength);
}

/** The body of a successful REST GET, or null when Orthanc answered an error. */
export function restGet(uri: string): Uint8Array | null {
  const uriBytes = String.UTF8.encode(uri, false);
  const length = hostRestGet(changetype<usize>(uriBytes), uriBytes.byteLength);
  if (length < 0) return null;
  const answer = new Uint8Array(length);
  hostRestTake(answer.dataStart, length);
  return answer;
}

/** True when Orthanc deleted the resource at `uri`. */
export function restDelete(uri: string): bool {
  const uriBytes = String.UTF8.encode(uri, false);
  return hostRestDelete(changetype<usize>(uriBytes), uriBytes.byteLength) == 0;
}

/** The staged file being checked, read on demand: it is never copied into module memory. */
export class StagedFile extends ByteSource {
  constructor(private size: u64) {
    super();
  }
  get length(): u64 {
    return this.size;
  }
  read(offset: u64, target: usize, count: i32): i32 {
    return hostUploadRead(offset, target, count);
  }
}

export function nowMs(): f64 {
  return hostNowMs();
}

/**
 * Replaces AssemblyScript's default `abort` import (asconfig.json "use"): the message goes to
 * Orthanc's log through `host.log`, then the module traps, and the shim contains the trap.
 */
export function abortToHost(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = (message !== null ? message : "abort") +
    " at " + (fileName !== null ? fileName : "?") + ":" + line.toString() + ":" + column.toString();
  log(LOG_ERROR, "module aborted: " + text);
  unreachable();
}
