import type { CommandFactory } from "./types.js";

export const schemaCommand: CommandFactory = () => ({
  command: "schema",
  describe: "Print the scenario JSON Schema (for editor completion via yaml-language-server)",
  handler: async () => {
    const { scenarioJsonSchema } = await import("../../scenario/json-schema.js");
    process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
  },
});
