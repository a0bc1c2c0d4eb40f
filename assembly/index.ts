// The module's ABI: the only exports, each forwarding to the file that owns the concern.
// docs/boundary.md has every export and import, byte by byte; result codes are in codes.ts.
// Mirrored by plugin-shim/guest.h. Calls are serialized by the shim. A request is written into
// the buffer returned by `input(size)`; an answer, when there is one, is left in the output
// buffer (`output_ptr()`) and its length returned.
import { Catalog } from "./catalog";
import { Config, ConfigOutcome, readConfiguration } from "./config";
import { InstanceCache } from "./instances";
import { Synchronizer } from "./sync";
import { Views } from "./views";
import { UPLOADS, Uploads, UploadEntry, UploadGuard, EntryKind, StoreAction, StoreDecision, JobOutcome, RestoredState } from "./uploads";
import { CheckResult } from "./dicomcheck";
import { DeleteOutcome, FileKind, FilterAnswer, FolderAnswer } from "./codes";
import { inputReader, output, reserveInput, writeListingEntry } from "./wire";
import { trapIfAsked, trapIfContentAsked } from "./testing";
import { formatStatus } from "./status";
import { nowMs, StagedFile } from "./host";
import { Deleter } from "./deletion";
import { formatShareDate } from "./clock";
import { Principal, Profile, RIGHT_DELETE, RIGHT_READ, RIGHT_UPLOAD, belongsToRequest, decideRequest, normalizedComponents } from "./access";
import { Callback, requestKind, handedIdentity, identityFor, endsRequest } from "./callbacks";
import { Node } from "./views";

/** The plugin's own REST route, registered by the shim under this name. */
const STATUS_ROUTE = "/webdav-share/status";

let config = new Config();
const catalog = new Catalog();
let cache = new InstanceCache(config.maxCachedInstances);
let synchronizer = new Synchronizer(catalog, cache);
let views = new Views(catalog, config, synchronizer);
let deleter = new Deleter(synchronizer, config);
let uploads = newUploads();
/** The views of each access profile that is not unrestricted (their own names and caches). */
let scopedViews = new Map<string, Views>();

function newUploads(): Uploads {
  const result = new Uploads(config.maxSequenceDepth, <f64>config.uploadFolderIdleSeconds * 1000,
    <f64>config.emptyFileIdleSeconds * 1000, <f64>config.importedLingerSeconds * 1000);
  result.maxZipRatio = <u64>config.maxZipRatio;
  if (config.access.active) result.guard = new AccessGuard();
  return result;
}

/**
 * Under access rules, what an upload may touch (README, "Access rules"): an instance joins the study of its
 * StudyInstanceUID and the patient of its PatientID. It is refused when that study exists and
 * its uploader cannot see it, or when that patient exists and its uploader sees none of its
 * studies. Reasons name nothing hidden.
 */
class AccessGuard extends UploadGuard {
  refusal(owner: string, checked: CheckResult): string {
    const profile = config.access.principal(owner.length > 0 ? "u:" + owner : "a").profile;
    if (profile.seesEverything && profile.may(RIGHT_READ)) return "";
    if (!checked.idsComparable) {
      return "its PatientID or StudyInstanceUID is not ASCII and its character set is not UTF-8 (ISO_IR 192), so it cannot be checked against the studies you may see";
    }
    synchronizer.sync(); // the catalog as Orthanc has it now
    const studies = catalog.studies.values();
    let patientSeen = false;
    let patientExists = false;
    for (let i = 0; i < studies.length; i++) {
      const study = studies[i];
      if (study.studyInstanceUid == checked.studyUid && !profile.sees(study)) {
        return "its StudyInstanceUID is that of a study in Orthanc that you may not see: it would be added to it";
      }
      if (study.patientId == checked.patientId) {
        patientExists = true;
        if (profile.sees(study)) patientSeen = true;
      }
    }
    if (patientExists && !patientSeen) {
      return "its PatientID is that of a patient in Orthanc of whom you may see no study: it would join that patient";
    }
    return "";
  }
}

/** One WebDAV callback: its path, who asks (access.ts), and what that principal sees. */
class Request {
  constructor(public path: Array<string>, public principal: Principal, public views: Views, public handed: string) {}

  get owner(): string {
    return this.principal.user;
  }

  get mayUpload(): bool {
    return config.uploadAllowed && this.principal.profile.may(RIGHT_UPLOAD);
  }

  /** Below uploads/ (not uploads/ itself), for a principal who may upload. */
  get isUploadPath(): bool {
    return this.path.length > 1 && this.path[0] == UPLOADS && this.mayUpload;
  }

