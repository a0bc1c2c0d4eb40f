// The module's ABI: the only exports. Each decodes its input, makes one call on the share
// (share.ts: a request's principal and resource tree, resources.ts) or on the uploads, and
// encodes the answer (answers.ts). docs/boundary.md has every export and import, byte by byte;
// result codes are in codes.ts. Mirrored by plugin-shim/guest.h. Calls are serialized by the
// shim. A request is written into the buffer returned by `input(size)`; an answer, when there is
// one, is left in the output buffer (`output_ptr()`) and its length returned.
import { Config, ConfigOutcome, readConfiguration } from "./config";
import { Share, Request } from "./share";
import { Callback, DeleteOutcome, FilterAnswer, FolderAnswer, JobOutcome, RestoredState } from "./codes";
import { inputReader, output, reserveInput } from "./wire";
import { trapIfAsked, trapIfContentAsked } from "./testing";
import { formatStatus } from "./status";
import { StagedFile } from "./host";
import { HostOrthanc } from "./orthanc";
import { formatShareDate } from "./clock";
import { Principal, decideRequest, normalizedComponents } from "./access";
import { requestKind, handedIdentity, identityFor, endsRequest } from "./callbacks";
import { writeDeleted, writeListing, writeOpened, writeRemoval, writeStagingWork, writeStoreDecision } from "./answers";
import { BodyPart, DeletedResource, UPLOADS } from "./resources";
import { Listener, HttpRequest, HttpAnswer } from "./listener";
import { BodyKind } from "./codes";

/** The plugin's own REST route, registered by the shim under this name. */
const STATUS_ROUTE = "/webdav-share/status";

/**
 * The callbacks any module instance may answer, as bits of Callback (configure tells the shim):
 * reads of the DICOM views. Everything else, and every call below uploads/ (whose state only
 * the first instance holds), goes to the first instance.
 */
const READER_CALLBACKS = (1 << Callback.IsExistingFolder) | (1 << Callback.ListFolder) | (1 << Callback.RetrieveFile);

const orthanc = new HostOrthanc();
let share = new Share(new Config(), orthanc);
let listener = new Listener(share, share.config.login, share.config.maxInfinityEntries);

/**
 * Start of every WebDAV callback. Input: u32-prefixed identity and URI as the request filter
 * recorded them for this thread ("" when there is no filter), then the path components.
 */
class Call {
  constructor(public handed: string, public callback: Callback, public request: Request) {}
}

function beginCall(length: i32, callback: Callback): Call {
  const reader = inputReader(length);
  const handed = reader.string();
  const filterUri = reader.string();
  const path = reader.components();
  for (let i = 0; i < path.length; i++) trapIfAsked(share.config.testTrapName, path[i]);
  return new Call(handed, callback, share.request(path, share.principal(handed, filterUri, callback, path)));
}

export function input(size: i32): usize {
  return reserveInput(size);
}

export function output_ptr(): usize {
  return output.dataStart;
}

/**
 * Input: the whole Orthanc configuration as JSON. Output: u8 ConfigOutcome, the root
 * (u8-prefixed), the staging directory (u16-prefixed), u8 number of ingestion workers, u8
 * request filter wanted, the status route (u8-prefixed), u8 module instances, u8 bits of the
 * callbacks any instance may answer, the first path component whose calls only the first
 * instance answers (u8-prefixed), u16 port of the listener (0: none; listener_settings says the rest).
 * Returns the output's length.
 */
export function configure(length: i32): i32 {
  const result = readConfiguration(inputReader(length).rest());
  const config = result.config;
  share = new Share(config, orthanc);
  listener = new Listener(share, config.login, config.maxInfinityEntries);
  output.reset();
  output.u8(<i32>result.outcome);
  output.shortString(config.root);
  output.mediumString(config.stagingDirectory);
  output.u8(config.uploadAllowed ? config.ingestWorkers : 0);
  // The request filter is needed only with access rules, and then even if they are invalid
  // (it refuses everything) or the share is not served: rules never widen access.
  output.u8(config.access.active && result.outcome != ConfigOutcome.Disabled ? 1 : 0);
  output.shortString(STATUS_ROUTE);
  output.u8(config.moduleInstances);
  output.u8(READER_CALLBACKS);
  output.shortString(UPLOADS);
  output.u16(result.outcome == ConfigOutcome.Serve ? config.listenerPort : 0);
  return output.length;
}

