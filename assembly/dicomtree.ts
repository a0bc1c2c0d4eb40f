// The DICOM views as a resource tree (resources.ts): what a principal sees of by-patients,
// by-studies, by-dates and by-uids, read-only but for DELETE (deletion.ts decides what it does).
import { DeleteOutcome, StoreAction } from "./codes";
import { Deleter } from "./deletion";
import { Profile, RIGHT_DELETE } from "./access";
import { Views, Node } from "./views";
import { Copied, Listing, MoveOutcome, Opened, Removal, Resource, ResourceTree, StoreDecision } from "./resources";

export class DicomTree extends ResourceTree {
  /**
   * `views`: those of the principal's profile; `everything`: the unrestricted views, to tell a
   * hidden path (counted as a refusal of the profile) from one that does not exist.
   */
  constructor(public views: Views, public everything: Views, public profile: Profile, public deleter: Deleter) {
    super();
  }

  private resolve(path: Array<string>): Node | null {
    const node = this.views.resolve(path);
    if (node === null && this.views !== this.everything && this.everything.resolve(path) !== null) this.profile.refused++;
    return node;
  }

  stat(path: Array<string>): Resource | null {
    const node = this.resolve(path);
    return node === null ? null : this.views.stat(node, path.length > 0 ? path[path.length - 1] : "");
  }

  list(path: Array<string>): Listing | null {
    const node = this.resolve(path);
    return node === null || !node.isFolder ? null : this.views.list(node);
  }

  open(path: Array<string>): Opened | null {
    const node = this.resolve(path);
    return node === null || node.isFolder ? null : this.views.file(node, path[path.length - 1]);
  }

  /** Nothing is written into the DICOM views: uploads go to uploads/. */
  store(path: Array<string>, size: u64): StoreDecision {
    return new StoreDecision(StoreAction.Refuse);
  }

  mkcol(path: Array<string>): bool {
    return false;
  }

  remove(path: Array<string>): Removal {
    if (!this.profile.may(RIGHT_DELETE)) return new Removal(DeleteOutcome.Refused);
    return this.deleter.delete(path, this.views);
  }

  /** A study is where its tags put it: nothing moves in the views. */
  move(from: Array<string>, to: Array<string>, overwrite: bool): MoveOutcome {
    return MoveOutcome.Refused;
  }

  /** Nothing is made in the views either. */
  copy(from: Array<string>, to: Array<string>, overwrite: bool, deep: bool): Copied {
    return new Copied(MoveOutcome.Refused);
  }
}
