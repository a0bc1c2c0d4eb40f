// The uploads/ folder (README, "Uploading"): what users put there, what happens to each file, and what
// they see meanwhile. The module owns the tree and every decision; the shim writes the bytes
// to the staging directory, runs the ingestion workers and calls Orthanc.
// A file's life: PUT -> staged (durable, listed as pending) -> a worker checks it here
// (dicomcheck.ts) -> imported by the shim with POST /instances -> gone from the listing; or
// skipped (plainly not DICOM, silently, counted); or failed: a "<name>.error.txt" report takes
// its place and says why, until the user deletes it.
import { ByteSource, BytesSource, CheckResult, checkDicom, Verdict } from "./dicomcheck";
import { CheckAnswer, JobOutcome, RestoredState, StoreAction } from "./codes";
import { Copied, MoveOutcome, StagedCopy, StoreDecision, UPLOADS } from "./resources";
export { JobOutcome, RestoredState, StoreAction };

/**
 * Says why a checked file may not be imported for its uploader, or "" (index.ts: access rules,
 * README "Access rules": an upload never reveals, changes or joins anything its uploader cannot see).
 */
export abstract class UploadGuard {
  abstract refusal(owner: string, checked: CheckResult): string;
}

class AllowEverything extends UploadGuard {
  refusal(owner: string, checked: CheckResult): string {
    return "";
  }
}
import { ZipDirectory, readZipDirectory, extractMember } from "./zip";

/** An archive being imported member by member. */
class ZipJob {
  next: i32 = 0;
  imported: i32 = 0;
  current: string = "";
  failures: Array<string> = new Array<string>();
  constructor(public directory: ZipDirectory, public budget: u64) {}
}

const DICOM_EXTENSIONS: Array<string> = [".dcm", ".dicom", ".dic"];

export enum EntryKind {
  Folder,
  Pending, // staged, waiting for or being ingested
  Empty, // a zero-byte PUT: explorers create the file, then write it
  Report, // why a file could not be imported
  Imported, // imported or skipped: no longer listed, still reachable by its name for a few seconds (below)
}

export class UploadEntry {
  children: Map<string, UploadEntry> = new Map<string, UploadEntry>();
  size: u64 = 0;
  stagingId: string = "";
  report: string = "";
  running: bool = false;
  /** On an owner's uploads/ folder only: whose tree it is. */
  owner: string = "";
  constructor(public kind: EntryKind, public name: string, public parent: UploadEntry | null,
    public date: string, public touchedAt: f64) {}

  get isFolder(): bool {
    return this.kind == EntryKind.Folder;
  }

  /** The path below uploads/, for reports and the staging sidecar. */
  get path(): string {
    const parts = new Array<string>();
    let at: UploadEntry | null = this;
    while (at !== null && at.parent !== null) {
      parts.unshift(at.name);
      at = at.parent;
    }
    return parts.join("/");
  }
}



/** The report of a file whose check made the module trap: a fault of the plugin, not of the file. */
export const CHECK_TRAPPED = "the share's own check of this file failed (a fault of the plugin, logged by Orthanc), " +
  "so it was not imported; the file may be valid: import it another way";

/** The report of a file whose import Orthanc did not survive (README "Uploading": no crash loop). */
export const INTERRUPTED_IMPORT = "Orthanc stopped while importing this file; it was not retried. " +
  "If Orthanc crashed on it, it must not be uploaded again; otherwise check whether it arrived, and upload it again if not";

/** Names operating systems write beside real files; accepted and dropped, never reported. */
export function isSystemJunk(name: string): bool {
  const lower = name.toLowerCase();
  return name.startsWith("._") || lower == ".ds_store" || lower == "thumbs.db" || lower == "desktop.ini";
}

/** A name the share accepts for something uploaded. */
export function isAcceptableName(name: string): bool {
  if (name.length == 0 || name == "." || name == ".." || String.UTF8.byteLength(name) > 255) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c == 0x2f || c == 0x5c) return false;
  }
  return true;
}

function hasExtension(name: string, extensions: Array<string>): bool {
  const lower = name.toLowerCase();
  for (let i = 0; i < extensions.length; i++) if (lower.endsWith(extensions[i])) return true;
  return false;
}

export const REPORT_SUFFIX = ".error.txt";

