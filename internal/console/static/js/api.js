// api.js: the admin API (/admin/api/v1, docs/admin-api.md). The session is
// the HttpOnly custos_admin cookie; every write carries the session's CSRF
// token in X-CSRF-Token, held here in memory only (GET /session gives it
// back after a reload).

export const BASE = '/admin/api/v1';

let csrf = '';
export const setCSRF = (t) => { csrf = t || ''; };

// ApiError is a refused call: the HTTP status and the API's error body.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.error_description || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.error = body && body.error;
    this.description = body && body.error_description;
    this.errorCode = body && body.errorCode;
    this.body = body;
  }
}

// Listeners told when a call answers 401 (the session ended).
const unauthorized = new Set();
export const onUnauthorized = (fn) => unauthorized.add(fn);

// call sends method path (relative to BASE) with body as JSON; answers the
// parsed JSON (null for 204) or throws ApiError.
export async function call(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { error: 'network', error_description: `custos did not answer: ${e.message}` });
  }
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: 'bad_response', error_description: text.slice(0, 200) }; }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) for (const fn of unauthorized) fn();
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, opts) => call('GET', path, undefined, opts);
export const post = (path, body = {}) => call('POST', path, body);
export const put = (path, body) => call('PUT', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);

// q builds a query string from the defined, non-empty values of params.
export function q(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// seg is one path segment, escaped.
export const seg = encodeURIComponent;

// download fetches path and saves it as a file named name.
export async function download(path, name) {
  const res = await fetch(BASE + path, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, body);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
