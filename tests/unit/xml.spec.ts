import { parseXml, escapeXml } from "../../assembly/xml";

describe("xml: the reader of request bodies", () => {
  it("refuses a prefix bound to the empty namespace (Namespaces in XML 1.0, 2), allows an empty default", () => {
    expect(parseXml("<D:propfind xmlns:D=\"DAV:\" xmlns:bar=\"\"><D:allprop/></D:propfind>").root === null).toBe(true);
    expect(parseXml("<D:propfind xmlns:D=\"DAV:\"><x xmlns=\"\"/></D:propfind>").error).toBe("");
  });

  it("resolves prefixed and default namespaces", () => {
    const result = parseXml("<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><getetag xmlns=\"DAV:\"/><x:a xmlns:x=\"urn:x\"/></D:prop></D:propfind>");
    expect(result.error).toBe("");
    const root = result.root!;
    expect(root.is("DAV:", "propfind")).toBe(true);
    const prop = root.child("DAV:", "prop")!;
    expect(prop.children.length).toBe(2);
    expect(prop.children[0].is("DAV:", "getetag")).toBe(true);
    expect(prop.children[1].is("urn:x", "a")).toBe(true);
  });
  it("decodes references and CDATA in text", () => {
    const root = parseXml("<a>x &amp; &lt;y&gt; &#65;&#x42;<![CDATA[<raw>]]><!-- c --></a>").root!;
    expect(root.text).toBe("x & <y> AB<raw>");
  });
  it("refuses what a WebDAV body never needs: a DOCTYPE, deep nesting, undeclared prefixes", () => {
    expect(parseXml("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>").root).toBeNull();
    let deep = "";
    for (let i = 0; i < 40; i++) deep += "<a>";
    for (let i = 0; i < 40; i++) deep += "</a>";
    expect(parseXml(deep).root).toBeNull();
    expect(parseXml("<D:a/>").root).toBeNull();
  });
  it("refuses bodies that are not well-formed", () => {
    expect(parseXml("<a><b></a></b>").root).toBeNull();
    expect(parseXml("<a>").root).toBeNull();
    expect(parseXml("<a/><b/>").root).toBeNull();
    expect(parseXml("<a x=1/>").root).toBeNull();
    expect(parseXml("<a>&unknown;</a>").root).toBeNull();
    expect(parseXml("<a>&#0;</a>").root).toBeNull();
    expect(parseXml("").root).toBeNull();
  });
  it("escapes the characters XML gives meaning", () => {
    expect(escapeXml("a<b>&\"c'")).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
    expect(escapeXml("plain")).toBe("plain");
  });
});

describe("escapeXml: every special character, at the ends too", () => {
  it("escapes quotes at the end (AssemblyScript's replaceAll lost bytes there)", () => {
    expect(escapeXml("\"i1-4d2\"")).toBe("&quot;i1-4d2&quot;");
    expect(escapeXml("<a & 'b'>")).toBe("&lt;a &amp; &apos;b&apos;&gt;");
    expect(escapeXml("plain")).toBe("plain");
    expect(escapeXml("é&")).toBe("é&amp;");
  });
});
