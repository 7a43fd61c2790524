import { Hono } from "hono";
import type { AppEnv } from "../../http/env";
import { formPost, largeFormPost } from "../session/forms";
import { activitiesGet, activitiesPost, approvePost, attendancePost, checkinCodePost, rosterGet } from "./activities";
import { counterGet, donationPost, expensePost, moneyGet, redeemPost } from "./money";
import { expenseActions, loginActions } from "./decisions";
import { member, memberPage, membersGet, membersPost, worklist, worklistPage } from "./office";
import { certificateGet, issuePost, revokePost } from "./certificates";
import { wishActions, wishesGet, wishesPost } from "./wishes";

// The staff and admin console, /staff: the same session cookie, CSRF token and form checks as
// the passbook page (session/), every value-moving form keyed once.

const expense = expenseActions(worklist);
const login = loginActions(member);

export const staffPages = new Hono<AppEnv>()
  .get("/staff", worklistPage)
  .get("/staff/members", membersGet)
  .post("/staff/members", ...formPost, membersPost)
  .get("/staff/members/:id", memberPage)
  .post("/staff/members/:id/login", ...formPost, login.give)
  .post("/staff/members/:id/password", ...formPost, login.password)
  .post("/staff/members/:id/disable", ...formPost, login.disable)
  .post("/staff/members/:id/enable", ...formPost, login.enable)
  .post("/staff/members/:id/certificates", ...formPost, issuePost)
  .get("/staff/certificates/:id", certificateGet)
  .post("/staff/certificates/:id/revoke", ...formPost, revokePost)
  .get("/staff/wishes", wishesGet)
  .post("/staff/wishes", ...formPost, wishesPost)
  .post("/staff/wishes/:id/claim", ...formPost, wishActions.claim)
  .post("/staff/wishes/:id/release", ...formPost, wishActions.release)
  .post("/staff/wishes/:id/fulfil", ...formPost, wishActions.fulfil)
  .post("/staff/wishes/:id/confirm", ...formPost, wishActions.confirm)
  .post("/staff/wishes/:id/cancel", ...formPost, wishActions.cancel)
  .post("/staff/wishes/:id/correct", ...formPost, wishActions.correct)
  .get("/staff/activities", activitiesGet)
  .post("/staff/activities", ...formPost, activitiesPost)
  .get("/staff/activities/:id", rosterGet)
  .post("/staff/activities/:id/attendance", ...largeFormPost(16 * 1024), attendancePost)
  .post("/staff/activities/:id/approve", ...formPost, approvePost)
  .post("/staff/activities/:id/checkin-code", ...formPost, checkinCodePost)
  .get("/staff/money", moneyGet)
  .post("/staff/donations", ...formPost, donationPost)
  .post("/staff/expenses", ...formPost, expensePost)
  .post("/staff/expenses/:id/approve", ...formPost, expense.approve)
  .post("/staff/expenses/:id/reject", ...formPost, expense.reject)
  .get("/staff/counter", counterGet)
  .post("/staff/counter/redeem", ...formPost, redeemPost);
