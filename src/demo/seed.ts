import type { App } from "../app";
import { signToken } from "../auth/tokens";
import type { Db } from "../db/client";
import { caller, type Call } from "../http/caller";
import { earningDemo } from "./earning";
import { spendingScene } from "./spending";

// Demo data for `npm start` on an empty database, made through the API itself so it follows
// every rule a real client meets. Each part of the product adds its scene here.

export interface DemoContext {
  call: Call;
  admin: string;
  communities: { id: string; name: string }[];
  staff: string[];
  members: { id: string; name: string; communityId: string }[];
}

function must<T>(res: { status: number; body: T }, what: string): T {
  if (res.status >= 300) throw new Error(`demo data: ${what} failed with ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function loadDemoData(app: App, opts: { adminUsername: string; jwtSecret: string; db: Db }): Promise<string> {
  const call = caller(app);
  const row = (await opts.db.client.execute({ sql: "SELECT id FROM users WHERE username = ?", args: [opts.adminUsername] })).rows[0]!;
  const admin = await signToken(
    { userId: String(row.id), username: opts.adminUsername, role: "admin", communityId: null, memberId: null, merchantId: null },
    opts.jwtSecret,
    new Date(),
  );
  const ctx: DemoContext = { call, admin, communities: [], staff: [], members: [] };

  const places = [
    { name: "天马街道东门社区", code: "dongmen" },
    { name: "紫港街道金川社区", code: "jinchuan" },
  ];
  for (const [i, p] of places.entries()) {
    const c = must(await call("POST", "/v1/communities", { token: admin, body: p }), "community");
    ctx.communities.push(c);
    must(
      await call("POST", "/v1/users", {
        token: admin,
        body: { username: `staff${i + 1}`, password: "demo-staff-pass", role: "staff", communityId: c.id },
      }),
      "staff",
    );
    const login = must(await call("POST", "/v1/auth/login", { body: { username: `staff${i + 1}`, password: "demo-staff-pass" } }), "login");
    ctx.staff.push(login.token);
  }

  const people = [
    { name: "王建国", kind: "party_member" },
    { name: "李秀英", kind: "volunteer" },
    { name: "张伟", kind: "cadre" },
    { name: "刘芳", kind: "party_member" },
    { name: "陈志强", kind: "volunteer" },
    { name: "杨丽", kind: "resident" },
  ] as const;
  for (const [i, p] of people.entries()) {
    const community = ctx.communities[i % 2]!;
    const m = must(
      await call("POST", "/v1/members", {
        token: ctx.staff[i % 2],
        body: {
          name: p.name,
          kind: p.kind,
          communityId: community.id,
          phone: `1380000${String(1000 + i)}`,
          login: { username: `member${i + 1}`, password: "demo-member-pass" },
        },
      }),
      "member",
    );
    ctx.members.push({ id: m.id, name: m.name, communityId: community.id });
  }

  const earning = await earningDemo(ctx);
  const spending = await spendingScene(ctx);

  return `${ctx.communities.length} communities, ${ctx.members.length} members (logins member1..member6 / demo-member-pass, staff1..2 / demo-staff-pass); ${earning}; ${spending}`;
}
