// The four views of the catalog and the uploads folder: which names exist at a path, what each
// one is, and the listing of a folder. Layout as the built-in share (docs/orthanc.md, "The built-in share"):
//   by-patients/{PatientID} - {PatientName}/{StudyDate} - {StudyDescription}/{Modality} - {SeriesDescription}/<id>.dcm
//   by-studies/{PatientID} - {PatientName} - {StudyDescription}/<series>/<id>.dcm
//   by-dates/YYYY/YYYY-MM/<study as by-studies>/<series>/<id>.dcm
//   by-uids/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm, with study.json, series.json
// Where the built-in is wrong, this is right: a path that does not exist resolves to null
// (answered 404) at every depth, and studies without a valid StudyDate are listed in
// by-dates/NO_DATE_FOLDER instead of vanishing.
import { Catalog, CatalogChange, CatalogListener, Patient, Study, Series, addTo, removeFrom } from "./catalog";
import { Config } from "./config";
import { Instance, InstanceList, INDEXED_LIST_SIZE } from "./instances";
import { Candidate, NamedChildren, assignUniqueNames, joinFields, sanitizeName } from "./naming";
import { Profile, mountsUploads } from "./access";
import { FileKind } from "./codes";
import { Listing, Opened, Resource, UPLOADS } from "./resources";

export const BY_PATIENTS = "by-patients";
export const BY_STUDIES = "by-studies";
export const BY_DATES = "by-dates";
export const BY_UIDS = "by-uids";
export const STUDY_JSON = "study.json";
export const SERIES_JSON = "series.json";
export const NO_DATE_FOLDER = "No study date";
export const DICOM_EXTENSION = ".dcm";
export const MIME_DICOM = "application/dicom";
export const MIME_JSON = "application/json";

/** Where the views get what the catalog does not hold. */
export abstract class ResourceSource {
  /** The instances of a series, or null when Orthanc no longer has the series. */
  abstract instancesOf(seriesId: string): InstanceList | null;
  /** GET /studies/{id} or /series/{id} ("studies" or "series"), or null when missing. */
  abstract resourceJson(level: string, id: string): Uint8Array | null;
}

export enum NodeKind {
  Root,
  ViewRoot,
  Patient,
  Study,
  Series,
  Year,
  Month,
  NoDate,
  InstanceFile,
  StudyJson,
  SeriesJson,
}

/** What a path names. `id` is the resource's Orthanc id, or the year / month of by-dates. */
export class Node {
  constructor(public kind: NodeKind, public view: string, public id: string, public parentId: string = "") {}

  get isFolder(): bool {
    return this.kind != NodeKind.InstanceFile && this.kind != NodeKind.StudyJson && this.kind != NodeKind.SeriesJson;
  }
}

/** A valid DICOM date-time as the share needs it (YYYYMMDDTHHMMSS), else the fallback. */
export function shareDate(value: string, fallback: string): string {
  if (value.length < 15 || value.charCodeAt(8) != 0x54) return fallback;
  for (let i = 0; i < 15; i++) {
    if (i == 8) continue;
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return fallback;
  }
  return value.substring(0, 15);
}

