// The write methods of the plugin's own listener on the resource interface (docs/listener.md,
// "Writing"): MKCOL (RFC 4918 9.3), DELETE (9.6) and MOVE (9.9), in uploads/. Stricter than
// Orthanc's port, whose clients rely on its leniency (a MKCOL there creates missing parents, a
// DELETE of nothing succeeds): here each case gets the status RFC 4918 gives it. The DICOM
// views take one write, DELETE, when DeleteAllowed is on and the user has the right (deletion.ts
// decides what goes); their names come from the data, so nothing is made or moved in them.
import { HttpRequest, HttpAnswer, errorAnswer } from "./http";
import { Request } from "./share";
import { Config } from "./config";
import { mountsUploads, RIGHT_DELETE } from "./access";
import { readTarget, TargetPlace } from "./urls";
import { MoveOutcome, UPLOADS } from "./resources";
import { BodyKind, DeleteOutcome, StoreAction } from "./codes";
import { evaluatePreconditions, Precondition } from "./conditions";
import { shareDateMs } from "./httpdate";
import { IfHeader, readIfHeader } from "./ifheader";
import { Lock, LockTable, keyOf, timeoutOf } from "./locks";
import { parseXml, XmlElement, escapeXml, toXml } from "./xml";
import { DeadProperties, propertyKey } from "./deadprops";
import { DAV } from "./propfind";
import { EmptiedFolders } from "./emptied";
import { hrefOf } from "./urls";

/** What an answer without a body says: nothing (the shim sends Content-Length: 0). */
function done(status: i32): HttpAnswer {
  return new HttpAnswer(status);
}

/**
 * Why a write to `path` is refused before anything is looked at, or "" when it may go on:
 * outside uploads/, or by a user who may not upload (access.ts), 403 before any body is read.
 */
export function writeRefusal(path: Array<string>, shared: Request, config: Config): string {
  if (path.length == 0 || path[0] != UPLOADS) {
    return "The DICOM views are made from the data: write in " + config.root + "/" + UPLOADS + "/";
  }
  if (!mountsUploads(config.uploadAllowed, shared.principal.profile)) return "This user may not upload (UploadAllowed, AccessRules)";
  if (path.length == 1) return "uploads/ itself cannot be changed";
  return "";
}

/**
 * Why a DELETE of `path` is refused before anything is looked at, or "": in uploads/ as any
 * write; in the DICOM views when DeleteAllowed is on and the user may delete (the rules of
 * Orthanc's port, access.ts decideRequest), never the root or a view's own folder.
 */
export function deleteRefusal(path: Array<string>, shared: Request, config: Config): string {
  if (path.length > 0 && path[0] == UPLOADS) return writeRefusal(path, shared, config);
  if (path.length < 2) return "The share's root and its views' own folders are never deleted";
  if (!config.deleteAllowed) return "Deleting through the share is off (DeleteAllowed)";
  if (!shared.principal.profile.may(RIGHT_DELETE)) return "This user may not delete (AccessRules)";
  return "";
}

/** RFC 4918 9.3: 201; 405 when the name exists; 409 without a parent; 415 with a body. */
export function mkcol(request: HttpRequest, shared: Request, writer: Writer): HttpAnswer {
  if (request.body.length > 0) return errorAnswer(415, "A MKCOL with a body is not supported (RFC 4918 9.3)");
  const path = shared.path;
  const tree = shared.tree;
  if (tree.stat(path) !== null) return errorAnswer(405, "Something already has this name");
  const refused = writer.refusal(shared, path, false);
  if (refused !== null) return refused;
  const parent = tree.stat(path.slice(0, path.length - 1));
  if (parent === null || !parent.isFolder) return errorAnswer(409, "The folder to create it in does not exist (RFC 4918 9.3.1)");
  if (!tree.mkcol(path)) return errorAnswer(403, "Not a name this share accepts");
  return done(201);
}

/**
 * RFC 4918 9.6: 204; 404 for nothing; a folder goes whole (a Depth other than infinity is 400).
 * In the views the answer carries what was deleted in Orthanc, for the other module instances.
 */
