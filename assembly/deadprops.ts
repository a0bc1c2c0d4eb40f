// Dead properties (RFC 4918 4.2) set by PROPPATCH on the listener: kept in the module's memory
// per resource of uploads/ while it lives (Explorer's Win32 times, WinSCP's and Cyberduck's
// modification times), dropped with it, moved with it. Each value is kept as the XML written
// back in PROPFIND answers: the element with its namespace declared on it (xml.ts toXml), so
// it reads the same whatever prefixes the multistatus uses. Keys: path components joined by "/".
import { isBelow } from "./locks";

/** "{ns}name", the key of a property. */
export function propertyKey(ns: string, name: string): string {
  return "{" + ns + "}" + name;
}

export class DeadProperties {
  private byResource: Map<string, Map<string, string>> = new Map<string, Map<string, string>>();

  get size(): i32 {
    return this.byResource.size;
  }

  /** The properties of the resource at `key` (property key -> XML), or null for none. */
  of(key: string): Map<string, string> | null {
    return this.byResource.has(key) ? this.byResource.get(key) : null;
  }

  /** Whether any resource at or below `key` has properties (a cached listing of it would miss them). */
  anyAtOrBelow(key: string): bool {
    const keys = this.byResource.keys();
    for (let i = 0; i < keys.length; i++) if (keys[i] == key || isBelow(keys[i], key)) return true;
    return false;
  }

  set(key: string, property: string, xml: string): void {
    if (!this.byResource.has(key)) this.byResource.set(key, new Map<string, string>());
    this.byResource.get(key).set(property, xml);
  }

  remove(key: string, property: string): void {
    if (!this.byResource.has(key)) return;
    const properties = this.byResource.get(key);
    if (properties.has(property)) properties.delete(property);
    if (properties.size == 0) this.byResource.delete(key);
  }

  /** Forgets the properties of `key` and everything below it (deleted, or replaced by a MOVE). */
  removeAt(key: string): void {
    const keys = this.byResource.keys();
    for (let i = 0; i < keys.length; i++) if (keys[i] == key || isBelow(keys[i], key)) this.byResource.delete(keys[i]);
  }

  /** The properties of `from` and below follow a MOVE to `to` (what was at `to` goes). */
  move(from: string, to: string): void {
    this.carry(from, to, true, false);
  }

  /** A COPY copies them (RFC 4918 9.8.2): those of `from`, and of what is below it when `deep`. */
  copy(from: string, to: string, deep: bool): void {
    this.carry(from, to, deep, true);
  }

  private carry(from: string, to: string, deep: bool, keepSource: bool): void {
    this.removeAt(to);
    const keys = this.byResource.keys();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key != from && !(deep && isBelow(key, from))) continue;
      const properties = this.byResource.get(key);
      if (keepSource) {
        const copied = new Map<string, string>();
        const names = properties.keys();
        for (let j = 0; j < names.length; j++) copied.set(names[j], properties.get(names[j]));
        this.byResource.set(to + key.substring(from.length), copied);
      } else {
        this.byResource.delete(key);
        this.byResource.set(to + key.substring(from.length), properties);
      }
    }
  }
}
