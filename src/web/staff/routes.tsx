import { Hono } from "hono";
import type { AppEnv } from "../../http/env";
import { formPost, largeFormPost } from "../session/forms";
import { activitiesGet, activitiesPost, approvePost, attendancePost, checkinCodePost, rosterGet } from "./activities";
import { counterGet, donationPost, expensePost, moneyGet, redeemPost } from "./money";
import { memberPage, membersGet, membersPost, worklistPage } from "./office";
import { wishActions, wishesGet, wishesPost } from "./wishes";

// The staff and admin console, /staff: the same session cookie, CSRF token and form checks as
// the passbook page (session/), every value-moving form keyed once.

export const staffPages = new Hono<AppEnv>()
  .get("/staff", worklistPage)
  .get("/staff/members", membersGet)
  .post("/staff/members", ...formPost, membersPost)
  .get("/staff/members/:id", memberPage)
  .get("/staff/wishes", wishesGet)
  .post("/staff/wishes", ...formPost, wishesPost)
  .post("/staff/wishes/:id/claim", ...formPost, wishActions.claim)
  .post("/staff/wishes/:id/release", ...formPost, wishActions.release)
  .post("/staff/wishes/:id/fulfil", ...formPost, wishActions.fulfil)
  .post("/staff/wishes/:id/confirm", ...formPost, wishActions.confirm)
  .post("/staff/wishes/:id/cancel", ...formPost, wishActions.cancel)
  .get("/staff/activities", activitiesGet)
  .post("/staff/activities", ...formPost, activitiesPost)
  .get("/staff/activities/:id", rosterGet)
  .post("/staff/activities/:id/attendance", ...largeFormPost(16 * 1024), attendancePost)
  .post("/staff/activities/:id/approve", ...formPost, approvePost)
  .post("/staff/activities/:id/checkin-code", ...formPost, checkinCodePost)
  .get("/staff/money", moneyGet)
  .post("/staff/donations", ...formPost, donationPost)
  .post("/staff/expenses", ...formPost, expensePost)
  .get("/staff/counter", counterGet)
  .post("/staff/counter/redeem", ...formPost, redeemPost);