export function remove(request: HttpRequest, shared: Request, writer: Writer, emptied: EmptiedFolders): HttpAnswer {
  const resource = shared.tree.stat(shared.path);
  const inViews = shared.path[0] != UPLOADS;
  if (resource === null) {
    if (inViews && emptied.vanished(shared.path, writer.nowMs)) return done(204); // emptied.ts
    return errorAnswer(404, "Not found");
  }
  const refused = writer.refusal(shared, shared.path, true);
  if (refused !== null) return refused;
  const depth = request.header("depth").trim().toLowerCase();
  if (resource.isFolder && depth.length > 0 && depth != "infinity") {
    return errorAnswer(400, "A folder is deleted with everything in it: Depth must be infinity (RFC 4918 9.6.1)");
  }
  const removal = shared.tree.remove(shared.path);
  if (removal.outcome == DeleteOutcome.Done) {
    writer.locks.removeAt(keyOf(shared.path)); // a deleted resource's locks go with it (RFC 4918 7.5)
    writer.dead.removeAt(keyOf(shared.path));
    if (inViews) emptied.deletedUnder(shared.path, writer.nowMs);
    const answer = done(204);
    answer.deleted = removal.deleted;
    return answer;
  }
  if (removal.outcome == DeleteOutcome.Failed) {
    const answer = errorAnswer(500, "Deleting failed in Orthanc (its log says why); what was deleted before is gone");
    answer.deleted = removal.deleted;
    return answer;
  }
  // refused by the tree after the refusals above (uploads/ refuses only itself, which
  // writeRefusal names first): a view's own folder, reached another way
  return errorAnswer(403, "This is not deleted through the share");
}

/** The authority of an absolute URI ("" for a path), lower-cased. */
function authorityOf(uri: string): string {
  const scheme = uri.indexOf("://");
  if (scheme <= 0 || scheme >= 8) return "";
  const end = uri.indexOf("/", scheme + 3);
  return (end < 0 ? uri.substring(scheme + 3) : uri.substring(scheme + 3, end)).toLowerCase();
}

/** A MOVE's or COPY's destination, read (RFC 4918 10.3, 10.6, 9.8.3, 9.9.2), or the answer refusing it. */
class Destination {
  path: Array<string> = new Array<string>();
  overwrite: bool = true;
  deep: bool = true;
  refusal: HttpAnswer | null = null;
}

function readDestination(request: HttpRequest, shared: Request, config: Config, copying: bool): Destination {
  const result = new Destination();
  const method = copying ? "COPY" : "MOVE";
  const destination = request.header("destination").trim();
  const authority = authorityOf(destination);
  const target = readTarget(destination, config.root);
  const overwrite = request.header("overwrite").trim().toUpperCase();
  const resource = shared.tree.stat(shared.path);
  const depth = request.header("depth").trim().toLowerCase();
  const folder = resource !== null && resource.isFolder;
  const refusal = target.place == TargetPlace.Share ? writeRefusal(target.path, shared, config) : "";
  if (destination.length == 0) {
    result.refusal = errorAnswer(400, "A " + method + " needs a Destination header (RFC 4918 10.3)");
  } else if (authority.length > 0 && authority != request.header("host").trim().toLowerCase()) {
    result.refusal = errorAnswer(502, "The destination is on another server");
  } else if (target.place == TargetPlace.Invalid) {
    result.refusal = errorAnswer(400, "The Destination is not a valid path");
  } else if (target.place != TargetPlace.Share) {
    result.refusal = errorAnswer(403, "The destination is outside the share");
  } else if (refusal.length > 0) {
    result.refusal = errorAnswer(403, refusal);
  } else if (overwrite.length > 0 && overwrite != "T" && overwrite != "F") {
    result.refusal = errorAnswer(400, "Overwrite is T or F (RFC 4918 10.6)");
  } else if (folder && depth.length > 0 && depth != "infinity" && (!copying || depth != "0")) {
    result.refusal = errorAnswer(400, copying ? "A folder is copied with Depth 0 or infinity (RFC 4918 9.8.3)"
      : "A folder moves with everything in it: Depth must be infinity (RFC 4918 9.9.2)");
  }
  result.path = target.path;
  result.overwrite = overwrite != "F";
  result.deep = depth != "0";
  return result;
}