  /** What the path names for this principal; a path hidden from it counts as a refusal. */
  resolve(): Node | null {
    const node = this.views.resolve(this.path);
    if (node === null && this.views !== views && views.resolve(this.path) !== null) this.principal.profile.refused++;
    return node;
  }
}

function viewsFor(profile: Profile): Views {
  if (profile.unrestricted) return views;
  if (!scopedViews.has(profile.name)) scopedViews.set(profile.name, new Views(catalog, config, synchronizer, profile));
  return scopedViews.get(profile.name);
}

const MIME_BINARY = "application/octet-stream";
const MIME_TEXT = "text/plain; charset=utf-8";

/**
 * Start of every WebDAV callback. Input: u32-prefixed identity and URI as the request filter
 * recorded them for this thread ("" when there is no filter), then the path components.
 * The identity counts only if `callback` may belong to the request the filter saw
 * (callbacks.ts) and that request's URI is this callback's path (access.ts belongsToRequest).
 * Applies changes and sets the clock the listings show. Nothing under uploads/ depends on the
 * catalog, so those requests skip the change log (a PUT per file of a folder copy would
 * otherwise read it every time).
 */
function beginRequest(length: i32, callback: Callback): Request {
  const reader = inputReader(length);
  const handed = reader.string();
  const filterUri = reader.string();
  const path = reader.components();
  for (let i = 0; i < path.length; i++) trapIfAsked(config.testTrapName, path[i]);
  if (path.length == 0 || path[0] != UPLOADS) synchronizer.sync();
  const rules = config.access;
  let principal = rules.principal(identityFor(handed, callback));
  if (rules.active && !belongsToRequest(filterUri, config.root, path)) principal = new Principal("", rules.nobody);
  const scoped = viewsFor(principal.profile);
  scoped.now = formatShareDate(nowMs());
  return new Request(path, principal, scoped, handed);
}

export function input(size: i32): usize {
  return reserveInput(size);
}

export function output_ptr(): usize {
  return output.dataStart;
}

/**
 * Input: the whole Orthanc configuration as JSON. Output: u8 outcome (0 serve, 1 disabled,
 * 2 refused), the root (u8-prefixed), the staging directory (u16-prefixed), u8 number of
 * ingestion workers, u8 request filter wanted, the status route (u8-prefixed), u8 module
 * instances, the folder only the first instance serves (u8-prefixed). Returns the output's length.
 */
export function configure(length: i32): i32 {
  const result = readConfiguration(inputReader(length).rest());
  config = result.config;
  cache = new InstanceCache(config.maxCachedInstances);
  synchronizer = new Synchronizer(catalog, cache);
  synchronizer.reconcileIntervalMs = <f64>config.reconcileIntervalSeconds * 1000;
  catalog.forgetListeners(); // the views made before this configure
  views = new Views(catalog, config, synchronizer);
  deleter = new Deleter(synchronizer, config);
  uploads = newUploads();
  scopedViews = new Map<string, Views>();
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
  // Only the first instance holds uploads/: the shim sends every call below it there.
  output.shortString(UPLOADS);
  return output.length;
}

/**
 * The request filter (registered only with access rules). Input: u32-prefixed URI, u32-prefixed
 * Authorization header, then the Depth header ("" when absent). Output: u8 1 allow / 0 refuse
 * (403), u32-prefixed identity for the callbacks of the same request (callbacks.ts). Returns the
 * output's length.
 */
export function filter_request(length: i32, method: i32): i32 {
  const reader = inputReader(length);
  const uri = reader.string();
  const authorization = reader.string();
  const depth = reader.rest();
  const decision = decideRequest(config.access, method, uri, authorization, config.root, STATUS_ROUTE,
    config.uploadAllowed, config.deleteAllowed);
  output.reset();
  output.u8(decision.allowed ? FilterAnswer.Allow : FilterAnswer.Refuse);
  output.longBytes(String.UTF8.encode(handedIdentity(requestKind(method, depth), decision.identity), false));
  return output.length;
}

/**
 * Input: see beginRequest. Returns bit 0 set when the path names a folder, bit 1 set when this
 * callback ends its request (the shim then forgets the identity, callbacks.ts).
 */
export function is_existing_folder(length: i32): i32 {
  const request = beginRequest(length, Callback.IsExistingFolder);
  let folder: bool;
  if (request.isUploadPath) {
    const entry = uploads.find(request.path, request.owner);
    folder = entry !== null && entry.isFolder;
  } else {
    const node = request.resolve();
    folder = node !== null && node.isFolder;
  }
  return (folder ? FolderAnswer.Folder : 0) | (endsRequest(request.handed, Callback.IsExistingFolder, folder) ? FolderAnswer.EndsRequest : 0);
}

