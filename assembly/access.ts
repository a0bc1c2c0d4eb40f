// Who may see and do what: the access rules of WebDavShare.AccessRules, the identity of the
// request asking (from the request filter, docs/orthanc.md "Request filter"), and the decisions the filter takes
// before Orthanc reads a body. What a user sees inside the share is filtered by views.ts
// (visible studies) and uploads.ts (own uploads), both asking a Profile.
//
// Rules, per user name:
//   "Users": { "<user>": { "See": [ { "<Tag>": "<pattern>", ... }, ... ] | "Everything",
//                          "May": [ "read", "upload", "delete" ], "StatusRoute": true|false }
//              | "Unrestricted" | "Nothing" },
//   "OtherUsers": <entry>   authenticated users without an entry (default "Nothing"),
//   "Anonymous": <entry>    requests without a user (Orthanc authentication off; default "Nothing"),
//   "RestApi": "ShareOnly" | "Open"   what users with rules may reach outside the share.
// A study is visible when any matcher of See matches it; a matcher matches when each of its
// tags matches its pattern (`*` any run, `?` one character, case-insensitive).
import { JSON } from "assemblyscript-json/assembly";
import { encode as encodeBase64 } from "as-base64/assembly";
import { registeredUsers } from "./login";
import { Study, RULE_TAGS } from "./catalog";
import { UPLOADS } from "./resources";

export const RIGHT_READ: i32 = 1;
export const RIGHT_UPLOAD: i32 = 2;
export const RIGHT_DELETE: i32 = 4;
const RIGHT_NAMES: Array<string> = ["read", "upload", "delete"];

export const SECTION_NAME = "WebDavShare.AccessRules";

/**
 * Whether uploads/ is mounted for a principal of `profile` (null: no rules): uploads are
 * allowed and the profile may upload. The one place this is decided: the root listing shows
 * uploads/ exactly when the paths below it go to the upload tree (share.ts).
 */
export function mountsUploads(uploadAllowed: bool, profile: Profile | null): bool {
  return uploadAllowed && (profile === null || profile.may(RIGHT_UPLOAD));
}

/** `*` and `?` wildcards; both sides already lower-cased. Iterative, with one backtrack point. */
export function globMatches(pattern: string, value: string): bool {
  let p = 0;
  let v = 0;
  let starAt = -1;
  let starMatched = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern.charCodeAt(p) == 0x3f || pattern.charCodeAt(p) == value.charCodeAt(v))) {
      p++;
      v++;
    } else if (p < pattern.length && pattern.charCodeAt(p) == 0x2a) {
      starAt = p++;
      starMatched = v;
    } else if (starAt >= 0) {
      p = starAt + 1;
      v = ++starMatched;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) == 0x2a) p++;
  return p == pattern.length;
}

/** One matcher of See: every tag given must match. Tags are indexes into RULE_TAGS. */
export class Matcher {
  tags: Array<i32> = new Array<i32>();
  patterns: Array<string> = new Array<string>();

  matches(study: Study): bool {
    for (let i = 0; i < this.tags.length; i++) {
      const at = this.tags[i];
      const value = at < study.ruleTags.length ? study.ruleTags[at] : "";
      if (!globMatches(this.patterns[i], value.toLowerCase())) return false;
    }
    return true;
  }

  describe(): string {
    const parts = new Array<string>();
    for (let i = 0; i < this.tags.length; i++) parts.push(RULE_TAGS[this.tags[i]] + "=" + this.patterns[i]);
    return parts.join(" and ");
  }
}

/** What one entry of the rules allows. */
export class Profile {
  unrestricted: bool = false;
  seesEverything: bool = false;
  matchers: Array<Matcher> = new Array<Matcher>();
  rights: i32 = 0;
  statusRoute: bool = false;
  /** Requests refused because of this entry (filter 403s, hidden paths answered 404). */
  refused: u64 = 0;

  constructor(public name: string) {}

  static unrestrictedNamed(name: string): Profile {
    const profile = new Profile(name);
    profile.unrestricted = true;
    profile.seesEverything = true;
    profile.rights = RIGHT_READ | RIGHT_UPLOAD | RIGHT_DELETE;
    profile.statusRoute = true;
    return profile;
  }

  may(right: i32): bool {
    return (this.rights & right) != 0;
  }

  /** Whether this profile sees the study in the DICOM views. */
  sees(study: Study): bool {
    if (!this.may(RIGHT_READ)) return false;
    if (this.seesEverything) return true;
    for (let i = 0; i < this.matchers.length; i++) {
      if (this.matchers[i].matches(study)) return true;
    }
    return false;
  }

