// The WebDAV protocol on the plugin's own listener (docs/listener.md): each HTTP request comes
// whole from the shim (index.ts http_request), is authenticated by Orthanc's rules (login.ts),
// and is answered over the same resource trees as Orthanc's port (share.ts, resources.ts).
// Reading (issue 11): OPTIONS, PROPFIND, GET, HEAD; writing (issue 12, writes.ts): PUT, MKCOL,
// DELETE, COPY and MOVE in uploads/, DELETE in the DICOM views when DeleteAllowed, and LOCK,
// UNLOCK and PROPPATCH everywhere in the share.
// Comments cite RFC 4918 (WebDAV) and RFC 9110 (HTTP semantics) by section.
import { Share, Request } from "./share";
import { Login } from "./login";
import { BodyPart, Resource, Listing, UPLOADS } from "./resources";
import { BodyKind, FileKind } from "./codes";
import { ByteWriter } from "./wire";
import { readTarget, TargetPlace, hrefOf } from "./urls";
import { readPropfind, Propfind } from "./propfind";
import { MultistatusWriter, MULTISTATUS_START, MULTISTATUS_END, MULTISTATUS_END_BYTES, childResponses } from "./multistatus";
import { evaluatePreconditions, Precondition, selectRange, RangeKind } from "./conditions";
import { formatHttpDate, shareDateMs } from "./httpdate";
import { htmlIndex } from "./htmlindex";
import { formatShareDate } from "./clock";
import { trapIfAsked } from "./testing";
import { HttpRequest, HttpAnswer, errorAnswer } from "./http";
import { deleteRefusal, writeRefusal, put, mkcol, remove, copy, move, lock, unlock, proppatch, Writer, activeLocksXml } from "./writes";
import { DeadProperties } from "./deadprops";
import { LockTable, keyOf } from "./locks";
import { EmptiedFolders } from "./emptied";
import { mountsUploads } from "./access";
export { HttpRequest, HttpAnswer, errorAnswer };

/** Bytes of multistatus per chunk handed to the shim. */
export const CHUNK_BYTES = 1 << 20;
/**
 * Bytes of the first chunk, which goes out with the answer's head: an answer this short is sent
 * whole at once; a longer one is streamed after it. Small, so that it fits the stream's first
 * buffer (PropfindStream): the bytes a request allocates drive the garbage collector's pace.
 */
export const FIRST_CHUNK_BYTES = 4 << 10;
/** Streams not continued for this long are dropped (a client that went away mid-answer). */
const STREAM_IDLE_MS: f64 = 120000;
const READ_METHODS = "OPTIONS, GET, HEAD, PROPFIND";
/** What the DICOM views allow (writes.ts), DELETE too when DeleteAllowed. */
const READ_METHODS_LOCKS = "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, LOCK, UNLOCK";
const UPLOADS_METHODS = "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, PUT, MKCOL, DELETE, COPY, MOVE, LOCK, UNLOCK";
const WRITES: Array<string> = ["PUT", "MKCOL", "DELETE", "COPY", "MOVE"];
/** Methods that change no file, allowed on the views too: locks (Finder, Explorer) and properties (Explorer's Win32 times). */
const LOCKING: Array<string> = ["LOCK", "UNLOCK", "PROPPATCH"];
const WRITES_TO_COME: Array<string> = ["POST"];
const REALM = "Basic realm=\"Orthanc Secure Area\"";
const INFINITY = "infinity";

/** One folder being walked by a streamed PROPFIND: its path, its entries, the next to write. */
class Frame {
  index: i32 = 0;
  /** `href`: the folder's own href, which its children's hrefs extend. */
  constructor(public path: Array<string>, public href: string, public entries: Array<Resource>) {}
}

/**
 * A PROPFIND answer written as the tree is walked (Depth 1 and infinity), a chunk at a time,
 * each chunk straight into the buffer it leaves the module in (index.ts http_continue): a long
 * answer allocates nothing per chunk, so it does not drive the garbage collector, whose every
 * cycle walks the whole catalog (docs/listener.md, speed).
 */
