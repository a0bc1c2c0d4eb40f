// The instances of a series, fetched when the series is first needed and kept in a cache
// bounded by a total number of instances (configuration "MaxCachedInstances"). The least
// recently used series leave first. A list is read again after a NewInstance change in its series.
import { NamedChildren } from "./naming";

/** Lists at least this long get a map by id (and views.ts keeps their names). */
export const INDEXED_LIST_SIZE = 32;

export class Instance {
  constructor(
    public id: string,
    public sopInstanceUid: string,
    public fileSize: u64,
    public receptionDate: string,
  ) {}
}

export class InstanceList {
  /** The change sequence number up to which this list is known to be complete. */
  checkedAtSeq: i64 = 0;
  /** An instance arrived in this series since the list was read: read it again when needed. */
  stale: bool = false;
  lastUse: u64 = 0;
  /** The file names views.ts gives (by Orthanc id, by SOPInstanceUID), kept with big lists. */
  namesById: NamedChildren | null = null;
  namesBySopUid: NamedChildren | null = null;
  /** Built for big lists only: most series are small, and a map each would cost more than a scan. */
  private byId: Map<string, Instance> | null = null;

  constructor(public seriesId: string, public instances: Array<Instance>) {
    if (instances.length >= INDEXED_LIST_SIZE) {
      const byId = new Map<string, Instance>();
      for (let i = 0; i < instances.length; i++) byId.set(instances[i].id, instances[i]);
      this.byId = byId;
    }
  }

  find(instanceId: string): Instance | null {
    const byId = this.byId;
    if (byId !== null) return byId.has(instanceId) ? byId.get(instanceId) : null;
    for (let i = 0; i < this.instances.length; i++) {
      if (this.instances[i].id == instanceId) return this.instances[i];
    }
    return null;
  }

  remove(instanceId: string): bool {
    if (this.find(instanceId) === null) return false;
    const byId = this.byId;
    if (byId !== null) byId.delete(instanceId);
    for (let j = 0; j < this.instances.length; j++) {
      if (this.instances[j].id == instanceId) {
        this.instances.splice(j, 1);
        break;
      }
    }
    this.namesById = null;
    this.namesBySopUid = null;
    return true;
  }
}

export class InstanceCache {
  private lists: Map<string, InstanceList> = new Map<string, InstanceList>();
  private useClock: u64 = 0;
  total: i32 = 0;

  constructor(public maxInstances: i32) {}

  get(seriesId: string): InstanceList | null {
    if (!this.lists.has(seriesId)) return null;
    const list = this.lists.get(seriesId);
    this.useClock += 1;
    list.lastUse = this.useClock;
    return list;
  }

  put(list: InstanceList): void {
    this.drop(list.seriesId);
    this.useClock += 1;
    list.lastUse = this.useClock;
    this.lists.set(list.seriesId, list);
    this.total += list.instances.length;
    this.evict(list.seriesId);
  }

  /** The list of `seriesId`, if cached, is read again when next needed. */
  markStale(seriesId: string): void {
    if (this.lists.has(seriesId)) this.lists.get(seriesId).stale = true;
  }

  drop(seriesId: string): void {
    if (!this.lists.has(seriesId)) return;
    this.total -= this.lists.get(seriesId).instances.length;
    this.lists.delete(seriesId);
  }

  /** Removes one deleted instance from whichever list holds it. */
  dropInstance(instanceId: string): void {
    const lists = this.lists.values();
    for (let i = 0; i < lists.length; i++) {
      if (lists[i].remove(instanceId)) {
        this.total--;
        return;
      }
    }
  }

  clear(): void {
    this.lists.clear();
    this.total = 0;
  }

  get seriesCount(): i32 {
    return this.lists.size;
  }

  /** Evicts least recently used lists until the bound holds; `keep` is never evicted. */
  private evict(keep: string): void {
    while (this.total > this.maxInstances && this.lists.size > 1) {
      const lists = this.lists.values();
      let oldest: InstanceList | null = null;
      for (let i = 0; i < lists.length; i++) {
        const candidate = lists[i];
        if (candidate.seriesId == keep) continue;
        if (oldest === null || candidate.lastUse < oldest.lastUse) oldest = candidate;
      }
      if (oldest === null) return;
      this.drop(oldest.seriesId);
    }
  }
}
