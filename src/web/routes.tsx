import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { endPageSession, SESSION_COOKIE } from "../http/auth";
import { appErrorOf } from "../http/errors";
import type { AppEnv } from "../http/env";
import { langOf, sendPage, type WebContext } from "./page";
import { publicPages } from "./public";
import { annualReportPage } from "./annual-report";
import { merchantPages } from "./merchant";
import { passbookPages } from "./passbook";
import { loginPages } from "./session/login";
import { staffPages } from "./staff/routes";
import { certificatePages } from "./certificate";

// The web pages, mounted at the root beside /v1. Errors here become an HTML page (the API's
// JSON error body would be no use to a person); the request id is shown to quote when asking.

/** An address nobody serves: outside /v1 a person asked for it, so they get a page, not JSON. */
export function pageNotFound(c: WebContext) {
  const view = langOf(c);
  return sendPage(c, view, {
    access: "private",
    path: c.req.path,
    title: view.d.errorTitle,
    status: 404,
    body: (
      <p class="error" role="alert">
        {view.d.noSuchPage} <a href="/">{view.d.nav.home}</a>
      </p>
    ),
  });
}

export const webRoutes = new Hono<AppEnv>()
  .route("/", publicPages)
  .route("/", annualReportPage)
  .route("/", loginPages)
  .route("/", passbookPages)
  .route("/", merchantPages)
  .route("/", staffPages)
  .route("/", certificatePages)
  .onError(async (err, c) => {
    const app = appErrorOf(err);
    if (app && (app.code === "user_disabled" || app.code === "unauthorized") && getCookie(c, SESSION_COOKIE)) return endPageSession(c);
    const view = langOf(c);
    let status: ContentfulStatusCode = 500;
    let message = view.d.errorTitle;
    if (app) {
      status = app.status as ContentfulStatusCode;
      message = app.code === "forbidden" ? view.d.csrfFailed : app.message;
    } else if (err instanceof HTTPException) {
      status = err.status as ContentfulStatusCode;
      message = status === 403 ? view.d.csrfFailed : err.message;
    } else {
      (c.get("deps").log ?? console.error)(`[${c.get("requestId")}] page failed`, err);
    }
    return sendPage(c, view, {
      access: "private",
      path: c.req.path,
      title: view.d.errorTitle,
      status,
      body: (
        <p class="error" role="alert">
          {message} <small>({c.get("requestId")})</small>
        </p>
      ),
    });
  });
