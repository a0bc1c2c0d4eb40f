// The write methods of the plugin's own listener on the resource interface (docs/listener.md,
// "Writing"): MKCOL (RFC 4918 9.3), DELETE (9.6) and MOVE (9.9), in uploads/. Stricter than
// Orthanc's port, whose clients rely on its leniency (a MKCOL there creates missing parents, a
// DELETE of nothing succeeds): here each case gets the status RFC 4918 gives it. The DICOM
// views take no writes through this door yet: their names come from the data, and deleting
// studies is done through Orthanc's port, whose shim tells every module instance.
import { HttpRequest, HttpAnswer, errorAnswer } from "./http";
import { Request } from "./share";
import { Config } from "./config";
import { mountsUploads } from "./access";
import { readTarget, TargetPlace } from "./urls";
import { MoveOutcome, UPLOADS } from "./resources";
import { BodyKind, DeleteOutcome, StoreAction } from "./codes";
import { evaluatePreconditions, Precondition } from "./conditions";
import { shareDateMs } from "./httpdate";

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
    return "The DICOM views are made from the data: write in " + config.root + "/" + UPLOADS + "/ " +
      "(deleting studies goes through Orthanc's port in this version)";
  }
  if (!mountsUploads(config.uploadAllowed, shared.principal.profile)) return "This user may not upload (UploadAllowed, AccessRules)";
  if (path.length == 1) return "uploads/ itself cannot be changed";
  return "";
}

/** RFC 4918 9.3: 201; 405 when the name exists; 409 without a parent; 415 with a body. */
export function mkcol(request: HttpRequest, shared: Request): HttpAnswer {
  if (request.body.length > 0) return errorAnswer(415, "A MKCOL with a body is not supported (RFC 4918 9.3)");
  const path = shared.path;
  const tree = shared.tree;
  if (tree.stat(path) !== null) return errorAnswer(405, "Something already has this name");
  const parent = tree.stat(path.slice(0, path.length - 1));
  if (parent === null || !parent.isFolder) return errorAnswer(409, "The folder to create it in does not exist (RFC 4918 9.3.1)");
  if (!tree.mkcol(path)) return errorAnswer(403, "Not a name this share accepts");
  return done(201);
}

/** RFC 4918 9.6: 204; 404 for nothing; a folder goes whole (a Depth other than infinity is 400). */
export function remove(request: HttpRequest, shared: Request): HttpAnswer {
  const resource = shared.tree.stat(shared.path);
  if (resource === null) return errorAnswer(404, "Not found");
  const depth = request.header("depth").trim().toLowerCase();
  if (resource.isFolder && depth.length > 0 && depth != "infinity") {
    return errorAnswer(400, "A folder is deleted with everything in it: Depth must be infinity (RFC 4918 9.6.1)");
  }
  const removal = shared.tree.remove(shared.path);
  if (removal.outcome == DeleteOutcome.Done) return done(204);
  if (removal.outcome == DeleteOutcome.Failed) return errorAnswer(500, "Deleting failed");
  return errorAnswer(403, "It is being imported right now: try again in a moment");
}

/** The authority of an absolute URI ("" for a path), lower-cased. */
function authorityOf(uri: string): string {
  const scheme = uri.indexOf("://");
  if (scheme <= 0 || scheme >= 8) return "";
  const end = uri.indexOf("/", scheme + 3);
  return (end < 0 ? uri.substring(scheme + 3) : uri.substring(scheme + 3, end)).toLowerCase();
}

/**
 * RFC 4918 9.9 within uploads/: 201, or 204 when something was replaced; 412 when it is there
 * and Overwrite is F; 409 without the destination's folder; 423 while an import runs in it;
 * 502 for a Destination on another server (9.9.4); 403 into the views or onto itself.
 */
export function move(request: HttpRequest, shared: Request, config: Config): HttpAnswer {
  const destination = request.header("destination").trim();
  if (destination.length == 0) return errorAnswer(400, "A MOVE needs a Destination header (RFC 4918 10.3)");
  const authority = authorityOf(destination);
  if (authority.length > 0 && authority != request.header("host").trim().toLowerCase()) {
    return errorAnswer(502, "The destination is on another server");
  }
  const target = readTarget(destination, config.root);
  if (target.place == TargetPlace.Invalid) return errorAnswer(400, "The Destination is not a valid path");
  if (target.place != TargetPlace.Share) return errorAnswer(403, "The destination is outside the share");
  const refusal = writeRefusal(target.path, shared, config);
  if (refusal.length > 0) return errorAnswer(403, refusal);
  const overwrite = request.header("overwrite").trim().toUpperCase();
  if (overwrite.length > 0 && overwrite != "T" && overwrite != "F") return errorAnswer(400, "Overwrite is T or F (RFC 4918 10.6)");
  const resource = shared.tree.stat(shared.path);
  const depth = request.header("depth").trim().toLowerCase();
  if (resource !== null && resource.isFolder && depth.length > 0 && depth != "infinity") {
    return errorAnswer(400, "A folder moves with everything in it: Depth must be infinity (RFC 4918 9.9.2)");
  }
  switch (shared.tree.move(shared.path, target.path, overwrite != "F")) {
    case MoveOutcome.Moved: return done(201);
    case MoveOutcome.Replaced: return done(204);
    case MoveOutcome.Missing: return errorAnswer(404, "Not found");
    case MoveOutcome.NoParent: return errorAnswer(409, "The destination's folder does not exist");
    case MoveOutcome.Exists: return errorAnswer(412, "Something is at the destination and Overwrite is F");
    case MoveOutcome.Busy: return errorAnswer(423, "It, or something in it, is being imported right now");
  }
  return errorAnswer(403, "This cannot be moved there (onto or into itself, or a name this share does not accept)");
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
export function put(request: HttpRequest, shared: Request): HttpAnswer {
  const path = shared.path;
  const tree = shared.tree;
  const existing = tree.stat(path);
  if (existing !== null && existing.isFolder) return errorAnswer(405, "A folder has this name");
  const parent = tree.stat(path.slice(0, path.length - 1));
  if (parent === null || !parent.isFolder) return errorAnswer(409, "The folder to put it in does not exist (RFC 4918 9.7.1)");
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
  if (decision.action == StoreAction.Refuse) return errorAnswer(403, "Not a file this share takes here (a bad name, or one being imported)");
  if (decision.action == StoreAction.Accept) return done(status);
  const answer = new HttpAnswer(status).kindOf(BodyKind.Receive);
  answer.source = decision.stagingId;
  answer.total = <u64>length;
  answer.body = String.UTF8.encode(decision.record, false);
  return answer;
}
