import { Catalog, Patient, Study, Series } from "../../assembly/catalog";
import { Config } from "../../assembly/config";
import { Instance, InstanceList } from "../../assembly/instances";
import { Resource } from "../../assembly/resources";
import { Views, ResourceSource, NodeKind, Node, studyMonth, shareDate, NO_DATE_FOLDER } from "../../assembly/views";
import { FileKind } from "../../assembly/codes";

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
    expect(kindOf(["uploads"])).toBe(-1); // the upload tree answers there (share.ts)
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
  it("lists uploads/ at the root only when uploads are allowed", () => {
    expect(views.list(views.resolve([])!).entries.map<string>((e: Resource) => e.name).includes("uploads")).toBe(true);
    const config = new Config();
    config.uploadAllowed = false;
    views = new Views(catalog, config, source);
    expect(views.list(views.resolve([])!).entries.map<string>((e: Resource) => e.name).includes("uploads")).toBe(false);
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
  it("lists a series with sizes, types, dates and entity tags", () => {
    views.now = "20240102T030405";
    const entries = views.list(views.resolve(["by-studies", "P001 - Müller^Jörg - CT_Thorax", "CT - Axial"])!).entries;
    expect(entries.length).toBe(2);
    expect(entries[0].isFolder).toBe(false);
    expect(entries[0].size).toBe(1234);
    expect(entries[0].mime).toBe("application/dicom");
    expect(entries[0].modified).toBe("20240101T010203");
    expect(entries[1].modified).toBe("20240102T030405"); // no reception date: the request's clock
    expect(entries[0].entityTag).toBe("\"i1-4d2\"");
    expect(entries[0].entityTag).not.toBe(entries[1].entityTag);
  });
  it("lists the by-uids study with its study.json", () => {
    expect(views.list(views.resolve(["by-uids", "1.2.1"])!).entries.length).toBe(3);
  });
  it("keeps large listings only, the same object while the catalog stands", () => {
    const small = views.resolve(["by-patients"])!;
    expect(views.list(small).kept).toBe(false);
  });
  it("serves study.json content and instances by id", () => {
    const json = views.file(views.resolve(["by-uids", "1.2.1", "study.json"])!, "study.json");
    expect(json).not.toBeNull();
    expect(json!.kind).toBe(FileKind.Content);
    expect(String.UTF8.decode(json!.body)).toBe("{\"ID\":\"s1\"}");
    const dicom = views.file(views.resolve(["by-uids", "1.2.1", "1.2.1.1", "1.2.1.1.1.dcm"])!, "1.2.1.1.1.dcm");
    expect(dicom!.kind).toBe(FileKind.Instance);
    expect(String.UTF8.decode(dicom!.body)).toBe("i1");
    expect(dicom!.resource.modified).toBe("20240101T010203");
    expect(dicom!.resource.name).toBe("1.2.1.1.1.dcm");
  });
  it("stats a folder as its parent lists it", () => {
    const node = views.resolve(["by-patients", "P001 - Müller^Jörg"])!;
    const stat = views.stat(node, "P001 - Müller^Jörg")!;
    const listed = views.list(views.resolve(["by-patients"])!).entries[0];
    expect(stat.isFolder).toBe(true);
    expect(stat.modified).toBe(listed.modified);
    expect(stat.name).toBe(listed.name);
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