/** The answer of a MOVE's or COPY's outcome (RFC 4918 9.8.5, 9.9.4). */
function transferAnswer(outcome: MoveOutcome, verb: string): HttpAnswer {
  switch (outcome) {
    case MoveOutcome.Moved: return done(201);
    case MoveOutcome.Replaced: return done(204);
    case MoveOutcome.Missing: return errorAnswer(404, "Not found");
    case MoveOutcome.NoParent: return errorAnswer(409, "The destination's folder does not exist");
    case MoveOutcome.Exists: return errorAnswer(412, "Something is at the destination and Overwrite is F");
  }
  return errorAnswer(403, "This cannot be " + verb + " there (onto or into itself, or a name this share does not accept)");
}

/**
 * RFC 4918 9.9 within uploads/: 201, or 204 when something was replaced; 412 when it is there
 * and Overwrite is F; 409 without the destination's folder;
 * 502 for a Destination on another server (9.9.4); 403 into the views or onto itself.
 */
export function move(request: HttpRequest, shared: Request, config: Config, writer: Writer): HttpAnswer {
  const destination = readDestination(request, shared, config, false);
  if (destination.refusal !== null) return destination.refusal!;
  const refused = writer.refusal(shared, shared.path, true);
  if (refused !== null) return refused;
  if (writer.blocking(keyOf(destination.path), true) !== null) {
    return errorAnswer(423, "The destination is locked, and its lock token was not submitted");
  }
  const outcome = shared.tree.move(shared.path, destination.path, destination.overwrite);
  if (outcome == MoveOutcome.Moved || outcome == MoveOutcome.Replaced) {
    writer.locks.removeAt(keyOf(shared.path)); // locks stay where they were (7.7); properties move (9.9.1)
    writer.dead.move(keyOf(shared.path), keyOf(destination.path));
  }
  return transferAnswer(outcome, "moved");
}

/**
 * RFC 4918 9.8 within uploads/: as MOVE, with Depth 0 (a folder without what is in it) or
 * infinity; the source's locks stay, its dead properties are copied. Staged files are answered
 * Copy: the shim writes their bytes again under the copies' staging ids, then answers.
 */
export function copy(request: HttpRequest, shared: Request, config: Config, writer: Writer): HttpAnswer {
  const destination = readDestination(request, shared, config, true);
  if (destination.refusal !== null) return destination.refusal!;
  if (writer.ifHeader.error.length > 0) return errorAnswer(400, writer.ifHeader.error);
  if (!writer.ifHolds(shared)) return errorAnswer(412, "The If header's conditions do not hold");
  if (writer.blocking(keyOf(destination.path), true) !== null) {
    return errorAnswer(423, "The destination is locked, and its lock token was not submitted");
  }
  const copied = shared.tree.copy(shared.path, destination.path, destination.overwrite, destination.deep);
  const answer = transferAnswer(copied.outcome, "copied");
  if (copied.outcome != MoveOutcome.Moved && copied.outcome != MoveOutcome.Replaced) return answer;
  writer.dead.copy(keyOf(shared.path), keyOf(destination.path), destination.deep);
  if (copied.copies.length > 0) {
    answer.kind = BodyKind.Copy;
    answer.copies = copied.copies;
  }
  return answer;
}

/** The announced length of a PUT's body: Content-Length, or Finder's X-Expected-Entity-Length with a chunked body; -1 for none. */
function announcedLength(request: HttpRequest): i64 {
  let text = request.header("content-length").trim();
  if (text.length == 0) text = request.header("x-expected-entity-length").trim();
  if (text.length == 0 || text.length > 15) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return I64.parseInt(text);
}