class RestoredPlace {
  constructor(public parent: UploadEntry, public name: string) {}
}

/**
 * The record the shim stores with a staged file: the path below uploads/, preceded by its
 * owner when there is one ("\u0001<length>:<owner><path>"), so that a restart gives each
 * upload back to the user who made it.
 */
export function encodeRecord(owner: string, path: string): string {
  return owner.length == 0 ? path : "\u0001" + owner.length.toString() + ":" + owner + path;
}

export class DecodedRecord {
  constructor(public owner: string, public path: string) {}
}

export function decodeRecord(record: string): DecodedRecord | null {
  if (!record.startsWith("\u0001")) return new DecodedRecord("", record);
  const colon = record.indexOf(":");
  if (colon < 2) return null;
  const length = I32.parseInt(record.substring(1, colon));
  if (length <= 0 || colon + 1 + length > record.length) return null;
  return new DecodedRecord(record.substring(colon + 1, colon + 1 + length), record.substring(colon + 1 + length));
}

export class Uploads {
  /**
   * One tree per owner (the user name under access rules, "" without them): a user sees and
   * changes only their own pending files, folders and reports.
   */
  private roots: Map<string, UploadEntry> = new Map<string, UploadEntry>();
  private jobs: Array<string> = new Array<string>();
  private byStagingId: Map<string, UploadEntry> = new Map<string, UploadEntry>();
  private counter: u32 = 0;
  imported: i32 = 0;
  skipped: i32 = 0;
  failed: i32 = 0;
  junkDropped: i32 = 0;
  /** Staging ids whose staged bytes the shim may drop (deleted, replaced, done, reported); drained by tick. */
  discarded: Array<string> = new Array<string>();
  /** Staging ids whose durable reports the shim removes (the user deleted or replaced them); drained by tick. */
  reportsDeleted: Array<string> = new Array<string>();
  /** Staging ids of the reports found at start: an upload found with the same id is replaced by it. */
  private restoredReports: Set<string> = new Set<string>();
  /** Reports the shim must make durable (their staged bytes then go); drained by tick. */
  reportsToWrite: Array<UploadEntry> = new Array<UploadEntry>();

  private zips: Map<string, ZipJob> = new Map<string, ZipJob>();
  /** An archive may unpack to at most this many times its own size (zip bombs). */
  maxZipRatio: u64 = 100;
  /** Whether an uploader may import what a file holds. */
  guard: UploadGuard = new AllowEverything();

  constructor(public maxDepth: i32, public folderIdleMs: f64, public emptyFileIdleMs: f64, public lingerMs: f64) {}

  /** The uploads/ folder as `owner` sees it. */
  rootOf(owner: string): UploadEntry {
    if (this.roots.has(owner)) return this.roots.get(owner);
    const root = new UploadEntry(EntryKind.Folder, UPLOADS, null, "", 0);
    root.owner = owner;
    this.roots.set(owner, root);
    return root;
  }

  /** Files staged and not imported yet. */
  pending: i32 = 0;

  /** The entry at `path` (path[0] is "uploads"), or null. */
  find(path: Array<string>, owner: string = ""): UploadEntry | null {
    if (path.length < 1 || path[0] != UPLOADS) return null;
    let at = this.rootOf(owner);
    for (let i = 1; i < path.length; i++) {
      if (!at.isFolder || !at.children.has(path[i])) return null;
      at = at.children.get(path[i]);
    }
    return at;
  }

  /** Creates the folders of path[1 .. count) that are missing; null if a file is in the way. */
  private folders(path: Array<string>, count: i32, date: string, now: f64, owner: string): UploadEntry | null {
    let at = this.rootOf(owner);
    at.touchedAt = now;
    for (let i = 1; i < count; i++) {
      if (!at.children.has(path[i])) {
        at.children.set(path[i], new UploadEntry(EntryKind.Folder, path[i], at, date, now));
      }
      at = at.children.get(path[i]);
      if (!at.isFolder) return null;
      at.touchedAt = now;
    }
    return at;
  }

  private validPath(path: Array<string>): bool {
    if (path.length < 2 || path[0] != UPLOADS) return false;
    for (let i = 1; i < path.length; i++) if (!isAcceptableName(path[i])) return false;
    return true;
  }