class PropfindStream {
  writer: MultistatusWriter;
  frames: Array<Frame> = new Array<Frame>();
  done: bool = false;
  lastUsedMs: f64;
  /** The dead properties to report (Depth infinity below uploads/); null when there are none. */
  dead: DeadProperties | null = null;

  constructor(public request: Request, public root: string, propfind: Propfind, public infinite: bool, nowMs: f64) {
    // small: the head and the first chunk go here (the head alone without Depth infinity);
    // later chunks are written where they are sent
    this.writer = new MultistatusWriter(new ByteWriter(infinite ? 8192 : 1024), propfind);
    this.lastUsedMs = nowMs;
  }

  /** Appends about `bytes` more of the answer to `out` (the rest, and the end, when less is left). */
  fill(out: ByteWriter, bytes: i32): void {
    const limit = out.length + bytes;
    this.writer.out = out;
    while (out.length < limit && this.frames.length > 0) {
      const frame = this.frames[this.frames.length - 1];
      if (frame.index >= frame.entries.length) {
        this.frames.pop();
        continue;
      }
      const entry = frame.entries[frame.index++];
      const dead = this.dead;
      if (dead !== null) this.writer.dead = dead.of(keyOf(frame.path.concat([entry.name])));
      this.writer.child(frame.href, entry);
      if (this.infinite && entry.isFolder) {
        const path = frame.path.concat([entry.name]);
        const listing = this.request.tree.list(path);
        if (listing !== null) this.frames.push(new Frame(path, hrefOf(this.root, path, true), listing.entries));
      }
    }
    if (this.frames.length == 0 && !this.done) {
      out.text(MULTISTATUS_END);
      this.done = true;
    }
  }
}

export class Listener {
  private streams: Map<u32, PropfindStream> = new Map<u32, PropfindStream>();
  private nextStream: u32 = 1;
  /** Bytes of multistatus per chunk, and in the first (unit specs make them small). */
  chunkBytes: i32 = CHUNK_BYTES;
  firstChunkBytes: i32 = FIRST_CHUNK_BYTES;
  /** The write locks of this door (locks.ts) and the dead properties (deadprops.ts); only the first instance's are used. */
  locks: LockTable;
  dead: DeadProperties = new DeadProperties();
  /** Folders of the views that went with what was deleted in them (emptied.ts). */
  emptied: EmptiedFolders = new EmptiedFolders();

  constructor(public share: Share, public login: Login, public maxInfinityEntries: i32) {
    this.locks = new LockTable(share.orthanc.now());
  }

