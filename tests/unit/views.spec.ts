import { Catalog, Patient, Study, Series } from "../../assembly/catalog";
import { Config } from "../../assembly/config";
import { Instance, InstanceList } from "../../assembly/instances";
import { Views, ResourceSource, NodeKind, Node, studyMonth, shareDate, NO_DATE_FOLDER } from "../../assembly/views";
import { ByteWriter } from "../../assembly/wire";

class FakeSource extends ResourceSource {
  instances: Map<string, InstanceList> = new Map<string, InstanceList>();
  instancesOf(seriesId: string): InstanceList | null {
    return this.instances.has(seriesId) ? this.instances.get(seriesId) : null;
  }
  resourceJson(level: string, id: string): Uint8Array | null {
    return Uint8Array.wrap(String.UTF8.encode("{\"ID\":\"" + id + "\"}"));
  }
}

let catalog = new Catalog();
let source = new FakeSource();
let views = new Views(catalog, new Config(), source);

function setup(): void {
  catalog = new Catalog();
  source = new FakeSource();
  views = new Views(catalog, new Config(), source);
  catalog.upsertPatient(new Patient("p1", "P001", "Müller^Jörg", "20240101T000000"));
  catalog.upsertStudy(new Study("s1", "p1", "P001", "Müller^Jörg", "20200302", "CT/Thorax", "1.2.1", "20240101T000000"));
  catalog.upsertStudy(new Study("s2", "p1", "P001", "Müller^Jörg", "", "No date", "1.2.2", "20240101T000000"));
  catalog.upsertSeries(new Series("e1", "s1", "CT", "Axial", "1.2.1.1", "20240101T000000"));
  catalog.upsertSeries(new Series("e2", "s1", "CT", "Axial", "1.2.1.2", "20240101T000000"));
  catalog.upsertSeries(new Series("e3", "s2", "US", "", "1.2.2.1", "20240101T000000"));
  source.instances.set("e1", new InstanceList("e1", [new Instance("i1", "1.2.1.1.1", 1234, "20240101T010203"), new Instance("i2", "1.2.1.1.2", 99, "")]));
  source.instances.set("e2", new InstanceList("e2", new Array<Instance>()));
  source.instances.set("e3", new InstanceList("e3", new Array<Instance>()));
}

function kindOf(path: Array<string>): i32 {
  const node = views.resolve(path);
  return node === null ? -1 : <i32>node.kind;
}

