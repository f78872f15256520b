/**
 * The Docker Engine as the docker runtime sees it: a narrow, typed surface over dockerode. Every response
 * the harness relies on is validated here with zod, so that an engine of another version that answers in
 * another shape fails with a clear message instead of an `undefined` deep inside the runtime.
 *
 * dockerode reads DOCKER_HOST (unix://, tcp://, npipe://) and the TLS variables itself; without them it
 * talks to the default socket.
 */
import { PassThrough, type Readable } from "node:stream";
import Docker from "dockerode";
import { z } from "zod";

/** What `docker-modem` attaches to a failed request. */
const engineErrorSchema = z.object({ statusCode: z.number().optional(), json: z.unknown().optional(), message: z.string() });

/** The engine's own words when it gives them (`{"message": "..."}`), else dockerode's. */
export function engineMessage(error: unknown): string {
  const parsed = engineErrorSchema.safeParse(error);
  if (!parsed.success) return error instanceof Error ? error.message : String(error);
  const json = z.object({ message: z.string() }).safeParse(parsed.data.json);
  return json.success ? json.data.message : parsed.data.message;
}

export function statusCodeOf(error: unknown): number | undefined {
  const parsed = engineErrorSchema.safeParse(error);
  return parsed.success ? parsed.data.statusCode : undefined;
}

/** 404: no such container or image. 304: already stopped / started. 409: removal already in progress. */
const isStatus = (error: unknown, ...codes: number[]): boolean => codes.includes(statusCodeOf(error) ?? -1);

// ---- Responses the runtime relies on.

export const imageInfoSchema = z.object({
  Id: z.string().min(1),
  RepoTags: z.array(z.string()).nullish(),
  RepoDigests: z.array(z.string()).nullish(),
  /** The start gate puts its shell in front of the image's entrypoint, so it must know it. */
  Config: z.object({ Entrypoint: z.union([z.array(z.string()), z.string()]).nullish() }).nullish(),
});
export type ImageInfo = z.output<typeof imageInfoSchema>;

/** Docker writes `0001-01-01T00:00:00Z` for "never". */
const engineTime = z.string().transform((s) => (s.startsWith("0001-") ? null : s));

export const containerInfoSchema = z.object({
  Id: z.string().min(1),
  Name: z.string(),
  Created: z.string(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    OOMKilled: z.boolean(),
    ExitCode: z.number().int(),
    Error: z.string().optional(),
    StartedAt: engineTime,
    FinishedAt: engineTime,
  }),
  Config: z.object({
    Env: z.array(z.string()).nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
    WorkingDir: z.string().optional(),
  }),
  HostConfig: z.object({
    DeviceRequests: z
      .array(
        z.object({
          Driver: z.string().optional(),
          Count: z.number().optional(),
          DeviceIDs: z.array(z.string()).nullish(),
          Capabilities: z.array(z.array(z.string())).nullish(),
        }),
      )
      .nullish(),
    ShmSize: z.number().optional(),
    Memory: z.number().optional(),
    Ulimits: z.array(z.object({ Name: z.string(), Soft: z.number(), Hard: z.number() })).nullish(),
  }),
});
export type ContainerInfo = z.output<typeof containerInfoSchema>;

const containerSummarySchema = z.object({
  Id: z.string().min(1),
  Names: z.array(z.string()),
  State: z.string(),
  Labels: z.record(z.string(), z.string()).nullish(),
});
export type ContainerSummary = z.output<typeof containerSummarySchema>;

const waitResultSchema = z.object({ StatusCode: z.number().int() });

/** One record of a pull's progress stream. */
export const pullEventSchema = z.object({
  status: z.string().optional(),
  id: z.string().optional(),
  progressDetail: z.object({ current: z.number().optional(), total: z.number().optional() }).partial().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
});
export type PullEvent = z.output<typeof pullEventSchema>;

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`unexpected answer from the Docker engine to ${what}: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`);
  }
  return result.data;
}

export type ContainerCreateOptions = Docker.ContainerCreateOptions;

