import type { ServerResponse } from 'node:http';

/** Sends `body` as JSON with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an HTML document. */
export function sendHtml(res: ServerResponse, status: number, html: string, extraHeaders: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...extraHeaders });
  res.end(html);
}

/** Sends a 302 to `location`, optionally setting cookies on the way. */
export function sendRedirect(res: ServerResponse, location: string, setCookie?: string): void {
  const headers: Record<string, string> = { location, 'content-length': '0' };
  if (setCookie !== undefined) headers['set-cookie'] = setCookie;
  res.writeHead(302, headers);
  res.end();
}

/** The JSON 404 every service answers for paths it does not serve. */
export function sendNotFound(res: ServerResponse, what = 'not found'): void {
  sendJson(res, 404, { error: what });
}

/** The JSON 405 for a known path asked with the wrong method. */
export function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendJson(res, 405, { error: `method not allowed; use ${allow}` });
}
