// A fake Orthanc for the unit specs (assembly/orthanc.ts): REST answers from a table the spec
// fills, DELETEs that succeed on the URIs the spec allows, a clock the spec moves. It records
// what was asked, so a spec can say what the module did not ask too.
import { Orthanc } from "../../../assembly/orthanc";

export class FakeOrthanc extends Orthanc {
  answers: Map<string, string> = new Map<string, string>();
  deletable: Set<string> = new Set<string>();
  gets: Array<string> = new Array<string>();
  deletes: Array<string> = new Array<string>();
  clock: f64 = 1704164645000; // 2024-01-02T03:04:05Z

  answer(uri: string, body: string): FakeOrthanc {
    this.answers.set(uri, body);
    return this;
  }

  get(uri: string): Uint8Array | null {
    this.gets.push(uri);
    return this.answers.has(uri) ? Uint8Array.wrap(String.UTF8.encode(this.answers.get(uri))) : null;
  }

  delete(uri: string): bool {
    this.deletes.push(uri);
    return this.deletable.has(uri);
  }

  now(): f64 {
    return this.clock;
  }

  /** How many GETs asked exactly `uri`. */
  asked(uri: string): i32 {
    let n = 0;
    for (let i = 0; i < this.gets.length; i++) if (this.gets[i] == uri) n++;
    return n;
  }

  /** How many GETs began with `prefix`. */
  countGets(prefix: string): i32 {
    let n = 0;
    for (let i = 0; i < this.gets.length; i++) if (this.gets[i].startsWith(prefix)) n++;
    return n;
  }
}

/** JSON of a patient, study and series as Orthanc's REST API gives them (the fields read). */
export function patientJson(id: string, patientId: string, name: string): string {
  return "{\"ID\":\"" + id + "\",\"LastUpdate\":\"20240101T000000\",\"MainDicomTags\":{\"PatientID\":\"" + patientId +
    "\",\"PatientName\":\"" + name + "\"}}";
}

export function studyJson(id: string, parent: string, patientId: string, date: string, description: string, uid: string): string {
  return "{\"ID\":\"" + id + "\",\"ParentPatient\":\"" + parent + "\",\"LastUpdate\":\"20240101T000000\",\"IsStable\":true," +
    "\"MainDicomTags\":{\"StudyDate\":\"" + date + "\",\"StudyDescription\":\"" + description + "\",\"StudyInstanceUID\":\"" + uid +
    "\"},\"PatientMainDicomTags\":{\"PatientID\":\"" + patientId + "\",\"PatientName\":\"N\"}}";
}

export function seriesJson(id: string, parent: string, modality: string, uid: string): string {
  return "{\"ID\":\"" + id + "\",\"ParentStudy\":\"" + parent + "\",\"LastUpdate\":\"20240101T000000\"," +
    "\"MainDicomTags\":{\"Modality\":\"" + modality + "\",\"SeriesDescription\":\"S\",\"SeriesInstanceUID\":\"" + uid + "\"}}";
}

export function emptyChanges(last: i64): string {
  return "{\"Changes\":[],\"Done\":true,\"Last\":" + last.toString() + "}";
}

/**
 * An Orthanc holding patient p1 with studies s1 (2020-03) and s2 (2021-07), one series each
 * (e1, e2), instance i1 in e1: the load's pages, the resources, the instance list.
 */
export function smallOrthanc(): FakeOrthanc {
  const o = new FakeOrthanc();
  const p1 = patientJson("p1", "P1", "N");
  const s1 = studyJson("s1", "p1", "P1", "20200302", "One", "1.1");
  const s2 = studyJson("s2", "p1", "P1", "20210705", "Two", "1.2");
  const e1 = seriesJson("e1", "s1", "CT", "1.1.1");
  const e2 = seriesJson("e2", "s2", "MR", "1.2.1");
  o.answer("/changes?last", "{\"Last\":10}")
    .answer("/changes?since=10&limit=1000", emptyChanges(10))
    .answer("/patients?expand&since=0&limit=1000", "[" + p1 + "]")
    .answer("/studies?expand&since=0&limit=1000", "[" + s1 + "," + s2 + "]")
    .answer("/series?expand&since=0&limit=1000", "[" + e1 + "," + e2 + "]")
    .answer("/patients/p1", p1).answer("/studies/s1", s1).answer("/studies/s2", s2)
    .answer("/series/e1", e1).answer("/series/e2", e2)
    .answer("/series/e1/instances", "[{\"ID\":\"i1\",\"FileSize\":1234,\"MainDicomTags\":{\"SOPInstanceUID\":\"1.1.1.1\"}}]")
    .answer("/series/e2/instances", "[]")
    .answer("/instances/i1/metadata/ReceptionDate", "20240101T010203")
    .answer("/statistics", "{\"CountPatients\":1,\"CountStudies\":2,\"CountSeries\":2}");
  return o;
}
