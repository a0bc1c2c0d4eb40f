// The listener's write locks (RFC 4918 6, 7): held in the module's memory, per user (its identity), each on a
// path below the share's root with Depth 0 or infinity, exclusive or shared, until its timeout
// or UNLOCK. A restart forgets them (README says so): clients refresh or lock again. Paths are
// keyed by their components joined with "/" ("" is the share's root).

/** Longest timeout granted, and the one given when the client asks none or Infinite. */
export const MAX_TIMEOUT_SECONDS = 3600;

export class Lock {
  constructor(public token: string, public key: string, public infinite: bool, public exclusive: bool,
    public owner: string, public identity: string, public timeoutSeconds: i32, public expiresMs: f64) {}

  /** Whether the lock covers the resource at `key`: its own, or below it with Depth infinity. */
  covers(key: string): bool {
    return key == this.key || (this.infinite && isBelow(key, this.key));
  }
}

/** Whether `key` is strictly below `folder`. */
export function isBelow(key: string, folder: string): bool {
  if (folder.length == 0) return key.length > 0;
  return key.length > folder.length && key.startsWith(folder) && key.charCodeAt(folder.length) == 0x2f;
}

export function keyOf(path: Array<string>): string {
  return path.join("/");
}

/** The timeout a Timeout header asks (RFC 4918 10.7), bounded; the first of its values is taken. */
export function timeoutOf(header: string): i32 {
  const first = header.split(",")[0].trim();
  if (first.startsWith("Second-")) {
    const digits = first.substring(7);
    let value: i64 = 0;
    for (let i = 0; i < digits.length && i < 10; i++) {
      const c = digits.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return MAX_TIMEOUT_SECONDS;
      value = value * 10 + (c - 0x30);
    }
    if (digits.length > 0 && value > 0 && value < <i64>MAX_TIMEOUT_SECONDS) return <i32>value;
  }
  return MAX_TIMEOUT_SECONDS;
}

function hex(value: u32, width: i32): string {
  return value.toString(16).padStart(width, "0");
}

export class LockTable {
  private locks: Map<string, Lock> = new Map<string, Lock>();
  private issued: u32 = 0;
  /** Mixed into every token, so that tokens of one run differ from those of the next. */
  constructor(private seed: f64 = 0) {}

  get size(): i32 {
    return this.locks.size;
  }

  /** Drops the locks whose timeout has passed. */
  expire(nowMs: f64): void {
    if (this.locks.size == 0) return;
    const tokens = this.locks.keys();
    for (let i = 0; i < tokens.length; i++) if (this.locks.get(tokens[i]).expiresMs <= nowMs) this.locks.delete(tokens[i]);
  }

  find(token: string): Lock | null {
    return this.locks.has(token) ? this.locks.get(token) : null;
  }

  /** The locks that cover `key`. */
  covering(key: string): Array<Lock> {
    const result = new Array<Lock>();
    const all = this.locks.values();
    for (let i = 0; i < all.length; i++) if (all[i].covers(key)) result.push(all[i]);
    return result;
  }

  /** The locks on resources strictly below `key` (what a Depth infinity lock or a DELETE of a folder meets). */
  below(key: string): Array<Lock> {
    const result = new Array<Lock>();
    const all = this.locks.values();
    for (let i = 0; i < all.length; i++) if (isBelow(all[i].key, key)) result.push(all[i]);
    return result;
  }

  /** Whether a new lock at `key` would conflict (RFC 4918 6.1): an exclusive lock meets any other. */
  conflicts(key: string, infinite: bool, exclusive: bool): bool {
    const met = this.covering(key);
    if (infinite) {
      const under = this.below(key);
      for (let i = 0; i < under.length; i++) met.push(under[i]);
    }
    for (let i = 0; i < met.length; i++) if (exclusive || met[i].exclusive) return true;
    return false;
  }

  add(key: string, infinite: bool, exclusive: bool, owner: string, identity: string, timeoutSeconds: i32, nowMs: f64): Lock {
    this.issued++;
    // a version-4-shaped UUID from the clock, the seed and a counter: unique, not secret (a
    // token works only for the user who took the lock)
    const clock = <u64>nowMs;
    const seed = <u64>this.seed;
    const n = this.issued;
    const token = "urn:uuid:" + hex(<u32>(clock & 0xffffffff), 8) + "-" + hex(<u32>(clock >> 32 & 0xffff), 4) +
      "-4" + hex(n >> 20 & 0xfff, 3) + "-8" + hex(n >> 8 & 0xfff, 3) + "-" + hex(n & 0xff, 2) +
      hex(<u32>(seed & 0xffffffff), 8) + hex(<u32>(seed >> 32 & 0xff), 2);
    const lock = new Lock(token, key, infinite, exclusive, owner, identity, timeoutSeconds, nowMs + <f64>timeoutSeconds * 1000);
    this.locks.set(token, lock);
    return lock;
  }

  refresh(lock: Lock, timeoutSeconds: i32, nowMs: f64): void {
    lock.timeoutSeconds = timeoutSeconds;
    lock.expiresMs = nowMs + <f64>timeoutSeconds * 1000;
  }

  remove(token: string): void {
    if (this.locks.has(token)) this.locks.delete(token);
  }

  /** Drops the locks on `key` and below it (the resource was deleted or moved away, RFC 4918 7.5). */
  removeAt(key: string): void {
    const all = this.locks.values();
    for (let i = 0; i < all.length; i++) if (all[i].key == key || isBelow(all[i].key, key)) this.locks.delete(all[i].token);
  }
}
