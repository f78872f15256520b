/**
 * What the runner tells a live view while a run goes on, besides its plain progress lines: structured, so
 * that a terminal can keep one line per instance up to date.
 */
import type { InstanceState, InstanceStatus } from "../runtime/types.js";
import type { MetricRole } from "../scenario/schema.js";

export type RunEvent =
  /** A group (one step of one repetition) is about to start: these instances, on these devices. */
  | { readonly kind: "group"; readonly label: string; readonly instances: readonly { readonly id: string; readonly device: string }[]; readonly at: Date }
  | { readonly kind: "state"; readonly id: string; readonly state: InstanceState; readonly at: Date }
  /** A value of one of the scenario's metric roles, as the parser read it from the live log. */
  | { readonly kind: "metric"; readonly id: string; readonly role: MetricRole; readonly value: number | null; readonly unit?: string; readonly at: Date }
  | { readonly kind: "outcome"; readonly id: string; readonly status: InstanceStatus; readonly durationSeconds: number; readonly at: Date };

export type RunEventListener = (event: RunEvent) => void;