  /** MKCOL. False (403) for an existing name, a bad name, or outside uploads/. */
  makeFolder(path: Array<string>, date: string, now: f64, owner: string = ""): bool {
    if (!this.validPath(path) || this.find(path, owner) !== null) return false;
    const parent = this.folders(path, path.length - 1, date, now, owner);
    if (parent === null) return false;
    parent.children.set(path[path.length - 1], new UploadEntry(EntryKind.Folder, path[path.length - 1], parent, date, now));
    return true;
  }

  /** A staging id no other upload has: the clock and a counter (digits and "-", as the shim wants). */
  private newStagingId(now: f64): string {
    this.counter++;
    return (<i64>now).toString() + "-" + this.counter.toString();
  }

  /** PUT of `size` bytes at `path`. */
  store(path: Array<string>, size: u64, date: string, now: f64, owner: string = ""): StoreDecision {
    if (!this.validPath(path)) return new StoreDecision(StoreAction.Refuse);
    const name = path[path.length - 1];
    const existing = this.find(path, owner);
    if (existing !== null && existing.isFolder) return new StoreDecision(StoreAction.Refuse);
    if (existing !== null && existing.running) return new StoreDecision(StoreAction.Refuse); // being imported
    if (isSystemJunk(name)) {
      this.junkDropped++;
      return new StoreDecision(StoreAction.Accept);
    }
    const parent = this.folders(path, path.length - 1, date, now, owner);
    if (parent === null) return new StoreDecision(StoreAction.Refuse);
    if (existing !== null) this.forget(existing);
    if (size == 0) {
      const empty = new UploadEntry(EntryKind.Empty, name, parent, date, now);
      parent.children.set(name, empty);
      return new StoreDecision(StoreAction.Accept);
    }
    const id = this.newStagingId(now);
    const entry = new UploadEntry(EntryKind.Pending, name, parent, date, now);
    entry.size = size;
    entry.stagingId = id;
    entry.running = true; // not runnable until the shim says the bytes are durable
    parent.children.set(name, entry);
    this.byStagingId.set(id, entry);
    this.pending++;
    return new StoreDecision(StoreAction.Stage, id, encodeRecord(owner, entry.path));
  }

  /** The shim made the staged bytes durable (or could not: the entry goes). */
  staged(id: string, ok: bool): void {
    if (!this.byStagingId.has(id)) return;
    const entry = this.byStagingId.get(id);
    if (!ok) {
      this.forget(entry);
      return;
    }
    entry.running = false;
    this.jobs.push(id);
  }

  /**
   * The folder (made if missing) and name where a staged record puts its file back after a
   * restart, in its owner's tree; null for a record that is not a valid place.
   */
  private placeOf(record: string, date: string, now: f64): RestoredPlace | null {
    const decoded = decodeRecord(record);
    if (decoded === null) return null;
    const parts = decoded.path.split("/");
    parts.unshift(UPLOADS);
    if (!this.validPath(parts)) return null;
    const parent = this.folders(parts, parts.length - 1, date, now, decoded.owner);
    return parent === null ? null : new RestoredPlace(parent, parts[parts.length - 1]);
  }

  /** A file found in the staging directory at start (or after a module restart). */
  restore(id: string, record: string, size: u64, date: string, now: f64, state: RestoredState = RestoredState.Waiting): void {
    if (this.byStagingId.has(id)) return;
    // A stop came between making its report durable and dropping its bytes: the report stands.
    if (state == RestoredState.Imported || this.restoredReports.has(id)) {
      this.discarded.push(id);
      return;
    }
    const place = this.placeOf(record, date, now);
    if (place === null) return;
    const parent = place.parent;
    const name = place.name;
    if (parent.children.has(name)) {
      // Two staged versions of one path (a PUT replaced a pending file just before a stop):
      // the newer one wins, the other is discarded.
      const other = parent.children.get(name);
      if (other.kind != EntryKind.Pending || isNewer(other.stagingId, id)) {
        this.discarded.push(id);
        return;
      }
      this.forget(other);
    }
    const entry = new UploadEntry(EntryKind.Pending, name, parent, date, now);
    entry.size = size;
    entry.stagingId = id;
    parent.children.set(entry.name, entry);
    this.byStagingId.set(id, entry);
    this.pending++;
    if (state == RestoredState.ImportStarted) this.fail(entry, INTERRUPTED_IMPORT);
    else if (state == RestoredState.CheckTrapped) this.fail(entry, CHECK_TRAPPED);
    else this.jobs.push(id);
  }

