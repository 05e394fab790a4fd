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

// The shell's answer to an ended session: reauth() asks the admin to sign
// in again over the page and resolves true when they did (the call is then
// tried once more), false when they gave up (the shell has gone to the
// login page). Without one, a 401 is thrown as it is.
let reauth = null;
export const onUnauthorized = (fn) => { reauth = fn; };

// refreshCSRF asks GET /session for the session's token; answers whether
// it changed (a login in another tab of this browser replaced the session).
async function refreshCSRF() {
  try {
    const s = await send('GET', '/session');
    if (s.res.ok && s.data && s.data.csrfToken && s.data.csrfToken !== csrf) {
      csrf = s.data.csrfToken;
      return true;
    }
  } catch { /* keep the refusal */ }
  return false;
}

// send is one request: answers {res, data} (data parsed from JSON).
async function send(method, path, body, { raw = false } = {}) {
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
  if (raw && res.ok) return { res, data: null };
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: 'bad_response', error_description: text.slice(0, 200) }; }
  }
  return { res, data };
}

// call sends method path (relative to BASE) with body as JSON; answers the
// parsed JSON (null for 204) or throws ApiError. A 401 (the session ended)
// asks the shell to sign in again and then tries once more; a 403 on a
// write asks GET /session for the CSRF token once and, when it changed,
// tries once more with it. quiet401 (the login's own calls and GET
// /session at start) leaves both to the caller.
export async function call(method, path, body, { quiet401 = false, raw = false } = {}) {
  let { res, data } = await send(method, path, body, { raw });
  if (!quiet401 && res.status === 403 && method !== 'GET' && await refreshCSRF()) {
    ({ res, data } = await send(method, path, body, { raw }));
  }
  if (!quiet401 && res.status === 401 && reauth && await reauth()) {
    ({ res, data } = await send(method, path, body, { raw }));
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return raw ? res : data;
}

export const get = (path, opts) => call('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => call('POST', path, body, opts);
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

// download fetches path and saves it as a file named name (as call does:
// a 401 signs in again first).
export async function download(path, name) {
  const res = await call('GET', path, undefined, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