  describe(): string {
    if (this.unrestricted) return "unrestricted";
    const may = new Array<string>();
    for (let i = 0; i < RIGHT_NAMES.length; i++) if (this.may(1 << i)) may.push(RIGHT_NAMES[i]);
    const see = this.seesEverything ? "everything" : this.matchers.length == 0 ? "nothing"
      : this.matchers.map<string>((m: Matcher) => "(" + m.describe() + ")").join(" or ");
    return "sees " + see + "; may " + (may.length > 0 ? may.join(", ") : "nothing") +
      (this.statusRoute ? "; status route" : "");
  }
}

/** The identity of a request, as the module knows it. */
export class Principal {
  constructor(public user: string, public profile: Profile) {}
}

/** Returned by readAccessRules: the rules, or the one line saying why they are refused. */
export class AccessRulesResult {
  constructor(public rules: AccessRules, public error: string) {}
}

export class AccessRules {
  /** False when the configuration has no AccessRules: everyone is unrestricted, no filter. */
  active: bool = false;
  /** The rules could not be read: every request is refused (they never widen access). */
  invalid: bool = false;
  /** Orthanc checks Basic credentials, so user names can be trusted. */
  authenticated: bool = false;
  /**
   * Orthanc's RegisteredUsers as it checks them: the base64 of "user:password" -> user. A
   * credential names the user whose whole credential it is, so a name holding ":" ("neuro:ops")
   * is never taken for another ("neuro").
   */
  credentials: Map<string, string> = new Map<string, string>();
  restApiShareOnly: bool = true;
  users: Map<string, Profile> = new Map<string, Profile>();
  otherUsers: Profile = new Profile("OtherUsers");
  anonymous: Profile = new Profile("Anonymous");
  /** Grants nothing: a callback whose identity does not belong to its request. */
  nobody: Profile = new Profile("(identity not of this request)");
  everyone: Profile = Profile.unrestrictedNamed("(no access rules)");

  profiles(): Array<Profile> {
    const result = this.users.values();
    result.push(this.otherUsers);
    result.push(this.anonymous);
    result.push(this.nobody);
    return result;
  }

  /**
   * The identity the filter hands to the request's callbacks: "" grants nothing, "a" is
   * anonymous, "u:<name>" a user Orthanc authenticated.
   */
  identityOf(authorization: string): string {
    if (!this.authenticated) return "a"; // names in headers are not checked by Orthanc: not trusted
    const value = authorization.trim();
    if (!value.startsWith("Basic ") && !value.startsWith("basic ")) return "";
    const token = value.substring(6).trim();
    return this.credentials.has(token) ? "u:" + this.credentials.get(token) : "";
  }

  /** The principal of an identity string (see identityOf). */
  principal(identity: string): Principal {
    if (!this.active) return new Principal("", this.everyone);
    if (this.invalid || identity.length == 0) return new Principal("", this.nobody);
    if (identity == "a") return new Principal("", this.anonymous);
    if (!identity.startsWith("u:")) return new Principal("", this.nobody);
    const user = identity.substring(2);
    return new Principal(user, this.users.has(user) ? this.users.get(user) : this.otherUsers);
  }
}

// ---- reading the rules ------------------------------------------------------------------
// AssemblyScript cannot catch exceptions (a throw aborts the module), so the readers return
// null and leave the reason in readError.

let readError = "";

function fail(message: string): void {
  readError = message;
}

