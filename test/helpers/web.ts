import { makeBank, type TestBank } from "./setup";

// A lively bank for the page tests, made through the API as a client would: two communities,
// staff, members (one who opted out of publication), wishes through their whole life cycle,
// an outing with approved service, donations of every kind, goods given out, a fund expense,
// a merchant with a login and a voucher type, an award. Private details carry distinctive
// strings so a test can prove they never reach a public response.

export const PRIVATE = {
  beneficiaryName: "隐私受助人甲乙丙",
  beneficiaryContact: "PRIVCONTACT-幸福路88号-13977770000",
  memberPhone: "155-0000-9999",
  optedOutName: "不公开的会员丁戊",
  usageNote: "PRIVNOTE-送到受助人家中",
} as const;

export const PASSWORDS = { member: "member-password", merchant: "merchant-password" };

export interface WebScene {
  bank: TestBank;
  communities: { a: { id: string; name: string }; b: { id: string; name: string } };
  staffA: string;
  staffB: string;
  /** A member with a login, 120 points, 2 stars. */
  alice: { id: string; passbookNo: string; token: string; username: string };
  optedOut: { id: string; passbookNo: string; token: string };
  merchant: { id: string; username: string; token: string };
  voucherType: { id: string; name: string; pointsCost: number };
  confirmedWishId: string;
}

async function must(bank: TestBank, method: string, path: string, token: string, body?: unknown) {
  const res = await bank.call(method, path, { token, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

let seq = 0;

export async function webScene(bank?: TestBank): Promise<WebScene> {
  bank ??= await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
  const n = ++seq;
  const a = await bank.community("天马街道东门社区");
  const b = await bank.community("紫港街道金川社区");
  const staffA = await bank.staff(a.id);
  const staffB = await bank.staff(b.id);
  const aliceUsername = `alice${process.pid}x${n}`;
  const aliceBody = await must(bank, "POST", "/v1/members", staffA, {
    name: "王建国",
    kind: "party_member",
    communityId: a.id,
    phone: PRIVATE.memberPhone,
    login: { username: aliceUsername, password: PASSWORDS.member },
  });
  const aliceLogin = await must(bank, "POST", "/v1/auth/login", "", { username: aliceUsername, password: PASSWORDS.member });
  const alice = { id: aliceBody.id, passbookNo: aliceBody.passbookNo, token: aliceLogin.token as string, username: aliceUsername };
  const optedOut = await bank.member(b.id, { name: PRIVATE.optedOutName, publicOptOut: true, phone: PRIVATE.memberPhone });

  // A wish through its whole life: registered, claimed by Alice, fulfilled, confirmed (20 points).
  const wish = await must(bank, "POST", "/v1/wishes", staffA, {
    title: "给留守儿童的新书包",
    description: "三年级学生需要一个新书包",
    kind: "goods",
    estimatedValueFen: 8000,
    beneficiaryGroup: "left_behind_child",
    beneficiary: { name: PRIVATE.beneficiaryName, contact: PRIVATE.beneficiaryContact },
    deadline: "2026-03-20T00:00:00.000Z",
  });
  await must(bank, "POST", `/v1/wishes/${wish.id}/claim`, alice.token, {});
  await must(bank, "POST", `/v1/wishes/${wish.id}/fulfil`, alice.token, { note: "已送达" });
  await must(bank, "POST", `/v1/wishes/${wish.id}/confirm`, staffA, { satisfaction: 5, feedback: "很满意" });
  await must(bank, "POST", "/v1/wishes", staffB, {
    title: "陪老人去医院复诊",
    description: "每月一次",
    kind: "service",
    beneficiaryGroup: "elderly",
    beneficiary: { name: PRIVATE.beneficiaryName, contact: PRIVATE.beneficiaryContact },
  });

  // An outing with approved service: Alice 6 hours (60 points), the opted-out member 1 hour.
  const outing = await must(bank, "POST", "/v1/activities", staffA, { title: "社区环境清洁日", date: "2026-02-28", place: "东门社区广场" });
  for (const [memberId, minutes, staff] of [
    [alice.id, 360, staffA],
    [optedOut.id, 60, staffB],
  ] as const) {
    const rec = await must(bank, "POST", "/v1/service-records", staff, {
      memberId,
      activityId: staff === staffA ? outing.id : undefined,
      date: "2026-02-28",
      minutes,
      description: "清扫广场",
    });
    await must(bank, "POST", `/v1/service-records/${rec.id}/approve`, staff, {});
  }

  // Donations: a company gives money, Alice gives 40 yuan (40 points), an anonymous gift, goods.
  await must(bank, "POST", "/v1/donations", staffA, { donor: { type: "company", name: "常山村镇银行" }, kind: "money", amountFen: 5_000_000 });
  await must(bank, "POST", "/v1/donations", staffA, { donor: { type: "member", memberId: alice.id }, kind: "money", amountFen: 4_000 });
  await must(bank, "POST", "/v1/donations", staffB, { donor: { type: "anonymous" }, kind: "money", amountFen: 20_000 });
  await must(bank, "POST", "/v1/donations", staffB, { donor: { type: "member", memberId: optedOut.id }, kind: "money", amountFen: 1_000 });
  const goods = await must(bank, "POST", "/v1/donations", staffA, {
    donor: { type: "individual", name: "李先生" },
    kind: "goods",
    goods: { description: "冬衣", quantity: 20, valueFen: 100_000 },
  });
  await must(bank, "POST", `/v1/donations/${goods.id}/usages`, staffA, { quantity: 5, beneficiaryGroup: "elderly", note: PRIVATE.usageNote });
  await must(bank, "POST", "/v1/fund/expenses", staffA, {
    amountFen: 300_000,
    purpose: "disability_aid",
    description: "为残疾人家庭购买轮椅两台",
    receiptRef: "FP-2026-001", payee: "爱心商店",
  });

  // A partner: merchant, its login, a voucher type.
  const m = await must(bank, "POST", "/v1/merchants", bank.admin, { name: "阳光理发店" });
  const merchantUsername = `barber${process.pid}x${n}`;
  await must(bank, "POST", "/v1/users", bank.admin, {
    username: merchantUsername,
    password: PASSWORDS.merchant,
    role: "merchant",
    merchantId: m.id,
  });
  const merchantLogin = await must(bank, "POST", "/v1/auth/login", "", { username: merchantUsername, password: PASSWORDS.merchant });
  const type = await must(bank, "POST", "/v1/voucher-types", bank.admin, { merchantId: m.id, name: "公益理发券", pointsCost: 30, stock: 10, validDays: 30 });
  await must(bank, "POST", "/v1/awards", bank.admin, { year: 2026, memberId: alice.id, title: "优秀义工", citation: "常年义务清扫社区广场" });
  await bank.settle();
  return {
    bank,
    communities: { a, b },
    staffA,
    staffB,
    alice,
    optedOut,
    merchant: { id: m.id, username: merchantUsername, token: merchantLogin.token },
    voucherType: { id: type.id, name: type.name, pointsCost: type.pointsCost },
    confirmedWishId: wish.id,
  };
}