/** The engine operations the runtime uses; a fake can stand in where a real engine cannot (a pull). */
export interface Engine {
  /** Resolves with the engine's version when it answers. */
  version(): Promise<{ version: string; apiVersion: string }>;
  inspectImage(ref: string): Promise<ImageInfo | null>;
  /** Pulls `ref`, calling `onEvent` for each progress record; rejects with the engine's error. */
  pullImage(ref: string, onEvent: (event: PullEvent) => void): Promise<void>;
  createContainer(options: ContainerCreateOptions): Promise<string>;
  /** Attaches to stdout and stderr of a created container, before it starts, so that no byte is missed. */
  attach(id: string): Promise<{ stdout: Readable; stderr: Readable; raw: Readable }>;
  start(id: string): Promise<void>;
  /** Resolves with the exit code once the container is not running. */
  wait(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerInfo | null>;
  /** Sends a signal; false when the container is not running (any more). */
  kill(id: string, signal: string): Promise<boolean>;
  /** Force-removes a container and its anonymous volumes; false when it was already gone. */
  remove(id: string): Promise<boolean>;
  listContainers(labels: readonly string[]): Promise<ContainerSummary[]>;
}

/** The real engine, through dockerode. */
export function connectEngine(docker: Docker = new Docker()): Engine {
  return {
    async version() {
      const v = parse(z.object({ Version: z.string(), ApiVersion: z.string() }), await docker.version(), "GET /version");
      return { version: v.Version, apiVersion: v.ApiVersion };
    },
    async inspectImage(ref) {
      try {
        return parse(imageInfoSchema, await docker.getImage(ref).inspect(), `inspecting image ${ref}`);
      } catch (error) {
        if (isStatus(error, 404)) return null;
        throw error;
      }
    },
    async pullImage(ref, onEvent) {
      const stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (error: Error | null) => (error ? reject(error) : resolve()),
          (raw: unknown) => {
            const event = pullEventSchema.safeParse(raw);
            if (!event.success) return;
            // A failed pull reports its error inside the stream with HTTP 200.
            if (event.data.error) reject(new Error(event.data.errorDetail?.message ?? event.data.error));
            else onEvent(event.data);
          },
        );
      });
    },
    async createContainer(options) {
      const container = await docker.createContainer(options);
      return container.id;
    },
    async attach(id) {
      const raw = (await docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: false })) as unknown as Readable;
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      // Without a TTY the engine multiplexes both streams over one connection with 8-byte frame headers.
      docker.modem.demuxStream(raw, stdout, stderr);
      const end = () => {
        stdout.end();
        stderr.end();
      };
      raw.once("end", end);
      raw.once("close", end);
      raw.once("error", end);
      return { stdout, stderr, raw };
    },
    async start(id) {
      try {
        await docker.getContainer(id).start();
      } catch (error) {
        if (!isStatus(error, 304)) throw error;
      }
    },
    async wait(id) {
      return parse(waitResultSchema, await docker.getContainer(id).wait({ condition: "not-running" }), `waiting for container ${id}`).StatusCode;
    },
    async inspectContainer(id) {
      try {
        return parse(containerInfoSchema, await docker.getContainer(id).inspect(), `inspecting container ${id}`);
      } catch (error) {
        if (isStatus(error, 404)) return null;
        throw error;
      }
    },
    async kill(id, signal) {
      try {
        await docker.getContainer(id).kill({ signal });
        return true;
      } catch (error) {
        // 409: "is not running"; 404: gone.
        if (isStatus(error, 404, 409, 304)) return false;
        throw error;
      }
    },
    async remove(id) {
      try {
        await docker.getContainer(id).remove({ force: true, v: true });
        return true;
      } catch (error) {
        if (isStatus(error, 404)) return false;
        // 409 "removal already in progress": someone else (a parallel cleanup) is removing it.
        if (isStatus(error, 409) && /already in progress/i.test(engineMessage(error))) return false;
        throw error;
      }
    },
    async listContainers(labels) {
      const list: unknown = await docker.listContainers({ all: true, filters: { label: [...labels] } });
      return parse(z.array(containerSummarySchema), list, "listing containers");
    },
  };
}
