/**
 * "The Docker engine goes away", for real and without touching the engine other tests share: the run
 * talks to the engine through this proxy (DOCKER_HOST=unix://<proxy socket>), which forwards every byte
 * to the real socket until a chosen request (`POST /containers/create`, `.../wait`, `DELETE ...`) is
 * about to pass. Then it stops accepting, unlinks its socket and cuts every open connection: from the
 * harness's side the engine is gone (ECONNRESET on what was in flight, ENOENT on anything new), while
 * the real engine keeps whatever the run had created, for `bench cleanup` to find once it is back.
 */
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const REQUEST_LINE = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r$/gm;

export class EngineProxy {
  /** Requests seen, `METHOD /path` without the API version, in order. */
  readonly requests: string[] = [];
  private readonly connections = new Set<net.Socket>();
  private cutAt: ((request: string) => boolean) | null = null;
  private gone = false;
  private onGone: ((request: string) => void) | null = null;
  /** Resolves with the request at which the engine went away. */
  readonly wentAway: Promise<string>;

  private constructor(
    private readonly server: net.Server,
    readonly socketPath: string,
  ) {
    this.wentAway = new Promise((resolve) => {
      this.onGone = resolve;
    });
  }

  get host(): string {
    return `unix://${this.socketPath}`;
  }

  /** A proxy in `dir` to the engine listening on `target` (a unix:// DOCKER_HOST). */
  static async start(dir: string, target: string): Promise<EngineProxy> {
    const socketPath = path.join(dir, "engine-proxy.sock");
    const targetPath = target.replace(/^unix:\/\//, "");
    const server = net.createServer();
    const proxy = new EngineProxy(server, socketPath);
    server.on("connection", (client: net.Socket) => proxy.accept(client, targetPath));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    return proxy;
  }

  /** The engine goes away just before the first request for which `when` is true reaches it. */
  goAwayAt(when: (request: string) => boolean): void {
    this.cutAt = when;
  }

  private accept(client: net.Socket, targetPath: string): void {
    if (this.gone) return void client.destroy();
    const upstream = net.connect(targetPath);
    this.connections.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.connections.delete(client);
      this.connections.delete(upstream);
    };
    client.on("data", (chunk: Buffer) => {
      for (const match of chunk.toString("latin1").matchAll(REQUEST_LINE)) {
        const request = `${match[1]} ${(match[2] ?? "").replace(/^\/v[\d.]+/, "")}`;
        this.requests.push(request);
        if (this.cutAt?.(request)) return this.goAway(request);
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("close", drop).on("error", drop);
    upstream.on("close", drop).on("error", drop);
  }

  /** Now: no new connection, every open one cut. */
  goAway(request = "(by hand)"): void {
    if (this.gone) return;
    this.gone = true;
    this.server.close();
    rmSync(this.socketPath, { force: true });
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    this.onGone?.(request);
  }

  close(): void {
    this.goAway();
  }
}
