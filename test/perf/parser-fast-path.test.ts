/**
 * The parsing fast paths (docs/performance.md, log parsing): final values kept in place instead of
 * re-inserted per sample, no samples built when nobody takes them, `DLLL {` recognised without a regex.
 * Each must give the results the general path gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SampleCollector } from "../../src/metrics/parsers/common.js";
import type { Sample } from "../../src/metrics/parsers/types.js";
import { parseLines } from "../../src/metrics/parse-file.js";

/** Final values as the collector kept them before: last value per name, in the order of last appearance. */
function plainFinals(samples: readonly Sample[]): Record<string, { value: number | null; unit?: string; line: number }> {
  const final = new Map<string, { value: number | null; unit?: string; line: number }>();
  for (const s of samples) {
    final.delete(s.name);
    final.set(s.name, s.unit === undefined ? { value: s.value, line: s.line } : { value: s.value, line: s.line, unit: s.unit });
  }
  return Object.fromEntries(final);
}

const sample = fc.record(
  {
    name: fc.constantFrom("loss", "lr", "__proto__", "constructor", "10", "2"),
    value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
    unit: fc.constantFrom("s", "items/s"),
    line: fc.nat(),
  },
  { requiredKeys: ["name", "value", "line"] },
);

describe("SampleCollector final values", () => {
  it("keeps the last value of each metric in the order of last appearance, with or without samples", () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), (samples) => {
        const kept = new SampleCollector();
        const streamed: Sample[] = [];
        const flowing = new SampleCollector({ keepSamples: false, onSample: (s) => streamed.push(s) });
        const bare = new SampleCollector({ keepSamples: false });
        for (const s of samples) {
          kept.add({ ...s });
          flowing.add({ ...s });
          bare.addValue(s.name, s.value, s.unit, s.line);
        }
        const expected = plainFinals(samples);
        for (const result of [kept.result("x"), flowing.result("x"), bare.result("x")]) {
          expect(Object.keys(result.final)).toEqual(Object.keys(expected));
          expect(result.final).toEqual(expected);
          expect(result.sampleCount).toBe(samples.length);
        }
        expect(kept.result("x").samples).toEqual(samples);
        expect(streamed).toEqual(samples);
        expect(bare.wantsSamples).toBe(false);
        expect(flowing.wantsSamples).toBe(true);
      }),
    );
  });

  it("fills a unit declared late into the final values", () => {
    const collector = new SampleCollector({ keepSamples: false });
    collector.addValue("loss", 1, undefined, 3);
    collector.applyUnits((name) => (name === "loss" ? "nats" : undefined));
    expect(collector.result("x").final).toEqual({ loss: { value: 1, unit: "nats", line: 3 } });
  });
});

const dllLine = fc
  .record({
    lead: fc.constantFrom("", " ", "\t"),
    tag: fc.constantFrom("DLL", "DLLL"),
    gap: fc.constantFrom(" ", "  "),
    step: fc.oneof(fc.constant("[]"), fc.constant('"PARAMETER"'), fc.tuple(fc.nat(9), fc.nat(999)).map(([e, i]) => `[${e}, ${i}]`)),
    type: fc.constantFrom("LOG", "METADATA"),
    value: fc.constantFrom("1.5", "NaN", "-Infinity", '"text"', "2.9e-05"),
    timestamp: fc.constantFrom('"1795614009.5"', '"1.7956140095e9"', '""'),
  })
  .map(({ lead, tag, gap, step, type, value, timestamp }) =>
    type === "METADATA"
      ? `${lead}${tag}${gap}{"type": "METADATA", "metric": "loss", "metadata": {"unit": "nats"}}`
      : `${lead}${tag}${gap}{"timestamp": ${timestamp}, "type": "LOG", "step": ${step}, "data": {"loss": ${value}, "speed": 3}}`,
  );

describe("dllogger fast path", () => {
  it("gives the same samples, finals, counts and completeness whatever the spacing of the prefix", () => {
    fc.assert(
      fc.property(fc.array(dllLine, { maxLength: 30 }), (lines) => {
        // The same records once with the canonical `DLLL {` (fast path) and once with a leading space (regex path).
        const canonical = lines.map((l) => `DLLL {${l.slice(l.indexOf("{") + 1)}`);
        const spaced = canonical.map((l) => ` ${l}`);
        const fast = parseLines("dllogger", canonical);
        const general = parseLines("dllogger", spaced);
        expect(fast).toEqual(general);
      }),
    );
  });

  it("final figures only (no samples kept or streamed) equal those of a full parse", () => {
    fc.assert(
      fc.property(fc.array(dllLine, { maxLength: 30 }), (lines) => {
        const full = parseLines("dllogger", lines);
        const finalOnly = parseLines("dllogger", lines, undefined, { keepSamples: false });
        expect(finalOnly).toEqual({ ...full, samples: [] });
      }),
    );
  });
});