/** The listener's bounds (docs/listener.md), decided here so that the shim only applies them. */
const LISTENER_MAX_BODY = 1 << 20; // a PROPFIND body; beyond, 413
const LISTENER_CONNECTIONS = 256;
const LISTENER_CONNECTIONS_PER_ADDRESS = 64;
const LISTENER_TIMEOUT_SECONDS = 60;
/**
 * A PUT body up to this size is held in memory, then written into the staging log's shared
 * segment (one descriptor, syncs shared with concurrent uploads); a larger one streams into a
 * segment of its own. With 256 connections, small bodies hold 256 MB at worst.
 */
const LISTENER_SMALL_UPLOAD = 1 << 20;
/**
 * What the shim keeps between sends (plugin-shim/byte_cache.c): instance files read in ranges
 * and kept listings' responses, each up to this long after its last use, within this many MiB.
 * 10 s covers a client reading a file in ranges, or listing the same folder again; 512 MiB
 * holds a dozen large multi-frame instances.
 */
const LISTENER_KEEP_SECONDS = 10;
const LISTENER_KEEP_MEBIBYTES = 512;

/**
 * Input: u8 whether Orthanc was started with a folder (else a file), then that path, as the
 * shim found it in Orthanc's command line. Output: u16 port, u8 TLS, u16-prefixed certificate
 * path (a relative one resolved against the configuration's folder, as Orthanc resolves its
 * own), u32 largest request body, u32 connections, u32 connections per address, u32 idle timeout (s).
 */
export function listener_settings(length: i32): i32 {
  const reader = inputReader(length);
  const isFolder = reader.u8() != 0;
  const given = reader.rest();
  const config = share.config;
  let folder = isFolder ? given : given.lastIndexOf("/") >= 0 ? given.substring(0, given.lastIndexOf("/")) : ".";
  if (folder.length == 0) folder = "/";
  const certificate = config.certificate.startsWith("/") ? config.certificate : folder + "/" + config.certificate;
  output.reset();
  output.u16(config.listenerPort);
  output.u8(config.tls ? 1 : 0);
  output.mediumString(config.tls ? certificate : "");
  output.u32(LISTENER_MAX_BODY);
  output.u32(LISTENER_CONNECTIONS);
  output.u32(LISTENER_CONNECTIONS_PER_ADDRESS);
  output.u32(LISTENER_TIMEOUT_SECONDS);
  output.u32(LISTENER_SMALL_UPLOAD);
  output.u32(LISTENER_KEEP_SECONDS);
  output.u32(LISTENER_KEEP_MEBIBYTES);
  return output.length;
}

/**
 * One request on the listener (listener.ts). Input: u32-prefixed method, target (undecoded),
 * peer address; u32 header count, then u32-prefixed name and value of each; then the body.
 * Input: u32-prefixed method, target and peer, u32 free MiB where uploads are staged, the
 * headers, the body. `primary`: this is the first module instance (the only one with uploads/). Output: u16
 * status, u32 delay (ms), u8 BodyKind, u64 length (u64 max: streamed), u32 stream id, u32
 * header count and the u32-prefixed names and values, then by kind: a u32 count of parts
 * (writeBodyPart: Inline), the bytes (the first chunk of Stream), or u32-prefixed source id, u64 offset, u64 size of the whole file,
 * u8 keep (Instance, Staged), or u32-prefixed staging id, u64 length of the body, then the record
 * (Receive), or a u32 count of u32-prefixed source, target and record (Copy). Returns the output's length.
 */
