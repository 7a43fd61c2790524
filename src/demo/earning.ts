import type { DemoContext } from "./seed";

// Demo scene of the earning side: volunteer outings with approved (and one pending, one rejected)
// service hours, micro-wishes (微心愿) in every state of their life cycle, donations of money and
// goods from members, a company, a resident and an anonymous giver, the later use of donated goods,
// and last year's outstanding volunteer (优秀义工). It needs only the communities, staff and members.

function must<T>(res: { status: number; body: T }, what: string): T {
  if (res.status >= 300) throw new Error(`demo data: ${what} failed with ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const daysAhead = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

export async function earningDemo(ctx: DemoContext): Promise<string> {
  const { call, admin, staff, members } = ctx;
  const [east, west] = [staff[0]!, staff[1]!];
  const post = async (path: string, token: string, body: unknown, what: string) => must(await call("POST", path, { token, body }), what);
  const memberLogin = async (i: number) =>
    must(await call("POST", "/v1/auth/login", { body: { username: `member${i + 1}`, password: "demo-member-pass" } }), "member login").token as string;

  // Volunteer outings (志愿活动) and the hours served on them.
  const outings = [
    { token: east, title: "重阳节敬老院慰问演出", date: daysAgo(30), place: "东门社区敬老院", volunteers: [0, 2, 4], minutes: 180 },
    { token: west, title: "金川河沿岸环境整治", date: daysAgo(14), place: "金川河步道", volunteers: [1, 3, 5], minutes: 150 },
    { token: east, title: "留守儿童周末课业辅导", date: daysAgo(7), place: "东门社区四点半课堂", volunteers: [0, 4], minutes: 120 },
  ];
  for (const o of outings) {
    const activity = await post("/v1/activities", o.token, { title: o.title, date: o.date, place: o.place }, "activity");
    for (const i of o.volunteers) {
      const r = await post(
        "/v1/service-records",
        o.token,
        { memberId: members[i]!.id, activityId: activity.id, date: o.date, minutes: o.minutes, description: o.title },
        "service record",
      );
      await post(`/v1/service-records/${r.id}/approve`, o.token, {}, "approve service");
    }
  }
  const lastDecember = `${new Date().getUTCFullYear() - 1}-12-20`;
  const lastYear = await post(
    "/v1/service-records",
    east,
    { memberId: members[0]!.id, date: lastDecember, minutes: 240, description: "冬季送温暖入户走访" },
    "service record",
  );
  await post(`/v1/service-records/${lastYear.id}/approve`, east, {}, "approve service");
  const selfReported = await memberLogin(4);
  await post(
    "/v1/service-records",
    selfReported,
    { memberId: members[4]!.id, date: daysAgo(2), minutes: 90, description: "帮助邻居老人网上缴纳水电费" },
    "self-reported service",
  );
  const doubtful = await post(
    "/v1/service-records",
    west,
    { memberId: members[5]!.id, date: daysAgo(3), minutes: 600, description: "社区巡逻" },
    "service record",
  );
  await post(`/v1/service-records/${doubtful.id}/reject`, west, { reason: "时长与签到记录不符，请按实际时长重新登记" }, "reject service");

  // Micro-wishes in every state.
  const wish = (token: string, body: Record<string, unknown>) => post("/v1/wishes", token, body, "wish");
  const claim = (id: string, token: string, body: unknown = {}) => post(`/v1/wishes/${id}/claim`, token, body, "claim");
  const fulfil = (id: string, token: string, body: unknown = {}) => post(`/v1/wishes/${id}/fulfil`, token, body, "fulfil");
  const confirm = (id: string, token: string, satisfaction: number, feedback: string) =>
    post(`/v1/wishes/${id}/confirm`, token, { satisfaction, feedback }, "confirm");

  await wish(east, {
    title: "为独居老人修理漏水的水龙头",
    description: "厨房水龙头漏水多日，老人行动不便",
    kind: "service",
    beneficiaryGroup: "elderly",
    beneficiary: { name: "周奶奶", contact: "13700001001" },
    deadline: daysAhead(10),
  });
  await wish(west, {
    title: "一套适合三年级的课外读物",
    description: "父母在外务工，孩子喜欢看书",
    kind: "goods",
    estimatedValueFen: 15_000,
    beneficiaryGroup: "left_behind_child",
    beneficiary: { name: "小宇" },
    deadline: daysAhead(20),
  });
  const cleaning = await wish(east, {
    title: "帮助残疾人家庭打扫卫生",
    description: "每月一次，整理房间和清洗窗帘",
    kind: "service",
    beneficiaryGroup: "disabled",
    beneficiary: { name: "吴先生", contact: "13700001002" },
  });
  await claim(cleaning.id, await memberLogin(2));
  const bicycle = await wish(west, {
    title: "一辆上学用的自行车",
    description: "农民工子女，家离学校四公里",
    kind: "goods",
    estimatedValueFen: 45_000,
    beneficiaryGroup: "migrant_worker_child",
    beneficiary: { name: "小林", contact: "13700001003" },
  });
  await claim(bicycle.id, west, { memberId: members[3]!.id });
  await fulfil(bicycle.id, west, { note: "已送到学校，孩子试骑满意", goodsValueFen: 42_000 });
  const confirmed = [
    { token: east, member: 0, title: "困难户的冬季棉衣", group: "hardship_resident", satisfaction: 5, feedback: "棉衣很暖和，谢谢" },
    { token: west, member: 1, title: "给留守儿童过一个生日", group: "left_behind_child", satisfaction: 4, feedback: "孩子很开心" },
    { token: east, member: 4, title: "陪伴空巢老人去医院复查", group: "elderly", satisfaction: 5, feedback: "志愿者很耐心" },
  ];
  const coats = [];
  for (const c of confirmed) {
    const w = await wish(c.token, {
      title: c.title,
      description: c.title,
      kind: "goods",
      beneficiaryGroup: c.group,
      beneficiary: { name: "受助居民" },
      deadline: daysAhead(15),
    });
    const token = await memberLogin(c.member);
    await claim(w.id, token);
    await fulfil(w.id, token, { note: "已完成" });
    await confirm(w.id, c.token, c.satisfaction, c.feedback);
    coats.push(w);
  }
  const withdrawn = await wish(east, {
    title: "更换楼道灯泡",
    description: "物业已经修好",
    kind: "service",
    beneficiaryGroup: "other",
    beneficiary: { name: "楼栋长" },
  });
  await post(`/v1/wishes/${withdrawn.id}/cancel`, east, { reason: "物业已处理" }, "cancel wish");

  // Donations (爱心捐赠) and the use of donated goods.
  const shy = await post(
    "/v1/members",
    east,
    { name: "赵敏", kind: "resident", communityId: ctx.communities[0]!.id, phone: "13800002000", publicOptOut: true },
    "opted-out member",
  );
  const donate = (token: string, body: unknown) => post("/v1/donations", token, body, "donation");
  await donate(east, { donor: { type: "member", memberId: members[0]!.id }, kind: "money", amountFen: 20_000 });
  await donate(east, { donor: { type: "company", name: "县农商银行" }, kind: "money", amountFen: 500_000 });
  await donate(west, { donor: { type: "anonymous" }, kind: "money", amountFen: 10_000 });
  await donate(east, { donor: { type: "member", memberId: shy.id }, kind: "money", amountFen: 5_000 });
  const books = await donate(west, {
    donor: { type: "individual", name: "赵大爷" },
    kind: "goods",
    goods: { description: "儿童课外读物", quantity: 30, valueFen: 60_000 },
  });
  const quilts = await donate(east, {
    donor: { type: "member", memberId: members[2]!.id },
    kind: "goods",
    goods: { description: "冬季棉被", quantity: 20, valueFen: 200_000 },
  });
  await post(`/v1/donations/${books.id}/usages`, west, { quantity: 10, beneficiaryGroup: "left_behind_child", note: "四点半课堂图书角" }, "goods usage");
  await post(`/v1/donations/${quilts.id}/usages`, east, { quantity: 5, wishId: coats[0]!.id, note: "随棉衣一起送到" }, "goods usage");

  await post(
    "/v1/awards",
    admin,
    { year: Number(lastDecember.slice(0, 4)), memberId: members[0]!.id, title: "优秀义工", citation: "常年入户走访困难家庭，带头认领微心愿" },
    "award",
  );

  return "3 activities, 8 wishes in every state, 6 donations, an honour for last year";
}
