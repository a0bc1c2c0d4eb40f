import { readPropfind, PropfindMode } from "../../assembly/propfind";

describe("propfind: what a PROPFIND body asks for", () => {
  it("an empty body is allprop", () => {
    expect(<i32>readPropfind("").propfind!.mode).toBe(<i32>PropfindMode.AllProp);
    expect(<i32>readPropfind(" \r\n").propfind!.mode).toBe(<i32>PropfindMode.AllProp);
  });
  it("prop lists the names asked for, with their namespaces", () => {
    const result = readPropfind("<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\" xmlns:Z=\"urn:schemas-microsoft-com:\"><prop><getetag/><Z:Win32FileAttributes/></prop></propfind>");
    expect(result.error).toBe("");
    const propfind = result.propfind!;
    expect(<i32>propfind.mode).toBe(<i32>PropfindMode.Prop);
    expect(propfind.names.length).toBe(2);
    expect(propfind.names[0].ns).toBe("DAV:");
    expect(propfind.names[0].name).toBe("getetag");
    expect(propfind.names[1].ns).toBe("urn:schemas-microsoft-com:");
    expect(propfind.names[1].name).toBe("Win32FileAttributes");
  });
  it("allprop with include, propname, and unknown elements ignored", () => {
    const all = readPropfind("<D:propfind xmlns:D=\"DAV:\"><D:allprop/><D:include><D:quota-used-bytes/></D:include><D:future/></D:propfind>").propfind!;
    expect(<i32>all.mode).toBe(<i32>PropfindMode.AllProp);
    expect(all.names.length).toBe(1);
    expect(<i32>readPropfind("<propfind xmlns=\"DAV:\"><propname/></propfind>").propfind!.mode).toBe(<i32>PropfindMode.PropName);
  });
  it("refuses malformed XML, another root, no mode, two modes, include without allprop", () => {
    expect(readPropfind("<propfind xmlns=\"DAV:\"><prop>").propfind).toBeNull();
    expect(readPropfind("<propfind><prop/></propfind>").propfind).toBeNull(); // not in DAV:
    expect(readPropfind("<propfind xmlns=\"DAV:\"/>").propfind).toBeNull();
    expect(readPropfind("<propfind xmlns=\"DAV:\"><prop/><allprop/></propfind>").propfind).toBeNull();
    expect(readPropfind("<propfind xmlns=\"DAV:\"><prop/><include/></propfind>").propfind).toBeNull();
  });
});
