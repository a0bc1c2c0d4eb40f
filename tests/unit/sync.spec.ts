import { Catalog } from "../../assembly/catalog";
import { InstanceCache } from "../../assembly/instances";
import { Synchronizer, sameLengthStability } from "../../assembly/sync";
import { smallOrthanc, studyJson, emptyChanges } from "./helpers/orthanc";

let orthanc = smallOrthanc();
let catalog = new Catalog();
let sync = new Synchronizer(catalog, new InstanceCache(1000), orthanc);

function setup(): void {
  orthanc = smallOrthanc();
  catalog = new Catalog();
  sync = new Synchronizer(catalog, new InstanceCache(1000), orthanc);
}

describe("Synchronizer over a fake Orthanc", () => {
  beforeEach(setup);

  it("loads the catalog from the pages of the REST API at the first request", () => {
    sync.sync();
    expect(sync.loaded).toBe(true);
    expect(catalog.patients.size).toBe(1);
    expect(catalog.studies.size).toBe(2);
    expect(catalog.series.size).toBe(2);
    expect(sync.lastSeq).toBe(10);
    expect(orthanc.countGets("/changes?since")).toBe(0, "changes older than the load are not replayed");
  });

  it("reads an empty change log without refetching anything", () => {
    sync.sync();
    const before = orthanc.gets.length;
    sync.sync();
    expect(orthanc.gets.length).toBe(before + 1, "one GET /changes, nothing else");
    orthanc.answer("/changes?since=10&limit=1000", emptyChanges(12));
    sync.sync();
    expect(sync.lastSeq).toBe(12, "the sequence moves on");
  });

  it("applies a new study from the change log, fetching it once", () => {
    sync.sync();
    orthanc.answer("/changes?since=10&limit=1000", "{\"Changes\":[{\"ResourceType\":\"Study\",\"ID\":\"s3\",\"Seq\":11}],\"Done\":true,\"Last\":11}")
      .answer("/studies/s3", studyJson("s3", "p1", "P1", "20220101", "Three", "1.3"));
    sync.sync();
    expect(catalog.studies.has("s3")).toBe(true);
    expect(orthanc.countGets("/studies/s3")).toBe(1);
    expect(sync.lastSeq).toBe(11);
  });

  it("serves an instance list from its cache until a new instance of that series arrives", () => {
    sync.sync();
    const first = sync.instancesOf("e1")!;
    expect(first.instances.length).toBe(1);
    expect(first.instances[0].fileSize).toBe(<u64>1234);
    expect(first.instances[0].receptionDate).toBe("20240101T010203");
    sync.instancesOf("e1");
    expect(orthanc.countGets("/series/e1/instances")).toBe(1, "cached");
    orthanc.answer("/changes?since=10&limit=1000", "{\"Changes\":[{\"ResourceType\":\"Instance\",\"ID\":\"i2\",\"Seq\":11}],\"Done\":true,\"Last\":11}")
      .answer("/instances/i2", "{\"ID\":\"i2\",\"ParentSeries\":\"e1\"}")
      .answer("/series/e1/instances", "[{\"ID\":\"i1\",\"FileSize\":1234,\"MainDicomTags\":{\"SOPInstanceUID\":\"1.1.1.1\"}}," +
        "{\"ID\":\"i2\",\"FileSize\":5,\"MainDicomTags\":{\"SOPInstanceUID\":\"1.1.1.2\"}}]")
      .answer("/instances/i2/metadata/ReceptionDate", "20240101T020000");
    sync.sync();
    expect(sync.instancesOf("e1")!.instances.length).toBe(2);
    expect(orthanc.countGets("/series/e1/instances")).toBe(2, "read again once");
    expect(orthanc.countGets("/instances/i1/metadata")).toBe(1, "a known instance's date is kept");
  });

  it("applies a Deleted event the shim queued", () => {
    sync.sync();
    sync.deleted(1, "s2");
    expect(catalog.studies.has("s2")).toBe(false);
    expect(catalog.series.has("e2")).toBe(false, "with its series");
    expect(catalog.studies.has("s1")).toBe(true);
  });

  it("reconciles what another Orthanc deleted, only when the counts differ and the period has passed", () => {
    sync.sync();
    sync.tick();
    expect(orthanc.countGets("/statistics")).toBe(0, "not before the period");
    orthanc.clock += 10001;
    sync.tick();
    expect(orthanc.countGets("/statistics")).toBe(1);
    expect(orthanc.asked("/studies")).toBe(0, "equal counts: no id lists");
    orthanc.answer("/statistics", "{\"CountPatients\":1,\"CountStudies\":1,\"CountSeries\":1}")
      .answer("/patients", "[\"p1\"]").answer("/studies", "[\"s1\"]").answer("/series", "[\"e1\"]");
    orthanc.clock += 10001;
    sync.tick();
    expect(sync.reconciliations).toBe(1);
    expect(catalog.studies.has("s2")).toBe(false);
    expect(catalog.series.has("e2")).toBe(false);
    expect(catalog.studies.has("s1")).toBe(true);
  });

  it("keeps a study's JSON until the change log names it, with IsStable of one length", () => {
    sync.sync();
    const json = String.UTF8.decode(sync.resourceJson("studies", "s1")!.buffer);
    expect(json.includes("\"IsStable\":true ,")).toBe(true, "a space after true");
    sync.resourceJson("studies", "s1");
    expect(orthanc.countGets("/studies/s1")).toBe(1, "served from the cache");
    const stable = String.UTF8.decode(sameLengthStability(Uint8Array.wrap(String.UTF8.encode("{\"IsStable\" : true}"))).buffer);
    const unstable = "{\"IsStable\" : false}";
    expect(stable.length).toBe(unstable.length);
  });

  it("a missing resource in Orthanc gives no JSON and no instance list", () => {
    sync.sync();
    expect(sync.resourceJson("studies", "nothing")).toBeNull();
    expect(sync.instancesOf("unknown-series")).toBeNull();
  });
});