export function http_request(length: i32, primary: i32, tls: i32): i32 {
  const reader = inputReader(length);
  const method = reader.string();
  const target = reader.string();
  const peer = reader.string();
  const request = new HttpRequest(method, target, peer, tls != 0, primary != 0);
  request.freeBytes = <u64>reader.u32() << 20;
  const headers = reader.u32();
  for (let i: u32 = 0; i < headers && reader.ok; i++) {
    const name = reader.string();
    request.addHeader(name, reader.string());
  }
  request.body = reader.rest();
  const answer = reader.ok ? listener.handle(request, orthanc.now()) : new HttpAnswer(400);
  return writeHttpAnswer(answer);
}

/** The kept parts of the last Inline answer, for http_kept. */
const keptParts = new Array<BodyPart>();
/** What the last answer deleted in Orthanc, for http_deleted. */
const NOTHING_DELETED = new Array<DeletedResource>(0);
let answerDeleted = NOTHING_DELETED;

function writeHttpAnswer(answer: HttpAnswer): i32 {
  keptParts.length = 0;
  answerDeleted = answer.deleted;
  output.reset();
  output.u16(answer.status);
  output.u32(<u32>answer.delayMs);
  output.u8(<i32>answer.kind);
  output.u64(answer.length);
  output.u32(answer.stream);
  output.u32(<u32>(answer.headers.length / 2));
  for (let i = 0; i < answer.headers.length; i++) output.longBytes(String.UTF8.encode(answer.headers[i]));
  const body = answer.body;
  if (answer.kind == BodyKind.Instance || answer.kind == BodyKind.Staged) {
    output.longBytes(String.UTF8.encode(answer.source));
    output.u64(answer.offset);
    output.u64(answer.total);
    output.u8(answer.keep ? 1 : 0);
  } else if (answer.kind == BodyKind.Copy) {
    output.u32(<u32>answer.copies.length);
    for (let i = 0; i < answer.copies.length; i++) {
      output.longBytes(String.UTF8.encode(answer.copies[i].source));
      output.longBytes(String.UTF8.encode(answer.copies[i].target));
      output.longBytes(String.UTF8.encode(answer.copies[i].record, false));
    }
  } else if (answer.kind == BodyKind.Receive) {
    output.longBytes(String.UTF8.encode(answer.source));
    output.u64(answer.total);
    if (body !== null) output.bytes(body); // the record: where the upload was put
  } else if (answer.kind == BodyKind.Inline) {
    output.u32(<u32>answer.parts.length + (body !== null ? 1 : 0));
    if (body !== null) writeBodyPart(new BodyPart(body));
    for (let i = 0; i < answer.parts.length; i++) writeBodyPart(answer.parts[i]);
  } else if (body !== null && answer.kind != BodyKind.None) {
    output.bytes(body);
  }
  return output.length;
}

/** An Inline part: u8 0 and its u32-prefixed bytes, or u8 1, its u32 kept id and u32 length. */
function writeBodyPart(part: BodyPart): void {
  if (part.keptId == 0) {
    output.u8(0);
    output.u32(<u32>part.size);
    output.raw(changetype<usize>(part.bytes), part.size);
    return;
  }
  output.u8(1);
  output.u32(part.keptId);
  output.u32(<u32>part.size);
  keptParts.push(part);
}

/**
 * Called by the shim right after http_request, in the same hold of this instance: where the
 * kept parts of its Inline answer are in module memory, so that the shim copies those it does
 * not hold yet (plugin-shim/byte_cache.c). Output: u32 count, then u32 kept id, u32 address and
 * u32 length of each. Returns the output's length.
 */
export function http_kept(): i32 {
  output.reset();
  output.u32(<u32>keptParts.length);
  for (let i = 0; i < keptParts.length; i++) {
    output.u32(keptParts[i].keptId);
    output.u32(<u32>changetype<usize>(keptParts[i].bytes));
    output.u32(<u32>keptParts[i].size);
  }
  keptParts.length = 0;
  return output.length;
}