/**
 * RFC 4918 9.7 in uploads/: 201 for a new file, 204 for one replaced; 409 without the parent
 * folder (9.7.1); 405 onto a folder; 412 when If-Match / If-None-Match say no; 411 when the body's
 * length is not announced. A file to stage is answered Receive: the shim streams the body into
 * the staging log under the staging id and answers the status here once it is durable.
 */
export function put(request: HttpRequest, shared: Request, writer: Writer): HttpAnswer {
  const path = shared.path;
  const tree = shared.tree;
  const existing = tree.stat(path);
  if (existing !== null && existing.isFolder) return errorAnswer(405, "A folder has this name");
  const parent = tree.stat(path.slice(0, path.length - 1));
  if (parent === null || !parent.isFolder) return errorAnswer(409, "The folder to put it in does not exist (RFC 4918 9.7.1)");
  const refused = writer.refusal(shared, path, false);
  if (refused !== null) return refused;
  // a missing file has no tag: If-Match fails, If-None-Match: * holds (RFC 9110 13.1.1, 13.1.2)
  const tag = existing !== null ? existing.entityTag : "";
  const modifiedMs = existing !== null ? shareDateMs(existing.modified) : -1;
  const condition = evaluatePreconditions(request.header("if-match"), request.header("if-unmodified-since"),
    request.header("if-none-match"), "", tag, modifiedMs);
  // NotModified is what GET makes of a matching If-None-Match; any other method fails (13.1.2)
  if (condition != Precondition.Proceed) return errorAnswer(412, "The file is not in the state the request's conditions ask for");
  const length = announcedLength(request);
  if (length < 0) return errorAnswer(411, "A PUT says its length (Content-Length, or X-Expected-Entity-Length with a chunked body)");
  const decision = tree.store(path, <u64>length);
  const status = existing !== null ? 204 : 201;
  if (existing === null) writer.dead.removeAt(keyOf(path)); // a name used before: its old properties are not this file's
  if (decision.action == StoreAction.Refuse) return errorAnswer(403, "Not a file this share takes here (a bad name, or one being imported)");
  if (decision.action == StoreAction.Accept) return done(status);
  const answer = new HttpAnswer(status).kindOf(BodyKind.Receive);
  answer.source = decision.stagingId;
  answer.total = <u64>length;
  answer.body = String.UTF8.encode(decision.record, false);
  return answer;
}

// ---- locks and the If header (RFC 4918 6, 7, 9.10, 9.11, 10.4) ----

/** Who writes, and what the request says of locks and states. */
export class Writer {
  constructor(public locks: LockTable, public dead: DeadProperties, public identity: string, public ifHeader: IfHeader,
    public nowMs: f64, public root: string) {}

  static of(request: HttpRequest, locks: LockTable, dead: DeadProperties, identity: string, nowMs: f64, root: string): Writer {
    locks.expire(nowMs);
    return new Writer(locks, dead, identity, readIfHeader(request.header("if")), nowMs, root);
  }

  /** Whether the If header holds (true without one): any list whose conditions all hold (10.4.3). */
  ifHolds(shared: Request): bool {
    const lists = this.ifHeader.lists;
    if (lists.length == 0) return true;
    for (let i = 0; i < lists.length; i++) {
      let path = shared.path;
      if (lists[i].resource.length > 0) {
        const target = readTarget(lists[i].resource, this.root);
        if (target.place != TargetPlace.Share) continue;
        path = target.path;
      }
      const key = keyOf(path);
      let holds = true;
      const conditions = lists[i].conditions;
      for (let j = 0; j < conditions.length && holds; j++) {
        const condition = conditions[j];
        let met = false;
        if (condition.token.length > 0) {
          const lock = this.locks.find(condition.token);
          met = lock !== null && lock.covers(key);
        } else {
          const resource = shared.tree.stat(path);
          met = resource !== null && !resource.isFolder && resource.entityTag == condition.entityTag;
        }
        holds = condition.not ? !met : met;
      }
      if (holds) return true;
    }
    return false;
  }

