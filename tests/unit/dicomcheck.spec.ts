import { checkDicom, BytesSource, Verdict } from "../../assembly/dicomcheck";

// Builders of small Part 10 files in explicit VR little endian.
function bytes(values: Array<i32>): Array<u8> {
  const result = new Array<u8>();
  for (let i = 0; i < values.length; i++) result.push(<u8>values[i]);
  return result;
}
function le16(v: u32): Array<u8> { return bytes([v & 0xff, (v >> 8) & 0xff]); }
function le32(v: u32): Array<u8> { return bytes([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]); }
function tag(group: u32, element: u32): Array<u8> { return le16(group).concat(le16(element)); }
function text(s: string): Array<u8> {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  const result = new Array<u8>();
  for (let i = 0; i < b.length; i++) result.push(b[i]);
  return result;
}
function short(group: u32, element: u32, vr: string, value: Array<u8>): Array<u8> {
  return tag(group, element).concat(text(vr)).concat(le16(value.length)).concat(value);
}
function long(group: u32, element: u32, vr: string, length: u32, value: Array<u8>): Array<u8> {
  return tag(group, element).concat(text(vr)).concat(le16(0)).concat(le32(length)).concat(value);
}
function part10(dataset: Array<u8>, syntax: string = "1.2.840.10008.1.2.1"): Uint8Array {
  const preamble = new Array<u8>(128).fill(0).concat(text("DICM"));
  const uid = text(syntax.length % 2 == 1 ? syntax + "\0" : syntax);
  const meta = short(0x0002, 0x0010, "UI", uid);
  const all = preamble.concat(meta).concat(dataset);
  const result = new Uint8Array(all.length);
  for (let i = 0; i < all.length; i++) result[i] = all[i];
  return result;
}
/** A sequence nested `depth` levels deep, all with undefined lengths. */
function nested(depth: i32): Array<u8> {
  let open = new Array<u8>();
  let close = new Array<u8>();
  for (let i = 0; i < depth; i++) {
    open = open.concat(long(0x0040, 0xa730, "SQ", 0xffffffff, [])).concat(tag(0xfffe, 0xe000)).concat(le32(0xffffffff));
    close = tag(0xfffe, 0xe00d).concat(le32(0)).concat(tag(0xfffe, 0xe0dd)).concat(le32(0)).concat(close);
  }
  return open.concat(short(0x0010, 0x0010, "PN", text("AB"))).concat(close);
}
function verdict(file: Uint8Array, meant: bool = true): i32 {
  return <i32>checkDicom(new BytesSource(file), meant, 32).verdict;
}