  /** The next staged file for a worker, marked running; null when there is none. */
  nextJob(): UploadEntry | null {
    while (this.jobs.length > 0) {
      const id = this.jobs.shift();
      if (!this.byStagingId.has(id)) continue; // deleted meanwhile
      const entry = this.byStagingId.get(id);
      if (entry.kind != EntryKind.Pending) continue;
      entry.running = true;
      return entry;
    }
    return null;
  }

  /**
   * Decides what a worker does with a staged file whose bytes `source` reads: import it, drop it
   * (skipped or failed: the report is already in place), or, for a ZIP archive, import the
   * members zipMember hands out, one by one.
   */
  check(id: string, source: ByteSource, now: f64 = 0): CheckAnswer {
    if (!this.byStagingId.has(id)) return CheckAnswer.Drop;
    const entry = this.byStagingId.get(id);
    const name = entry.name;
    if (name.toUpperCase() == "DICOMDIR") return this.skip(entry, now); // the index of a CD, not an instance
    if (hasExtension(name, [".zip"]) || isZip(source)) return CheckAnswer.Zip;
    const result = checkDicom(source, hasExtension(name, DICOM_EXTENSIONS), this.maxDepth);
    if (result.verdict == Verdict.NotDicom) return this.skip(entry, now);
    if (result.verdict == Verdict.Invalid) return this.fail(entry, result.reason);
    const refusal = this.guard.refusal(ownerOf(entry), result);
    if (refusal.length > 0) return this.fail(entry, refusal);
    return CheckAnswer.Import;
  }

  /** What Orthanc answered to the import. */
  finish(id: string, outcome: JobOutcome, message: string, now: f64): void {
    if (!this.byStagingId.has(id)) return;
    const entry = this.byStagingId.get(id);
    if (outcome == JobOutcome.Imported) {
      // Reachable by its name a few seconds more (its staged bytes kept for GET): rclone,
      // davfs2 and Explorer look at what they just wrote, and a file gone at once reads as a
      // failure. It is no longer listed: Orthanc's own tests (and users) expect an imported
      // file to leave uploads/ (docs/orthanc.md, "The built-in share").
      this.imported++;
      this.pending--;
      entry.kind = EntryKind.Imported;
      entry.running = false;
      entry.touchedAt = now;
    } else if (outcome == JobOutcome.Rejected) {
      this.fail(entry, "Orthanc refused it: " + message);
    } else {
      this.forget(entry);
    }
  }

  /**
   * The next member of the archive `id` to import (checked like any upload), or null when
   * there is none left; the archive then leaves the listing, or a report lists what failed.
   */
  zipMember(id: string, source: ByteSource, now: f64): Uint8Array | null {
    if (!this.byStagingId.has(id)) return null;
    const entry = this.byStagingId.get(id);
    let job: ZipJob;
    if (this.zips.has(id)) {
      job = this.zips.get(id);
    } else {
      const directory = readZipDirectory(source);
      if (directory.error.length > 0) {
        this.fail(entry, directory.error);
        return null;
      }
      job = new ZipJob(directory, source.length * this.maxZipRatio + 1048576);
      this.zips.set(id, job);
    }
    const members = job.directory.members;
    while (job.next < members.length) {
      const member = members[job.next++];
      if (member.isFolder) continue;
      const parts = member.name.split("/");
      const base = parts[parts.length - 1];
      if (isSystemJunk(base) || member.name.startsWith("__MACOSX/")) {
        this.junkDropped++;
        continue;
      }
      const extracted = extractMember(source, member, job.budget);
      if (extracted.data === null) {
        job.failures.push(member.name + ": " + extracted.error);
        this.failed++;
        continue;
      }
      const data = extracted.data!;
      job.budget -= <u64>data.length;
      const result = checkDicom(new BytesSource(data), hasExtension(base, DICOM_EXTENSIONS), this.maxDepth);
      if (result.verdict == Verdict.NotDicom) {
        this.skipped++;
        continue;
      }
      const reason = result.verdict == Verdict.Invalid ? result.reason : this.guard.refusal(ownerOf(entry), result);
      if (reason.length > 0) {
        job.failures.push(member.name + ": " + reason);
        this.failed++;
        continue;
      }
      job.current = member.name;
      return data;
    }
    this.zips.delete(id);
    if (job.imported == 0 && job.failures.length == 0) {
      this.fail(entry, "the archive holds no DICOM file");
      return null;
    }
    if (job.failures.length > 0) {
      this.failed--; // the archive's report counts its members, not itself
      const head = job.imported == 0
        ? "None of the " + job.failures.length.toString() + " file(s) of the archive uploads/" + entry.path + " was imported into Orthanc."
        : "The archive uploads/" + entry.path + " was partly imported into Orthanc: " + job.imported.toString() +
          " file(s) were imported, " + job.failures.length.toString() + " were not.";
      this.fail(entry, "", head + "\r\nNot imported:\r\n  " + job.failures.join("\r\n  "));
    } else {
      this.pending--;
      entry.kind = EntryKind.Imported;
      entry.running = false;
      entry.touchedAt = now;
    }
    return null;
  }