  /** A lock on `key` (and, with `below`, under it) whose token this request did not submit, or null. */
  blocking(key: string, below: bool): Lock | null {
    const submitted = this.ifHeader.submittedTokens();
    const met = this.locks.covering(key);
    if (below) {
      const under = this.locks.below(key);
      for (let i = 0; i < under.length; i++) met.push(under[i]);
    }
    for (let i = 0; i < met.length; i++) {
      const lock = met[i];
      if (!(submitted.includes(lock.token) && lock.identity == this.identity)) return lock;
    }
    return null;
  }

  /**
   * The answer that stops a write to `path` (400 for an If header that does not parse, 412 when
   * it does not hold, 423 for a lock not submitted), or null when the write may go on.
   */
  refusal(shared: Request, path: Array<string>, below: bool): HttpAnswer | null {
    if (this.ifHeader.error.length > 0) return errorAnswer(400, this.ifHeader.error);
    if (!this.ifHolds(shared)) return errorAnswer(412, "The If header's conditions do not hold");
    const lock = this.blocking(keyOf(path), below);
    if (lock === null) return null;
    const body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:error xmlns:D=\"DAV:\"><D:lock-token-submitted><D:href>" +
      hrefOf(this.root, lock.key.length > 0 ? lock.key.split("/") : [], false) + "</D:href></D:lock-token-submitted></D:error>";
    return new HttpAnswer(423).inline(body, "application/xml; charset=utf-8");
  }
}

/** The <D:activelock> of a lock (RFC 4918 14.1). */
export function activeLockXml(lock: Lock, root: string): string {
  const lockRoot = hrefOf(root, lock.key.length > 0 ? lock.key.split("/") : [], false);
  return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>" + (lock.exclusive ? "<D:exclusive/>" : "<D:shared/>") +
    "</D:lockscope><D:depth>" + (lock.infinite ? "infinity" : "0") + "</D:depth>" +
    (lock.owner.length > 0 ? "<D:owner>" + lock.owner + "</D:owner>" : "") +
    "<D:timeout>Second-" + lock.timeoutSeconds.toString() + "</D:timeout><D:locktoken><D:href>" + lock.token +
    "</D:href></D:locktoken><D:lockroot><D:href>" + lockRoot + "</D:href></D:lockroot></D:activelock>";
}

/** The <D:activelock> elements of the locks that cover `key`. */
export function activeLocksXml(locks: LockTable, key: string, root: string): string {
  const covering = locks.covering(key);
  let xml = "";
  for (let i = 0; i < covering.length; i++) xml += activeLockXml(covering[i], root);
  return xml;
}

function lockAnswer(status: i32, lock: Lock, root: string): HttpAnswer {
  const body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" +
    activeLockXml(lock, root) + "</D:lockdiscovery></D:prop>";
  return new HttpAnswer(status).inline(body, "application/xml; charset=utf-8").header("Lock-Token", "<" + lock.token + ">");
}

/** What an owner element holds, written back as the lock's owner: an href, or its text. */
function ownerXml(owner: XmlElement | null): string {
  if (owner === null) return "";
  const href = owner.child(DAV, "href");
  if (href !== null) return "<D:href>" + escapeXml(href.text.trim()) + "</D:href>";
  return escapeXml(owner.text.trim());
}

/**
 * LOCK (RFC 4918 9.10): a new lock from a lockinfo body, or, without a body, a refresh of the
 * lock the If header names. A new lock on an unmapped name in uploads/ creates an empty file
 * there (7.3: 201); in the views, existing resources are locked (so that Finder and Explorer
 * mount the share read-write and read from it) and nothing is created.
 */