/** "YYYY-MM" of a StudyDate that has a plausible year and month, or null. */
export function studyMonth(studyDate: string): string | null {
  const value = studyDate.trim();
  if (value.length != 8) return null;
  for (let i = 0; i < 8; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  const month = I32.parseInt(value.substring(4, 6));
  const day = I32.parseInt(value.substring(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return value.substring(0, 4) + "-" + value.substring(4, 6);
}

/** The by-dates folder a study is in: "YYYY-MM", or NO_DATE_FOLDER. */
function dateFolderOf(study: Study): string {
  const month = studyMonth(study.studyDate);
  return month === null ? NO_DATE_FOLDER : month;
}

/**
 * The by-dates tree: month folders per year, studies per month. Kept up to date study by
 * study; the date of a folder (its newest study) is computed when asked and remembered until
 * something in the tree changes.
 */
class DateIndex {
  years: Map<string, Array<string>> = new Map<string, Array<string>>();
  months: Map<string, Array<string>> = new Map<string, Array<string>>();
  undated: Array<string> = new Array<string>();
  private folderDates: Map<string, string> = new Map<string, string>();

  constructor(catalog: Catalog, scope: Profile | null) {
    const studies = catalog.studies.values();
    for (let i = 0; i < studies.length; i++) {
      // a year or month of hidden studies only does not exist
      if (scope === null || scope.sees(studies[i])) this.add(studies[i]);
    }
  }

  add(study: Study): void {
    this.folderDates.clear();
    const folder = dateFolderOf(study);
    if (folder == NO_DATE_FOLDER) {
      addTo(this.undated, study.id);
      return;
    }
    const year = folder.substring(0, 4);
    if (!this.years.has(year)) this.years.set(year, new Array<string>());
    if (!this.months.has(folder)) {
      this.months.set(folder, new Array<string>());
      this.years.get(year).push(folder);
    }
    addTo(this.months.get(folder), study.id);
  }

  /** `study` as it was when added (its date says where it is). */
  remove(study: Study): void {
    this.folderDates.clear();
    const folder = dateFolderOf(study);
    if (folder == NO_DATE_FOLDER) {
      removeFrom(this.undated, study.id);
      return;
    }
    if (!this.months.has(folder)) return;
    const studies = this.months.get(folder);
    removeFrom(studies, study.id);
    if (studies.length > 0) return;
    this.months.delete(folder);
    const year = folder.substring(0, 4);
    if (!this.years.has(year)) return;
    const months = this.years.get(year);
    removeFrom(months, folder);
    if (months.length == 0) this.years.delete(year);
  }

  datesChanged(): void {
    this.folderDates.clear();
  }

  /** The newest LastUpdate of the studies in a year, a month or the undated folder ("" if none). */
  folderDate(catalog: Catalog, key: string): string {
    if (this.folderDates.has(key)) return this.folderDates.get(key);
    let newest = "";
    const months = key == NO_DATE_FOLDER || key.length != 4 ? [key] : this.years.has(key) ? this.years.get(key) : new Array<string>();
    for (let m = 0; m < months.length; m++) {
      const ids = months[m] == NO_DATE_FOLDER ? this.undated : this.months.has(months[m]) ? this.months.get(months[m]) : new Array<string>();
      for (let i = 0; i < ids.length; i++) {
        if (!catalog.studies.has(ids[i])) continue;
        const date = catalog.studies.get(ids[i]).lastUpdate;
        if (date > newest) newest = date;
      }
    }
    this.folderDates.set(key, newest);
    return newest;
  }
}

/**
 * Only folders with at least this many children keep their names and listing between
 * requests: a small folder is named again in microseconds, and caching every folder a walk
 * touches would hold tens of megabytes for nothing.
 */
export const CACHE_MIN_CHILDREN = 32;

export class Views extends CatalogListener {
  private indexes: Map<string, NamedChildren> = new Map<string, NamedChildren>();
  private listings: Map<string, Listing> = new Map<string, Listing>();
  private dateIndex: DateIndex | null = null;
  /** The date shown for folders that have none of their own (root, view roots). */
  now: string = "19700101T000000";

  /**
   * `scope`: the access profile whose studies these views show (access.ts), null for all. Each
   * profile has its own Views, so names, " (n)" suffixes and caches are computed over what that
   * profile sees: nothing in a listing reveals a hidden study, not even a suffix.
   */
  constructor(public catalog: Catalog, public config: Config, public source: ResourceSource,
    public scope: Profile | null = null) {
    super();
    catalog.listen(this);
  }

  // ---- keeping names and listings current, change by change (catalog.ts CatalogListener) -

  catalogChanged(change: CatalogChange, patient: Patient | null, study: Study | null, series: Series | null): void {
    switch (change) {
      case CatalogChange.Reset:
        this.indexes.clear();
        this.listings.clear();
        this.dateIndex = null;
        return;
      case CatalogChange.StudyAdded:
        this.studyChanged(study!, true);
        return;
      case CatalogChange.StudyRemoved:
        this.studyChanged(study!, false);
        return;
      case CatalogChange.StudyDated:
        this.studyDated(study!);
        return;
      case CatalogChange.PatientAdded:
      case CatalogChange.PatientRemoved:
      case CatalogChange.PatientRenamed:
        this.patientChanged(patient!.id);
        return;
      case CatalogChange.PatientDated:
        this.dropListing(NodeKind.ViewRoot, BY_PATIENTS, "");
        return;
    }
    // SeriesAdded, SeriesRemoved, SeriesDated: the series folders of the study
    const studyId = series!.parentStudy;
    this.indexes.delete("s/" + studyId);
    this.indexes.delete("u/" + studyId);
    this.dropStudyListings(studyId);
  }

  private listingKey(kind: NodeKind, view: string, id: string): string {
    return kind.toString() + "/" + view + "/" + id;
  }

  private dropListing(kind: NodeKind, view: string, id: string): void {
    this.listings.delete(this.listingKey(kind, view, id));
  }

  private dropStudyListings(studyId: string): void {
    this.dropListing(NodeKind.Study, BY_PATIENTS, studyId);
    this.dropListing(NodeKind.Study, BY_STUDIES, studyId);
    this.dropListing(NodeKind.Study, BY_DATES, studyId);
  }

  /** Updates a kept index child by child; one that cannot be is dropped (rebuilt when asked). */
  private updateIndex(key: string, id: string, candidate: Candidate | null): void {
    if (!this.indexes.has(key)) return;
    const named = this.indexes.get(key);
    if (named.has(id) && !named.removeCandidate(id)) {
      this.indexes.delete(key);
      return;
    }
    if (candidate !== null && !named.addCandidate(candidate)) this.indexes.delete(key);
  }

  /** by-patients/ lists a patient while one of its studies is visible. */
  private patientChanged(patientId: string): void {
    let candidate: Candidate | null = null;
    if (this.catalog.patients.has(patientId)) {
      const patient = this.catalog.patients.get(patientId);
      if (this.anyVisible(patient.studies)) candidate = new Candidate(this.patientName(patient), patientId);
    }
    this.updateIndex("P", patientId, candidate);
    this.dropListing(NodeKind.ViewRoot, BY_PATIENTS, "");
  }

  /** `study` as it is now (added) or as it was (removed, or the old version of a change). */
  private studyChanged(study: Study, added: bool): void {
    const shown = added && this.visible(study);
    this.updateIndex("S", study.id, shown ? new Candidate(this.studyNameWithPatient(study), study.id) : null);
    this.updateIndex("U", study.id, shown ? new Candidate(this.name(study.studyInstanceUid), study.id) : null);
    this.indexes.delete("p/" + study.parentPatient);
    this.patientChanged(study.parentPatient);
    const folder = dateFolderOf(study);
    const dates = this.dateIndex;
    if (dates !== null) {
      dates.remove(study);
      if (shown) dates.add(study);
    }
    this.indexes.delete("m/" + folder);
    this.dropListing(NodeKind.ViewRoot, BY_STUDIES, "");
    this.dropListing(NodeKind.ViewRoot, BY_UIDS, "");
    this.dropListing(NodeKind.ViewRoot, BY_DATES, "");
    this.dropListing(NodeKind.Patient, BY_PATIENTS, study.parentPatient);
    this.dropDateListings(folder);
    if (!added) {
      this.indexes.delete("s/" + study.id);
      this.indexes.delete("u/" + study.id);
      this.dropStudyListings(study.id);
    }
  }

  private dropDateListings(folder: string): void {
    if (folder == NO_DATE_FOLDER) {
      this.dropListing(NodeKind.NoDate, BY_DATES, NO_DATE_FOLDER);
    } else {
      this.dropListing(NodeKind.Month, BY_DATES, folder);
      this.dropListing(NodeKind.Year, BY_DATES, folder.substring(0, 4));
    }
  }

  /** Only the study's LastUpdate changed: the listings that show it or a folder date from it. */
  private studyDated(study: Study): void {
    const dates = this.dateIndex;
    if (dates !== null) dates.datesChanged();
    this.dropListing(NodeKind.ViewRoot, BY_STUDIES, "");
    this.dropListing(NodeKind.ViewRoot, BY_UIDS, "");
    this.dropListing(NodeKind.ViewRoot, BY_DATES, "");
    this.dropListing(NodeKind.Patient, BY_PATIENTS, study.parentPatient);
    this.dropDateListings(dateFolderOf(study));
  }

  private visible(study: Study): bool {
    const scope = this.scope;
    return scope === null || scope.sees(study);
  }

  private visibleStudyId(id: string): bool {
    return this.catalog.studies.has(id) && this.visible(this.catalog.studies.get(id));
  }

  // ---- naming of each folder's children -------------------------------------------------

  private dates(): DateIndex {
    let index = this.dateIndex;
    if (index === null) {
      index = new DateIndex(this.catalog, this.scope);
      this.dateIndex = index;
    }
    return index;
  }

  private name(raw: string): string {
    return sanitizeName(raw, this.config.asciiNames);
  }

  private patientName(patient: Patient): string {
    return this.name(joinFields([patient.patientId, patient.patientName]));
  }

  /** by-studies and by-dates: "{PatientID} - {PatientName} - {StudyDescription}". */
  private studyNameWithPatient(study: Study): string {
    return this.name(joinFields([study.patientId, study.patientName, study.studyDescription]));
  }

  /** by-patients: "{StudyDate} - {StudyDescription}". */
  private studyNameInPatient(study: Study): string {
    return this.name(joinFields([study.studyDate, study.studyDescription]));
  }

  private seriesName(series: Series): string {
    return this.name(joinFields([series.modality, series.seriesDescription]));
  }

  private studyCandidates(ids: Array<string>, withPatient: bool, byUid: bool): Array<Candidate> {
    const result = new Array<Candidate>();
    for (let i = 0; i < ids.length; i++) {
      if (!this.visibleStudyId(ids[i])) continue;
      const study = this.catalog.studies.get(ids[i]);
      const name = byUid ? this.name(study.studyInstanceUid)
        : withPatient ? this.studyNameWithPatient(study) : this.studyNameInPatient(study);
      result.push(new Candidate(name, study.id));
    }
    return result;
  }

  /** The named children of a catalog folder; `key` says which folder (see the cases below). */
  private index(key: string): NamedChildren {
    if (this.indexes.has(key)) return this.indexes.get(key);
    const candidates = new Array<Candidate>();
    const kind = key.charAt(0);
    const id = key.substring(2);
    if (key == "P") {
      const patients = this.catalog.patients.values();
      for (let i = 0; i < patients.length; i++) {
        if (!this.anyVisible(patients[i].studies)) continue;
        candidates.push(new Candidate(this.patientName(patients[i]), patients[i].id));
      }
    } else if (key == "S" || key == "U") {
      const candidatesOfAll = this.studyCandidates(this.catalog.studies.keys(), true, key == "U");
      for (let i = 0; i < candidatesOfAll.length; i++) candidates.push(candidatesOfAll[i]);
    } else if (kind == "p") {
      if (this.catalog.patients.has(id)) {
        const own = this.studyCandidates(this.catalog.patients.get(id).studies, false, false);
        for (let i = 0; i < own.length; i++) candidates.push(own[i]);
      }
    } else if (kind == "m") {
      // studies of a by-dates month, or of the folder of studies without a date
      const dates = this.dates();
      const ids = id == NO_DATE_FOLDER ? dates.undated
        : dates.months.has(id) ? dates.months.get(id) : new Array<string>();
      const own = this.studyCandidates(ids, true, false);
      for (let i = 0; i < own.length; i++) candidates.push(own[i]);
    } else if (kind == "s" || kind == "u") {
      if (this.visibleStudyId(id)) {
        const seriesIds = this.catalog.studies.get(id).series;
        for (let i = 0; i < seriesIds.length; i++) {
          if (!this.catalog.series.has(seriesIds[i])) continue;
          const series = this.catalog.series.get(seriesIds[i]);
          const name = kind == "u" ? this.name(series.seriesInstanceUid) : this.seriesName(series);
          candidates.push(new Candidate(name, series.id));
        }
      }
    }
    const named = assignUniqueNames(candidates, "");
    if (named.size >= CACHE_MIN_CHILDREN) this.indexes.set(key, named);
    return named;
  }

  private anyVisible(studyIds: Array<string>): bool {
    for (let i = 0; i < studyIds.length; i++) if (this.visibleStudyId(studyIds[i])) return true;
    return false;
  }

  /**
   * Instances of a series named "<Orthanc id>.dcm", or "<SOPInstanceUID>.dcm" in by-uids;
   * kept with the list, which is replaced when the series changes.
   */
  private instanceNames(list: InstanceList, bySopUid: bool): NamedChildren {
    const cached = bySopUid ? list.namesBySopUid : list.namesById;
    if (cached !== null) return cached;
    const candidates = new Array<Candidate>();
    const instances = list.instances;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      candidates.push(new Candidate(bySopUid ? this.name(instance.sopInstanceUid) : instance.id, instance.id));
    }
    const named = assignUniqueNames(candidates, DICOM_EXTENSION);
    if (instances.length < INDEXED_LIST_SIZE) return named;
    if (bySopUid) list.namesBySopUid = named;
    else list.namesById = named;
    return named;
  }

  // ---- path resolution -------------------------------------------------------------------

  /** What `path` names, or null when nothing of that name exists (answered 404). */
  resolve(path: Array<string>): Node | null {
    const n = path.length;
    if (n == 0) return new Node(NodeKind.Root, "", "");
    const view = path[0];
    if (view != BY_PATIENTS && view != BY_STUDIES && view != BY_DATES && view != BY_UIDS) return null;
    if (n == 1) return new Node(NodeKind.ViewRoot, view, "");
    if (view == BY_PATIENTS) {
      const patientId = this.index("P").find(path[1]);
      if (patientId === null) return null;
      if (n == 2) return new Node(NodeKind.Patient, view, patientId);
      const studyId = this.index("p/" + patientId).find(path[2]);
      return studyId === null ? null : this.resolveBelowStudy(path, 3, view, studyId);
    }
    if (view == BY_STUDIES) {
      const studyId = this.index("S").find(path[1]);
      return studyId === null ? null : this.resolveBelowStudy(path, 2, view, studyId);
    }
    if (view == BY_DATES) {
      const dates = this.dates();
      if (path[1] == NO_DATE_FOLDER) {
        if (dates.undated.length == 0) return null;
        if (n == 2) return new Node(NodeKind.NoDate, view, NO_DATE_FOLDER);
        const studyId = this.index("m/" + NO_DATE_FOLDER).find(path[2]);
        return studyId === null ? null : this.resolveBelowStudy(path, 3, view, studyId);
      }
      const year = path[1];
      if (!dates.years.has(year)) return null;
      if (n == 2) return new Node(NodeKind.Year, view, year);
      const month = path[2];
      if (!dates.years.get(year).includes(month)) return null;
      if (n == 3) return new Node(NodeKind.Month, view, month);
      const studyId = this.index("m/" + month).find(path[3]);
      return studyId === null ? null : this.resolveBelowStudy(path, 4, view, studyId);
    }
    // by-uids
    const studyId = this.index("U").find(path[1]);
    if (studyId === null) return null;
    if (n == 2) return new Node(NodeKind.Study, view, studyId);
    if (path[2] == STUDY_JSON) return n == 3 ? new Node(NodeKind.StudyJson, view, studyId) : null;
    const seriesId = this.index("u/" + studyId).find(path[2]);
    if (seriesId === null) return null;
    if (n == 3) return new Node(NodeKind.Series, view, seriesId);
    if (path[3] == SERIES_JSON) return n == 4 ? new Node(NodeKind.SeriesJson, view, seriesId) : null;
    return n == 4 ? this.resolveInstance(seriesId, path[3], true) : null;
  }

  private resolveBelowStudy(path: Array<string>, at: i32, view: string, studyId: string): Node | null {
    const n = path.length;
    if (at == n) return new Node(NodeKind.Study, view, studyId);
    const seriesId = this.index("s/" + studyId).find(path[at]);
    if (seriesId === null) return null;
    if (at + 1 == n) return new Node(NodeKind.Series, view, seriesId);
    return at + 2 == n ? this.resolveInstance(seriesId, path[at + 1], false) : null;
  }

  private resolveInstance(seriesId: string, name: string, bySopUid: bool): Node | null {
    const list = this.source.instancesOf(seriesId);
    if (list === null) return null;
    const instanceId = this.instanceNames(list, bySopUid).find(name);
    return instanceId === null ? null : new Node(NodeKind.InstanceFile, "", instanceId, seriesId);
  }

  // ---- listings --------------------------------------------------------------------------

  /**
   * The listing of a folder node. Listings that depend on the catalog alone are kept (with
   * their encoded bytes, resources.ts Listing) until the catalog changes.
   */
  list(node: Node): Listing {
    const cacheKey = this.listingCacheKey(node);
    if (cacheKey !== null && this.listings.has(cacheKey)) return this.listings.get(cacheKey);
    const listing = new Listing(this.entries(node));
    if (cacheKey !== null && listing.entries.length >= CACHE_MIN_CHILDREN) {
      listing.kept = true;
      this.listings.set(cacheKey, listing);
    }
    return listing;
  }

  /** What stat says of a node (`name`: its path's last component), as its parent's listing shows it; null for a file gone. */
  stat(node: Node, name: string): Resource | null {
    if (!node.isFolder) {
      const opened = this.file(node, name);
      return opened !== null ? opened.resource : null;
    }
    switch (node.kind) {
      case NodeKind.Patient: return new Resource(name, true, 0, "", this.folderDate("patient", node.id));
      case NodeKind.Study: return new Resource(name, true, 0, "", this.folderDate("study", node.id));
      case NodeKind.Series: return new Resource(name, true, 0, "", this.folderDate("series", node.id));
      case NodeKind.Year:
      case NodeKind.Month:
      case NodeKind.NoDate:
        return new Resource(name, true, 0, "", this.folderDate("date", node.id));
    }
    return new Resource(name, true, 0, "", this.now);
  }

  /** Folders whose listing holds no instance and no JSON size can be cached. */
  private listingCacheKey(node: Node): string | null {
    switch (node.kind) {
      case NodeKind.ViewRoot:
      case NodeKind.Patient:
      case NodeKind.Year:
      case NodeKind.Month:
      case NodeKind.NoDate:
        return this.listingKey(node.kind, node.view, node.id);
      case NodeKind.Study:
        return node.view == BY_UIDS ? null : this.listingKey(node.kind, node.view, node.id);
    }
    return null;
  }

  private folderEntries(named: NamedChildren, kind: string): Array<Resource> {
    const result = new Array<Resource>();
    for (let i = 0; i < named.size; i++) {
      result.push(new Resource(named.nameAt(i), true, 0, "", this.folderDate(kind, named.idAt(i))));
    }
    return result;
  }

  private folderDate(kind: string, id: string): string {
    let value = "";
    if (kind == "patient" && this.catalog.patients.has(id)) value = this.catalog.patients.get(id).lastUpdate;
    else if (kind == "study" && this.catalog.studies.has(id)) value = this.catalog.studies.get(id).lastUpdate;
    else if (kind == "series" && this.catalog.series.has(id)) value = this.catalog.series.get(id).lastUpdate;
    else if (kind == "date") value = this.dates().folderDate(this.catalog, id);
    return shareDate(value, this.now);
  }

  private entries(node: Node): Array<Resource> {
    switch (node.kind) {
      case NodeKind.Root: {
        const result = new Array<Resource>();
        const names = [BY_DATES, BY_PATIENTS, BY_STUDIES, BY_UIDS];
        for (let i = 0; i < names.length; i++) result.push(new Resource(names[i], true, 0, "", this.now));
        // the upload tree is mounted there (share.ts); it lists itself
        if (mountsUploads(this.config.uploadAllowed, this.scope)) result.push(new Resource(UPLOADS, true, 0, "", this.now));
        return result;
      }
      case NodeKind.ViewRoot: {
        if (node.view == BY_PATIENTS) return this.folderEntries(this.index("P"), "patient");
        if (node.view == BY_STUDIES) return this.folderEntries(this.index("S"), "study");
        if (node.view == BY_UIDS) return this.folderEntries(this.index("U"), "study");
        const dates = this.dates();
        const result = new Array<Resource>();
        const years = dates.years.keys();
        years.sort();
        for (let i = 0; i < years.length; i++) result.push(new Resource(years[i], true, 0, "", this.folderDate("date", years[i])));
        if (dates.undated.length > 0) result.push(new Resource(NO_DATE_FOLDER, true, 0, "", this.folderDate("date", NO_DATE_FOLDER)));
        return result;
      }
      case NodeKind.Year: {
        const months = this.dates().years.get(node.id).slice(0);
        months.sort();
        const result = new Array<Resource>();
        for (let i = 0; i < months.length; i++) result.push(new Resource(months[i], true, 0, "", this.folderDate("date", months[i])));
        return result;
      }
      case NodeKind.Month:
      case NodeKind.NoDate:
        return this.folderEntries(this.index("m/" + node.id), "study");
      case NodeKind.Patient:
        return this.folderEntries(this.index("p/" + node.id), "study");
      case NodeKind.Study: {
        if (node.view != BY_UIDS) return this.folderEntries(this.index("s/" + node.id), "series");
        const result = this.folderEntries(this.index("u/" + node.id), "series");
        this.addJsonEntry(result, STUDY_JSON, "studies", node.id);
        return result;
      }
      case NodeKind.Series:
        return this.instanceEntries(node);
    }
    return new Array<Resource>();
  }

  private addJsonEntry(entries: Array<Resource>, name: string, level: string, id: string): void {
    const opened = this.json(level, id, name);
    if (opened !== null) entries.push(opened.resource);
  }

  /** study.json or series.json: GET /studies/{id} or /series/{id}, dated as its folder. */
  private json(level: string, id: string, name: string): Opened | null {
    const content = this.source.resourceJson(level, id);
    if (content === null) return null;
    const body = content.buffer;
    return new Opened(new Resource(name, false, <u64>content.length, MIME_JSON,
      this.folderDate(level == "studies" ? "study" : "series", id), "", body), FileKind.Content, body);
  }

  private instanceEntries(node: Node): Array<Resource> {
    const result = new Array<Resource>();
    const list = this.source.instancesOf(node.id);
    if (list !== null) {
      const named = this.instanceNames(list, node.view == BY_UIDS);
      for (let i = 0; i < named.size; i++) {
        const instance = list.find(named.idAt(i))!;
        result.push(this.instanceResource(named.nameAt(i), instance));
      }
    }
    if (node.view == BY_UIDS) this.addJsonEntry(result, SERIES_JSON, "series", node.id);
    return result;
  }

  /** Whether these views show every study (no access profile, or one that sees everything). */
  get showsEverything(): bool {
    const scope = this.scope;
    return scope === null || scope.seesEverything;
  }

  /** The studies shown in a patient folder, a by-dates year, month or the undated folder. */
  studiesIn(node: Node): Array<string> {
    if (node.kind == NodeKind.Patient) {
      const result = new Array<string>();
      if (!this.catalog.patients.has(node.id)) return result;
      const studies = this.catalog.patients.get(node.id).studies;
      for (let i = 0; i < studies.length; i++) if (this.visibleStudyId(studies[i])) result.push(studies[i]);
      return result;
    }
    const dates = this.dates();
    if (node.kind == NodeKind.NoDate) return dates.undated.slice(0);
    if (node.kind == NodeKind.Month) return dates.months.has(node.id) ? dates.months.get(node.id).slice(0) : new Array<string>();
    const result = new Array<string>();
    if (node.kind == NodeKind.Year && dates.years.has(node.id)) {
      const months = dates.years.get(node.id);
      for (let i = 0; i < months.length; i++) {
        const studies = dates.months.get(months[i]);
        for (let j = 0; j < studies.length; j++) result.push(studies[j]);
      }
    }
    return result;
  }

  // ---- files -----------------------------------------------------------------------------

  /** An instance's .dcm file: its bytes are Orthanc's, never changed, so its id tags them. */
  private instanceResource(name: string, instance: Instance): Resource {
    return new Resource(name, false, instance.fileSize, MIME_DICOM, shareDate(instance.receptionDate, this.now), instance.id);
  }

  /** The file a node names (`name`: the last component of its path), or null. */
  file(node: Node, name: string): Opened | null {
    if (node.kind == NodeKind.InstanceFile) {
      const list = this.source.instancesOf(node.parentId);
      const instance = list !== null ? list.find(node.id) : null;
      if (instance === null) return null;
      return new Opened(this.instanceResource(name, instance), FileKind.Instance, String.UTF8.encode(node.id, false));
    }
    if (node.kind == NodeKind.StudyJson) return this.json("studies", node.id, name);
    if (node.kind == NodeKind.SeriesJson) return this.json("series", node.id, name);
    return null;
  }
}