  /** What Orthanc answered for the member zipMember handed out last. */
  zipMemberDone(id: string, outcome: JobOutcome, message: string): void {
    if (!this.zips.has(id)) return;
    const job = this.zips.get(id);
    if (outcome == JobOutcome.Imported) {
      job.imported++;
      this.imported++;
    } else {
      job.failures.push(job.current + ": Orthanc refused it: " + message);
      this.failed++;
    }
  }

  /**
   * A file that is no DICOM instance: not imported, not reported, and, like an imported file,
   * no longer listed but reachable by its name for a few seconds (its bytes kept for GET): a
   * client that reads back what it wrote (rclone after each PUT) finds it.
   */
  private skip(entry: UploadEntry, now: f64): CheckAnswer {
    this.skipped++;
    this.pending--;
    entry.kind = EntryKind.Imported;
    entry.running = false;
    if (now > entry.touchedAt) entry.touchedAt = now;
    return CheckAnswer.Drop;
  }

  /** The upload becomes a report: "was not imported" and `reason`, or the whole `text` given. */
  private fail(entry: UploadEntry, reason: string, text: string = ""): CheckAnswer {
    this.failed++;
    const parent = entry.parent!;
    const path = entry.path;
    // The report keeps the upload's staging id: the shim writes it beside the staged bytes
    // (which it then removes), so that a report outlives a restart until the user deletes it.
    if (entry.kind == EntryKind.Pending) this.pending--;
    this.byStagingId.delete(entry.stagingId);
    if (this.zips.has(entry.stagingId)) this.zips.delete(entry.stagingId);
    if (parent.children.has(entry.name) && parent.children.get(entry.name) === entry) parent.children.delete(entry.name);
    // its name stays reachable a few seconds, as an imported file's does (no bytes: the report has them)
    const lingering = new UploadEntry(EntryKind.Imported, entry.name, parent, entry.date, entry.touchedAt);
    lingering.size = entry.size;
    parent.children.set(entry.name, lingering);
    const body = text.length > 0 ? text : "The file uploads/" + path + " was not imported into Orthanc.\r\nReason: " + reason;
    const report = body + "\r\nNothing else was changed. Delete this report when you have read it.\r\n";
    const added = this.addReport(parent, entry.name, entry.stagingId, report, entry.date, entry.touchedAt);
    this.reportsToWrite.push(added);
    return CheckAnswer.Drop;
  }

  private addReport(parent: UploadEntry, name: string, id: string, text: string, date: string, now: f64): UploadEntry {
    const report = new UploadEntry(EntryKind.Report, name + REPORT_SUFFIX, parent, date, now);
    report.stagingId = id;
    report.report = text;
    report.size = <u64>String.UTF8.byteLength(text);
    if (parent.children.has(report.name)) this.forget(parent.children.get(report.name));
    parent.children.set(report.name, report);
    return report;
  }

  /** A report found in the staging directory at start. */
  restoreReport(id: string, record: string, text: string, date: string, now: f64): void {
    this.restoredReports.add(id);
    if (this.byStagingId.has(id)) this.forget(this.byStagingId.get(id)); // its upload, found first
    const place = this.placeOf(record, date, now);
    if (place !== null) this.addReport(place.parent, place.name, id, text, date, now);
  }

