/** Text widths for charts drawn without a canvas: Helvetica's advance widths, as vega's textMetrics hook takes them. */
import { describe, expect, it } from "vitest";
import { textWidth } from "../../src/report/html/text-width.js";

describe("textWidth", () => {
  it("adds Helvetica's advance widths at the item's size (11 px by default)", () => {
    expect(textWidth({ fontSize: 10 }, "il")).toBeCloseTo(4.44, 5);
    expect(textWidth({ fontSize: 10 }, "MW")).toBeCloseTo(17.77, 5);
    expect(textWidth({}, "0123456789")).toBeCloseTo(61.16, 5);
    expect(textWidth({ fontSize: "12" }, " ")).toBeCloseTo(3.336, 5);
  });

  it("counts bold wider, other characters as a digit, and nothing as nothing", () => {
    expect(textWidth({ fontSize: 10, fontWeight: "bold" }, "a")).toBeCloseTo(5.8936, 5);
    expect(textWidth({ fontSize: 10, fontWeight: 700 }, "a")).toBe(textWidth({ fontSize: 10, fontWeight: "bold" }, "a"));
    expect(textWidth({ fontSize: 10, fontWeight: 400 }, "a")).toBeCloseTo(5.56, 5);
    expect(textWidth({ fontSize: 10 }, "°×")).toBeCloseTo(11.12, 5);
    expect(textWidth({ fontSize: 10 }, undefined)).toBe(0);
    expect(textWidth({ fontSize: 10 }, 42)).toBeCloseTo(11.12, 5);
  });

  it("is well short of vega's own estimate of 0.8 em a character for a case name", () => {
    const name = "No MIG: 7 BERT-base fine-tunes (built-in bert-finetune) at once on the full GPU";
    const width = textWidth({ fontSize: 11 }, name);
    expect(width).toBeGreaterThan(0.4 * 11 * name.length);
    expect(width).toBeLessThan(0.6 * 11 * name.length);
  });
});
