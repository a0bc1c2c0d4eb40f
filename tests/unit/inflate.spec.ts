import { inflate, crc32 } from "../../assembly/inflate";

function fromBase64(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const out = new Array<u8>();
  let buffer: u32 = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c == "=") break;
    buffer = (buffer << 6) | <u32>alphabet.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push(<u8>((buffer >> bits) & 0xff));
    }
  }
  const result = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) result[i] = out[i];
  return result;
}

function text(data: Uint8Array): string {
  return String.UTF8.decode(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

describe("inflate", () => {
  // Streams made with Node's zlib.deflateRawSync (fixed, dynamic and stored blocks).
  it("inflates fixed-Huffman data", () => {
    const result = inflate(fromBase64("80jNycnXUSjPL8pJUQQA"), 1000, 0);
    expect(result.error).toBe("");
    expect(text(result.data!)).toBe("Hello, world!");
  });
  it("inflates dynamic-Huffman data with back references", () => {
    let expected = "";
    for (let i = 0; i < 40; i++) expected += "Line " + i.toString() + ": the quick brown fox jumps over the lazy dog " + (i * i).toString() + "\n";
    const result = inflate(fromBase64("ldRJUsQwDIXhfZ/CR7Ak24k5Q1+CIUAzdKChmU5PgaXs/3XqlSP589sfjkvKF+n9fkmv58P1Y7o6rZ/HdLt+pYfz88tbWj+W0//np8uf73Sz3qW82/+lhKVkpJSlykgZS/WRKvAP24hVFtM6Yo3FzE+b4EJ8tpnFmi+ys9jstyaQiORAQpVonAihSPEJBVqR5hsVyqX7DQoFE2IEktEaJ0I0OseMkI1pbBXCsRbvHcopIUehnFLiRFoxs8+oUE5V36pCOXXye1Qop4UchXLadiKUM20zQjnTtlVaOXGPBuX0kGNQTg+rRjsnx/MwWjo5XqTR1pEoAYN4ZOsdg3pEo+oM8hGLdjXoR0oUukFAUlV2vw=="), 100000, 0);
    expect(result.error).toBe("");
    expect(text(result.data!)).toBe(expected);
  });
  it("inflates stored blocks", () => {
    const result = inflate(fromBase64("AQUA+v9hYmNkZQ=="), 1000, 0);
    expect(result.error).toBe("");
    expect(text(result.data!)).toBe("abcde");
  });
  it("refuses output beyond the limit", () => {
    // 100000 zero bytes
    const result = inflate(fromBase64("7cExAQAAAMKg9U9tDQ+gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgFcD"), 1000, 0);
    expect(result.data).toBeNull();
    expect(result.error).toBe("unpacks to more than the configured limit");
  });
  it("reports corrupt and truncated streams instead of trapping", () => {
    expect(inflate(fromBase64("/////w=="), 1000, 0).data).toBeNull();
    expect(inflate(fromBase64("80jNycnX"), 1000, 0).data).toBeNull();
    expect(inflate(new Uint8Array(0), 1000, 0).data).toBeNull();
  });
  it("computes CRC-32", () => {
    expect(crc32(Uint8Array.wrap(String.UTF8.encode("123456789")))).toBe(0xcbf43926);
  });
});
