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
  it("refuses a deflated transfer syntax, whose structure it cannot see", () => {
    expect(verdict(part10(short(0x0010, 0x0010, "PN", text("AB")), "1.2.840.10008.1.2.1.99"))).toBe(<i32>Verdict.Invalid);
  });
});
