import { describe, expect, it } from "vitest";
import { webScene } from "../helpers/web";

// The national star level by hours served (100/300/600/1,000/1,500 h) beside the points stars on the passbook.

describe("service stars on the passbook page", () => {
  it("shows the hours-based stars and hours served beside the points stars", async () => {
    const scene = await webScene();
    const { bank } = scene;
    const page = async () => {
      const html = await (await bank.app.request("/passbook", { headers: { cookie: `lsb_session=${scene.alice.token}` } })).text();
      return /data-testid="service-stars">([\s\S]*?)<\/dd>/.exec(html)?.[1] ?? "";
    };
    // alice served 6 hours in the scene: no star by hours yet
    expect(await page()).toContain("0 星");
    expect(await page()).toContain("累计服务 6 小时");
    // five full days of 24 hours more: 126 hours, the first star
    for (const date of ["2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-02-24"]) {
      const rec = await bank.call("POST", "/v1/service-records", { token: scene.staffA, body: { memberId: scene.alice.id, date, minutes: 1440, description: "驻点服务" } });
      expect((await bank.call("POST", `/v1/service-records/${rec.body.id}/approve`, { token: scene.staffA, body: {} })).status).toBe(200);
    }
    expect(await page()).toContain("1 星");
    expect(await page()).toContain("累计服务 126 小时");
    // entered days after the service date, they are back-filled, and the public service list says so
    const service = await (await bank.app.request("/service")).text();
    expect(service).toContain("补录");
    expect(await (await bank.app.request("/csv/service.csv")).text()).toContain("补录");
  });
});
