// The answers of the exports, encoded for the shim: each takes what the resource interface
// (resources.ts) or the upload tree returned and writes it into the output buffer in the layout
// docs/boundary.md gives. The only place those layouts are written; plugin-shim/plugin.c,
// guest.c and ingest.c read them, and so does tests/lib/guest.js.
import { ByteWriter, output } from "./wire";
import { DeletedResource, Listing, Opened, Removal, StoreDecision } from "./resources";
import { Uploads } from "./uploads";

/**
 * list_folder: a u32 count, then per entry u8 isFolder, u64 size, u8-prefixed MIME type,
 * u8-prefixed date, u16-prefixed name. A kept listing keeps its bytes (resources.ts Listing).
 */
export function writeListing(listing: Listing): i32 {
  output.reset();
  const encoded = listing.encoded;
  if (encoded !== null) {
    output.bytes(encoded);
    return output.length;
  }
  const entries = listing.entries;
  output.u32(<u32>entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    output.u8(entry.isFolder ? 1 : 0);
    output.u64(entry.size);
    output.shortString(entry.mime);
    output.shortString(entry.modified);
    output.mediumString(entry.name);
  }
  if (listing.kept) listing.encoded = output.snapshot();
  return output.length;
}

/** retrieve_file: u8-prefixed MIME type, u8-prefixed date, u8 FileKind, u32-prefixed body. */
export function writeOpened(opened: Opened): i32 {
  output.reset();
  output.shortString(opened.resource.mime);
  output.shortString(opened.resource.modified);
  output.u8(<i32>opened.kind);
  output.longBytes(opened.body);
  return output.length;
}

/** store_file: u8 StoreAction, u8-prefixed staging id, u16-prefixed record. */
export function writeStoreDecision(decision: StoreDecision): i32 {
  output.reset();
  output.u8(<i32>decision.action);
  output.shortString(decision.stagingId);
  output.mediumString(decision.record);
  return output.length;
}

/** delete_item: u32 count, then u8 level and u8-prefixed id of each Orthanc resource removed. Returns the outcome. */
export function writeRemoval(removal: Removal): i32 {
  writeDeleted(removal.deleted);
  return <i32>removal.outcome;
}

/** The Orthanc resources a DELETE removed: u32 count, then u8 level and u8-prefixed id of each. */
export function writeDeleted(deleted: Array<DeletedResource>): i32 {
  output.reset();
  output.u32(<u32>deleted.length);
  for (let i = 0; i < deleted.length; i++) {
    output.u8(deleted[i].level);
    output.shortString(deleted[i].id);
  }
  return output.length;
}

/** A u32 count of u8-prefixed staging ids. */
function writeIds(out: ByteWriter, ids: Array<string>): void {
  out.u32(<u32>ids.length);
  for (let i = 0; i < ids.length; i++) out.shortString(ids[i]);
}

/**
 * tick: what the shim must do in the staging directory, drained from `uploads`: u32 count of
 * reports to make durable (u8-prefixed staging id, u32-prefixed text each), then the staging
 * ids whose staged bytes go, then those whose reports go (writeIds each).
 */
export function writeStagingWork(uploads: Uploads): i32 {
  output.reset();
  const reports = uploads.reportsToWrite;
  output.u32(<u32>reports.length);
  for (let i = 0; i < reports.length; i++) {
    output.shortString(reports[i].stagingId);
    output.longBytes(String.UTF8.encode(reports[i].report, false));
  }
  writeIds(output, uploads.discarded);
  writeIds(output, uploads.reportsDeleted);
  uploads.reportsToWrite.length = 0;
  uploads.discarded.length = 0;
  uploads.reportsDeleted.length = 0;
  return output.length;
}