  /** Answers one request; `nowMs` the clock of the failed-login delays and streams. */
  handle(request: HttpRequest, nowMs: f64): HttpAnswer {
    this.dropIdleStreams(nowMs);
    if (!this.login.mayConnect(request.peer)) {
      return errorAnswer(403, "Remote access is not allowed (Orthanc's RemoteAccessAllowed is false)");
    }
    let user = "";
    if (this.login.authenticationEnabled) {
      const authorization = request.header("authorization");
      user = this.login.userOf(authorization);
      if (user.length == 0) {
        // failed logins are counted by the first instance alone, so that every instance's answer waits as long
        if (authorization.length > 0 && !request.primary) return new HttpAnswer(0).kindOf(BodyKind.Primary);
        const answer = errorAnswer(401, "Log in with a user of Orthanc's RegisteredUsers").header("WWW-Authenticate", REALM);
        if (authorization.length > 0) answer.delayMs = this.login.failed(request.peer, nowMs);
        return answer;
      }
      this.login.succeeded(request.peer);
    }
    const config = this.share.config;
    const target = readTarget(request.target, config.root);
    if (target.place == TargetPlace.Invalid) return errorAnswer(400, "The request target is not a valid path");
    for (let i = 0; i < target.path.length; i++) trapIfAsked(config.testTrapName, target.path[i]);
    const method = request.method;
    if (WRITES_TO_COME.includes(method)) {
      const inUploads = target.place == TargetPlace.Share && target.path.length > 0 && target.path[0] == UPLOADS;
      return errorAnswer(405, method + " is not on this port of the share yet: upload through Orthanc's port (" +
        config.root + "/uploads/)").header("Allow", inUploads ? UPLOADS_METHODS : READ_METHODS);
    }
    const writes = WRITES.includes(method);
    const locking = LOCKING.includes(method);
    if (!writes && !locking && method != "OPTIONS" && method != "GET" && method != "HEAD" && method != "PROPFIND") {
      return errorAnswer(501, "Method not implemented");
    }
    if (target.place == TargetPlace.Outside) return errorAnswer(404, "Not part of the share (it is at " + config.root + "/)");
    if (method == "OPTIONS") return this.options(target.place == TargetPlace.Share ? target.path : []);
    if (target.place == TargetPlace.ServerRoot) {
      if (writes || locking) return errorAnswer(405, "The server's root takes no writes").header("Allow", READ_METHODS);
      return this.serverRoot(request, nowMs);
    }
    // uploads/ lives in the first module instance only (index.ts): others hand such requests on
    const touchesUploads = target.path.length == 0 ? depthOf(request) == INFINITY : target.path[0] == UPLOADS;
    // ...and so do the locks: one table, in the first instance (docs/listener.md, "Writing")
    if (!request.primary && (touchesUploads || writes || locking)) return new HttpAnswer(0).kindOf(BodyKind.Primary);
    const identity = !this.login.authenticationEnabled ? "a" : "u:" + user;
    const shared = this.share.request(target.path, config.access.principal(identity));
    if (writes || locking) {
      const writer = Writer.of(request, this.locks, this.dead, identity, nowMs, config.root);
      if (method == "LOCK") return lock(request, shared, writer, config);
      if (method == "UNLOCK") return unlock(request, shared, writer);
      if (method == "PROPPATCH") return proppatch(request, shared, writer, this.dead, config);
      const refusal = method == "DELETE" ? deleteRefusal(target.path, shared, config) : writeRefusal(target.path, shared, config);
      if (refusal.length > 0) return errorAnswer(403, refusal);
      if (method == "PUT") return put(request, shared, writer);
      if (method == "MKCOL") return mkcol(request, shared, writer);
      if (method == "DELETE") return remove(request, shared, writer, this.emptied);
      if (method == "COPY") return copy(request, shared, config, writer);
      return move(request, shared, config, writer);
    }
    if (method == "PROPFIND") return this.propfind(request, shared, nowMs);
    return this.get(request, shared, method == "HEAD");
  }

  /** RFC 4918 10.1: class 1 and 2 (locks come with writing, docs/listener.md). */
  private options(path: Array<string>): HttpAnswer {
    const answer = new HttpAnswer(200);
    const inUploads = path.length > 0 && path[0] == UPLOADS;
    const deletes = path.length >= 2 && this.share.config.deleteAllowed;
    return answer.header("DAV", "1, 2").header("MS-Author-Via", "DAV")
      .header("Allow", inUploads ? UPLOADS_METHODS : READ_METHODS_LOCKS + (deletes ? ", DELETE" : ""));
  }

  /** "/" outside the root: Windows and some clients walk the path from the server's root. */
  private serverRoot(request: HttpRequest, nowMs: f64): HttpAnswer {
    if (request.method != "PROPFIND") {
      const root = this.share.config.root;
      return new HttpAnswer(200).inline("<!DOCTYPE html><html><body><a href=\"" + root + "/\">" + root + "/</a></body></html>\n",
        "text/html; charset=utf-8");
    }
    const parsed = readPropfind(request.body);
    const propfind = parsed.propfind;
    if (propfind === null) return errorAnswer(400, parsed.error);
    const writer = new MultistatusWriter(new ByteWriter(4096), propfind);
    const date = formatShareDate(nowMs);
    writer.out.text(MULTISTATUS_START);
    writer.response("/", new Resource("", true, 0, "", date));
    if (depthOf(request) != "0") {
      const root = this.share.config.root;
      writer.response(root + "/", new Resource(root.substring(1), true, 0, "", date));
    }
    writer.out.text(MULTISTATUS_END);
    return xmlAnswer(207, writer.out.snapshot());
  }