/** Input: see beginRequest. Returns the listing's length (wire format in views.ts), or -1. */
export function list_folder(length: i32): i32 {
  const request = beginRequest(length, Callback.ListFolder);
  const path = request.path;
  output.reset();
  if (request.isUploadPath || (path.length == 1 && path[0] == UPLOADS && request.mayUpload)) {
    const folder = uploads.find(path, request.owner);
    if (folder === null || !folder.isFolder) return -1;
    writeUploadListing(folder, request.views);
    return output.length;
  }
  const node = request.resolve();
  if (node === null || !node.isFolder) return -1;
  request.views.writeListing(node, output);
  return output.length;
}

function writeUploadListing(folder: UploadEntry, views: Views): void {
  const children = uploads.listed(folder);
  output.u32(<u32>children.length);
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    writeListingEntry(output, child.isFolder, child.size,
      child.isFolder ? "" : child.kind == EntryKind.Report ? MIME_TEXT : MIME_BINARY,
      child.date.length > 0 ? child.date : views.now, child.name);
  }
}

/**
 * Input: see beginRequest. Output: u8-prefixed MIME type, u8-prefixed date, u8 kind
 * (1: the bytes that follow are an instance id whose DICOM file the shim sends; 2: the bytes
 * that follow are the content; 3: they are the staging id of an upload whose staged file the
 * shim sends), u32-prefixed bytes. Returns the output's length, or -1.
 */
export function retrieve_file(length: i32): i32 {
  const request = beginRequest(length, Callback.RetrieveFile);
  if (request.isUploadPath) return writeUploadFile(uploads.find(request.path, request.owner), request.views);
  const node = request.resolve();
  if (node === null || node.isFolder) return -1;
  const file = request.views.file(node);
  if (file === null) return -1;
  output.reset();
  output.shortString(file.mime);
  output.shortString(file.date);
  const content = file.content;
  if (content !== null) {
    output.u8(FileKind.Content);
    output.longBytes(content.buffer);
  } else {
    output.u8(FileKind.Instance);
    output.longBytes(String.UTF8.encode(file.instanceId, false));
  }
  return output.length;
}

function writeUploadFile(entry: UploadEntry | null, views: Views): i32 {
  if (entry === null || entry.isFolder) return -1;
  output.reset();
  output.shortString(entry.kind == EntryKind.Report ? MIME_TEXT : MIME_BINARY);
  output.shortString(entry.date.length > 0 ? entry.date : views.now);
  if (entry.kind == EntryKind.Pending || entry.kind == EntryKind.Imported) {
    output.u8(FileKind.Staged);
    output.longBytes(String.UTF8.encode(entry.stagingId, false));
  } else {
    output.u8(FileKind.Content);
    output.longBytes(String.UTF8.encode(entry.report, false)); // "" for a zero-byte file
  }
  return output.length;
}

/**
 * PUT. Input: see beginRequest; `size` the body's length. Output: u8 action (0 refuse, 1 accept
 * with nothing to write, 2 stage), u8-prefixed staging id, u16-prefixed record (the path below
 * uploads/, for the sidecar that lets a restart find it again). Returns the output's length.
 */
export function store_file(length: i32, size: u64): i32 {
  const request = beginRequest(length, Callback.StoreFile);
  output.reset();
  const decision = request.isUploadPath
    ? uploads.store(request.path, size, request.views.now, nowMs(), request.owner)
    : new StoreDecision(StoreAction.Refuse);
  output.u8(<i32>decision.action);
  output.shortString(decision.stagingId);
  output.mediumString(decision.record);
  return output.length;
}

/** The shim made a staged file durable (ok 1) or could not (ok 0). Input: the staging id. */
export function upload_staged(length: i32, ok: i32): void {
  uploads.staged(inputReader(length).rest(), ok != 0);
}

/**
 * A staged file (or report) found at start. Input: u32-prefixed staging id, u32-prefixed
 * record, then the report's text. `state`: 0 for a report, else the upload's staging state
 * (uploads.ts RestoredState: its import may have begun, or ended, before the stop).
 */
export function upload_restore(length: i32, size: u64, mtimeMs: f64, state: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  const record = reader.string();
  if (state == RestoredState.Report) uploads.restoreReport(id, record, reader.rest(), formatShareDate(mtimeMs), nowMs());
  else uploads.restore(id, record, size, formatShareDate(mtimeMs), nowMs(), <RestoredState>state);
}

/** For a worker: the next staged file. Output: its staging id. Returns the length, or -1. */
export function upload_next(): i32 {
  const entry = uploads.nextJob();
  if (entry === null) return -1;
  output.reset();
  output.bytes(String.UTF8.encode(entry.stagingId, false));
  return output.length;
}

