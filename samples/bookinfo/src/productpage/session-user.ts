import type { IncomingHttpHeaders } from 'node:http';

/** The cookie holding the signed-in user name (Bookinfo's name, so existing cookie rules match). */
export const USER_COOKIE = 'user';

// The name goes into an HTTP header (`end-user`) and a cookie: keep it to harmless characters.
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** Whether `name` is acceptable as a user name. */
export function isValidUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** The user named by the request's `user` cookie, if any and valid. */
export function sessionUser(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== USER_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      return undefined;
    }
    return isValidUserName(value) ? value : undefined;
  }
  return undefined;
}

/** `Set-Cookie` value that signs `name` in. */
export function signInCookie(name: string): string {
  return `${USER_COOKIE}=${name}; Path=/; HttpOnly; SameSite=Lax`;
}

/** `Set-Cookie` value that signs out. */
export function signOutCookie(): string {
  return `${USER_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
}