describe("checkDicom", () => {
  it("accepts a well-formed file, with sequences of both kinds of length", () => {
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB"))))).toBe(<i32>Verdict.Valid);
    expect(verdict(part10(nested(10)))).toBe(<i32>Verdict.Valid);
    const item = short(0x0010, 0x0010, "PN", text("AB"));
    const defined = long(0x0040, 0xa730, "SQ", 8 + item.length, tag(0xfffe, 0xe000).concat(le32(item.length)).concat(item));
    expect(verdict(part10(defined))).toBe(<i32>Verdict.Valid);
  });
  it("refuses sequences nested deeper than the bound", () => {
    expect(verdict(part10(nested(33)))).toBe(<i32>Verdict.Invalid);
    expect(checkDicom(new BytesSource(part10(nested(40))), true, 32).reason.includes("nested deeper than 32")).toBe(true);
  });
  it("refuses lengths that run past the end, and cut-off files", () => {
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB")).concat(long(0x7fe0, 0x0010, "OW", 1000, [1, 2]))))).toBe(<i32>Verdict.Invalid);
    const whole = part10(nested(3));
    expect(verdict(whole.subarray(0, whole.length - 4))).toBe(<i32>Verdict.Invalid);
  });
  it("refuses an undefined length never closed", () => {
    const open = long(0x0040, 0xa730, "SQ", 0xffffffff, []).concat(tag(0xfffe, 0xe000)).concat(le32(0xffffffff));
    expect(verdict(part10(open.concat(short(0x0010, 0x0010, "PN", text("AB")))))).toBe(<i32>Verdict.Invalid);
  });
  it("tells files without a preamble: skipped unless meant as DICOM", () => {
    const plain = Uint8Array.wrap(String.UTF8.encode("[autorun]\nopen=viewer.exe\n"));
    expect(verdict(plain, false)).toBe(<i32>Verdict.NotDicom);
    expect(verdict(plain, true)).toBe(<i32>Verdict.Invalid);
  });
  it("walks implicit VR little endian, finding sequences by their items", () => {
    const item = tag(0x0010, 0x0010).concat(le32(2)).concat(text("AB"));
    const seq = tag(0x0040, 0xa730).concat(le32(8 + item.length)).concat(tag(0xfffe, 0xe000)).concat(le32(item.length)).concat(item);
    expect(verdict(part10(seq, "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Valid);
    const bad = tag(0x0010, 0x0010).concat(le32(100)).concat(text("AB"));
    expect(verdict(part10(bad, "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Invalid);
  });
  it("reads a deflated data set after inflating it, and counts its nesting", () => {
    const syntax = "1.2.840.10008.1.2.1.99";
    expect(verdict(part10(stored(short(0x0010, 0x0010, "PN", text("AB"))), syntax))).toBe(<i32>Verdict.Valid);
    expect(verdict(part10(stored(nested(40)), syntax))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB")), syntax))).toBe(<i32>Verdict.Invalid); // not deflated
  });
  it("refuses non-standard VRs, whose length field DCMTK guesses", () => {
    for (let i = 0; i < 4; i++) {
      const vr = ["XX", "ZZ", "ox", "x1"][i];
      const result = checkDicom(new BytesSource(part10(short(0x0009, 0x1010, vr, text("AB")))), true, 32);
      expect(<i32>result.verdict).toBe(<i32>Verdict.Invalid);
      expect(result.reason.includes("non-standard VR")).toBe(true);
    }
  });
  it("reads UN of undefined length as implicit VR items (CP-246) and counts their nesting", () => {
    const inner = tag(0x0010, 0x0010).concat(le32(2)).concat(text("AB"));
    const un = long(0x0009, 0x1010, "UN", 0xffffffff, tag(0xfffe, 0xe000).concat(le32(inner.length)).concat(inner)).concat(tag(0xfffe, 0xe0dd)).concat(le32(0));
    expect(verdict(part10(un))).toBe(<i32>Verdict.Valid);
    const deep = long(0x0009, 0x1010, "UN", 0xffffffff, tag(0xfffe, 0xe000).concat(le32(0xffffffff))).concat(implicitNested(40))
      .concat(tag(0xfffe, 0xe00d)).concat(le32(0)).concat(tag(0xfffe, 0xe0dd)).concat(le32(0));
    expect(verdict(part10(deep))).toBe(<i32>Verdict.Invalid);
  });
  it("in implicit VR, walks any value made of items as a sequence, private or not", () => {
    const creator = tag(0x0009, 0x0010).concat(le32(16)).concat(text("DCMTK_ANONYMIZER"));
    const privateSq = creator.concat(implicitDefinedNested(0x0009, 0x1000, 40));
    expect(verdict(part10(privateSq, "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(implicitDefinedNested(0x0011, 0x1234, 40), "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(implicitDefinedNested(0x0011, 0x1234, 5), "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Valid);
  });
  it("refuses an undefined length DCMTK does not read as a sequence", () => {
    const lo = tag(0x0010, 0x0010).concat(le32(0xffffffff));
    expect(verdict(part10(lo, "1.2.840.10008.1.2"))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(long(0x0042, 0x0011, "OB", 0xffffffff, [])))).toBe(<i32>Verdict.Invalid);
  });
  it("reads a bare implicit VR data set (no preamble), as Orthanc imports it", () => {
    const raw = tag(0x0008, 0x0016).concat(le32(6)).concat(text("1.2.3\0")).concat(tag(0x0010, 0x0020)).concat(le32(2)).concat(text("ID"));
    const result = checkDicom(new BytesSource(array(raw)), false, 32);
    expect(<i32>result.verdict).toBe(<i32>Verdict.Valid);
    expect(result.patientId).toBe("ID");
  });
  it("refuses a meta header whose group length disagrees with its elements, or an unknown syntax", () => {
    expect(verdict(withGroupLength(part10(short(0x0010, 0x0010, "PN", text("AB"))), 0))).toBe(<i32>Verdict.Valid);
    expect(verdict(withGroupLength(part10(short(0x0010, 0x0010, "PN", text("AB"))), -8))).toBe(<i32>Verdict.Invalid);
    expect(verdict(withGroupLength(part10(short(0x0010, 0x0010, "PN", text("AB"))), 8))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB")), "1.2.3.4"))).toBe(<i32>Verdict.Invalid);
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB")), "1.2.840.10008.1.2.4.201"))).toBe(<i32>Verdict.Invalid);
  });
  it("takes the first of two PatientIDs, as DCMTK keeps the first", () => {
    const twice = short(0x0010, 0x0020, "LO", text("HIDDEN")).concat(short(0x0010, 0x0020, "LO", text("SHOWN ")));
    expect(checkDicom(new BytesSource(part10(twice)), true, 32).patientId).toBe("HIDDEN");
  });
});

function array(values: Array<u8>): Uint8Array {
  const result = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) result[i] = values[i];
  return result;
}
/** A raw DEFLATE stream of one stored (uncompressed) block. */
function stored(data: Array<u8>): Array<u8> {
  return bytes([1]).concat(le16(data.length)).concat(le16(~data.length & 0xffff)).concat(data);
}
/** Implicit VR levels of undefined length below an open item, closed again. */
function implicitNested(depth: i32): Array<u8> {
  let open = new Array<u8>();
  let close = new Array<u8>();
  for (let i = 0; i < depth; i++) {
    open = open.concat(tag(0x0008, 0x114a)).concat(le32(0xffffffff)).concat(tag(0xfffe, 0xe000)).concat(le32(0xffffffff));
    close = tag(0xfffe, 0xe00d).concat(le32(0)).concat(tag(0xfffe, 0xe0dd)).concat(le32(0)).concat(close);
  }
  return open.concat(close);
}
/** An implicit VR element of defined length holding items nested `depth` deep (defined lengths). */
function implicitDefinedNested(group: u32, element: u32, depth: i32): Array<u8> {
  let value = tag(0x0010, 0x0010).concat(le32(2)).concat(text("AB"));
  for (let i = 0; i < depth; i++) {
    const item = tag(0xfffe, 0xe000).concat(le32(value.length)).concat(value);
    value = i == depth - 1 ? item : tag(group, element).concat(le32(item.length)).concat(item);
  }
  return tag(group, element).concat(le32(value.length)).concat(value);
}
/** The file with a (0002,0000) group length put first in its meta header, off by `error` bytes. */
function withGroupLength(file: Uint8Array, error: i32): Uint8Array {
  let metaEnd = 132;
  while (metaEnd + 8 <= file.length && file[metaEnd] == 2 && file[metaEnd + 1] == 0) metaEnd += 8 + (<i32>file[metaEnd + 6] | (<i32>file[metaEnd + 7] << 8));
  const header = tag(0x0002, 0x0000).concat(text("UL")).concat(le16(4)).concat(le32(<u32>(metaEnd - 132 + error)));
  const result = new Uint8Array(file.length + 12);
  result.set(file.subarray(0, 132), 0);
  for (let i = 0; i < 12; i++) result[132 + i] = header[i];
  result.set(file.subarray(132), 144);
  return result;
}
