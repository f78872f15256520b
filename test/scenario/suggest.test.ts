import { describe, expect, it } from "vitest";
import { closestMatch, didYouMean, editDistance } from "../../src/scenario/suggest.js";

describe("editDistance", () => {
  it("counts inserts, deletes, substitutions and swaps of neighbours as one edit each", () => {
    expect(editDistance("paralel", "parallel")).toBe(1);
    expect(editDistance("gpuInstance", "gpuInstances")).toBe(1);
    expect(editDistance("seiral", "serial")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});

describe("closestMatch / didYouMean", () => {
  const keys = ["name", "gpu", "layout", "workloads", "run", "schedule", "repetitions"];

  it("suggests the nearest candidate for a likely typo, ignoring case", () => {
    expect(closestMatch("schedul", keys)).toBe("schedule");
    expect(closestMatch("Layout", keys)).toBe("layout");
    expect(closestMatch("repetitons", keys)).toBe("repetitions");
  });

  it("suggests nothing for unrelated words or words too short to tell", () => {
    expect(closestMatch("container", keys)).toBeUndefined();
    expect(closestMatch("x", ["w"])).toBeUndefined();
  });

  it("formats the hint, or nothing", () => {
    expect(didYouMean("dlloger", ["jsonl", "dllogger"])).toBe('; did you mean "dllogger"?');
    expect(didYouMean("csv", ["jsonl", "dllogger"])).toBe("");
  });
});
