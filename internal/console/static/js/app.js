// app.js: the console's shell. A hash router (#/path?query) picks a page
// module from pages/, loaded when first needed; the shell keeps the
// signed-in admin, the navigation and the current site, and moves focus to
// each new page's heading so that a screen reader hears where it is.
import * as api from './api.js';
import { add, alert, field, h, replace } from './dom.js';

// The routes: a path pattern (":name" is a parameter), the page module,
// and whether it needs a signed-in admin.
const ROUTES = [
  ['/login', 'login', { open: true }],
  ['/', 'overview'],
  ['/sites', 'sites'],
  ['/sites/:site', 'site'],
  ['/sites/:site/policies', 'policies'],
  ['/sites/:site/schema', 'schema'],
  ['/sites/:site/screen-sets', 'screensets'],
  ['/sites/:site/screen-sets/:ssid', 'screenset'],
  ['/sites/:site/oidc', 'oidc'],
  ['/sites/:site/providers', 'providers'],
  ['/sites/:site/users', 'users'],
  ['/sites/:site/users/:uid', 'user'],
  ['/outbox', 'outbox'],
  ['/jobs', 'jobs'],
  ['/audit', 'audit'],
  ['/admins', 'admins'],
].map(([pattern, page, opts = {}]) => {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
  return { re, names, page, ...opts };
});

const RANK = { readonly: 1, operator: 2, owner: 3 };
const SITE_KEY = 'custos.console.site';
// A hint, not a credential (the session is the HttpOnly cookie): this
// browser signed in and did not sign out, so a reload asks GET /session;
// a first visit goes straight to the login page.
const HINT_KEY = 'custos.console.signedIn';

const state = { admin: null, sites: null, site: sessionStorage.getItem(SITE_KEY) || '', seq: 0, shown: false };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const menu = document.getElementById('menu');
const status = document.getElementById('status');

// announce says msg to screen readers (the polite live region).
export function announce(msg) {
  status.textContent = '';
  setTimeout(() => { status.textContent = msg; }, 50);
}

// go navigates to the console path p ("/sites/x").
export function go(p) {
  if (location.hash === '#' + p) render();
  else location.hash = p;
}

// can tells whether the signed-in admin has at least role.
export const can = (role) => !!state.admin && (RANK[state.admin.role] || 0) >= RANK[role];

function parse() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const [p, query = ''] = raw.split('?', 2);
  for (const r of ROUTES) {
    const m = r.re.exec(p);
    if (m) {
      const params = {};
      try {
        r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      } catch {
        // A malformed escape (#/sites/%E0) names no page.
        return { route: null, params: {}, query: new URLSearchParams(), path: p };
      }
      return { route: r, params, query: new URLSearchParams(query), path: p };
    }
  }
  return { route: null, params: {}, query: new URLSearchParams(), path: p };
}

// sites answers the sites (cached until refreshed).
async function sites(refresh = false) {
  if (!state.sites || refresh) {
    const res = await api.get('/sites');
    state.sites = (res && res.sites) || [];
  }
  return state.sites;
}

function setSite(id) {
  id = id === undefined || id === null ? '' : String(id);
  if (!id || id === state.site) return;
  state.site = id;
  sessionStorage.setItem(SITE_KEY, id);
}

function link(href, text, current) {
  return h('li', null, h('a', { href: '#' + href, 'aria-current': current === href ? 'page' : null }, text));
}

