import { Agent, createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

// A stand-in for the distance between a Worker and Turso (scripts/bench/distance.ts), and a
// counter of database requests for the workerd tests: an HTTP proxy in front of sqld that
// holds each request for `oneWayMs` before forwarding it and each answer for `oneWayMs` before
// returning it, so one database round-trip costs 2 × oneWayMs more than on loopback. It counts
// the requests that pass (libSQL's HTTP protocol sends one request per execute, batch or step
// of an interactive transaction), which is the number of round-trips the Worker really paid.

export interface DelayProxy {
  url: string;
  /** Sets the delay added in each direction, from the next request on. */
  setOneWayMs(ms: number): void;
  requests(): number;
  /** Resolves once no request has been in flight for `quietMs` (deferred work such as sealing has finished). */
  idle(quietMs: number): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "content-length", "upgrade"]);
const forwardable = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => !HOP_BY_HOP.has(k)));
const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export function startDelayProxy(target: string): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let oneWayMs = 0;
  let count = 0;
  let inFlight = 0;
  let lastActivity = performance.now();

  const server = createServer((req, res) => {
    count++;
    inFlight++;
    lastActivity = performance.now();
    const delay = oneWayMs;
    const body: Buffer[] = [];
    const done = () => {
      inFlight--;
      lastActivity = performance.now();
    };
    req.on("data", (d: Buffer) => body.push(d));
    req.on("end", async () => {
      await sleep(delay);
      const up = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: forwardable(req.headers), agent },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (d: Buffer) => chunks.push(d));
          answer.on("end", async () => {
            await sleep(delay);
            const payload = Buffer.concat(chunks);
            res.writeHead(answer.statusCode ?? 502, { ...forwardable(answer.headers), "content-length": payload.length });
            res.end(payload, done);
          });
        },
      );
      up.on("error", (err) => {
        res.writeHead(502).end(String(err), done);
      });
      up.end(Buffer.concat(body));
    });
  });

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        setOneWayMs: (ms) => void (oneWayMs = ms),
        requests: () => count,
        async idle(quietMs) {
          while (inFlight > 0 || performance.now() - lastActivity < quietMs) await sleep(1);
        },
        close: () =>
          new Promise<void>((done) => {
            agent.destroy();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
