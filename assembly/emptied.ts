// Folders of the DICOM views that vanished because what they held was deleted through the
// listener (docs/listener.md, "Deleting in the views"). Orthanc removes a series with its last
// instance and a study with its last series, so a client deleting a tree file by file, then
// folder by folder (davfs2's `rm -r`, file managers), finds each folder already gone when it
// gets there. RFC 4918 9.6 gives 404 for nothing, and `rm` then fails; a DELETE of a folder
// that vanished this way, shortly after, is answered as done instead. Anything else missing
// stays 404.

/** How long a vanished folder is remembered. */
const REMEMBERED_MS: f64 = 60000;
/** At most this many are remembered (a bulk delete names few folders: ancestors repeat). */
const MAX_REMEMBERED = 10000;

export class EmptiedFolders {
  private until: Map<string, f64> = new Map<string, f64>();

  /** After a delete of `path` (view, then names): its ancestors below the view's own folder may have gone with it. */
  deletedUnder(path: Array<string>, nowMs: f64): void {
    if (this.until.size >= MAX_REMEMBERED) this.forgetExpired(nowMs);
    if (this.until.size >= MAX_REMEMBERED) return;
    for (let length = path.length - 1; length >= 2; length--) {
      this.until.set(path.slice(0, length).join("/"), nowMs + REMEMBERED_MS);
    }
  }

  /** Whether `path` is a folder that vanished with what was deleted in it, a short while ago. */
  vanished(path: Array<string>, nowMs: f64): bool {
    const key = path.join("/");
    return this.until.has(key) && this.until.get(key) > nowMs;
  }

  private forgetExpired(nowMs: f64): void {
    const keys = this.until.keys();
    for (let i = 0; i < keys.length; i++) if (this.until.get(keys[i]) <= nowMs) this.until.delete(keys[i]);
  }
}