/**
 * Checks a staged file of `size` bytes, read through host.upload_read. Input: its staging id.
 * Returns 1 when the shim must import it, 0 when it is dropped (skipped or reported), 2 when
 * it is a ZIP archive whose members upload_zip_member hands out.
 */
export function upload_check(length: i32, size: u64): i32 {
  const file = new StagedFile(size);
  trapIfContentAsked(config.testTrapName, file);
  return uploads.check(inputReader(length).rest(), file);
}

/**
 * The next member of a ZIP archive to import (upload_check answered 2), read through
 * host.upload_read. Input: the staging id. Output: the member's bytes. Returns their length,
 * or -1 when the archive is done.
 */
export function upload_zip_member(length: i32, size: u64): i32 {
  const member = uploads.zipMember(inputReader(length).rest(), new StagedFile(size), nowMs());
  if (member === null) return -1;
  output.reset();
  output.raw(member.dataStart, member.length);
  return output.length;
}

/** What came of a member's import. Input: u32-prefixed staging id, then Orthanc's message. */
export function upload_zip_member_done(length: i32, outcome: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  uploads.zipMemberDone(id, <JobOutcome>outcome, reader.rest());
}

/** What came of an import. Input: u32-prefixed staging id, then Orthanc's message. */
export function upload_finish(length: i32, outcome: i32): void {
  const reader = inputReader(length);
  const id = reader.string();
  uploads.finish(id, <JobOutcome>outcome, reader.rest(), nowMs());
}

/** MKCOL. Input: see beginRequest. Returns 1 when created, 0 when refused. */
export function create_folder(length: i32): i32 {
  const request = beginRequest(length, Callback.CreateFolder);
  if (!request.isUploadPath) return DeleteOutcome.Refused;
  return uploads.makeFolder(request.path, request.views.now, nowMs(), request.owner) ? DeleteOutcome.Done : DeleteOutcome.Refused;
}

/**
 * Input: see beginRequest. Returns 1 when deleted (or nothing to delete), 0 when refused, -1 on
 * failure. Output: u32 count, then u8 level and u8-prefixed id of each resource deleted (the
 * shim passes them to the module's other instances).
 */
export function delete_item(length: i32): i32 {
  const request = beginRequest(length, Callback.DeleteItem);
  output.reset();
  output.u32(0);
  if (request.isUploadPath) return uploads.delete(request.path, request.owner) ? DeleteOutcome.Done : DeleteOutcome.Refused;
  if (!request.principal.profile.may(RIGHT_DELETE)) return DeleteOutcome.Refused;
  const outcome = <i32>deleter.delete(request.path, request.views);
  output.reset();
  output.u32(<u32>deleter.justDeleted.length);
  for (let i = 0; i < deleter.justDeleted.length; i++) {
    output.u8(deleter.justDeleted[i].level);
    output.shortString(deleter.justDeleted[i].id);
  }
  return outcome;
}

/** A resource Orthanc deleted (queued by the shim). Input: its id. */
export function resource_deleted(level: i32, length: i32): void {
  synchronizer.deleted(level, inputReader(length).rest());
}

/**
 * The shim's timer, about once a second: loads the catalog, reconciles when due, tidies
 * uploads/. Output: u32 count of reports to make durable, each a u8-prefixed staging id and
 * u32-prefixed text; then u32 count of u8-prefixed staging ids whose files the shim removes.
 */
export function tick(): i32 {
  synchronizer.tick();
  uploads.tidy(nowMs());
  output.reset();
  const reports = uploads.reportsToWrite;
  output.u32(<u32>reports.length);
  for (let i = 0; i < reports.length; i++) {
    output.shortString(reports[i].stagingId);
    output.longBytes(String.UTF8.encode(reports[i].report, false));
  }
  uploads.reportsToWrite = new Array<UploadEntry>();
  const discarded = uploads.discarded;
  output.u32(<u32>discarded.length);
  for (let i = 0; i < discarded.length; i++) output.shortString(discarded[i]);
  uploads.discarded = new Array<string>();
  return output.length;
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
  const rules = config.access;
  const ownRequest = normalizedComponents(filterUri).join("/") == normalizedComponents(STATUS_ROUTE).join("/");
  const asker = ownRequest ? rules.principal(identityFor(handed, Callback.Status)) : new Principal("", rules.nobody);
  output.reset();
  output.bytes(String.UTF8.encode(formatStatus(version, config, catalog, cache, synchronizer, deleter, uploads, traps, memoryBytes,
    asker.profile.unrestricted ? null : asker.profile), false));
  return output.length;
}
