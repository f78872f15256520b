import { describe, expect, it } from "vitest";
import { isSecretName, REDACTED, Redactor } from "../../src/results/index.js";

describe("secret redaction", () => {
  it("knows secret names by TOKEN, SECRET, PASSWORD or KEY, in any case", () => {
    for (const name of ["HF_TOKEN", "aws_secret_access_key", "DB_PASSWORD", "WANDB_API_KEY", "--api-key", "token"]) expect(isSecretName(name), name).toBe(true);
    for (const name of ["CUDA_VISIBLE_DEVICES", "PATH", "MIGBENCH_INSTANCE"]) expect(isSecretName(name), name).toBe(false);
  });

  it("masks secret-named variables and known secret values elsewhere", () => {
    const redactor = Redactor.fromEnvironments({ HF_TOKEN: "hf_abcdef123", PATH: "/usr/bin" });
    expect(redactor.env({ HF_TOKEN: "hf_abcdef123", NOTE: "token is hf_abcdef123", CUDA_VISIBLE_DEVICES: "0" })).toEqual({
      HF_TOKEN: REDACTED,
      NOTE: `token is ${REDACTED}`,
      CUDA_VISIBLE_DEVICES: "0",
    });
    expect(redactor.text("curl -H 'Authorization: Bearer hf_abcdef123' x")).toBe(`curl -H 'Authorization: Bearer ${REDACTED}' x`);
  });

  it("masks secret options on command lines in every spelling", () => {
    const redactor = new Redactor(["s3cr3t-value"]);
    expect(redactor.argv(["bench", "run", "--api-key", "abc123", "--token=xyz789", "HF_TOKEN=t0k3n", "--gpu", "sim", "echo s3cr3t-value"])).toEqual([
      "bench",
      "run",
      "--api-key",
      REDACTED,
      `--token=${REDACTED}`,
      `HF_TOKEN=${REDACTED}`,
      "--gpu",
      "sim",
      `echo ${REDACTED}`,
    ]);
    expect(Redactor.secretsInArgv(["python", "x.py", "--api-key", "abc123", "--password=pw0rd", "--epochs", "3"])).toEqual(["abc123", "pw0rd"]);
  });

  it("does not mask short values everywhere (they would garble ordinary text)", () => {
    const redactor = Redactor.fromEnvironments({ SOME_KEY: "1" });
    expect(redactor.text("epoch 1 of 10")).toBe("epoch 1 of 10");
    expect(redactor.env({ SOME_KEY: "1" })).toEqual({ SOME_KEY: REDACTED });
  });
});