/**
 * Called by the shim right after http_request on the first instance, in the same hold: the
 * Orthanc resources a DELETE in the views removed (answers.ts writeDeleted), which the shim
 * hands to the other instances before the answer leaves, as for delete_item.
 */
export function http_deleted(): i32 {
  const deleted = answerDeleted;
  answerDeleted = NOTHING_DELETED;
  return writeDeleted(deleted);
}

/** The next chunk of a streamed answer. Output: its bytes. Returns their length, or -1 when it is over. */
export function http_continue(stream: u32): i32 {
  output.reset();
  return listener.continueStream(stream, orthanc.now(), output) ? output.length : -1;
}

/** The client went away before a streamed answer ended. */
export function http_end(stream: u32): void {
  listener.endStream(stream);
}

/**
 * The request filter (registered only with access rules). Input: u32-prefixed URI, u32-prefixed
 * Authorization header, then the Depth header ("" when absent). Output: u8 FilterAnswer,
 * u32-prefixed identity for the callbacks of the same request (callbacks.ts). Returns the
 * output's length.
 */
export function filter_request(length: i32, method: i32): i32 {
  const reader = inputReader(length);
  const uri = reader.string();
  const authorization = reader.string();
  const depth = reader.rest();
  const config = share.config;
  const decision = decideRequest(config.access, method, uri, authorization, config.root, STATUS_ROUTE,
    config.uploadAllowed, config.deleteAllowed);
  output.reset();
  output.u8(decision.allowed ? FilterAnswer.Allow : FilterAnswer.Refuse);
  output.longBytes(String.UTF8.encode(handedIdentity(requestKind(method, depth), decision.identity), false));
  return output.length;
}

/** Input: see Call. Returns FolderAnswer bits: a folder; this callback ends its request. */
export function is_existing_folder(length: i32): i32 {
  const call = beginCall(length, Callback.IsExistingFolder);
  const found = call.request.tree.stat(call.request.path);
  const folder = found !== null && found.isFolder;
  return (folder ? FolderAnswer.Folder : 0) | (endsRequest(call.handed, call.callback, folder) ? FolderAnswer.EndsRequest : 0);
}

/** Input: see Call. Returns the listing's length (answers.ts writeListing), or -1. */
export function list_folder(length: i32): i32 {
  const call = beginCall(length, Callback.ListFolder);
  const listing = call.request.tree.list(call.request.path);
  return listing === null ? -1 : writeListing(listing);
}

/** Input: see Call. Returns the file's length (answers.ts writeOpened), or -1. */
export function retrieve_file(length: i32): i32 {
  const call = beginCall(length, Callback.RetrieveFile);
  const opened = call.request.tree.open(call.request.path);
  return opened === null ? -1 : writeOpened(opened);
}

/** PUT. Input: see Call; `size` the body's length. Returns answers.ts writeStoreDecision's length. */
export function store_file(length: i32, size: u64): i32 {
  const call = beginCall(length, Callback.StoreFile);
  return writeStoreDecision(call.request.tree.store(call.request.path, size));
}

/** MKCOL. Input: see Call. Returns DeleteOutcome Done when created, Refused otherwise. */
export function create_folder(length: i32): i32 {
  const call = beginCall(length, Callback.CreateFolder);
  return call.request.tree.mkcol(call.request.path) ? DeleteOutcome.Done : DeleteOutcome.Refused;
}

/** Input: see Call. Returns a DeleteOutcome; output: answers.ts writeRemoval. */
export function delete_item(length: i32): i32 {
  const call = beginCall(length, Callback.DeleteItem);
  return writeRemoval(call.request.tree.remove(call.request.path));
}

/** The shim made a staged file durable (ok 1) or could not (ok 0). Input: the staging id. */
export function upload_staged(length: i32, ok: i32): void {
  share.uploads.staged(inputReader(length).rest(), ok != 0);
}

