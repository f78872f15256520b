/**
 * Secrets never reach a run directory: results are shared, attached to CI jobs and published. A value is
 * secret when the environment variable (or option, or YAML key) that holds it has TOKEN, SECRET, PASSWORD
 * or KEY in its name; once known, the value itself is masked wherever it appears (a command line that
 * expanded `$HF_TOKEN`, a log line that echoes it, the scenario text).
 */

export const REDACTED = "***";

/** Names whose values are secrets (`HF_TOKEN`, `aws_secret_access_key`, `--api-key`, `DB_PASSWORD`). */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY/i;

/** Values shorter than this are not masked as text: masking "1" or "on" everywhere would garble output. */
const MIN_SECRET_LENGTH = 4;

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

export class Redactor {
  private readonly secrets: string[];

  /** `secrets`: values to mask wherever they appear; the longest first, so that no part of one survives. */
  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  }

  /** A Redactor knowing the secret values of these environments (by variable name). */
  static fromEnvironments(...environments: (Readonly<Record<string, string | undefined>> | undefined)[]): Redactor {
    const secrets: string[] = [];
    for (const env of environments) {
      for (const [name, value] of Object.entries(env ?? {})) if (value !== undefined && isSecretName(name)) secrets.push(value);
    }
    return new Redactor(secrets);
  }

  /** Values an argument vector passes to secret-named options (`--api-key X`, `--token=X`, `HF_TOKEN=X`). */
  static secretsInArgv(argv: readonly string[]): string[] {
    const found: string[] = [];
    argv.forEach((arg, i) => {
      const assignment = /^(-{0,2}[A-Za-z_][\w.-]*)=(.+)$/.exec(arg);
      if (assignment && isSecretName(assignment[1] as string)) found.push(assignment[2] as string);
      else if (/^-{1,2}[A-Za-z][\w-]*$/.test(arg) && isSecretName(arg) && argv[i + 1] !== undefined) found.push(argv[i + 1] as string);
    });
    return found;
  }

  /** This redactor and more secret values. */
  with(secrets: Iterable<string>): Redactor {
    return new Redactor([...this.secrets, ...secrets]);
  }

  /** The secret values themselves, for writers that mask on their own (the runtime's log writer). */
  get values(): readonly string[] {
    return this.secrets;
  }

  get secretCount(): number {
    return this.secrets.length;
  }

  /** The text with every known secret value replaced. */
  text(text: string): string {
    let out = text;
    for (const value of this.secrets) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** An environment with secret-named values replaced and known secrets masked in the others. */
  env(env: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, isSecretName(name) ? REDACTED : this.text(value)]));
  }

  /**
   * An argument vector with secrets masked: `NAME=value` and `--name=value` where the name is secret,
   * the argument after `--name` / `-name` where the name is secret, and known secret values anywhere.
   */
  argv(argv: readonly string[]): string[] {
    const out: string[] = [];
    let maskNext = false;
    for (const arg of argv) {
      if (maskNext) {
        out.push(REDACTED);
        maskNext = false;
        continue;
      }
      const assignment = /^(-{0,2}[A-Za-z_][\w.-]*)=/.exec(arg);
      if (assignment && isSecretName(assignment[1] as string)) {
        out.push(`${assignment[1] as string}=${REDACTED}`);
        continue;
      }
      if (/^-{1,2}[A-Za-z][\w-]*$/.test(arg) && isSecretName(arg)) maskNext = true;
      out.push(this.text(arg));
    }
    return out;
  }
}
