import { jwtVerify, SignJWT } from "jose";
import { AppError } from "../errors";
import type { Role } from "../vocabulary";

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  communityId: string | null;
  memberId: string | null;
  merchantId: string | null;
  /** This login session (the token's jti): logging out ends it alone. */
  sessionId?: string;
  /** The user's token version when the token was issued: a password change raises it. */
  tokenVersion?: number;
}

export const JWT_ISSUER = "love-savings-bank";
export const JWT_AUDIENCE = "lsb-api";
export const TOKEN_TTL_SECONDS = 8 * 60 * 60;

// The HMAC key is imported once per secret and isolate, not on every request.
const keyCache = new Map<string, Promise<CryptoKey>>();
const keyFor = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keyCache.set(secret, key);
  }
  return key;
};

export async function signToken(p: Principal, secret: string, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    username: p.username,
    role: p.role,
    communityId: p.communityId,
    memberId: p.memberId,
    merchantId: p.merchantId,
    ver: p.tokenVersion ?? 0,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(p.sessionId ?? crypto.randomUUID())
    .setSubject(p.userId)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .sign(await keyFor(secret));
}

/** HS256 only (no `none`, no RS/HS confusion); iss, aud and exp are checked against the injected clock. */
export async function verifyToken(token: string, secret: string, now: Date): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, await keyFor(secret), {
      algorithms: ["HS256"],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      currentDate: now,
      requiredClaims: ["exp", "sub"],
    });
    const role = payload.role;
    if (role !== "admin" && role !== "staff" && role !== "member" && role !== "merchant") throw new Error("role");
    return {
      userId: payload.sub!,
      username: String(payload.username ?? ""),
      role,
      communityId: (payload.communityId as string | null) ?? null,
      memberId: (payload.memberId as string | null) ?? null,
      merchantId: (payload.merchantId as string | null) ?? null,
      sessionId: typeof payload.jti === "string" ? payload.jti : "",
      tokenVersion: typeof payload.ver === "number" ? payload.ver : 0,
    };
  } catch {
    throw new AppError("unauthorized", "The token is missing, expired or invalid");
  }
}
