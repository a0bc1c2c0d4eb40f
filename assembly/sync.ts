// Keeps the catalog equal to Orthanc's database (docs/orthanc.md, "Change log and change callbacks"):
// - at start, patients, studies and series are loaded in pages of the REST API;
// - at the start of every request, new entries of GET /changes are applied;
// - deletions leave no trace in /changes: they arrive as Deleted events the shim queued from
//   Orthanc's change callback, and a periodic cheap reconciliation (counts from /statistics,
//   then the id lists only when a count differs) catches what another Orthanc sharing the
//   database deleted.
// It also fetches the instances of a series for the views (the ResourceSource), and reads a
// cached list again when the change log shows a new instance in that series.
import { JSON } from "assemblyscript-json/assembly";
import { Catalog, Patient, Study, Series, PATIENT_RULE_TAGS, STUDY_RULE_TAGS } from "./catalog";
import { Instance, InstanceCache, InstanceList } from "./instances";
import { ResourceSource } from "./views";
import { log, LOG_INFO, LOG_WARNING } from "./host";
import { Orthanc, HostOrthanc } from "./orthanc";

const PAGE = 1000;

function parseObject(bytes: Uint8Array | null): JSON.Obj | null {
  if (bytes === null) return null;
  const value = JSON.parse(bytes);
  return value.isObj ? <JSON.Obj>value : null;
}

function parseArray(bytes: Uint8Array | null): JSON.Arr | null {
  if (bytes === null) return null;
  const value = JSON.parse(bytes);
  return value.isArr ? <JSON.Arr>value : null;
}

function text(object: JSON.Obj | null, key: string): string {
  if (object === null) return "";
  const value = object.get(key);
  return value !== null && value.isString ? (<JSON.Str>value).valueOf() : "";
}

function integer(object: JSON.Obj | null, key: string): i64 {
  if (object === null) return 0;
  const value = object.get(key);
  return value !== null && value.isInteger ? (<JSON.Integer>value).valueOf() : 0;
}

function tags(object: JSON.Obj, key: string): JSON.Obj | null {
  return object.getObj(key);
}

function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** Index of the ASCII `text` in `raw` from `from`, or -1. */
function find(raw: Uint8Array, text: string, from: i32): i32 {
  const n = text.length;
  for (let i = from; i + n <= raw.length; i++) {
    let j = 0;
    while (j < n && <i32>raw[i + j] == text.charCodeAt(j)) j++;
    if (j == n) return i;
  }
  return -1;
}

/** Index just past `quotedName` (with its quotes), the colon and spaces after it, or -1. */
function valueAfter(raw: Uint8Array, quotedName: string): i32 {
  const at = find(raw, quotedName, 0);
  if (at < 0) return -1;
  let i = at + quotedName.length;
  while (i < raw.length && isSpace(raw[i])) i++;
  if (i >= raw.length || raw[i] != 0x3a) return -1;
  i++;
  while (i < raw.length && isSpace(raw[i])) i++;
  return i < raw.length ? i : -1;
}

/**
 * The "Last" of a /changes answer that lists no change and is done ({"Changes": [], "Done":
 * true, "Last": N}, however it is spaced), or -1 for any other answer: those are parsed.
 */
export function lastOfEmptyChanges(raw: Uint8Array | null): i64 {
  if (raw === null) return -1;
  // Constant needles: this runs on every request, and must not allocate.
  let i = valueAfter(raw, "\"Changes\"");
  if (i < 0 || raw[i] != 0x5b) return -1;
  i++;
  while (i < raw.length && isSpace(raw[i])) i++;
  if (i >= raw.length || raw[i] != 0x5d) return -1;
  const done = valueAfter(raw, "\"Done\"");
  if (done < 0 || find(raw, "true", done) != done) return -1;
  const last = valueAfter(raw, "\"Last\"");
  if (last < 0) return -1;
  let value: i64 = 0;
  let end = last;
  while (end < raw.length && raw[end] >= 0x30 && raw[end] <= 0x39 && end - last < 18) {
    value = value * 10 + <i64>(raw[end] - 0x30);
    end++;
  }
  return end == last ? -1 : value;
}

export function patientFromJson(o: JSON.Obj): Patient {
  const t = tags(o, "MainDicomTags");
  return new Patient(text(o, "ID"), text(t, "PatientID"), text(t, "PatientName"), text(o, "LastUpdate"));
}

