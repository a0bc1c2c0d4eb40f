// XML for the listener's protocol: a writer's escaping, and a small reader for the bodies
// WebDAV clients send (PROPFIND, later PROPPATCH and LOCK). The reader is namespace-aware (RFC
// 4918 names properties by namespace and local name) and refuses what such a body never needs
// and an attacker would use: a DOCTYPE (entity expansion), nesting beyond MAX_DEPTH. A body
// that is not well-formed is an error the protocol answers with 400 (RFC 4918 9.1, 8.2).

import { ByteWriter } from "./wire";

const MAX_DEPTH = 32;

/** The entity that stands for an XML-special character, or "" for any other character. */
function entityOf(c: i32): string {
  return c == 0x26 ? "&amp;" : c == 0x3c ? "&lt;" : c == 0x3e ? "&gt;" : c == 0x22 ? "&quot;" : c == 0x27 ? "&apos;" : "";
}

/**
 * Writes `text` with the five characters XML gives meaning escaped (for text and attribute
 * values), straight into the answer: nothing is allocated. Escaping is written out by hand:
 * AssemblyScript 0.27's String#replaceAll garbles the end of some strings when a one-character
 * match is replaced by a longer string ("x\"" gave "x&quo" and two bytes of garbage).
 */
export function writeXmlText(out: ByteWriter, text: string): void {
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const entity = entityOf(text.charCodeAt(i));
    if (entity.length == 0) continue;
    if (i > from) out.textPart(text, from, i);
    out.text(entity);
    from = i + 1;
  }
  if (from < text.length) out.textPart(text, from, text.length);
}

/** `text` escaped as writeXmlText writes it (unit spec xml.spec.ts). */
export function escapeXml(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) plain = entityOf(text.charCodeAt(i)).length == 0;
  if (plain) return text;
  const out = new ByteWriter(text.length * 2 + 16);
  writeXmlText(out, text);
  return out.toText();
}

/** One element: its namespace URI ("" for none), local name, child elements and text. */
export class XmlElement {
  children: Array<XmlElement> = new Array<XmlElement>();
  text: string = "";
  constructor(public ns: string, public name: string) {}

  is(ns: string, name: string): bool {
    return this.ns == ns && this.name == name;
  }

  /** The first child of that name, or null. */
  child(ns: string, name: string): XmlElement | null {
    for (let i = 0; i < this.children.length; i++) if (this.children[i].is(ns, name)) return this.children[i];
    return null;
  }
}

/**
 * An element written back as XML (a dead property's value, deadprops.ts): each element declares
 * its namespace as the default one, so that it reads the same inside any document; its text,
 * then its child elements (the reader keeps no finer order); attributes are not kept.
 */
export function toXml(element: XmlElement): string {
  let xml = "<" + element.name + " xmlns=\"" + escapeXml(element.ns) + "\"";
  if (element.text.length == 0 && element.children.length == 0) return xml + "/>";
  xml += ">" + escapeXml(element.text);
  for (let i = 0; i < element.children.length; i++) xml += toXml(element.children[i]);
  return xml + "</" + element.name + ">";
}

/** The document element, or the reason the body is not XML the protocol reads. */
export class XmlResult {
  constructor(public root: XmlElement | null, public error: string) {}
}

function isNameChar(c: i32): bool {
  return c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d && c != 0x3e && c != 0x2f && c != 0x3d && c != 0x3c &&
    c != 0x22 && c != 0x27;
}

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

class Parser {
  at: i32 = 0;
  error: string = "";
  /** Namespace prefix -> URI, one map per open element ("" is the default namespace). */
  scopes: Array<Map<string, string>> = new Array<Map<string, string>>();

  constructor(public text: string) {}

  fail(reason: string): XmlElement | null {
    if (this.error.length == 0) this.error = reason + " (at character " + this.at.toString() + ")";
    return null;
  }

  startsWith(prefix: string): bool {
    return this.text.startsWith(prefix, this.at);
  }

  skipSpace(): void {
    while (this.at < this.text.length && isSpace(this.text.charCodeAt(this.at))) this.at++;
  }

  /** Skips comments and processing instructions; false on a DOCTYPE or an unclosed one. */
  skipMisc(): bool {
    for (;;) {
      this.skipSpace();
      if (this.startsWith("<!--")) {
        const end = this.text.indexOf("-->", this.at + 4);
        if (end < 0) { this.fail("an unclosed comment"); return false; }
        this.at = end + 3;
      } else if (this.startsWith("<?")) {
        const end = this.text.indexOf("?>", this.at + 2);
        if (end < 0) { this.fail("an unclosed processing instruction"); return false; }
        this.at = end + 2;
      } else if (this.startsWith("<!DOCTYPE") || this.startsWith("<!doctype")) {
        this.fail("a DOCTYPE (not accepted)");
        return false;
      } else {
        break;
      }
    }
    return true;
  }

  name(): string {
    const start = this.at;
    while (this.at < this.text.length && isNameChar(this.text.charCodeAt(this.at))) this.at++;
    return this.text.substring(start, this.at);
  }