function readEntry(name: string, value: JSON.Value, where: string): Profile | null {
  if (value.isString) {
    const word = (<JSON.Str>value).valueOf();
    if (word == "Unrestricted") return Profile.unrestrictedNamed(name);
    if (word == "Nothing") return new Profile(name);
    { fail(where + " must be \"Unrestricted\", \"Nothing\" or an object with See and May"); return null; }
  }
  if (!value.isObj) { fail(where + " must be \"Unrestricted\", \"Nothing\" or an object with See and May"); return null; }
  const entry = <JSON.Obj>value;
  const keys = entry.keys;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] != "See" && keys[i] != "May" && keys[i] != "StatusRoute") {
      { fail(where + "." + keys[i] + " is not a rule (known: See, May, StatusRoute)"); return null; }
    }
  }
  const profile = new Profile(name);
  const see = entry.get("See");
  if (see === null) { fail(where + ".See is missing (a list of matchers, or \"Everything\")"); return null; }
  if (see.isString && (<JSON.Str>see).valueOf() == "Everything") {
    profile.seesEverything = true;
  } else if (see.isArr) {
    const matchers = (<JSON.Arr>see).valueOf();
    for (let i = 0; i < matchers.length; i++) {
      const matcher = readMatcher(matchers[i], where + ".See[" + i.toString() + "]");
      if (matcher === null) return null;
      profile.matchers.push(matcher);
    }
  } else {
    { fail(where + ".See must be a list of matchers such as [ { \"InstitutionName\": \"Cardio*\" } ], or \"Everything\""); return null; }
  }
  const may = entry.get("May");
  if (may === null || !may.isArr) { fail(where + ".May must be a list of \"read\", \"upload\", \"delete\""); return null; }
  const rights = (<JSON.Arr>may).valueOf();
  for (let i = 0; i < rights.length; i++) {
    const right = rights[i].isString ? RIGHT_NAMES.indexOf((<JSON.Str>rights[i]).valueOf()) : -1;
    if (right < 0) { fail(where + ".May[" + i.toString() + "] must be \"read\", \"upload\" or \"delete\""); return null; }
    profile.rights |= 1 << right;
  }
  const status = entry.get("StatusRoute");
  if (status !== null) {
    if (!status.isBool) { fail(where + ".StatusRoute must be true or false"); return null; }
    profile.statusRoute = (<JSON.Bool>status).valueOf();
  }
  return profile;
}

function readMatcher(value: JSON.Value, where: string): Matcher | null {
  if (!value.isObj) { fail(where + " must be an object such as { \"InstitutionName\": \"Cardio*\" }"); return null; }
  const object = <JSON.Obj>value;
  const keys = object.keys;
  if (keys.length == 0) { fail(where + " is empty: it would match every study; write \"See\": \"Everything\" for that"); return null; }
  const matcher = new Matcher();
  for (let i = 0; i < keys.length; i++) {
    const tag = RULE_TAGS.indexOf(keys[i]);
    if (tag < 0) { fail(where + "." + keys[i] + " is not a tag rules can match (known: " + RULE_TAGS.join(", ") + ")"); return null; }
    const pattern = object.get(keys[i])!;
    if (!pattern.isString) { fail(where + "." + keys[i] + " must be a string pattern (* and ? wildcards)"); return null; }
    matcher.tags.push(tag);
    matcher.patterns.push((<JSON.Str>pattern).valueOf().toLowerCase());
  }
  return matcher;
}

/**
 * Reads WebDavShare.AccessRules (`section`, null when absent) and Orthanc's own
 * AuthenticationEnabled. Any error makes the rules invalid, with the line that says why.
 */
export function readAccessRules(section: JSON.Value | null, orthanc: JSON.Obj): AccessRulesResult {
  const rules = new AccessRules();
  if (section === null) return new AccessRulesResult(rules, "");
  rules.active = true;
  const authentication = orthanc.get("AuthenticationEnabled");
  rules.authenticated = authentication !== null && authentication.isBool && (<JSON.Bool>authentication).valueOf();
  readCredentials(rules, orthanc);
  const error = readInto(rules, section);
  if (error.length > 0) {
    rules.invalid = true;
    return new AccessRulesResult(rules, error);
  }
  return new AccessRulesResult(rules, "");
}

/**
 * Orthanc's users (login.ts registeredUsers), keyed as Orthanc looks them up (docs/orthanc.md,
 * "Request filter": the base64 text of "user:password", as the header carries it).
 */
function readCredentials(rules: AccessRules, orthanc: JSON.Obj): void {
  const users = registeredUsers(orthanc);
  const names = users.keys();
  for (let i = 0; i < names.length; i++) {
    const credential = names[i] + ":" + users.get(names[i]);
    rules.credentials.set(encodeBase64(Uint8Array.wrap(String.UTF8.encode(credential))), names[i]);
  }
}