export function lock(request: HttpRequest, shared: Request, writer: Writer, config: Config): HttpAnswer {
  const root = config.root;
  if (!mountsUploads(config.uploadAllowed, shared.principal.profile)) {
    return errorAnswer(403, "This user may not write here, so takes no locks (UploadAllowed, AccessRules)");
  }
  const key = keyOf(shared.path);
  const timeout = timeoutOf(request.header("timeout"));
  if (request.body.trim().length == 0) {
    if (writer.ifHeader.error.length > 0) return errorAnswer(400, writer.ifHeader.error);
    const tokens = writer.ifHeader.submittedTokens();
    for (let i = 0; i < tokens.length; i++) {
      const held = writer.locks.find(tokens[i]);
      if (held !== null && held.covers(key) && held.identity == writer.identity) {
        writer.locks.refresh(held, timeout, writer.nowMs);
        return lockAnswer(200, held, root);
      }
    }
    return errorAnswer(412, "A LOCK without a body refreshes a lock: the If header must name one of yours on this resource");
  }
  const parsed = parseXml(request.body);
  const info = parsed.root;
  if (info === null || !info.is(DAV, "lockinfo")) return errorAnswer(400, "The body is not a DAV:lockinfo element");
  const scope = info.child(DAV, "lockscope");
  const type = info.child(DAV, "locktype");
  if (scope === null || type === null || type.child(DAV, "write") === null) return errorAnswer(400, "A lock is a write lock with a scope");
  const exclusive = scope.child(DAV, "exclusive") !== null;
  if (!exclusive && scope.child(DAV, "shared") === null) return errorAnswer(400, "The lock scope is exclusive or shared");
  const depth = request.header("depth").trim().toLowerCase();
  if (depth.length > 0 && depth != "0" && depth != "infinity") return errorAnswer(400, "A lock has Depth 0 or infinity");
  const infinite = depth != "0";
  const refused = writer.refusal(shared, shared.path, false);
  if (refused !== null && refused.status != 423) return refused;
  if (writer.locks.conflicts(key, infinite, exclusive)) {
    return new HttpAnswer(423).inline("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:error xmlns:D=\"DAV:\"><D:no-conflicting-lock/></D:error>",
      "application/xml; charset=utf-8");
  }
  let status = 200;
  if (shared.tree.stat(shared.path) === null) {
    const refusal = writeRefusal(shared.path, shared, config);
    if (refusal.length > 0) return errorAnswer(403, refusal);
    const parent = shared.tree.stat(shared.path.slice(0, shared.path.length - 1));
    if (parent === null || !parent.isFolder) return errorAnswer(409, "The folder to lock a name in does not exist");
    if (shared.tree.store(shared.path, 0).action == StoreAction.Refuse) return errorAnswer(403, "Not a name this share accepts");
    status = 201;
  }
  const held = writer.locks.add(key, infinite, exclusive, ownerXml(info.child(DAV, "owner")), writer.identity, timeout, writer.nowMs);
  return lockAnswer(status, held, root);
}

/** UNLOCK (RFC 4918 9.11): 204; 400 without a Lock-Token; 409 when it names no lock of this resource. */
export function unlock(request: HttpRequest, shared: Request, writer: Writer): HttpAnswer {
  let token = request.header("lock-token").trim();
  if (token.startsWith("<") && token.endsWith(">")) token = token.substring(1, token.length - 1);
  if (token.length == 0) return errorAnswer(400, "An UNLOCK names its lock in a Lock-Token header");
  const held = writer.locks.find(token);
  if (held === null || !held.covers(keyOf(shared.path))) {
    return new HttpAnswer(409).inline("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:error xmlns:D=\"DAV:\"><D:lock-token-matches-request-uri/></D:error>",
      "application/xml; charset=utf-8");
  }
  if (held.identity != writer.identity) return errorAnswer(403, "The lock is another user's");
  writer.locks.remove(token);
  return done(204);
}

// ---- PROPPATCH (RFC 4918 9.2) ----

/** Resources with dead properties at most (each a few properties): beyond, 507. */
const MAX_RESOURCES_WITH_PROPERTIES = 10000;
/** The live properties: protected (9.2: 403 cannot-modify-protected-property). displayname too: names come from the share. */
const PROTECTED: Array<string> = ["resourcetype", "displayname", "getcontentlength", "getcontenttype", "getlastmodified",
  "creationdate", "getetag", "supportedlock", "lockdiscovery", "quota-available-bytes", "quota-used-bytes", "getcontentlanguage"];