export function studyFromJson(o: JSON.Obj): Study {
  const t = tags(o, "MainDicomTags");
  const p = tags(o, "PatientMainDicomTags");
  const study = new Study(text(o, "ID"), text(o, "ParentPatient"), text(p, "PatientID"), text(p, "PatientName"),
    text(t, "StudyDate"), text(t, "StudyDescription"), text(t, "StudyInstanceUID"), text(o, "LastUpdate"));
  for (let i = 0; i < PATIENT_RULE_TAGS.length; i++) study.ruleTags.push(text(p, PATIENT_RULE_TAGS[i]));
  for (let i = 0; i < STUDY_RULE_TAGS.length; i++) study.ruleTags.push(text(t, STUDY_RULE_TAGS[i]));
  return study;
}

export function seriesFromJson(o: JSON.Obj): Series {
  const t = tags(o, "MainDicomTags");
  return new Series(text(o, "ID"), text(o, "ParentStudy"), text(t, "Modality"), text(t, "SeriesDescription"),
    text(t, "SeriesInstanceUID"), text(o, "LastUpdate"));
}

/** New instances in one sync looked up one by one to find their series (see seriesGrown). */
const MAX_NEW_INSTANCE_LOOKUPS = 32;

export class Synchronizer extends ResourceSource {
  loaded: bool = false;
  lastSeq: i64 = 0;
  /** After a bulk import: cached lists checked before this change sequence are read again. */
  newInstanceSeq: i64 = 0;
  /** Instance lists read from Orthanc (the status route shows it). */
  instanceListsRead: i32 = 0;
  loadMs: f64 = 0;
  lastSyncAt: f64 = 0;
  lastReconcileAt: f64 = 0;
  reconciliations: i32 = 0;
  reconcileIntervalMs: f64 = 10000;

  constructor(public catalog: Catalog, public cache: InstanceCache, public orthanc: Orthanc = new HostOrthanc()) {
    super();
  }

  // ---- loading ---------------------------------------------------------------------------

  private loadLevel(level: string): void {
    let since = 0;
    for (;;) {
      const page = parseArray(this.orthanc.get("/" + level + "?expand&since=" + since.toString() + "&limit=" + PAGE.toString()));
      if (page === null) return;
      const items = page.valueOf();
      for (let i = 0; i < items.length; i++) {
        if (!items[i].isObj) continue;
        const o = <JSON.Obj>items[i];
        if (level == "patients") this.catalog.upsertPatient(patientFromJson(o));
        else if (level == "studies") this.catalog.upsertStudy(studyFromJson(o));
        else this.catalog.upsertSeries(seriesFromJson(o));
      }
      if (items.length < PAGE) return;
      since += PAGE;
      // The parsed page is garbage now. Collected at once, the heap's peak stays near the live
      // catalog: wasm memory never shrinks, the allocator doubles it whenever it runs out, and
      // wasm2c's runtime zeroes (so makes resident) every page it adds.
      __collect();
    }
  }

  /** Loads the whole catalog; changes older than the start of the load are not replayed. */
  load(): void {
    const started = this.orthanc.now();
    const last = parseObject(this.orthanc.get("/changes?last"));
    this.catalog.clear();
    this.cache.clear();
    this.lastSeq = integer(last, "Last");
    this.newInstanceSeq = this.lastSeq;
    this.loadLevel("patients");
    this.loadLevel("studies");
    this.loadLevel("series");
    this.loaded = true;
    this.loadMs = this.orthanc.now() - started;
    this.lastSyncAt = this.orthanc.now();
    this.lastReconcileAt = this.lastSyncAt;
    log(LOG_INFO, "catalog loaded in " + (<i64>Math.round(this.loadMs)).toString() + " ms: " +
      this.catalog.patients.size.toString() + " patients, " + this.catalog.studies.size.toString() +
      " studies, " + this.catalog.series.size.toString() + " series");
  }

  // ---- changes ---------------------------------------------------------------------------

  private refetch(level: string, id: string): void {
    const o = parseObject(this.orthanc.get("/" + level + "/" + id));
    if (o === null) {
      this.catalog.remove(id); // gone again before we looked
      return;
    }
    if (level == "patients") this.catalog.upsertPatient(patientFromJson(o));
    else if (level == "studies") this.catalog.upsertStudy(studyFromJson(o));
    else {
      const series = seriesFromJson(o);
      if (!this.catalog.upsertSeries(series)) {
        this.refetch("studies", series.parentStudy);
        this.catalog.upsertSeries(series);
      }
    }
  }

  private jsonCache: Map<string, Uint8Array> = new Map<string, Uint8Array>();