/**
 * A staged file (or report) found at start. Input: u32-prefixed staging id, u32-prefixed
 * record, then the report's text. `state`: RestoredState (Report for a report, else what the
 * staging log says of the upload's import). The module decides what each becomes, a report
 * found with its upload included (uploads.ts restore).
 */
export function upload_restore(length: i32, size: u64, mtimeMs: f64, state: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  const record = reader.string();
  const uploads = share.uploads;
  if (state == RestoredState.Report) uploads.restoreReport(id, record, reader.rest(), formatShareDate(mtimeMs), orthanc.now());
  else uploads.restore(id, record, size, formatShareDate(mtimeMs), orthanc.now(), <RestoredState>state);
}

/** For a worker: the next staged file. Output: its staging id. Returns the length, or -1. */
export function upload_next(): i32 {
  const entry = share.uploads.nextJob();
  if (entry === null) return -1;
  output.reset();
  output.bytes(String.UTF8.encode(entry.stagingId, false));
  return output.length;
}

/**
 * Checks a staged file of `size` bytes, read through host.upload_read. Input: its staging id.
 * Returns a CheckAnswer.
 */
export function upload_check(length: i32, size: u64): i32 {
  const file = new StagedFile(size);
  trapIfContentAsked(share.config.testTrapName, file);
  return share.uploads.check(inputReader(length).rest(), file, orthanc.now());
}

/**
 * The next member of a ZIP archive to import (upload_check answered Zip), read through
 * host.upload_read. Input: the staging id. Output: the member's bytes. Returns their length,
 * or -1 when the archive is done.
 */
export function upload_zip_member(length: i32, size: u64): i32 {
  const member = share.uploads.zipMember(inputReader(length).rest(), new StagedFile(size), orthanc.now());
  if (member === null) return -1;
  output.reset();
  output.raw(member.dataStart, member.length);
  return output.length;
}

/** What came of a member's import. Input: u32-prefixed staging id, then Orthanc's message. */
export function upload_zip_member_done(length: i32, outcome: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  share.uploads.zipMemberDone(id, <JobOutcome>outcome, reader.rest());
}

/** What came of an import (a JobOutcome). Input: u32-prefixed staging id, then Orthanc's message. */
export function upload_finish(length: i32, outcome: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  share.uploads.finish(id, <JobOutcome>outcome, reader.rest(), orthanc.now());
}

/** A resource Orthanc deleted (queued by the shim). Input: its id. */
export function resource_deleted(level: i32, length: i32): void {
  share.synchronizer.deleted(level, inputReader(length).rest());
}

/**
 * The shim's timer, about once a second: loads the catalog, reconciles when due, tidies
 * uploads/. Output: the staging work (answers.ts writeStagingWork).
 */
export function tick(): i32 {
  share.synchronizer.tick();
  share.uploads.tidy(orthanc.now());
  return writeStagingWork(share.uploads);
}

/**
 * Input: u32-prefixed identity and URI as the request filter recorded them (as for the WebDAV
 * callbacks), then the shim's version. Output: the status JSON; under access rules, only an
 * unrestricted user sees the rules of others. `traps` and `memoryBytes` are known to the shim only.
 */
export function status(traps: i32, memoryBytes: f64, length: i32): i32 {
  const reader = inputReader(length);
  const handed = reader.string();
  const filterUri = reader.string();
  const version = reader.rest();
  const rules = share.config.access;
  const ownRequest = normalizedComponents(filterUri).join("/") == normalizedComponents(STATUS_ROUTE).join("/");
  const asker = ownRequest ? rules.principal(identityFor(handed, Callback.Status)) : new Principal("", rules.nobody);
  output.reset();
  output.bytes(String.UTF8.encode(formatStatus(version, share, traps, memoryBytes,
    asker.profile.unrestricted ? null : asker.profile), false));
  return output.length;
}
