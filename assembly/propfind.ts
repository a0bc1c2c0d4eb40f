// What a PROPFIND asks for (RFC 4918 9.1, 14.20): all live properties (allprop, with the extra
// ones of <include>), the names only (propname), or a list (prop). An empty body is allprop.
// Elements this server does not know are ignored (RFC 4918 17: extensibility), but a body that
// is not XML, or a propfind that names no mode or two, is 400.
import { parseXml, XmlElement } from "./xml";

export const DAV = "DAV:";

export enum PropfindMode {
  AllProp,
  PropName,
  Prop,
}

/** A property name: namespace URI and local name. */
export class PropertyName {
  constructor(public ns: string, public name: string) {}
}

export class Propfind {
  /** prop: the names asked for; allprop: those of <include>. */
  names: Array<PropertyName> = new Array<PropertyName>();
  constructor(public mode: PropfindMode) {}

  /** A text that two propfinds share exactly when their answers about a resource are the same. */
  get key(): string {
    let key = this.mode.toString();
    for (let i = 0; i < this.names.length; i++) key += "\n" + this.names[i].ns + " " + this.names[i].name;
    return key;
  }
}

/** The request, or the reason for a 400. */
export class PropfindResult {
  constructor(public propfind: Propfind | null, public error: string) {}
}

function namesIn(element: XmlElement): Array<PropertyName> {
  const names = new Array<PropertyName>();
  for (let i = 0; i < element.children.length; i++) {
    names.push(new PropertyName(element.children[i].ns, element.children[i].name));
  }
  return names;
}

function isBlank(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return false;
  }
  return true;
}

/** Reads a PROPFIND body (UTF-8 already checked). */
export function readPropfind(body: string): PropfindResult {
  if (isBlank(body)) return new PropfindResult(new Propfind(PropfindMode.AllProp), "");
  const parsed = parseXml(body);
  const root = parsed.root;
  if (root === null) return new PropfindResult(null, "the body is not well-formed XML: " + parsed.error);
  if (!root.is(DAV, "propfind")) return new PropfindResult(null, "the body is not a DAV:propfind element");
  let result: Propfind | null = null;
  let include: XmlElement | null = null;
  for (let i = 0; i < root.children.length; i++) {
    const child = root.children[i];
    if (child.ns != DAV) continue;
    let mode = -1;
    if (child.name == "allprop") mode = PropfindMode.AllProp;
    else if (child.name == "propname") mode = PropfindMode.PropName;
    else if (child.name == "prop") mode = PropfindMode.Prop;
    else if (child.name == "include") { include = child; continue; }
    else continue;
    if (result !== null) return new PropfindResult(null, "a propfind names more than one of allprop, propname and prop");
    result = new Propfind(<PropfindMode>mode);
    if (mode == PropfindMode.Prop) result.names = namesIn(child);
  }
  if (result === null) return new PropfindResult(null, "a propfind must name allprop, propname or prop");
  if (include !== null) {
    if (result.mode != PropfindMode.AllProp) return new PropfindResult(null, "include goes with allprop only");
    result.names = namesIn(include);
  }
  return new PropfindResult(result, "");
}
