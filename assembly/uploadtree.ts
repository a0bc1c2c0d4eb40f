// uploads/ as a resource tree (resources.ts): one owner's pending files, folders and reports
// (uploads.ts holds the trees and decides each file's fate). Mounted at UPLOADS by share.ts
// for principals who may upload; its paths include that first component.
import { DeleteOutcome, FileKind } from "./codes";
import { Uploads, UploadEntry, EntryKind } from "./uploads";
import { Copied, Listing, MoveOutcome, Opened, Removal, Resource, ResourceTree, StoreDecision } from "./resources";

const MIME_BINARY = "application/octet-stream";
const MIME_TEXT = "text/plain; charset=utf-8";

export class UploadTree extends ResourceTree {
  /** `date` (share format) and `now` (ms): the request's clock; `owner`: whose tree ("" without access rules). */
  constructor(public uploads: Uploads, public owner: string, public date: string, public now: f64) {
    super();
  }

  private resource(entry: UploadEntry): Resource {
    const modified = entry.date.length > 0 ? entry.date : this.date;
    if (entry.isFolder) return new Resource(entry.name, true, 0, "", modified);
    const isReport = entry.kind == EntryKind.Report;
    // a staged file's bytes are those of its staging id; a report is written once for its upload
    const tag = isReport ? "report-" + entry.stagingId : entry.stagingId.length > 0 ? entry.stagingId : "empty";
    return new Resource(entry.name, false, entry.size, isReport ? MIME_TEXT : MIME_BINARY, modified, tag);
  }

  stat(path: Array<string>): Resource | null {
    const entry = this.uploads.find(path, this.owner);
    return entry === null ? null : this.resource(entry);
  }

  list(path: Array<string>): Listing | null {
    const folder = this.uploads.find(path, this.owner);
    if (folder === null || !folder.isFolder) return null;
    const children = this.uploads.listed(folder);
    const entries = new Array<Resource>(children.length);
    for (let i = 0; i < children.length; i++) entries[i] = this.resource(children[i]);
    return new Listing(entries);
  }

  open(path: Array<string>): Opened | null {
    const entry = this.uploads.find(path, this.owner);
    if (entry === null || entry.isFolder) return null;
    if (entry.kind == EntryKind.Imported && entry.stagingId.length == 0) return null; // a reported file's name: its bytes are in the report
    if (entry.kind == EntryKind.Pending || entry.kind == EntryKind.Imported) {
      return new Opened(this.resource(entry), FileKind.Staged, String.UTF8.encode(entry.stagingId, false));
    }
    return new Opened(this.resource(entry), FileKind.Content, String.UTF8.encode(entry.report, false)); // "" for a zero-byte file
  }

  store(path: Array<string>, size: u64): StoreDecision {
    return this.uploads.store(path, size, this.date, this.now, this.owner);
  }

  mkcol(path: Array<string>): bool {
    return this.uploads.makeFolder(path, this.date, this.now, this.owner);
  }

  remove(path: Array<string>): Removal {
    return new Removal(this.uploads.delete(path, this.owner) ? DeleteOutcome.Done : DeleteOutcome.Refused);
  }

  move(from: Array<string>, to: Array<string>, overwrite: bool): MoveOutcome {
    return this.uploads.move(from, to, overwrite, this.now, this.owner);
  }

  copy(from: Array<string>, to: Array<string>, overwrite: bool, deep: bool): Copied {
    return this.uploads.copy(from, to, overwrite, deep, this.date, this.now, this.owner);
  }
}