  /** RFC 4918 9.1. */
  private propfind(request: HttpRequest, shared: Request, nowMs: f64): HttpAnswer {
    const depth = depthOf(request);
    if (depth != "0" && depth != "1" && depth != INFINITY) return errorAnswer(400, "Depth must be 0, 1 or infinity");
    const parsed = readPropfind(request.body);
    const propfind = parsed.propfind;
    if (propfind === null) return errorAnswer(400, parsed.error);
    const path = shared.path;
    const resource = shared.tree.stat(path);
    if (resource === null) return errorAnswer(404, "Not found");
    const root = this.share.config.root;
    const infinite = depth == INFINITY;
    const depth0 = depth == "0" || !resource.isFolder; // a file's PROPFIND answers that file alone
    if (!depth0 && infinite && this.countBeyond(shared, this.maxInfinityEntries)) {
      // 9.1: the server may refuse Depth infinity, with this precondition
      return xmlAnswer(403, String.UTF8.encode("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>"));
    }
    const stream = new PropfindStream(shared, root, propfind, infinite, nowMs);
    if (path.length > 0 && path[0] == UPLOADS && mountsUploads(this.share.config.uploadAllowed, shared.principal.profile)) {
      stream.writer.availableBytes = request.freeBytes;
    }
    const out = stream.writer.out;
    out.text(MULTISTATUS_START);
    const self = resource.isFolder && path.length == 0 ? new Resource(root.substring(root.lastIndexOf("/") + 1), true, 0, "", resource.modified) : resource;
    const href = hrefOf(root, path, resource.isFolder);
    // the locks of the resource asked about; its children's are not looked up (docs/listener.md)
    stream.writer.activeLocks = activeLocksXml(this.locks, keyOf(path), root);
    stream.writer.dead = this.dead.of(keyOf(path));
    stream.writer.response(href, self);
    stream.writer.activeLocks = "";
    stream.writer.dead = null;
    if (depth0) {
      out.text(MULTISTATUS_END);
      return xmlAnswer(207, out.detach());
    }
    const listing = shared.tree.list(path);
    if (listing !== null && !infinite) {
      // Depth 1: the head, then the listing's written responses (kept with a kept listing) as
      // they are, in one answer the shim hands whole to libmicrohttpd (docs/listener.md, speed)
      const responses = childResponses(listing, href, propfind, this.dead.size > 0 ? this.dead : null, keyOf(path),
        stream.writer.availableBytes);
      const answer = xmlAnswer(207, out.detach());
      answer.parts.push(responses);
      answer.parts.push(new BodyPart(MULTISTATUS_END_BYTES));
      answer.length += <u64>responses.size + <u64>MULTISTATUS_END_BYTES.byteLength;
      return answer;
    }
    if (listing !== null) {
      if (this.dead.size > 0) stream.dead = this.dead;
      stream.frames.push(new Frame(path, href, listing.entries));
    }
    stream.fill(out, this.firstChunkBytes); // after the head already written
    const answer = xmlAnswer(207, out.snapshot());
    if (stream.done) return answer;
    const id = this.nextStream++;
    this.streams.set(id, stream);
    answer.kind = BodyKind.Stream;
    answer.length = u64.MAX_VALUE; // Depth infinity: walked as it is sent, chunked
    answer.stream = id;
    return answer;
  }

  /** Whether the tree below the request's path holds more than `limit` resources. */
  private countBeyond(shared: Request, limit: i32): bool {
    let count = 0;
    const pending = new Array<Array<string>>();
    pending.push(shared.path);
    while (pending.length > 0) {
      const path = pending.pop();
      const listing = shared.tree.list(path);
      if (listing === null) continue;
      const entries = listing.entries;
      count += entries.length;
      if (count > limit) return true;
      for (let i = 0; i < entries.length; i++) if (entries[i].isFolder) pending.push(path.concat([entries[i].name]));
    }
    return false;
  }

  /** The next chunk of stream `id`, or null when it is unknown (done, dropped, or the module restarted). */
  /** Appends the next chunk of stream `id` to `out`; false when the stream is over (or unknown). */
  continueStream(id: u32, nowMs: f64, out: ByteWriter): bool {
    if (!this.streams.has(id)) return false;
    const stream = this.streams.get(id);
    if (stream.done) {
      this.streams.delete(id);
      return false;
    }
    stream.lastUsedMs = nowMs;
    stream.fill(out, this.chunkBytes);
    if (stream.done) this.streams.delete(id);
    return true;
  }