/** Windows Explorer's properties, which it sets after each copy (accepted in the views, not kept there). */
const WIN32 = "urn:schemas-microsoft-com:";

class PropertyChange {
  constructor(public set: bool, public element: XmlElement, public status: i32) {}
}

function propstat(changes: Array<PropertyChange>, status: i32, reason: string): string {
  let xml = "";
  for (let i = 0; i < changes.length; i++) {
    if (changes[i].status != status) continue;
    const element = changes[i].element;
    xml += element.ns == DAV ? "<D:" + element.name + "/>" : "<X:" + element.name + " xmlns:X=\"" + escapeXml(element.ns) + "\"/>";
  }
  return xml.length == 0 ? "" : "<D:propstat><D:prop>" + xml + "</D:prop><D:status>HTTP/1.1 " + status.toString() + " " + reason +
    "</D:status></D:propstat>";
}

/**
 * PROPPATCH: in uploads/, dead properties set and removed in the order given, all or none
 * (9.2: one that cannot be changed makes the others 424); live properties are protected. In
 * the views, Windows Explorer's Win32 properties are accepted (200, not kept: the views' dates
 * come from the data) and any other is 403.
 */
export function proppatch(request: HttpRequest, shared: Request, writer: Writer, dead: DeadProperties, config: Config): HttpAnswer {
  const resource = shared.tree.stat(shared.path);
  if (resource === null) return errorAnswer(404, "Not found");
  const parsed = parseXml(request.body);
  const update = parsed.root;
  if (update === null || !update.is(DAV, "propertyupdate")) return errorAnswer(400, "The body is not a DAV:propertyupdate element");
  const inUploads = writeRefusal(shared.path, shared, config).length == 0;
  if (!mountsUploads(config.uploadAllowed, shared.principal.profile)) return errorAnswer(403, "This user may not write here");
  const refused = writer.refusal(shared, shared.path, false);
  if (refused !== null) return refused;
  const changes = new Array<PropertyChange>();
  let failed = false;
  for (let i = 0; i < update.children.length; i++) {
    const operation = update.children[i];
    const set = operation.is(DAV, "set");
    if (!set && !operation.is(DAV, "remove")) continue;
    const prop = operation.child(DAV, "prop");
    if (prop === null) return errorAnswer(400, "A set or remove holds a DAV:prop");
    for (let j = 0; j < prop.children.length; j++) {
      const element = prop.children[j];
      let status = 200;
      if (element.ns == DAV && PROTECTED.includes(element.name)) status = 403;
      else if (!inUploads && element.ns != WIN32) status = 403;
      if (status != 200) failed = true;
      changes.push(new PropertyChange(set, element, status));
    }
  }
  if (changes.length == 0) return errorAnswer(400, "A propertyupdate names at least one property");
  const key = keyOf(shared.path);
  if (failed) {
    for (let i = 0; i < changes.length; i++) if (changes[i].status == 200) changes[i].status = 424;
  } else if (inUploads) {
    if (dead.of(key) === null && dead.size >= MAX_RESOURCES_WITH_PROPERTIES) {
      return errorAnswer(507, "Too many resources with properties: delete some files of uploads/ first");
    }
    for (let i = 0; i < changes.length; i++) {
      const element = changes[i].element;
      if (changes[i].set) dead.set(key, propertyKey(element.ns, element.name), toXml(element));
      else dead.remove(key, propertyKey(element.ns, element.name));
    }
  }
  const href = hrefOf(config.root, shared.path, resource.isFolder);
  const body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>" + href + "</D:href>" +
    propstat(changes, 200, "OK") + propstat(changes, 403, "Forbidden") + propstat(changes, 424, "Failed Dependency") +
    "</D:response></D:multistatus>";
  return new HttpAnswer(207).inline(body, "application/xml; charset=utf-8");
}