  /** Applies the change log since the last call: the start of every request. */
  sync(): void {
    if (!this.loaded) {
      this.load();
      return;
    }
    const patients = new Set<string>();
    const studies = new Set<string>();
    const series = new Set<string>();
    const newInstances = new Array<string>();
    let newestInstanceSeq: i64 = 0;
    for (;;) {
      const raw = this.orthanc.get("/changes?since=" + this.lastSeq.toString() + "&limit=" + PAGE.toString());
      // Nearly every request finds no change: read that answer without building its JSON tree
      // (under load, allocation and collection were most of the module's time).
      const unchanged = lastOfEmptyChanges(raw);
      if (unchanged >= 0) {
        if (unchanged > this.lastSeq) this.lastSeq = unchanged;
        break;
      }
      const answer = parseObject(raw);
      if (answer === null) break;
      const changes = answer.getArr("Changes");
      if (changes !== null) {
        const items = changes.valueOf();
        for (let i = 0; i < items.length; i++) {
          if (!items[i].isObj) continue;
          const change = <JSON.Obj>items[i];
          const level = text(change, "ResourceType");
          const id = text(change, "ID");
          if (level == "Instance") {
            // A series has grown: its cached instance list is checked again (below). The
            // parents' LastUpdate is refreshed by their Stable* change, not at every instance.
            newInstances.push(id);
            newestInstanceSeq = integer(change, "Seq");
          } else if (level == "Patient") patients.add(id);
          else if (level == "Study") studies.add(id);
          else if (level == "Series") series.add(id);
        }
      }
      const last = integer(answer, "Last");
      if (last > this.lastSeq) this.lastSeq = last;
      const done = answer.get("Done");
      if (done === null || !done.isBool || (<JSON.Bool>done).valueOf()) break;
    }
    this.forgetJson(studies, series, newInstances.length > 0);
    // Parents first, so that children find them.
    const p = patients.values();
    for (let i = 0; i < p.length; i++) this.refetch("patients", p[i]);
    const s = studies.values();
    for (let i = 0; i < s.length; i++) this.refetch("studies", s[i]);
    const e = series.values();
    for (let i = 0; i < e.length; i++) this.refetch("series", e[i]);
    this.seriesGrown(newInstances, newestInstanceSeq);
    this.lastSyncAt = this.orthanc.now();
  }

  /**
   * New instances: the change log names only the instance, so each is looked up to find the
   * series whose cached list must be read again. Checking every cached list instead, as the
   * first version did, made every upload cost each series listed afterwards a refetch (under a
   * browsing load with uploads, most of the module's time). A bulk import (more than
   * MAX_NEW_INSTANCE_LOOKUPS in one sync) checks every list again instead of looking each up.
   */
  private seriesGrown(instanceIds: Array<string>, newestSeq: i64): void {
    if (instanceIds.length == 0 || this.cache.seriesCount == 0) return;
    if (instanceIds.length > MAX_NEW_INSTANCE_LOOKUPS) {
      this.newInstanceSeq = newestSeq;
      return;
    }
    for (let i = 0; i < instanceIds.length; i++) {
      const o = parseObject(this.orthanc.get("/instances/" + instanceIds[i]));
      if (o !== null) this.cache.markStale(text(o, "ParentSeries")); // gone: its Deleted event says so
    }
  }

  /** The JSON files of resources that changed: all of them after new instances (their lists grew). */
  private forgetJson(studies: Set<string>, series: Set<string>, everything: bool): void {
    if (this.jsonCache.size == 0) return;
    if (everything) {
      this.jsonCache.clear();
      return;
    }
    const s = studies.values();
    for (let i = 0; i < s.length; i++) this.jsonCache.delete("studies/" + s[i]);
    const e = series.values();
    for (let i = 0; i < e.length; i++) this.jsonCache.delete("series/" + e[i]);
  }

  /** A Deleted event queued by the shim. level: 0 patient, 1 study, 2 series, 3 instance. */
  deleted(level: i32, id: string): void {
    this.jsonCache.clear(); // a parent's JSON lists its children
    if (level == 3) this.cache.dropInstance(id);
    else if (level == 2) {
      this.catalog.removeSeries(id);
      this.cache.drop(id);
    } else if (level == 1) this.catalog.removeStudy(id);
    else if (level == 0) this.catalog.removePatient(id);
  }

  // ---- reconciliation --------------------------------------------------------------------

