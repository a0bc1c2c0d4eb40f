// A small WebDAV client over fetch for the integration tests: PROPFIND parsed into entries
// (fast-xml-parser reads the multistatus XML that Orthanc's core writes), GET, and a walk.
import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'response' || name === 'propstat' });

export function encodePath(components) {
  return components.map((c) => encodeURIComponent(c)).join('/');
}

/** Decoded path components of an href under `root` ("/webdav"). */
export function hrefComponents(href, root) {
  const raw = new URL(href, 'http://x').pathname;
  const parts = raw.split('/').filter(Boolean).map((c) => decodeURIComponent(c));
  return parts.slice(root.split('/').filter(Boolean).length);
}

export class WebDav {
  /** `base` like http://127.0.0.1:8042, `root` like /webdav. */
  constructor(base, root = '/webdav', headers = {}) {
    this.base = base;
    this.root = root;
    this.headers = headers;
  }

  url(components = [], folder = false) {
    const tail = encodePath(components);
    return `${this.base}${this.root}/${tail}${folder && tail ? '/' : ''}`;
  }

  async request(method, components, { depth, body, folder = false, headers = {} } = {}) {
    const h = { ...this.headers, ...headers };
    if (depth !== undefined) h.Depth = String(depth);
    return fetch(this.url(components, folder), { method, headers: h, body });
  }

  /** PROPFIND; returns { status, entries } where entries exclude the folder itself. */
  async propfind(components, depth = 1) {
    const answer = await this.request('PROPFIND', components, { depth, folder: true });
    const text = await answer.text();
    if (answer.status !== 207) return { status: answer.status, entries: [], self: null };
    const xml = parser.parse(text);
    const responses = xml.multistatus?.response ?? [];
    const entries = responses.map((r) => {
      const prop = r.propstat[0].prop;
      const components = hrefComponents(r.href, this.root);
      return {
        href: r.href,
        components,
        name: components.length ? components[components.length - 1] : '',
        displayName: prop.displayname !== undefined ? String(prop.displayname) : undefined,
        isFolder: prop.resourcetype !== undefined && typeof prop.resourcetype === 'object' && 'collection' in prop.resourcetype,
        size: prop.getcontentlength !== undefined ? Number(prop.getcontentlength) : undefined,
        type: prop.getcontenttype,
        lastModified: prop.getlastmodified,
        etag: prop.getetag,
      };
    });
    const depthOf = components.length;
    const self = entries.find((e) => e.components.length === depthOf) ?? null;
    return { status: answer.status, self, entries: entries.filter((e) => e !== self) };
  }

  async get(components) {
    const answer = await this.request('GET', components);
    return { status: answer.status, type: answer.headers.get('content-type'), body: Buffer.from(await answer.arrayBuffer()) };
  }

  /** Every file and folder below uploads/, as paths relative to it. */
  async uploadsTree() {
    // Folders in uploads/ go away on their own once emptied: one listed by its parent may be
    // gone when its own turn comes, which is not an error here.
    const { files, folders } = await this.walk(['uploads'], { vanishingFolders: true });
    const below = (e) => e.components.slice(1).join('/');
    return { files: files.map(below), folders: folders.map(below) };
  }

  /**
   * Every file under `components` (Depth 1 PROPFIND on every folder), as arrays of components.
   * With `vanishingFolders`, a folder below the start that answers 404 is left out (and dropped
   * from `folders`) instead of failing the walk.
   */
  async walk(components = [], { vanishingFolders = false } = {}) {
    const files = [];
    const folders = [];
    const pending = [components];
    while (pending.length) {
      const at = pending.shift();
      const { status, entries } = await this.propfind(at, 1);
      if (status === 404 && vanishingFolders && at !== components) {
        const gone = folders.findIndex((f) => f.components === at);
        folders.splice(gone, 1);
        continue;
      }
      if (status !== 207) throw new Error(`PROPFIND ${at.join('/')}: ${status}`);
      for (const e of entries) {
        if (e.isFolder) {
          folders.push(e);
          pending.push(e.components);
        } else {
          files.push(e);
        }
      }
    }
    return { files, folders };
  }
}