  endStream(id: u32): void {
    if (this.streams.has(id)) this.streams.delete(id);
  }

  get openStreams(): i32 {
    return this.streams.size;
  }

  private dropIdleStreams(nowMs: f64): void {
    if (this.streams.size == 0) return;
    const ids = this.streams.keys();
    for (let i = 0; i < ids.length; i++) {
      if (nowMs - this.streams.get(ids[i]).lastUsedMs > STREAM_IDLE_MS) this.streams.delete(ids[i]);
    }
  }

  /** GET and HEAD (RFC 9110 9.3.1, 9.3.2), with conditions (13) and a single range (14). */
  private get(request: HttpRequest, shared: Request, head: bool): HttpAnswer {
    const resource = shared.tree.stat(shared.path);
    if (resource === null) return errorAnswer(404, "Not found");
    if (resource.isFolder) {
      const listing = shared.tree.list(shared.path);
      const title = this.share.config.root + "/" + shared.path.join("/");
      const answer = new HttpAnswer(200).inline(htmlIndex(title, listing !== null ? listing : new Listing([]), shared.path.length == 0),
        "text/html; charset=utf-8");
      return head ? answer.withoutBody() : answer;
    }
    const opened = shared.tree.open(shared.path);
    if (opened === null) return errorAnswer(404, "Not found");
    const file = opened.resource;
    const tag = file.entityTag;
    const modifiedMs = shareDateMs(file.modified);
    const lastModified = formatHttpDate(modifiedMs < 0 ? 0 : modifiedMs);
    const verdict = evaluatePreconditions(request.header("if-match"), request.header("if-unmodified-since"),
      request.header("if-none-match"), request.header("if-modified-since"), tag, modifiedMs);
    if (verdict == Precondition.Failed) return errorAnswer(412, "Precondition failed");
    const size: u64 = opened.kind == FileKind.Content ? <u64>opened.body.byteLength : file.size;
    if (verdict == Precondition.NotModified) {
      return new HttpAnswer(304).header("ETag", tag).header("Last-Modified", lastModified);
    }
    const range = selectRange(request.header("range"), request.header("if-range"), tag, lastModified, size);
    if (range.kind == RangeKind.Unsatisfiable) {
      return errorAnswer(416, "Range not satisfiable").header("Content-Range", "bytes */" + size.toString());
    }
    const answer = new HttpAnswer(range.kind == RangeKind.Part ? 206 : 200);
    answer.header("Content-Type", file.mime).header("ETag", tag).header("Last-Modified", lastModified)
      .header("Accept-Ranges", "bytes");
    if (range.kind == RangeKind.Part) {
      answer.header("Content-Range", "bytes " + range.start.toString() + "-" + (range.start + range.length - 1).toString() +
        "/" + size.toString());
    }
    answer.length = range.length;
    if (head) return answer;
    if (opened.kind == FileKind.Content) {
      answer.kind = BodyKind.Inline;
      answer.body = opened.body.slice(<i32>range.start, <i32>(range.start + range.length));
    } else {
      answer.kind = opened.kind == FileKind.Instance ? BodyKind.Instance : BodyKind.Staged;
      answer.source = String.UTF8.decode(opened.body);
      answer.offset = range.start;
      answer.total = size;
      // a client reading a file in parts (Finder, rclone, viewers) asks for the next part soon:
      // the shim keeps the file a few seconds rather than have Orthanc read it for every part
      answer.keep = range.kind == RangeKind.Part;
    }
    return answer;
  }
}

/** The Depth header (RFC 4918 10.2), lower case; absent means infinity. */
function depthOf(request: HttpRequest): string {
  const depth = request.header("depth").trim().toLowerCase();
  return depth.length == 0 ? INFINITY : depth;
}

function xmlAnswer(status: i32, body: ArrayBuffer): HttpAnswer {
  const answer = new HttpAnswer(status);
  answer.kind = BodyKind.Inline;
  answer.body = body;
  answer.length = <u64>body.byteLength;
  return answer.header("Content-Type", "application/xml; charset=utf-8");
}