async function drawNav(path) {
  if (!state.admin) {
    nav.hidden = true;
    menu.hidden = true;
    replace(who);
    return;
  }
  nav.hidden = false;
  menu.hidden = false;
  let list = [];
  try { list = await sites(); } catch { /* the page shows the error */ }
  if (!state.site && list.length) setSite(list[0].id);
  const s = state.site ? `/sites/${encodeURIComponent(state.site)}` : null;
  // The picker acts on its Go button only: a select that navigated on
  // change would move on each arrow key (WCAG 3.2.2).
  const pick = list.length ? h('select', { id: 'site-pick' },
    list.map((x) => h('option', { value: x.id, selected: String(x.id) === state.site }, x.name || x.id))) : null;
  const picker = pick ? h('form', { class: 'site-pick', on: { submit: (e) => {
    e.preventDefault();
    setSite(pick.value);
    const cur = parse();
    go(cur.params.site ? cur.path.replace(/^\/sites\/[^/]+/, '/sites/' + encodeURIComponent(pick.value)).replace(/(\/(users|screen-sets)\/)[^/]+$/, '$1').replace(/\/$/, '') : cur.path);
  } } }, h('label', { for: 'site-pick' }, 'Site'), h('div', { class: 'row' }, pick,
    h('button', { type: 'submit', class: 'secondary' }, 'Go'))) : null;
  const current = path.replace(/\/(users|screen-sets)\/[^/]+$/, '/$1');
  replace(nav,
    h('h2', null, 'custos'),
    h('ul', null, link('/', 'Overview', current), link('/sites', 'Sites', current)),
    s ? [h('h2', null, 'This site'), picker,
      h('ul', null,
        link(s, 'Settings and keys', current),
        link(s + '/users', 'Users', current),
        link(s + '/policies', 'Policies', current),
        link(s + '/schema', 'Schema', current),
        link(s + '/screen-sets', 'Screen-sets', current),
        link(s + '/oidc', 'OIDC clients', current),
        link(s + '/providers', 'Social providers', current))] : null,
    h('h2', null, 'Operations'),
    h('ul', null, link('/outbox', 'Mail', current), link('/jobs', 'Jobs', current), link('/audit', 'Audit log', current),
      can('owner') ? link('/admins', 'Admins', current) : null));
  replace(who,
    h('span', { class: 'name' }, state.admin.username), ' ', h('span', { class: 'role' }, `(${state.admin.role})`),
    h('button', { type: 'button', class: 'secondary', on: { click: logout } }, 'Sign out'));
}

async function logout() {
  try { await api.del('/session'); } catch { /* signed out anyway */ }
  signedOut();
  announce('Signed out');
}

// ENDED_KEY marks a session that ended under the admin: the login page
// says so.
const ENDED_KEY = 'custos.console.ended';

function signedOut(ended = false) {
  localStorage.removeItem(HINT_KEY);
  if (ended) {
    sessionStorage.setItem(ENDED_KEY, '1');
    const { path, query } = parse();
    if (path !== '/login') sessionStorage.setItem('custos.console.next', path + (query.toString() ? '?' + query : ''));
  }
  state.admin = null;
  state.sites = null;
  api.setCSRF('');
  go('/login');
}

// sessionEnded tells (once) whether the login page follows an ended session.
export function sessionEnded() {
  const v = sessionStorage.getItem(ENDED_KEY);
  sessionStorage.removeItem(ENDED_KEY);
  return !!v;
}

// reauth is the answer to a 401 while an admin is signed in: a modal
// dialog over the page (which keeps what was typed in it) says that the
// session ended and asks for the password and code again; answers true once
// the same admin is signed in (the failed call is then retried), false when
// they give up (then the login page, with the notice). Calls failing at once
// share one dialog.
let reauthing = null;
function reauth() {
  if (!state.admin) return Promise.resolve(false);
  reauthing ??= new Promise((resolve) => {
    const username = state.admin.username;
    const back = document.activeElement;
    const out = h('div');
    const pass = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true,
      maxlength: 1024 });
    const code = field('Code from your authenticator app', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
      pattern: '[0-9]{6}', minlength: 6, maxlength: 6, required: true, help: 'Six digits; a new code every 30 seconds.' });
    let done = false;
    const finish = (ok) => {
      done = true;
      if (dlg.open) dlg.close();
      dlg.remove();
      reauthing = null;
      if (!ok) signedOut(true);
      else if (back && back.isConnected && back.focus) back.focus();
      resolve(ok);
    };
    const form = h('form', { on: { submit: async (e) => {
      e.preventDefault();
      const btns = form.querySelectorAll('button');
      btns.forEach((b) => { b.disabled = true; });
      replace(out);
      try {
        const s = await api.post('/session', { username, password: pass.control.value, code: code.control.value.trim() },
          { quiet401: true });
        if (!s || !s.admin) throw new Error('Your second factor was reset: sign in on the login page to set it up again.');
        state.admin = s.admin;
        api.setCSRF(s.csrfToken);
        localStorage.setItem(HINT_KEY, '1');
        announce('Signed in again');
        finish(true);
      } catch (err) {
        const a = alert(err);
        a.setAttribute('tabindex', '-1');
        replace(out, a);
        a.focus();
      } finally {
        btns.forEach((b) => { b.disabled = false; });
      }
    } } },
    h('p', { class: 'label' }, 'Username'), h('p', null, h('strong', null, username)),
    pass, code,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in and continue'),
      h('button', { type: 'button', class: 'secondary', on: { click: () => finish(false) } }, 'Go to the login page')));
    const dlg = h('dialog', { class: 'reauth', 'aria-labelledby': 'reauth-title', 'aria-describedby': 'reauth-why' },
      h('h2', { id: 'reauth-title' }, 'Your session ended'),
      h('p', { id: 'reauth-why' }, 'It ended after a while without use, or it was signed out elsewhere. Sign in again to ' +
        'continue: this page and what you entered stay as they are, and what you were doing is tried again.'),
      out, form);
    // Escape closes the dialog: that is giving up.
    dlg.addEventListener('close', () => { if (!done) finish(false); });
    document.body.append(dlg);
    dlg.showModal();
    pass.control.focus();
  });
  return reauthing;
}