  /** What a listing of `folder` shows: everything but the files already imported. */
  listed(folder: UploadEntry): Array<UploadEntry> {
    const children = folder.children.values();
    const result = new Array<UploadEntry>();
    for (let i = 0; i < children.length; i++) if (children[i].kind != EntryKind.Imported) result.push(children[i]);
    return result;
  }

  /** Removes an entry (and, for a folder, everything in it) from the tree and the queue. */
  private forget(entry: UploadEntry): void {
    if (this.zips.has(entry.stagingId)) this.zips.delete(entry.stagingId);
    if (entry.kind == EntryKind.Pending || entry.kind == EntryKind.Imported) {
      if (entry.kind == EntryKind.Pending) this.pending--;
      this.byStagingId.delete(entry.stagingId);
      if (entry.stagingId.length > 0) this.discarded.push(entry.stagingId); // a reported file's lingering name has none
    } else if (entry.kind == EntryKind.Report && entry.stagingId.length > 0) {
      const waiting = this.reportsToWrite.indexOf(entry);
      // a report not yet durable: the upload's bytes are still staged; else the report file goes
      if (waiting >= 0) {
        this.reportsToWrite.splice(waiting, 1);
        this.discarded.push(entry.stagingId);
      } else {
        this.reportsDeleted.push(entry.stagingId);
      }
    }
    if (entry.isFolder) {
      const children = entry.children.values();
      for (let i = 0; i < children.length; i++) this.forget(children[i]);
    }
    const parent = entry.parent;
    if (parent !== null && parent.children.has(entry.name) && parent.children.get(entry.name) === entry) {
      parent.children.delete(entry.name);
    }
  }

  /**
   * MOVE below uploads/, within one owner's tree. A staged file keeps its staging id (its job
   * and report follow it); its record still names the path it was uploaded to, so a restart
   * before its import puts it back there.
   */
  move(from: Array<string>, to: Array<string>, overwrite: bool, now: f64, owner: string = ""): MoveOutcome {
    if (!this.validPath(from) || !this.validPath(to)) return MoveOutcome.Refused;
    const entry = this.find(from, owner);
    if (entry === null) return MoveOutcome.Missing;
    if (isWithin(to, from)) return MoveOutcome.Refused; // onto or into itself (RFC 4918 9.9.4: 403)
    const parent = this.find(to.slice(0, to.length - 1), owner);
    if (parent === null || !parent.isFolder) return MoveOutcome.NoParent;
    // even while it is being checked or imported: the worker finds it by its staging id, and
    // its fate (a report beside it, a lingering name) follows it to its new place
    const name = to[to.length - 1];
    const existing = parent.children.has(name) ? parent.children.get(name) : null;
    if (existing !== null) {
      if (!overwrite) return MoveOutcome.Exists;
      this.forget(existing); // even while it is being imported: see copy
    }
    entry.parent!.children.delete(entry.name);
    entry.name = name;
    entry.parent = parent;
    entry.touchedAt = now;
    parent.touchedAt = now;
    parent.children.set(name, entry);
    return existing !== null ? MoveOutcome.Replaced : MoveOutcome.Moved;
  }

  /**
   * COPY below uploads/, within one owner's tree (RFC 4918 9.8): folders (with what is in them
   * when `deep`), zero-byte files, reports, and staged files, which get a staging id of their
   * own; Copied lists the staged bytes the shim writes again under it. The copy is checked and
   * imported like any upload (an instance already in Orthanc is imported again as the same).
   */
  copy(from: Array<string>, to: Array<string>, overwrite: bool, deep: bool, date: string, now: f64, owner: string = ""): Copied {
    if (!this.validPath(from) || !this.validPath(to)) return new Copied(MoveOutcome.Refused);
    const entry = this.find(from, owner);
    if (entry === null) return new Copied(MoveOutcome.Missing);
    if (isWithin(to, from)) return new Copied(MoveOutcome.Refused);
    const parent = this.find(to.slice(0, to.length - 1), owner);
    if (parent === null || !parent.isFolder) return new Copied(MoveOutcome.NoParent);
    // even while it is being checked or imported: its staged bytes stay until its fate is
    // known, and after (lingering); if they went meanwhile (it became a report), the shim's
    // copy fails and the COPY is 500 with the reason
    const name = to[to.length - 1];
    const existing = parent.children.has(name) ? parent.children.get(name) : null;
    if (existing !== null) {
      // replaced even while it is being checked or imported: the worker holds its own copy of
      // the bytes, and its outcome, for an id forgotten, is ignored (finish)
      if (!overwrite) return new Copied(MoveOutcome.Exists);
      this.forget(existing);
    }
    const result = new Copied(existing !== null ? MoveOutcome.Replaced : MoveOutcome.Moved);
    this.copyInto(entry, parent, name, deep, date, now, owner, result);
    parent.touchedAt = now;
    return result;
  }

