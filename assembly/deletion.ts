// What a DELETE through the share does (docs/orthanc.md, "The built-in share", without its accidents):
// - the share root, a view root and uploads/ itself are refused, whatever the flags (the
//   built-in deletes the whole database on DELETE /webdav/by-studies);
// - with DeleteAllowed false, every DELETE in the DICOM views is refused and nothing changes;
// - a patient, study or series folder or an instance file is deleted in Orthanc with one REST
//   call at its level (Orthanc removes the instances below and parents left empty);
// - a by-dates year or month (or the undated folder) deletes the studies in it, as users of the
//   built-in expect; a patient folder deletes the patient, or, for a user under access rules
//   who does not see all its studies, the studies it shows that user;
// - study.json / series.json, and paths that do not exist, answer success with no effect, so
//   that file explorers deleting a tree file by file, then folder by folder, succeed.
import { Config } from "./config";
import { Synchronizer } from "./sync";
import { Views, Node, NodeKind, BY_PATIENTS, BY_STUDIES, BY_DATES, BY_UIDS } from "./views";
import { log, LOG_INFO, LOG_ERROR } from "./host";
import { DeleteOutcome } from "./codes";
import { DeletedResource, Removal } from "./resources";
import { Orthanc } from "./orthanc";
export { DeleteOutcome };

/** REST API levels, in the order of Orthanc's resource types (patient 0 .. instance 3). */
const RESOURCE_LEVELS: Array<string> = ["patients", "studies", "series", "instances"];

function isDicomView(name: string): bool {
  return name == BY_PATIENTS || name == BY_STUDIES || name == BY_DATES || name == BY_UIDS;
}

export class Deleter {
  deleted: i32 = 0;
  /** What the delete under way removed (its Removal's list). */
  private justDeleted: Array<DeletedResource> = new Array<DeletedResource>();

  constructor(public synchronizer: Synchronizer, public config: Config, public orthanc: Orthanc) {}

  private deleteResource(level: string, id: string): bool {
    if (!this.orthanc.delete("/" + level + "/" + id)) {
      log(LOG_ERROR, "Orthanc refused DELETE /" + level + "/" + id);
      return false;
    }
    this.deleted++;
    const resource = new DeletedResource(RESOURCE_LEVELS.indexOf(level), id);
    this.justDeleted.push(resource);
    // Orthanc's Deleted events will say the same; applying it now makes the next listing right.
    this.synchronizer.deleted(resource.level, id);
    return true;
  }

  /** `views`: what the user asking sees; a folder deletes only what it shows them. */
  delete(path: Array<string>, views: Views): Removal {
    if (path.length < 2 || !isDicomView(path[0])) return new Removal(DeleteOutcome.Refused);
    if (!this.config.deleteAllowed) return new Removal(DeleteOutcome.Refused);
    const node = views.resolve(path);
    if (node === null) return new Removal(DeleteOutcome.Done); // already gone
    this.justDeleted = new Array<DeletedResource>();
    const done = this.deleteNode(node, views);
    if (done) log(LOG_INFO, "deleted through the share: /" + path.join("/"));
    return new Removal(done ? DeleteOutcome.Done : DeleteOutcome.Failed, this.justDeleted);
  }

  private deleteNode(node: Node, views: Views): bool {
    switch (node.kind) {
      case NodeKind.Patient:
        // A user who does not see every study deletes those the folder shows them; Orthanc
        // removes the patient with its last study (the other studies stay).
        return views.showsEverything ? this.deleteResource("patients", node.id) : this.deleteStudies(views.studiesIn(node));
      case NodeKind.Study: return this.deleteResource("studies", node.id);
      case NodeKind.Series: return this.deleteResource("series", node.id);
      case NodeKind.InstanceFile: return this.deleteResource("instances", node.id);
      case NodeKind.StudyJson:
      case NodeKind.SeriesJson:
        return true;
      case NodeKind.Year:
      case NodeKind.Month:
      case NodeKind.NoDate:
        return this.deleteStudies(views.studiesIn(node));
    }
    return false;
  }

  private deleteStudies(studies: Array<string>): bool {
    let ok = true;
    for (let i = 0; i < studies.length; i++) ok = this.deleteResource("studies", studies[i]) && ok;
    return ok;
  }
}
