import { beforeAll, describe, expect, it } from "vitest";
import { shareFen } from "../../src/domain/donations";
import { earningScene, ok, type EarningScene } from "../helpers/earning";
import { balanceOf } from "../helpers/spending";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene();
});

describe("goods usage is valued in integer fen", () => {
  it("a large donation used up leaves no value in stock (a float product left one fen)", async () => {
    const { bank } = s;
    // found by search: Math.floor(99539345404 * 943806 / 943806) is 99539345403 in floating point
    const valueFen = 99_539_345_404;
    const quantity = 943_806;
    const stock = await balanceOf(bank, "goods:stock");
    const d = await ok(bank, 201, "POST", "/v1/donations", {
      token: s.staffA,
      body: { donor: { type: "company", name: "爱心超市" }, kind: "goods", goods: { description: "大米", quantity, valueFen } },
    });
    const first = await ok(bank, 201, "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: 1, beneficiaryGroup: "elderly" } });
    const rest = await ok(bank, 201, "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: quantity - 1, beneficiaryGroup: "elderly" } });
    expect(first.valueFen + rest.valueFen).toBe(valueFen);
    expect(await balanceOf(bank, "goods:stock")).toBe(stock);
  });

  it("the share is exact for every unit count", () => {
    expect(shareFen(99_539_345_404, 943_806, 943_806)).toBe(99_539_345_404);
    expect(shareFen(100_000_000_000, 999_999, 1_000_000)).toBe(99_999_900_000);
    expect(shareFen(10_001, 3, 10)).toBe(3_000);
  });
});
