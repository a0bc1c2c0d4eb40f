import { readTarget, TargetPlace, decodeSegment, encodeSegment, hrefOf } from "../../assembly/urls";

describe("urls: request targets against the root", () => {
  it("decodes each segment on its own: %2F stays inside its name", () => {
    const target = readTarget("/webdav/by-uids/a%2Fb/c%20d", "/webdav");
    expect(target.place).toBe(TargetPlace.Share);
    expect(target.path.length).toBe(3);
    expect(target.path[1]).toBe("a/b");
    expect(target.path[2]).toBe("c d");
  });

  it("tells the server root, the share and the outside apart; drops the query; reads the absolute form", () => {
    expect(readTarget("/", "/webdav").place).toBe(TargetPlace.ServerRoot);
    expect(readTarget("/system", "/webdav").place).toBe(TargetPlace.Outside);
    expect(readTarget("/webdavx/a", "/webdav").place).toBe(TargetPlace.Outside);
    const query = readTarget("/webdav/by-uids?x=/../y", "/webdav");
    expect(query.place).toBe(TargetPlace.Share);
    expect(query.path.join("|")).toBe("by-uids");
    const absolute = readTarget("http://host:8043/webdav/uploads/", "/webdav");
    expect(absolute.path.join("|")).toBe("uploads");
    expect(absolute.trailingSlash).toBe(true);
  });

  it("refuses dot segments (encoded too), bad escapes, NUL and bytes that are not UTF-8", () => {
    const bad = ["/webdav/../system", "/webdav/%2e%2e/system", "/webdav/./x", "/webdav/%zz", "/webdav/%4", "/webdav/a%00b",
      "/webdav/%FF", "/webdav/%ED%A0%80", "webdav/x"];
    for (let i = 0; i < bad.length; i++) expect(readTarget(bad[i], "/webdav").place).toBe(TargetPlace.Invalid, bad[i]);
    expect(decodeSegment("%C3%A9") !== null).toBe(true);
    expect(decodeSegment("%C3%A9")!).toBe("é");
  });
});

describe("urls: hrefs", () => {
  it("encodes what a segment may not hold, keeps the rest, and ends collections in /", () => {
    expect(encodeSegment("Doe^Jane - CT")).toBe("Doe%5EJane%20-%20CT");
    expect(encodeSegment("a&b<c>\"#?%")).toBe("a%26b%3Cc%3E%22%23%3F%25");
    expect(encodeSegment("山")).toBe("%E5%B1%B1");
    expect(encodeSegment("\u{1F600}")).toBe("%F0%9F%98%80");
    expect(encodeSegment("\u00e9")).toBe("%C3%A9");
    expect(encodeSegment("a\ud800b")).toBe("a%EF%BF%BDb"); // a lone surrogate has no UTF-8: U+FFFD
    expect(hrefOf("/webdav", ["by-uids", "1.2"], true)).toBe("/webdav/by-uids/1.2/");
    expect(hrefOf("/webdav", ["x.dcm"], false)).toBe("/webdav/x.dcm");
  });

  it("round-trips any name through encodeSegment and readTarget", () => {
    const names = ["a b", "%41", "ü/ß", "x+y=z;", "..a", "~!$'()*,:@", "山田^太郎", "\u{1F600} smile", "é\u00a0\u07ff\u0800\uffff"];
    for (let i = 0; i < names.length; i++) {
      const target = readTarget(hrefOf("/webdav", [names[i]], false), "/webdav");
      expect(target.path.length).toBe(1, names[i]);
      expect(target.path[0]).toBe(names[i]);
    }
  });
});
