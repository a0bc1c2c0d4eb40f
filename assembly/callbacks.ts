// Which collection callbacks belong to a request, and which one ends it: an identity must never
// outlive its request. The request filter sees every request but the callbacks see
// nothing of theirs (docs/orthanc.md, "Collection callbacks", "Request filter"), so the identity the filter hands over, through the
// thread it ran on, says what kind of request it came from. Orthanc 1.10.1 calls, per request
// (HttpServer.cpp HandleWebDav):
//   PROPFIND Depth 0 on a folder   IsExistingFolder
//   PROPFIND Depth 1 on a folder   IsExistingFolder, ListFolder
//   PROPFIND on a file             IsExistingFolder (no), RetrieveFile
//   GET, HEAD                      RetrieveFile
//   PUT / MKCOL                    StoreFile / CreateFolder
//   DELETE                         DeleteItem
//   OPTIONS, LOCK, UNLOCK, PROPPATCH, PROPFIND with another Depth: none
// The filter sees PROPFIND as GET, MKCOL as PUT; it tells them by the Depth header. A callback
// of another kind than its request's (a request the filter skipped, on a thread whose last
// request left its identity) gets nobody's identity; the last callback of a request ends it.
import { METHOD_GET, METHOD_PUT, METHOD_DELETE } from "./access";
import { Callback } from "./codes";

export { Callback };

/** The kind of request, as the filter saw it: which callbacks it may make. */
const PROPFIND_0 = "D0";
const PROPFIND_1 = "D1";
const READ = "G"; // GET, HEAD (also OPTIONS, and PROPFIND with another Depth: no callback)
const WRITE = "P"; // PUT, MKCOL (also LOCK, UNLOCK, PROPPATCH: no callback)
const REMOVE = "X"; // DELETE

/** The request kind of a filter call: its (mapped) method and its Depth header ("" when absent). */
export function requestKind(method: i32, depth: string): string {
  if (method == METHOD_PUT) return WRITE;
  if (method == METHOD_DELETE) return REMOVE;
  if (method == METHOD_GET && depth.trim() == "0") return PROPFIND_0;
  if (method == METHOD_GET && depth.trim() == "1") return PROPFIND_1;
  return READ;
}

/** The identity handed to the callbacks: "<kind>|<who>" (who: access.ts identityOf). */
export function handedIdentity(kind: string, who: string): string {
  return who.length == 0 ? "" : kind + "|" + who;
}

/** Who a handed identity names, if `callback` may belong to its request, else "" (nobody). */
export function identityFor(handed: string, callback: Callback): string {
  const bar = handed.indexOf("|");
  if (bar < 0) return "";
  const kind = handed.substring(0, bar);
  let fits = false;
  switch (callback) {
    case Callback.IsExistingFolder: fits = kind == PROPFIND_0 || kind == PROPFIND_1; break;
    case Callback.ListFolder: fits = kind == PROPFIND_1; break;
    case Callback.RetrieveFile: fits = kind == PROPFIND_0 || kind == PROPFIND_1 || kind == READ; break;
    case Callback.StoreFile:
    case Callback.CreateFolder: fits = kind == WRITE; break;
    case Callback.DeleteItem: fits = kind == REMOVE; break;
    case Callback.Status: fits = kind == READ; break;
  }
  return fits ? handed.substring(bar + 1) : "";
}

/**
 * Whether `callback` is the last of its request, so that the shim forgets the identity:
 * always, but for IsExistingFolder, which is last only when it finds a folder at Depth 0.
 */
export function endsRequest(handed: string, callback: Callback, foundFolder: bool): bool {
  if (callback != Callback.IsExistingFolder) return true;
  return foundFolder && handed.startsWith(PROPFIND_0 + "|");
}
