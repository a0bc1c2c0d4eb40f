// The share as a file system: one interface, chosen once per request, over which every export
// of index.ts (and, later, the module's own WebDAV protocol layer) is written. Two trees
// implement it: the DICOM views (dicomtree.ts) and the upload folder (uploadtree.ts). In the
// spirit of golang.org/x/net/webdav's FileSystem under its Handler: the protocol side never
// asks which tree it talks to. Paths are the components below the share's root.
import { FileKind, DeleteOutcome, StoreAction } from "./codes";

/** The folder of the share that takes uploads (views.ts shows it at the root, uploadtree.ts serves it). */
export const UPLOADS = "uploads";

/** What stat and list say of one resource. `modified` is a share date (YYYYMMDDTHHMMSS). */
export class Resource {
  /**
   * `tagSource`: what identifies the bytes (an Orthanc instance id, a staging id); or, for
   * content that can change under one name (a JSON file), `tagContent`, hashed only when the
   * tag is asked for (listings and stats never pay for it).
   */
  constructor(public name: string, public isFolder: bool, public size: u64, public mime: string,
    public modified: string, public tagSource: string = "", public tagContent: ArrayBuffer | null = null) {}

  /** A strong entity tag (RFC 9110 8.8.3) for a file, "" for a folder: it changes whenever the file's bytes may have. */
  get entityTag(): string {
    if (this.isFolder) return "";
    const content = this.tagContent;
    const source = content !== null ? contentHash(content) : this.tagSource;
    return "\"" + source + "-" + this.size.toString(16) + "\"";
  }
}

/**
 * Bytes of an answer body. `keptId` (not 0) says the module keeps these very bytes across
 * requests (a kept listing's written responses) and gives them an id never given to other
 * bytes: the shim keeps its own copy under that id and sends from it, so a large listing is
 * copied out of module memory once, not per request (index.ts http_kept, docs/listener.md "Speed").
 */
export class BodyPart {
  /** `length`: how much of `bytes` is the part (-1: all; a reused buffer is longer). */
  constructor(public bytes: ArrayBuffer, public keptId: u32 = 0, public length: i32 = -1) {}

  get size(): i32 {
    return this.length < 0 ? this.bytes.byteLength : this.length;
  }
}

let lastKeptId: u32 = 0;

/** `bytes` as a part kept with a new id. */
export function keptPart(bytes: ArrayBuffer): BodyPart {
  lastKeptId += 1;
  return new BodyPart(bytes, lastKeptId);
}

/**
 * The children of a folder. A tree may keep a listing between requests (`kept`: views.ts keeps
 * large folders until the catalog changes); an encoder then keeps its bytes with it, so a kept
 * listing is encoded once: `encoded` for the core's port (answers.ts), `responses` for the
 * listener's multistatus (multistatus.ts childResponses), the latter with the key of the href
 * and propfind it was written for.
 */
export class Listing {
  kept: bool = false;
  encoded: ArrayBuffer | null = null;
  responses: BodyPart | null = null;
  responsesKey: string = "";
  constructor(public entries: Array<Resource>) {}
}

/**
 * A file to send: inline `body` bytes (FileKind.Content), or an Orthanc instance id
 * (FileKind.Instance) or staging id (FileKind.Staged) whose bytes the shim reads.
 */
export class Opened {
  constructor(public resource: Resource, public kind: FileKind, public body: ArrayBuffer) {}
}

/** What a PUT must do: refuse, accept with nothing to write, or stage its bytes under `stagingId`. */
export class StoreDecision {
  constructor(public action: StoreAction, public stagingId: string = "", public record: string = "") {}
}

/** One resource a DELETE removed in Orthanc: its level (patient 0 .. instance 3) and id. */
export class DeletedResource {
  constructor(public level: i32, public id: string) {}
}

/** What a DELETE did, with the Orthanc resources it removed (the shim tells other instances). */
export class Removal {
  constructor(public outcome: DeleteOutcome, public deleted: Array<DeletedResource> = new Array<DeletedResource>()) {}
}

/** What a MOVE did (RFC 4918 9.9.4 gives each its status). */
export enum MoveOutcome {
  Moved, // 201
  Replaced, // 204: something was at the destination and overwrite allowed it
  Refused, // 403: the tree does not move this (the DICOM views, uploads/ itself, a bad name)
  Missing, // 404: nothing at the source
  NoParent, // 409: the destination's folder does not exist
  Exists, // 412: something is at the destination and overwrite was not allowed
}

export abstract class ResourceTree {
  /** What `path` names, or null (404). */
  abstract stat(path: Array<string>): Resource | null;
  /** The children of the folder at `path`, or null when it is not a folder. */
  abstract list(path: Array<string>): Listing | null;
  /** The file at `path`, or null when it is not a file. */
  abstract open(path: Array<string>): Opened | null;
  /** A PUT of `size` bytes at `path`. */
  abstract store(path: Array<string>, size: u64): StoreDecision;
  /** MKCOL: true when the folder was made. */
  abstract mkcol(path: Array<string>): bool;
  /** DELETE of whatever `path` names. */
  abstract remove(path: Array<string>): Removal;
  /** MOVE from `from` to `to` within this tree; `overwrite` replaces what is at `to`. */
  abstract move(from: Array<string>, to: Array<string>, overwrite: bool): MoveOutcome;
  /** COPY from `from` to `to` within this tree; `deep`: a folder with what is in it (Depth infinity). */
  abstract copy(from: Array<string>, to: Array<string>, overwrite: bool, deep: bool): Copied;
}

/** A staged file's bytes to write again under another staging id (a COPY in uploads/); the shim does it. */
export class StagedCopy {
  constructor(public source: string, public target: string, public record: string) {}
}

/** What a COPY did (its outcome as MoveOutcome's), and the staged bytes the shim must copy. */
export class Copied {
  copies: Array<StagedCopy> = new Array<StagedCopy>();
  constructor(public outcome: MoveOutcome) {}
}

/** FNV-1a over bytes: the tag source of inline content. */
function contentHash(bytes: ArrayBuffer): string {
  let hash: u32 = 2166136261;
  const at = changetype<usize>(bytes);
  for (let i = 0; i < bytes.byteLength; i++) hash = (hash ^ <u32>load<u8>(at + <usize>i)) * 16777619;
  return hash.toString(16);
}