// signedIn keeps the admin and CSRF token of a new session and goes on to
// the page asked for before the login (or the overview).
export function signedIn(session) {
  state.admin = session.admin;
  api.setCSRF(session.csrfToken);
  localStorage.setItem(HINT_KEY, '1');
  const next = sessionStorage.getItem('custos.console.next') || '/';
  sessionStorage.removeItem('custos.console.next');
  go(next === '/login' ? '/' : next);
}

async function render() {
  const seq = ++state.seq;
  const { route, params, query, path } = parse();
  nav.classList.add('folded');
  menu.setAttribute('aria-expanded', 'false');
  if (!route) {
    await drawNav(path);
    show(seq, [h('h1', { tabindex: -1 }, 'Not found'), h('p', null, 'No console page has this address. ', h('a', { href: '#/' }, 'Overview'))], 'Not found');
    return;
  }
  if (!route.open && !state.admin) {
    sessionStorage.setItem('custos.console.next', path + (query.toString() ? '?' + query : ''));
    go('/login');
    return;
  }
  if (params.site) setSite(params.site);
  await drawNav(path);
  let nodes;
  try {
    const mod = await import(`./pages/${route.page}.js`);
    nodes = await mod.render({ params, query, path, admin: state.admin, site: state.site, can, go, announce,
      signedIn, sessionEnded, refreshSites: () => sites(true).then(() => drawNav(path)), rerender: render });
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 401 && !route.open && !state.admin) return; // signedOut already moved on
    nodes = [h('h1', { tabindex: -1 }, 'Something went wrong'), alert(err)];
  }
  show(seq, nodes);
}

function show(seq, nodes) {
  if (seq !== state.seq) return; // a later navigation won
  replace(main, nodes);
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : 'custos'} · custos console`;
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    // Not on the first page of a load: there the browser's own start (the
    // skip link first) is the better place.
    if (state.shown) h1.focus();
  }
  state.shown = true;
}

menu.addEventListener('click', () => {
  const open = nav.classList.toggle('folded') === false;
  menu.setAttribute('aria-expanded', String(open));
});
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  (main.querySelector('h1') || main).focus();
});
api.onUnauthorized(reauth);
window.addEventListener('hashchange', () => { if (location.hash === '' || location.hash.startsWith('#/')) render(); });

async function boot() {
  if (!localStorage.getItem(HINT_KEY)) {
    render();
    return;
  }
  try {
    const s = await api.get('/session', { quiet401: true });
    if (s && s.admin) {
      state.admin = s.admin;
      api.setCSRF(s.csrfToken);
    }
  } catch (err) {
    localStorage.removeItem(HINT_KEY);
    if (!(err instanceof api.ApiError && err.status === 401)) add(main, alert(err));
  }
  render();
}
boot();
