import { EmptiedFolders } from "../../assembly/emptied";

describe("Folders emptied by deletes in the views", () => {
  it("remembers the ancestors of what was deleted, below the view's own folder, for a minute", () => {
    const emptied = new EmptiedFolders();
    emptied.deletedUnder(["by-uids", "1.1", "1.1.1", "1.1.1.1.dcm"], 1000);
    expect(emptied.vanished(["by-uids", "1.1", "1.1.1"], 1000)).toBe(true);
    expect(emptied.vanished(["by-uids", "1.1"], 2000)).toBe(true);
    expect(emptied.vanished(["by-uids"], 1000)).toBe(false, "a view's own folder never vanishes");
    expect(emptied.vanished(["by-uids", "1.1", "1.1.1", "1.1.1.1.dcm"], 1000)).toBe(false, "the deleted file itself is gone, not emptied");
    expect(emptied.vanished(["by-uids", "1.2"], 1000)).toBe(false);
    expect(emptied.vanished(["by-studies", "1.1"], 1000)).toBe(false, "another view's folder of that name");
    expect(emptied.vanished(["by-uids", "1.1"], 61001)).toBe(false, "forgotten after a minute");
  });
});