describe("Views.resolve", () => {
  beforeEach(setup);
  it("resolves every view at every depth", () => {
    expect(kindOf([])).toBe(<i32>NodeKind.Root);
    expect(kindOf(["by-patients"])).toBe(<i32>NodeKind.ViewRoot);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg"])).toBe(<i32>NodeKind.Patient);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax"])).toBe(<i32>NodeKind.Study);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial"])).toBe(<i32>NodeKind.Series);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial (1)"])).toBe(<i32>NodeKind.Series);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial", "i1.dcm"])).toBe(<i32>NodeKind.InstanceFile);
    expect(kindOf(["by-studies", "P001 - Müller^Jörg - CT_Thorax", "CT - Axial", "i2.dcm"])).toBe(<i32>NodeKind.InstanceFile);
    expect(kindOf(["by-dates", "2020", "2020-03", "P001 - Müller^Jörg - CT_Thorax"])).toBe(<i32>NodeKind.Study);
    expect(kindOf(["by-dates", NO_DATE_FOLDER, "P001 - Müller^Jörg - No date", "US -"])).toBe(<i32>NodeKind.Series);
    expect(kindOf(["by-uids", "1.2.1", "study.json"])).toBe(<i32>NodeKind.StudyJson);
    expect(kindOf(["by-uids", "1.2.1", "1.2.1.1", "series.json"])).toBe(<i32>NodeKind.SeriesJson);
    expect(kindOf(["by-uids", "1.2.1", "1.2.1.1", "1.2.1.1.2.dcm"])).toBe(<i32>NodeKind.InstanceFile);
    expect(kindOf(["uploads"])).toBe(<i32>NodeKind.Uploads);
  });
  it("answers null (404) for every missing name, at every depth", () => {
    expect(kindOf(["nothing"])).toBe(-1);
    expect(kindOf(["by-patients", "nobody"])).toBe(-1);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "nothing"])).toBe(-1);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial (2)"])).toBe(-1);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial", "i9.dcm"])).toBe(-1);
    expect(kindOf(["by-patients", "P001 - Müller^Jörg", "20200302 - CT_Thorax", "CT - Axial", "i1.dcm", "x"])).toBe(-1);
    expect(kindOf(["by-dates", "2021"])).toBe(-1);
    expect(kindOf(["by-dates", "2020", "2020-04"])).toBe(-1);
    expect(kindOf(["by-dates", "2020", "2020-03", "nothing"])).toBe(-1);
    expect(kindOf(["by-uids", "1.2.9"])).toBe(-1);
    expect(kindOf(["by-uids", "1.2.1", "study.json", "x"])).toBe(-1);
    expect(kindOf(["by-uids", "1.2.1", "1.2.1.1", "nothing.dcm"])).toBe(-1);
  });
  it("finds names whatever their case, as Windows asks", () => {
    expect(kindOf(["BY-PATIENTS"])).toBe(-1); // the view names are fixed
    expect(kindOf(["by-patients", "p001 - müller^jörg"])).toBe(<i32>NodeKind.Patient);
  });
  it("hides uploads when they are not allowed", () => {
    const config = new Config();
    config.uploadAllowed = false;
    views = new Views(catalog, config, source);
    expect(kindOf(["uploads"])).toBe(-1);
  });
  it("sees catalog changes at once", () => {
    expect(kindOf(["by-uids", "1.2.2"])).toBe(<i32>NodeKind.Study);
    catalog.removeStudy("s2");
    expect(kindOf(["by-uids", "1.2.2"])).toBe(-1);
    expect(kindOf(["by-dates", NO_DATE_FOLDER])).toBe(-1);
  });
});

describe("Views listings", () => {
  beforeEach(setup);
  it("encodes a series listing with sizes, types and dates", () => {
    const out = new ByteWriter(16);
    views.now = "20240102T030405";
    views.writeListing(views.resolve(["by-studies", "P001 - Müller^Jörg - CT_Thorax", "CT - Axial"])!, out);
    expect(load<u32>(out.dataStart)).toBe(2);
    // first entry: a file of 1234 bytes
    expect(load<u8>(out.dataStart + 4)).toBe(0);
    expect(load<u64>(out.dataStart + 5)).toBe(1234);
  });
  it("lists the by-uids study with its study.json", () => {
    const out = new ByteWriter(16);
    views.writeListing(views.resolve(["by-uids", "1.2.1"])!, out);
    expect(load<u32>(out.dataStart)).toBe(3);
  });
  it("serves study.json content and instances by id", () => {
    const json = views.file(views.resolve(["by-uids", "1.2.1", "study.json"])!);
    expect(json).not.toBeNull();
    expect(String.UTF8.decode(json!.content!.buffer)).toBe("{\"ID\":\"s1\"}");
    const dicom = views.file(views.resolve(["by-uids", "1.2.1", "1.2.1.1", "1.2.1.1.1.dcm"])!);
    expect(dicom!.instanceId).toBe("i1");
    expect(dicom!.date).toBe("20240101T010203");
  });
});

describe("dates", () => {
  it("accepts only plausible StudyDates for by-dates", () => {
    expect(studyMonth("20200302")).toBe("2020-03");
    expect(studyMonth(" 20200302 ")).toBe("2020-03");
    expect(studyMonth("2020")).toBeNull();
    expect(studyMonth("20201302")).toBeNull();
    expect(studyMonth("2020-03-02")).toBeNull();
    expect(studyMonth("")).toBeNull();
  });
  it("falls back when a date is not YYYYMMDDTHHMMSS", () => {
    expect(shareDate("20240101T010203.123456", "X")).toBe("20240101T010203");
    expect(shareDate("2024-01-01", "X")).toBe("X");
    expect(shareDate("", "X")).toBe("X");
  });
});
