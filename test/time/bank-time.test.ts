import { describe, expect, it } from "vitest";
import { bankTime, DEFAULT_BANK_TIME_ZONE, isTimeZone } from "../../src/bank-time";
import { ManualClock } from "../../src/clock";
import { nodeConfigSchema, parseConfig } from "../../src/env";
import { earningScene } from "../helpers/earning";

describe("the bank's day", () => {
  const bj = bankTime();

  it("is Beijing time by default: the day starts at 16:00 UTC the evening before", () => {
    expect(bj.zone).toBe("Asia/Shanghai");
    expect(bj.dateOf("2026-03-01T15:59:59.999Z")).toBe("2026-03-01");
    expect(bj.dateOf("2026-03-01T16:00:00.000Z")).toBe("2026-03-02");
    expect(bj.bounds("2026-03-02")).toEqual({ from: "2026-03-01T16:00:00.000Z", to: "2026-03-02T16:00:00.000Z" });
    expect(bj.endOf("2026-03-02")).toBe("2026-03-02T15:59:59.999Z");
    expect(bj.formatDateTime("2026-03-01T23:05:00.000Z")).toBe("2026-03-02 07:05");
    expect(bj.formatTime("2026-03-01T23:05:00.000Z")).toBe("07:05");
    expect(bj.today(new ManualClock("2026-12-31T16:30:00.000Z"))).toBe("2027-01-01");
  });

  it("follows another zone, across a daylight-saving change", () => {
    const ny = bankTime("America/New_York");
    expect(ny.dateOf("2026-03-01T04:59:00.000Z")).toBe("2026-02-28");
    expect(ny.bounds("2026-03-08")).toEqual({ from: "2026-03-08T05:00:00.000Z", to: "2026-03-09T04:00:00.000Z" });
    expect(ny.bounds("2026-11-01")).toEqual({ from: "2026-11-01T04:00:00.000Z", to: "2026-11-02T05:00:00.000Z" });
    expect(bankTime("UTC").bounds("2026-03-01")).toEqual({ from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z" });
  });

  it("BANK_TIME_ZONE is checked when the configuration is read", () => {
    expect(parseConfig(nodeConfigSchema, {}).BANK_TIME_ZONE).toBe(DEFAULT_BANK_TIME_ZONE);
    expect(parseConfig(nodeConfigSchema, { BANK_TIME_ZONE: "Europe/Berlin" }).BANK_TIME_ZONE).toBe("Europe/Berlin");
    expect(() => parseConfig(nodeConfigSchema, { BANK_TIME_ZONE: "Mars/Olympus" })).toThrow(/BANK_TIME_ZONE/);
    expect(isTimeZone("Asia/Shanghai")).toBe(true);
    expect(() => bankTime("Nowhere")).toThrow();
  });

  it("between 00:00 and 08:00 Beijing time, today is already the new date (UTC would still call it tomorrow)", async () => {
    const s = await earningScene({ clockStart: "2026-03-01T23:30:00.000Z" }); // 07:30 on 2 March in Beijing
    const log = (date: string) =>
      s.bank.call("POST", "/v1/service-records", { token: s.staffA, body: { memberId: s.alice.id, date, minutes: 60, description: "清扫楼道" } });
    expect((await log("2026-03-02")).status).toBe(201);
    expect((await log("2026-03-03")).body.error.code).toBe("validation_failed");
    s.bank.clock.set("2026-03-01T15:30:00.000Z"); // 23:30 on 1 March in Beijing: 2 March is still tomorrow
    const early = await log("2026-03-02");
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ code: "validation_failed", details: { field: "date" } });
  });
});
