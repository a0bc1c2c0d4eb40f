import { MultistatusWriter } from "../../assembly/multistatus";
import { readPropfind } from "../../assembly/propfind";
import { Resource } from "../../assembly/resources";
import { ByteWriter } from "../../assembly/wire";

function written(body: string, resource: Resource): string {
  const writer = new MultistatusWriter(new ByteWriter(256), readPropfind(body).propfind!);
  writer.response("/webdav/x", resource);
  return String.UTF8.decode(writer.out.snapshot());
}

const FILE = new Resource("a<&>\"b.dcm", false, 1234, "application/dicom", "20240102T030405", "i1");

describe("multistatus: one response", () => {
  it("allprop: the live properties, escaped, with HTTP and RFC 3339 dates, no quotas", () => {
    const text = written("", FILE);
    expect(text.includes("<D:displayname>a&lt;&amp;&gt;&quot;b.dcm</D:displayname>")).toBe(true);
    expect(text.includes("<D:getlastmodified>Tue, 02 Jan 2024 03:04:05 GMT</D:getlastmodified>")).toBe(true);
    expect(text.includes("<D:creationdate>2024-01-02T03:04:05Z</D:creationdate>")).toBe(true);
    expect(text.includes("<D:getcontentlength>1234</D:getcontentlength>")).toBe(true);
    expect(text.includes("<D:getetag>&quot;i1-4d2&quot;</D:getetag>")).toBe(true);
    expect(text.includes("quota")).toBe(false, "RFC 4331 3: not in allprop");
  });

  it("prop: unknown names in a 404 propstat with their namespace; a folder has no length", () => {
    const body = "<propfind xmlns=\"DAV:\" xmlns:z=\"urn:a&amp;b\"><prop><getcontentlength/><z:color/><quota-used-bytes/></prop></propfind>";
    const text = written(body, new Resource("f", true, 0, "", "20240102T030405"));
    expect(text.includes("<D:quota-used-bytes>0</D:quota-used-bytes></D:prop><D:status>HTTP/1.1 200 OK")).toBe(true);
    expect(text.includes("<D:getcontentlength/><X:color xmlns:X=\"urn:a&amp;b\"/></D:prop><D:status>HTTP/1.1 404 Not Found")).toBe(true);
    expect(text.includes("<D:resourcetype>")).toBe(false, "only what was asked");
  });

  it("allprop with include adds the quotas; propname names without values", () => {
    const include = written("<propfind xmlns=\"DAV:\"><allprop/><include><quota-available-bytes/></include></propfind>", FILE);
    expect(include.includes("<D:quota-available-bytes>0</D:quota-available-bytes>")).toBe(true);
    const names = written("<propfind xmlns=\"DAV:\"><propname/></propfind>", FILE);
    expect(names.includes("<D:getetag/>")).toBe(true);
    expect(names.includes("1234")).toBe(false);
  });
});
