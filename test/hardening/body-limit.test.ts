import { request, Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";

// A keep-alive client that sends a body over the limit gets its 413, and its next request on
// the same agent is answered (on the same connection, or on a new one after a clean close).

let bank: TestBank;
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  bank = await makeBank();
  server = await serveBank(bank);
});
afterAll(() => server.close());

function send(agent: Agent, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, agent, headers: { ...headers, ...(body ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

describe("a body over the limit", () => {
  it("is a 413 and the keep-alive client's next requests are answered", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = JSON.stringify({ name: "x".repeat(200 * 1024), code: "big" });
      for (let i = 0; i < 3; i++) {
        const refused = await send(agent, "POST", "/v1/communities", big, { authorization: `Bearer ${bank.admin}` });
        expect(refused.status).toBe(413);
        expect(refused.connection).toBe("close");
        expect(JSON.parse(refused.body).error.code).toBe("payload_too_large");
        const next = await send(agent, "GET", "/v1/public/summary");
        expect(next.status).toBe(200);
        expect(JSON.parse(next.body)).toHaveProperty("passbooks");
      }
      // a chunked body with no length is cut off at the limit the same way
      const chunked = await new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}/v1/communities`, { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${bank.admin}` } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        });
        req.on("error", reject);
        for (let i = 0; i < 20; i++) req.write("x".repeat(10 * 1024));
        req.end();
      });
      expect(chunked).toBe(413);
      expect((await send(agent, "GET", "/v1/public/summary")).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