function readInto(rules: AccessRules, section: JSON.Value): string {
  const where = SECTION_NAME;
  if (!section.isObj) return where + " must be an object with Users, OtherUsers, Anonymous, RestApi";
  const object = <JSON.Obj>section;
  const keys = object.keys;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] != "Users" && keys[i] != "OtherUsers" && keys[i] != "Anonymous" && keys[i] != "RestApi") {
      return where + "." + keys[i] + " is not known (known: Users, OtherUsers, Anonymous, RestApi)";
    }
  }
  const users = object.get("Users");
  if (users !== null) {
    if (!users.isObj) return where + ".Users must be an object: { \"<user name>\": { \"See\": [...], \"May\": [...] } }";
    const names = (<JSON.Obj>users).keys;
    for (let i = 0; i < names.length; i++) {
      const profile = readEntry("user " + names[i], (<JSON.Obj>users).get(names[i])!, where + ".Users." + names[i]);
      if (profile === null) return readError;
      rules.users.set(names[i], profile);
    }
  }
  for (let k = 0; k < 2; k++) {
    const key = k == 0 ? "OtherUsers" : "Anonymous";
    const value = object.get(key);
    if (value === null) continue;
    const profile = readEntry(key, value, where + "." + key);
    if (profile === null) return readError;
    if (k == 0) rules.otherUsers = profile;
    else rules.anonymous = profile;
  }
  const restApi = object.get("RestApi");
  if (restApi !== null) {
    const word = restApi.isString ? (<JSON.Str>restApi).valueOf() : "";
    if (word != "ShareOnly" && word != "Open") return where + ".RestApi must be \"ShareOnly\" or \"Open\"";
    rules.restApiShareOnly = word == "ShareOnly";
  }
  return "";
}


// ---- decisions of the request filter ------------------------------------------------------

/** Orthanc's OrthancPluginHttpMethod, as the filter sees WebDAV verbs (docs/orthanc.md, "Request filter"). */
export const METHOD_GET: i32 = 1; // GET, HEAD, OPTIONS, PROPFIND
export const METHOD_POST: i32 = 2;
export const METHOD_PUT: i32 = 3; // PUT, MKCOL, LOCK, UNLOCK, PROPPATCH
export const METHOD_DELETE: i32 = 4;

/**
 * The components of a decoded URI as the server resolves them: empty components and "." go,
 * ".." removes the one before. Deciding on this form means "/webdav/../patients" counts as
 * the REST API it reaches, not as the share it starts with.
 */
export function normalizedComponents(uri: string): Array<string> {
  const result = new Array<string>();
  const parts = uri.split("/");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.length == 0 || part == ".") continue;
    if (part == "..") {
      if (result.length > 0) result.pop();
      continue;
    }
    result.push(part);
  }
  return result;
}

/** The path below `root` ("/webdav") of a URI, or null when the URI is outside it. */
export function pathBelowRoot(uri: string, root: string): Array<string> | null {
  const components = normalizedComponents(uri);
  const rootComponents = normalizedComponents(root);
  if (components.length < rootComponents.length) return null;
  for (let i = 0; i < rootComponents.length; i++) if (components[i] != rootComponents[i]) return null;
  return components.slice(rootComponents.length);
}

/**
 * Whether a collection callback's path is the one the request filter saw. The identity the
 * filter recorded is used only then: a callback of a request the filter skipped (a plugin's
 * Bearer token) on a thread that served someone else gets nothing.
 */
export function belongsToRequest(filterUri: string, root: string, path: Array<string>): bool {
  const below = pathBelowRoot(filterUri, root);
  return below !== null && below.join("/") == path.join("/");
}

export class FilterDecision {
  constructor(public allowed: bool, public identity: string) {}
}

/**
 * The request filter's decision, before Orthanc reads a body. Inside the share: reading is
 * always let through (what is seen is filtered per path); writing needs the right for where
 * it goes (uploads/ needs upload, the DICOM views delete). Outside it: users with rules reach
 * only the status route, when allowed, unless RestApi is "Open".
 */
export function decideRequest(rules: AccessRules, method: i32, uri: string, authorization: string,
  root: string, statusRoute: string, uploadAllowed: bool, deleteAllowed: bool): FilterDecision {
  const identity = rules.identityOf(authorization);
  const principal = rules.principal(identity);
  const profile = principal.profile;
  let allowed = false;
  if (rules.invalid) {
    allowed = false;
  } else if (profile.unrestricted) {
    allowed = true;
  } else {
    const below = pathBelowRoot(uri, root);
    if (below === null) {
      const route = normalizedComponents(uri).join("/");
      allowed = route == normalizedComponents(statusRoute).join("/") ? profile.statusRoute : !rules.restApiShareOnly;
    } else if (method == METHOD_GET) {
      allowed = true;
    } else {
      const inUploads = below.length > 1 && below[0] == UPLOADS;
      if (method == METHOD_PUT) allowed = inUploads && mountsUploads(uploadAllowed, profile);
      else if (method == METHOD_DELETE) {
        allowed = inUploads ? mountsUploads(uploadAllowed, profile) : deleteAllowed && profile.may(RIGHT_DELETE);
      }
    }
  }
  if (!allowed) profile.refused++;
  return new FilterDecision(allowed, identity);
}