  private copyInto(entry: UploadEntry, parent: UploadEntry, name: string, deep: bool, date: string, now: f64, owner: string,
    result: Copied): void {
    if (entry.isFolder) {
      const folder = new UploadEntry(EntryKind.Folder, name, parent, date, now);
      parent.children.set(name, folder);
      if (!deep) return;
      const children = entry.children.values();
      // lingering files (imported or skipped, still reachable by name) are copied too: a client
      // that just wrote them expects them in the copy
      for (let i = 0; i < children.length; i++) this.copyInto(children[i], folder, children[i].name, true, date, now, owner, result);
      return;
    }
    if (entry.kind == EntryKind.Empty || entry.kind == EntryKind.Report) {
      const copy = new UploadEntry(entry.kind, name, parent, date, now);
      copy.report = entry.report; // a copied report is not made durable: only its upload's is
      parent.children.set(name, copy);
      return;
    }
    const id = this.newStagingId(now);
    const copy = new UploadEntry(EntryKind.Pending, name, parent, date, now);
    copy.size = entry.size;
    copy.stagingId = id;
    copy.running = true; // not runnable until the shim has written its bytes (staged)
    parent.children.set(name, copy);
    this.byStagingId.set(id, copy);
    this.pending++;
    result.copies.push(new StagedCopy(entry.stagingId, id, encodeRecord(owner, copy.path)));
  }

  /** DELETE below uploads/: a pending file is cancelled, a report or folder removed. */
  delete(path: Array<string>, owner: string = ""): bool {
    if (path.length < 2) return false; // uploads/ itself
    const entry = this.find(path, owner);
    if (entry === null) return true;
    // even while it is being checked or imported (as copy and move replace such a file): the
    // worker holds its own copy of the bytes, and its outcome, for an id forgotten, is ignored
    this.forget(entry);
    return true;
  }

  /** Removes folders left empty and zero-byte files never rewritten, after their idle delay. */
  tidy(now: f64): void {
    const roots = this.roots.values();
    for (let i = 0; i < roots.length; i++) this.tidyFolder(roots[i], now);
  }

  private tidyFolder(folder: UploadEntry, now: f64): void {
    const children = folder.children.values();
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child.isFolder) {
        this.tidyFolder(child, now);
        if (child.children.size == 0 && now - child.touchedAt > this.folderIdleMs) this.forget(child);
      } else if (child.kind == EntryKind.Empty && now - child.touchedAt > this.emptyFileIdleMs) {
        this.forget(child);
      } else if (child.kind == EntryKind.Imported && now - child.touchedAt > this.lingerMs) {
        this.forget(child);
      }
    }
  }
}

/** Whether `path` is `folder` or below it. */
function isWithin(path: Array<string>, folder: Array<string>): bool {
  if (path.length < folder.length) return false;
  for (let i = 0; i < folder.length; i++) if (path[i] != folder[i]) return false;
  return true;
}

/** Whose uploads/ tree an entry is in. */
function ownerOf(entry: UploadEntry): string {
  let at = entry;
  while (at.parent !== null) at = at.parent!;
  return at.owner;
}

/** Staging ids are "<milliseconds>-<counter>": true when `a` was made after `b`. */
export function isNewer(a: string, b: string): bool {
  const pa = a.split("-");
  const pb = b.split("-");
  if (pa.length != 2 || pb.length != 2) return a > b;
  const ta = I64.parseInt(pa[0]);
  const tb = I64.parseInt(pb[0]);
  if (ta != tb) return ta > tb;
  return I64.parseInt(pa[1]) > I64.parseInt(pb[1]);
}

function isZip(source: ByteSource): bool {
  const head = new Uint8Array(4);
  return source.read(0, head.dataStart, 4) == 4 && head[0] == 0x50 && head[1] == 0x4b && head[2] == 0x03 && head[3] == 0x04;
}
