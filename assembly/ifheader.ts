// The If header (RFC 4918 10.4): lists of conditions, each a state token (a lock token) or an
// entity tag, possibly negated, untagged (about the request's resource) or tagged with the
// resource they are about. Parsed here; writes.ts evaluates them against the lock table and
// the resources' entity tags. A header that does not parse is a 400.

export class IfCondition {
  constructor(public not: bool, public token: string, public entityTag: string) {}
}

export class IfList {
  conditions: Array<IfCondition> = new Array<IfCondition>();
  /** The Resource-Tag (a URI or path) the list is about; "" for an untagged list. */
  constructor(public resource: string) {}
}

export class IfHeader {
  lists: Array<IfList> = new Array<IfList>();
  /** Why the header could not be read; "" when it was. */
  error: string = "";

  /** Every state token the header names outside a Not: the lock tokens the request submits (RFC 4918 7.5). */
  submittedTokens(): Array<string> {
    const tokens = new Array<string>();
    for (let i = 0; i < this.lists.length; i++) {
      const conditions = this.lists[i].conditions;
      for (let j = 0; j < conditions.length; j++) {
        if (!conditions[j].not && conditions[j].token.length > 0) tokens.push(conditions[j].token);
      }
    }
    return tokens;
  }
}

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** Reads an If header; an empty one has no lists. */
export function readIfHeader(text: string): IfHeader {
  const header = new IfHeader();
  let i = 0;
  let resource = "";
  let tagWithoutList = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c == 0x3c) { // "<" Resource-Tag
      const end = text.indexOf(">", i);
      if (end < 0) break;
      resource = text.substring(i + 1, end);
      if (resource.length == 0 || tagWithoutList) break;
      tagWithoutList = true;
      i = end + 1;
      continue;
    }
    if (c != 0x28) break; // "("
    i++;
    const list = new IfList(resource);
    let closed = false;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (isSpace(d)) {
        i++;
        continue;
      }
      if (d == 0x29) { // ")"
        i++;
        closed = true;
        break;
      }
      let not = false;
      if (text.startsWith("Not", i)) {
        not = true;
        i += 3;
        while (i < n && isSpace(text.charCodeAt(i))) i++;
      }
      const e = i < n ? text.charCodeAt(i) : 0;
      if (e == 0x3c) {
        const end = text.indexOf(">", i);
        if (end < 0) break;
        list.conditions.push(new IfCondition(not, text.substring(i + 1, end), ""));
        i = end + 1;
      } else if (e == 0x5b) { // "[" entity-tag "]"
        const end = text.indexOf("]", i);
        if (end < 0) break;
        list.conditions.push(new IfCondition(not, "", text.substring(i + 1, end).trim()));
        i = end + 1;
      } else {
        break;
      }
    }
    if (!closed || list.conditions.length == 0) {
      header.error = "the If header is not a list of conditions (RFC 4918 10.4)";
      return header;
    }
    header.lists.push(list);
    tagWithoutList = false;
  }
  if (i < n || tagWithoutList) header.error = "the If header is not a list of conditions (RFC 4918 10.4)";
  return header;
}