  private reconcileLevel(level: string, known: Array<string>): void {
    const list = parseArray(this.orthanc.get("/" + level));
    if (list === null) return;
    const items = list.valueOf();
    const present = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      if (items[i].isString) present.add((<JSON.Str>items[i]).valueOf());
    }
    for (let i = 0; i < known.length; i++) {
      if (!present.has(known[i])) this.deleted(level == "patients" ? 0 : level == "studies" ? 1 : 2, known[i]);
    }
    const ids = present.values();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const isKnown = level == "patients" ? this.catalog.patients.has(id)
        : level == "studies" ? this.catalog.studies.has(id) : this.catalog.series.has(id);
      if (!isKnown) this.refetch(level, id);
    }
  }

  /** Called by the shim's timer; cheap unless Orthanc's counts differ from the catalog's. */
  tick(): void {
    if (!this.loaded) {
      this.load();
      return;
    }
    if (this.orthanc.now() - this.lastReconcileAt < this.reconcileIntervalMs) return;
    this.sync();
    this.lastReconcileAt = this.orthanc.now();
    const stats = parseObject(this.orthanc.get("/statistics"));
    if (stats === null) return;
    if (integer(stats, "CountPatients") == <i64>this.catalog.patients.size &&
        integer(stats, "CountStudies") == <i64>this.catalog.studies.size &&
        integer(stats, "CountSeries") == <i64>this.catalog.series.size) return;
    this.reconciliations++;
    log(LOG_WARNING, "catalog differs from Orthanc's counts (another Orthanc sharing the database?): reconciling");
    this.reconcileLevel("patients", this.catalog.patients.keys());
    this.reconcileLevel("studies", this.catalog.studies.keys());
    this.reconcileLevel("series", this.catalog.series.keys());
    this.catalog.pruneEmpty();
  }

  // ---- ResourceSource --------------------------------------------------------------------

  instancesOf(seriesId: string): InstanceList | null {
    if (!this.catalog.series.has(seriesId)) return null;
    const cached = this.cache.get(seriesId);
    if (cached !== null && !cached.stale && cached.checkedAtSeq >= this.newInstanceSeq) return cached;
    this.instanceListsRead++;
    const answer = parseArray(this.orthanc.get("/series/" + seriesId + "/instances"));
    if (answer === null) {
      this.cache.drop(seriesId);
      return null;
    }
    const known = new Map<string, string>();
    if (cached !== null) {
      for (let i = 0; i < cached.instances.length; i++) known.set(cached.instances[i].id, cached.instances[i].receptionDate);
    }
    const instances = new Array<Instance>();
    // Instances of a series mostly arrive within the same second: they share one date string
    // instead of a copy each (64 bytes an instance, a sixth of what the cache holds for one).
    let previousReception = "";
    const items = answer.valueOf();
    for (let i = 0; i < items.length; i++) {
      if (!items[i].isObj) continue;
      const o = <JSON.Obj>items[i];
      const id = text(o, "ID");
      let reception = known.has(id) ? known.get(id) : "";
      if (reception.length == 0) {
        const body = this.orthanc.get("/instances/" + id + "/metadata/ReceptionDate");
        if (body !== null) reception = String.UTF8.decode(body.buffer, false);
      }
      if (reception == previousReception) reception = previousReception;
      else previousReception = reception;
      instances.push(new Instance(id, text(tags(o, "MainDicomTags"), "SOPInstanceUID"), <u64>integer(o, "FileSize"), reception));
    }
    const list = new InstanceList(seriesId, instances);
    list.checkedAtSeq = this.lastSeq;
    this.cache.put(list);
    return list;
  }

  /**
   * study.json / series.json: GET /studies/{id} or /series/{id}, kept until the change log
   * says the resource changed, so that a GET serves the bytes whose size a listing gave
   * (rclone reported "corrupted on transfer" when IsStable flipped in between).
   * IsStable is written so that both of its values have the same length.
   */
  resourceJson(level: string, id: string): Uint8Array | null {
    const key = level + "/" + id;
    if (this.jsonCache.has(key)) return this.jsonCache.get(key);
    const answer = this.orthanc.get("/" + level + "/" + id);
    if (answer === null) return null;
    const json = sameLengthStability(answer);
    if (this.jsonCache.size >= MAX_CACHED_JSON) this.jsonCache.clear();
    this.jsonCache.set(key, json);
    return json;
  }
}

/** Bound of the JSON files kept (study.json, series.json): a few hundred KB. */
const MAX_CACHED_JSON = 2048;

const IS_STABLE = "\"IsStable\"";

/** The JSON with `"IsStable" : true` followed by a space, as long as `"IsStable" : false`. */
export function sameLengthStability(json: Uint8Array): Uint8Array {
  const text = String.UTF8.decode(json.buffer, false);
  const at = text.indexOf(IS_STABLE);
  if (at < 0) return json;
  let value = at + IS_STABLE.length;
  while (value < text.length && (text.charCodeAt(value) == 0x20 || text.charCodeAt(value) == 0x3a)) value++;
  if (!text.startsWith("true", value)) return json;
  return Uint8Array.wrap(String.UTF8.encode(text.substring(0, value + 4) + " " + text.substring(value + 4)));
}
