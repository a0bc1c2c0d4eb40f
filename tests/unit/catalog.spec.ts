import { Catalog, CatalogChange, CatalogListener, Patient, Study, Series } from "../../assembly/catalog";
import { InstanceCache, InstanceList, Instance } from "../../assembly/instances";

const CHANGE_NAMES = ["Reset", "PatientAdded", "PatientRemoved", "PatientRenamed", "PatientDated", "StudyAdded",
  "StudyRemoved", "StudyDated", "SeriesAdded", "SeriesRemoved", "SeriesDated"];

/** What the catalog told, as names, since the last take(). */
class ChangeRecorder extends CatalogListener {
  changes: Array<string> = new Array<string>();
  catalogChanged(change: CatalogChange, patient: Patient | null, study: Study | null, series: Series | null): void {
    this.changes.push(CHANGE_NAMES[<i32>change]);
  }
  take(): string {
    const result = this.changes.join(",");
    this.changes = new Array<string>();
    return result;
  }
}

function study(id: string, patient: string): Study {
  return new Study(id, patient, "PID-" + patient, "Name^" + patient, "20200101", "Desc", "1.2." + id, "20240101T000000");
}

describe("Catalog", () => {
  it("links studies to patients, creating the patient from the study's tags if unknown", () => {
    const catalog = new Catalog();
    catalog.upsertStudy(study("s1", "p1"));
    expect(catalog.patients.has("p1")).toBe(true);
    expect(catalog.patients.get("p1").patientId).toBe("PID-p1");
    expect(catalog.patients.get("p1").studies).toStrictEqual(["s1"]);
  });
  it("keeps children when a resource is updated", () => {
    const catalog = new Catalog();
    catalog.upsertStudy(study("s1", "p1"));
    catalog.upsertSeries(new Series("e1", "s1", "CT", "A", "1.2.3", "20240101T000000"));
    catalog.upsertPatient(new Patient("p1", "PID", "New^Name", "20240102T000000"));
    catalog.upsertStudy(study("s1", "p1"));
    expect(catalog.patients.get("p1").patientName).toBe("New^Name");
    expect(catalog.patients.get("p1").studies).toStrictEqual(["s1"]);
    expect(catalog.studies.get("s1").series).toStrictEqual(["e1"]);
  });
  it("tells name changes from date changes, and nothing of updates that change nothing", () => {
    const catalog = new Catalog();
    const heard = new ChangeRecorder();
    catalog.listen(heard);
    catalog.upsertStudy(study("s1", "p1"));
    expect(heard.take()).toBe("PatientAdded,StudyAdded");
    catalog.upsertStudy(study("s1", "p1"));
    expect(heard.take()).toBe("");
    const later = study("s1", "p1");
    later.lastUpdate = "20250101T000000";
    catalog.upsertStudy(later);
    expect(heard.take()).toBe("StudyDated");
    const renamed = study("s1", "p1");
    renamed.studyDescription = "Other";
    catalog.upsertStudy(renamed);
    expect(heard.take()).toBe("StudyRemoved,StudyAdded");
    catalog.upsertPatient(new Patient("p1", "PID-p1", "Name^p1", "20240101T000000"));
    expect(heard.take()).toBe("");
    catalog.upsertPatient(new Patient("p1", "PID-p1", "Name^p1", "20240102T000000"));
    expect(heard.take()).toBe("PatientDated");
    catalog.upsertPatient(new Patient("p1", "PID-p1", "Other^p1", "20240102T000000"));
    expect(heard.take()).toBe("PatientRenamed");
  });
  it("refuses a series whose study is unknown", () => {
    const catalog = new Catalog();
    expect(catalog.upsertSeries(new Series("e1", "nope", "CT", "A", "1.2.3", ""))).toBe(false);
    expect(catalog.series.size).toBe(0);
  });
  it("removes a patient with its studies and series", () => {
    const catalog = new Catalog();
    catalog.upsertStudy(study("s1", "p1"));
    catalog.upsertStudy(study("s2", "p2"));
    catalog.upsertSeries(new Series("e1", "s1", "CT", "A", "1", ""));
    catalog.upsertSeries(new Series("e2", "s2", "CT", "A", "2", ""));
    catalog.remove("p1");
    expect(catalog.patients.has("p1")).toBe(false);
    expect(catalog.studies.has("s1")).toBe(false);
    expect(catalog.series.has("e1")).toBe(false);
    expect(catalog.series.has("e2")).toBe(true);
  });
  it("removes a series from its study, and prunes emptied parents", () => {
    const catalog = new Catalog();
    catalog.upsertStudy(study("s1", "p1"));
    catalog.upsertSeries(new Series("e1", "s1", "CT", "A", "1", ""));
    const heard = new ChangeRecorder();
    catalog.listen(heard);
    catalog.removeSeries("e1");
    expect(heard.take()).toBe("SeriesRemoved");
    expect(catalog.studies.get("s1").series.length).toBe(0);
    catalog.pruneEmpty();
    expect(heard.take()).toBe("StudyRemoved,PatientRemoved");
    expect(catalog.studies.has("s1")).toBe(false);
    expect(catalog.patients.has("p1")).toBe(false);
  });
});

function list(series: string, count: i32): InstanceList {
  const instances = new Array<Instance>();
  for (let i = 0; i < count; i++) instances.push(new Instance(series + "-" + i.toString(), "1." + i.toString(), 100, ""));
  return new InstanceList(series, instances);
}

describe("InstanceCache", () => {
  it("evicts the least recently used series beyond its bound", () => {
    const cache = new InstanceCache(10);
    cache.put(list("a", 4));
    cache.put(list("b", 4));
    cache.get("a");
    cache.put(list("c", 4));
    expect(cache.get("b")).toBeNull();
    expect(cache.get("a")).not.toBeNull();
    expect(cache.get("c")).not.toBeNull();
    expect(cache.total).toBe(8);
  });
  it("keeps a series larger than the bound while it is the newest", () => {
    const cache = new InstanceCache(3);
    cache.put(list("a", 2));
    cache.put(list("big", 5));
    expect(cache.get("a")).toBeNull();
    expect(cache.get("big")).not.toBeNull();
  });
  it("drops a deleted instance", () => {
    const cache = new InstanceCache(10);
    cache.put(list("a", 3));
    cache.dropInstance("a-1");
    expect(cache.get("a")!.instances.length).toBe(2);
    expect(cache.total).toBe(2);
  });
});

import { lastOfEmptyChanges } from "../../assembly/sync";

function bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

describe("the change log's empty answer", () => {
  it("is read without parsing, however it is spaced; anything else is left to the parser", () => {
    expect(lastOfEmptyChanges(bytes("{\n   \"Changes\" : [],\n   \"Done\" : true,\n   \"Last\" : 1234\n}\n"))).toBe(1234);
    expect(lastOfEmptyChanges(bytes("{\"Changes\":[ ],\"Done\":true,\"Last\":7}"))).toBe(7);
    expect(lastOfEmptyChanges(bytes("{\"Changes\":[{\"Seq\":8}],\"Done\":true,\"Last\":8}"))).toBe(-1);
    expect(lastOfEmptyChanges(bytes("{\"Changes\":[],\"Done\":false,\"Last\":8}"))).toBe(-1);
    expect(lastOfEmptyChanges(bytes("{\"Changes\":[],\"Done\":true}"))).toBe(-1);
    expect(lastOfEmptyChanges(bytes("error"))).toBe(-1);
  });
});
