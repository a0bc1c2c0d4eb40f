// Who may connect to the plugin's own listener and as whom: exactly what Orthanc's port allows
// (docs/orthanc.md, "Request filter"), never more. RemoteAccessAllowed defaults to false and
// then only 127.0.0.1 may connect; AuthenticationEnabled defaults to RemoteAccessAllowed; with
// authentication, remote access and no RegisteredUsers, Orthanc adds orthanc / orthanc. Unlike
// Orthanc's port, passwords are compared in constant time and failed logins from one address
// are answered more and more slowly.
import { JSON } from "assemblyscript-json/assembly";
import { decode as decodeBase64 } from "as-base64/assembly";

/** Delay of the first failed login of an address; it doubles with each one, up to MAX_DELAY_MS. */
const FIRST_DELAY_MS: i32 = 200;
const MAX_DELAY_MS: i32 = 5000;
/** An address's failures are forgotten this long after its last one. */
const FORGET_AFTER_MS: f64 = 60000;
/** Addresses whose failures are remembered at once (beyond, the oldest are forgotten). */
const MAX_ADDRESSES = 4096;

class Failures {
  constructor(public count: i32, public lastMs: f64) {}
}

function flag(top: JSON.Obj, key: string, fallback: bool): bool {
  const value = top.get(key);
  return value !== null && value.isBool ? (<JSON.Bool>value).valueOf() : fallback;
}

/** Equality of two byte strings whose time depends on their lengths only. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  let difference = a.length ^ b.length;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) difference |= <i32>(a[i] ^ b[i]);
  return difference == 0;
}

function isBase64(token: string): bool {
  if (token.length == 0 || token.length % 4 != 0) return false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2f;
    const padding = c == 0x3d && i >= token.length - 2 && (i == token.length - 1 || token.charCodeAt(token.length - 1) == 0x3d);
    if (!letter && !padding) return false;
  }
  return true;
}

/**
 * The users Orthanc lets in and their passwords (user -> password), as Orthanc reads them:
 * RegisteredUsers, or, with authentication and remote access on and no user registered, the
 * orthanc / orthanc user Orthanc adds itself (it is not in the configuration the plugin reads).
 * The one reading of them: the listener's login (below) and the access rules' credentials
 * (access.ts) both come from here.
 */
export function registeredUsers(top: JSON.Obj): Map<string, string> {
  const result = new Map<string, string>();
  const users = top.get("RegisteredUsers");
  if (users !== null && users.isObj) {
    const names = (<JSON.Obj>users).keys;
    for (let i = 0; i < names.length; i++) {
      const password = (<JSON.Obj>users).get(names[i]);
      if (password !== null && password.isString) result.set(names[i], (<JSON.Str>password).valueOf());
    }
  }
  const remoteAccessAllowed = flag(top, "RemoteAccessAllowed", false);
  if (flag(top, "AuthenticationEnabled", remoteAccessAllowed) && remoteAccessAllowed && result.size == 0) {
    result.set("orthanc", "orthanc");
  }
  return result;
}

export class Login {
  remoteAccessAllowed: bool = false;
  authenticationEnabled: bool = false;
  /** user -> password (UTF-8 bytes) */
  passwords: Map<string, Uint8Array> = new Map<string, Uint8Array>();
  private failures: Map<string, Failures> = new Map<string, Failures>();
  private unknownUser: Uint8Array = new Uint8Array(0);

  /** Orthanc's rules, from the whole Orthanc configuration. */
  static of(top: JSON.Obj): Login {
    const login = new Login();
    login.remoteAccessAllowed = flag(top, "RemoteAccessAllowed", false);
    login.authenticationEnabled = flag(top, "AuthenticationEnabled", login.remoteAccessAllowed);
    const users = registeredUsers(top);
    const names = users.keys();
    for (let i = 0; i < names.length; i++) login.passwords.set(names[i], Uint8Array.wrap(String.UTF8.encode(users.get(names[i]))));
    return login;
  }

  /** Whether a client at this address may connect at all (Orthanc: only 127.0.0.1 is local). */
  mayConnect(address: string): bool {
    return this.remoteAccessAllowed || address == "127.0.0.1";
  }

  /** The user a Basic Authorization header proves, "" for none (the protocol answers 401 when authentication is enabled). */
  userOf(authorization: string): string {
    const value = authorization.trim();
    if (!value.startsWith("Basic ") && !value.startsWith("basic ")) return "";
    const token = value.substring(6).trim();
    if (!isBase64(token)) return "";
    const decoded = String.UTF8.decode(decodeBase64(token).buffer);
    // Orthanc matches the whole "user:password", so a name may hold ":" ("neuro:ops"): every
    // colon is a possible end of the name, and each is compared (an unknown user costs the same
    // comparison as a known one).
    let proved = "";
    for (let colon = decoded.indexOf(":", 1); colon > 0; colon = decoded.indexOf(":", colon + 1)) {
      const user = decoded.substring(0, colon);
      const given = Uint8Array.wrap(String.UTF8.encode(decoded.substring(colon + 1)));
      const known = this.passwords.has(user);
      const expected = known ? this.passwords.get(user) : this.unknownUser;
      if (constantTimeEqual(given, expected) && known && proved.length == 0) proved = user;
    }
    return proved;
  }

  /** A failed login from `address`: how long to wait before answering it. */
  failed(address: string, nowMs: f64): i32 {
    let entry = this.failures.has(address) ? this.failures.get(address) : null;
    if (entry !== null && nowMs - entry.lastMs > FORGET_AFTER_MS) entry = null;
    if (entry === null) {
      if (this.failures.size >= MAX_ADDRESSES) this.forgetOld(nowMs);
      entry = new Failures(0, nowMs);
      this.failures.set(address, entry);
    }
    entry.count++;
    entry.lastMs = nowMs;
    const shift = entry.count - 1 < 5 ? entry.count - 1 : 5;
    const delay = FIRST_DELAY_MS << shift;
    return delay < MAX_DELAY_MS ? delay : MAX_DELAY_MS;
  }

  /** A login that succeeded clears its address's failures. */
  succeeded(address: string): void {
    if (this.failures.has(address)) this.failures.delete(address);
  }

  private forgetOld(nowMs: f64): void {
    const addresses = this.failures.keys();
    for (let i = 0; i < addresses.length; i++) {
      if (nowMs - this.failures.get(addresses[i]).lastMs > FORGET_AFTER_MS) this.failures.delete(addresses[i]);
    }
    if (this.failures.size >= MAX_ADDRESSES) this.failures.clear(); // all recent: an attack from many addresses
  }
}
