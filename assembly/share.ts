// The share as one object: the configuration and everything built from it (catalog, caches,
// views per access profile, uploads), and the one place a request is given its principal and
// its resource tree. index.ts holds one Share and calls it; unit specs make their own over a
// fake Orthanc (orthanc.ts).
import { Catalog } from "./catalog";
import { Config } from "./config";
import { InstanceCache } from "./instances";
import { Synchronizer } from "./sync";
import { Views } from "./views";
import { Deleter } from "./deletion";
import { Uploads } from "./uploads";
import { AccessGuard } from "./uploadaccess";
import { Principal, Profile, belongsToRequest, mountsUploads } from "./access";
import { Callback, identityFor } from "./callbacks";
import { formatShareDate } from "./clock";
import { Orthanc } from "./orthanc";
import { ResourceTree, UPLOADS } from "./resources";
import { DicomTree } from "./dicomtree";
import { UploadTree } from "./uploadtree";

/** One request to the share: who asks, and the tree its path goes to. */
export class Request {
  constructor(public path: Array<string>, public principal: Principal, public tree: ResourceTree) {}
}

export class Share {
  catalog: Catalog;
  cache: InstanceCache;
  synchronizer: Synchronizer;
  views: Views;
  deleter: Deleter;
  uploads: Uploads;
  /** The views of each access profile that is not unrestricted (their own names and caches). */
  private scopedViews: Map<string, Views> = new Map<string, Views>();

  constructor(public config: Config, public orthanc: Orthanc) {
    const catalog = new Catalog();
    const cache = new InstanceCache(config.maxCachedInstances);
    const synchronizer = new Synchronizer(catalog, cache, orthanc);
    synchronizer.reconcileIntervalMs = <f64>config.reconcileIntervalSeconds * 1000;
    const uploads = new Uploads(config.maxSequenceDepth, <f64>config.uploadFolderIdleSeconds * 1000,
      <f64>config.emptyFileIdleSeconds * 1000, <f64>config.importedLingerSeconds * 1000);
    uploads.maxZipRatio = <u64>config.maxZipRatio;
    if (config.access.active) uploads.guard = new AccessGuard(config.access, catalog, synchronizer);
    this.catalog = catalog;
    this.cache = cache;
    this.synchronizer = synchronizer;
    this.views = new Views(catalog, config, synchronizer);
    this.deleter = new Deleter(synchronizer, config, orthanc);
    this.uploads = uploads;
  }

  private viewsFor(profile: Profile): Views {
    if (profile.unrestricted) return this.views;
    if (!this.scopedViews.has(profile.name)) {
      this.scopedViews.set(profile.name, new Views(this.catalog, this.config, this.synchronizer, profile));
    }
    return this.scopedViews.get(profile.name);
  }

  /**
   * Who asks: the identity the request filter handed over (callbacks.ts says whether it counts
   * for `callback`), provided the request it saw (`filterUri`) is this one (access.ts
   * belongsToRequest); else nobody.
   */
  principal(handed: string, filterUri: string, callback: Callback, path: Array<string>): Principal {
    const rules = this.config.access;
    const principal = rules.principal(identityFor(handed, callback));
    if (rules.active && !belongsToRequest(filterUri, this.config.root, path)) return new Principal("", rules.nobody);
    return principal;
  }

  /**
   * The tree `path` goes to, decided here once: below uploads/ for a principal it is mounted for
   * (access.ts mountsUploads, which also decides whether the root lists it), the DICOM views
   * otherwise. Applies the changes Orthanc made first; nothing in uploads/ depends on the catalog,
   * so those requests skip the change log (a PUT per file of a folder copy would read it each time).
   */
  request(path: Array<string>, principal: Principal): Request {
    const profile = principal.profile;
    const now = this.orthanc.now();
    const date = formatShareDate(now);
    if (path.length > 0 && path[0] == UPLOADS && mountsUploads(this.config.uploadAllowed, profile)) {
      return new Request(path, principal, new UploadTree(this.uploads, principal.user, date, now));
    }
    this.synchronizer.sync();
    const scoped = this.viewsFor(profile);
    scoped.now = date;
    return new Request(path, principal, new DicomTree(scoped, this.views, profile, this.deleter));
  }
}
