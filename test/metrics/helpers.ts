import { fileURLToPath } from "node:url";

/** Path of a log fixture (test/fixtures/logs). */
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/logs/${name}`, import.meta.url));
