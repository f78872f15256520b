import { describe, expect, it } from "vitest";
import { findGiProfile, requireModel, type GpuModel } from "../../src/gpu/catalog/index.js";
import { defaultStart, freeCount, solveLayout, type PlacedInstance } from "../../src/gpu/placement/index.js";

const a100 = requireModel("A100-SXM4-40GB");
const h100 = requireModel("NVIDIA H100 80GB HBM3");
const a30 = requireModel("A30");

const id = (model: GpuModel, name: string): number => {
  const p = findGiProfile(model, name);
  if (!p) throw new Error(name);
  return p.id;
};

/** Creates instances one by one with the driver's default placement, as `-cgi a,b,c` does. */
function createInOrder(model: GpuModel, names: string[], driverMajor = 535): (number | null)[] {
  const placed: PlacedInstance[] = [];
  return names.map((name) => {
    const profile = findGiProfile(model, name);
    if (!profile) throw new Error(name);
    const start = defaultStart(model, placed, profile, { driverMajor });
    if (start !== null) placed.push({ profileId: profile.id, start });
    return start;
  });
}

describe("default placement (driver model)", () => {
  it("puts 7 x 1g on an empty GPU at slots 6, 4, 5, 0, 1, 2, 3", () => {
    expect(createInOrder(a100, Array(7).fill("1g.5gb"))).toEqual([6, 4, 5, 0, 1, 2, 3]);
  });
  it("puts a first 2g at 4, a first 3g at 4 before R560 and at 0 from R560", () => {
    expect(createInOrder(a100, ["2g.10gb"])).toEqual([4]);
    expect(createInOrder(a100, ["3g.20gb"], 535)).toEqual([4]);
    expect(createInOrder(a100, ["3g.20gb"], 560)).toEqual([0]);
  });
  it("reproduces the MIG User Guide: -cgi 19,19,14,9 fails, -cgi 9,19,14,19 succeeds", () => {
    expect(createInOrder(a100, ["19", "19", "14", "9"])).toEqual([6, 4, 0, null]);
    expect(createInOrder(a100, ["9", "19", "14", "19"]).every((s) => s !== null)).toBe(true);
  });
});

describe("free counts as -lgip prints them", () => {
  it("on an empty A100-40GB", () => {
    const free = a100.mig?.profiles.map((p) => [p.name, freeCount(a100, [], p)]);
    expect(free).toEqual([
      ["1g.5gb", 7],
      ["1g.5gb+me", 1],
      ["1g.10gb", 4],
      ["2g.10gb", 3],
      ["3g.20gb", 2],
      ["4g.20gb", 1],
      ["7g.40gb", 1],
    ]);
  });
  it("after a 3g at slot 4 and a 1g at slot 0", () => {
    const placed = [
      { profileId: 9, start: 4 },
      { profileId: 19, start: 0 },
    ];
    const free = Object.fromEntries(a100.mig?.profiles.map((p) => [p.name, freeCount(a100, placed, p)]) ?? []);
    expect(free).toEqual({ "1g.5gb": 3, "1g.5gb+me": 1, "1g.10gb": 1, "2g.10gb": 1, "3g.20gb": 0, "4g.20gb": 0, "7g.40gb": 0 });
  });
  it("on the A30's four slots", () => {
    expect(a30.mig?.profiles.map((p) => freeCount(a30, [{ profileId: 5, start: 0 }], p))).toEqual([2, 1, 1, 1, 0]);
  });
});

describe("solveLayout", () => {
  it("places 3g.20gb + 4 x 1g.5gb with the 3g at slot 4, created first", () => {
    const result = solveLayout(a100, [{ profileId: 9 }, ...Array(4).fill({ profileId: 19 })]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.solution.starts[0]).toBe(4);
    expect([...result.solution.starts.slice(1)].sort()).toEqual([0, 1, 2, 3]);
    expect(result.solution.creationOrder[0]).toBe(0);
    expect(result.solution.reachedByDefaultPlacement).toBe(true);
  });
  it("finds an order for 2 x 1g + 2g + 3g (the guide's failing set) on driver 535", () => {
    const result = solveLayout(a100, [19, 19, 14, 9].map((profileId) => ({ profileId })));
    expect(result.ok && result.solution.reachedByDefaultPlacement).toBe(true);
  });
  it("marks layouts the default placement cannot reach", () => {
    const result = solveLayout(a100, [{ profileId: 9, start: 4 }, ...Array(4).fill({ profileId: 19 })], { driverMajor: 560 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.solution.reachedByDefaultPlacement).toBe(false);
  });
  it("explains 8 x 1g", () => {
    const result = solveLayout(a100, Array(8).fill({ profileId: 19 }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/8 x 1g\.5gb requested; the A100-SXM4-40GB holds at most 7/);
  });
  it("explains a 3g pinned at 0 with four 1g: slot 7 cannot hold a 1g", () => {
    const result = solveLayout(a100, [{ profileId: 9, start: 0 }, ...Array(4).fill({ profileId: 19 })]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/1g\.5gb does not fit.*free memory slots are 7; slot 7 cannot hold a 1-slot instance/);
  });
  it("rejects a start the profile does not allow and overlapping pins", () => {
    const bad = solveLayout(a100, [{ profileId: 9, start: 2 }]);
    expect(!bad.ok && bad.problems[0]?.message).toMatch(/cannot start at slot 2; allowed starts: 0, 4/);
    const overlap = solveLayout(h100, [{ profileId: id(h100, "4g.40gb"), start: 0 }, { profileId: id(h100, "2g.20gb"), start: 2 }]);
    expect(!overlap.ok && overlap.problems[0]?.message).toMatch(/overlaps instance #1/);
  });
  it("plans 4g + 2g + 1g on H100 and 4g + 3g", () => {
    const mixed = solveLayout(h100, [5, 14, 19].map((profileId) => ({ profileId })));
    expect(mixed.ok && mixed.solution.starts).toEqual([0, 4, 6]);
    const big = solveLayout(h100, [5, 9].map((profileId) => ({ profileId })));
    expect(big.ok && big.solution.starts).toEqual([0, 4]);
  });
});