  /** Text with its references replaced; "" and an error when a reference is unknown. */
  decode(raw: string): string {
    if (raw.indexOf("&") < 0) return raw;
    let result = "";
    let i = 0;
    while (i < raw.length) {
      const amp = raw.indexOf("&", i);
      if (amp < 0) { result += raw.substring(i); break; }
      result += raw.substring(i, amp);
      const semi = raw.indexOf(";", amp);
      if (semi < 0) { this.fail("an unterminated character reference"); return ""; }
      const entity = raw.substring(amp + 1, semi);
      if (entity == "lt") result += "<";
      else if (entity == "gt") result += ">";
      else if (entity == "amp") result += "&";
      else if (entity == "quot") result += "\"";
      else if (entity == "apos") result += "'";
      else if (entity.startsWith("#")) {
        const hex = entity.startsWith("#x");
        const digits = entity.substring(hex ? 2 : 1);
        const code = digits.length == 0 || digits.length > 7 ? -1 : <i32>I32.parseInt(digits, hex ? 16 : 10);
        if (code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) { this.fail("an invalid character reference"); return ""; }
        result += String.fromCodePoint(code);
      } else { this.fail("an unknown entity &" + entity + ";"); return ""; }
      i = semi + 1;
    }
    return result;
  }

  resolve(prefix: string): string | null {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      if (this.scopes[i].has(prefix)) return this.scopes[i].get(prefix);
    }
    return prefix.length == 0 ? "" : null;
  }

  element(depth: i32): XmlElement | null {
    if (depth > MAX_DEPTH) return this.fail("elements nested deeper than " + MAX_DEPTH.toString());
    if (!this.startsWith("<")) return this.fail("an element was expected");
    this.at++;
    const qualified = this.name();
    if (qualified.length == 0) return this.fail("an element without a name");
    const scope = new Map<string, string>();
    let empty = false;
    for (;;) {
      this.skipSpace();
      if (this.at >= this.text.length) return this.fail("an unclosed start tag");
      if (this.startsWith("/>")) { this.at += 2; empty = true; break; }
      if (this.startsWith(">")) { this.at++; break; }
      const attribute = this.name();
      this.skipSpace();
      if (attribute.length == 0 || !this.startsWith("=")) return this.fail("a malformed attribute");
      this.at++;
      this.skipSpace();
      const quote = this.at < this.text.length ? this.text.charAt(this.at) : "";
      if (quote != "\"" && quote != "'") return this.fail("an attribute value without quotes");
      const end = this.text.indexOf(quote, this.at + 1);
      if (end < 0) return this.fail("an unclosed attribute value");
      const value = this.decode(this.text.substring(this.at + 1, end));
      if (this.error.length > 0) return null;
      this.at = end + 1;
      if (attribute == "xmlns") scope.set("", value);
      else if (attribute.startsWith("xmlns:")) {
        // Namespaces in XML 1.0, 2: a prefix cannot be bound to the empty name (litmus propfind_invalid2)
        if (value.length == 0) return this.fail("the prefix " + attribute.substring(6) + " is declared with an empty namespace");
        scope.set(attribute.substring(6), value);
      }
      // other attributes mean nothing in the bodies WebDAV clients send: read and dropped
    }
    this.scopes.push(scope);
    const colon = qualified.indexOf(":");
    const prefix = colon < 0 ? "" : qualified.substring(0, colon);
    const ns = this.resolve(prefix);
    if (ns === null) return this.fail("the undeclared namespace prefix " + prefix);
    const element = new XmlElement(ns, colon < 0 ? qualified : qualified.substring(colon + 1));
    if (!empty && !this.content(element, qualified, depth)) return null;
    this.scopes.pop();
    return element;
  }

  content(element: XmlElement, qualified: string, depth: i32): bool {
    let text = "";
    while (this.at < this.text.length) {
      if (this.startsWith("</")) {
        this.at += 2;
        const closing = this.name();
        this.skipSpace();
        if (closing != qualified || !this.startsWith(">")) { this.fail("</" + closing + "> closes <" + qualified + ">"); return false; }
        this.at++;
        element.text = text;
        return true;
      }
      if (this.startsWith("<!--") || this.startsWith("<?")) {
        if (!this.skipMisc()) return false;
        continue;
      }
      if (this.startsWith("<![CDATA[")) {
        const end = this.text.indexOf("]]>", this.at + 9);
        if (end < 0) { this.fail("an unclosed CDATA section"); return false; }
        text += this.text.substring(this.at + 9, end);
        this.at = end + 3;
        continue;
      }
      if (this.startsWith("<!")) { this.fail("a declaration inside an element"); return false; }
      if (this.startsWith("<")) {
        const child = this.element(depth + 1);
        if (child === null) return false;
        element.children.push(child);
        continue;
      }
      const next = this.text.indexOf("<", this.at);
      const end = next < 0 ? this.text.length : next;
      text += this.decode(this.text.substring(this.at, end));
      if (this.error.length > 0) return false;
      this.at = end;
    }
    this.fail("the element " + qualified + " is not closed");
    return false;
  }
}

/** Reads one XML document (already checked to be UTF-8). */
export function parseXml(text: string): XmlResult {
  const parser = new Parser(text.startsWith("\uFEFF") ? text.substring(1) : text);
  if (!parser.skipMisc()) return new XmlResult(null, parser.error);
  const root = parser.element(0);
  if (root === null) return new XmlResult(null, parser.error);
  if (!parser.skipMisc()) return new XmlResult(null, parser.error);
  if (parser.at != parser.text.length) {
    parser.fail("content after the document element");
    return new XmlResult(null, parser.error);
  }
  return new XmlResult(root, "");
}
