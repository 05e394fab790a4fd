// screenset.js: the screen-set renderer (accounts.showScreenSet, hideScreenSet,
// switchScreen) and the interruptions that open the default registration
// screen-set. It runs inside the bundle's IIFE after core.js and sees its
// `custos` object (docs/web-sdk.md has the contract). Written for custos from
// the markup vocabulary Gigya documents; no code of SAP's SDK.
//
// Safety: the screen-set HTML is the site's own markup (stored with the site
// secret, or a page element); it is parsed inert with DOMParser, and scripts,
// SVG/MathML, inline event handlers and URLs of any scheme but http(s),
// mailto and tel (as the browser parses them) are removed before it
// reaches the page. Text from the server or the user is only ever set as textContent;
// translations are the site's markup and set as HTML, as Gigya does. CSS goes
// through constructable stylesheets, so a strict CSP needs no 'unsafe-inline'.
(() => {
  'use strict';

  const PENDING_REGISTRATION = 206001;
  const PENDING_VERIFICATION = 206002;
  const PENDING_PASSWORD_CHANGE = 403100;

  // Which attribute routes a pending code to a screen, and the screen a set
  // without the attribute falls back to when it has one of that id.
  const ROUTES = {
    [PENDING_REGISTRATION]: ['onPendingRegistrationScreen', 'gigya-complete-registration-screen'],
    [PENDING_VERIFICATION]: ['onPendingVerificationScreen', 'gigya-verification-pending-screen'],
    [PENDING_PASSWORD_CHANGE]: ['onPendingPasswordChangeScreen', 'gigya-password-change-required-screen'],
  };

  // The form-level message of a server error code (reference §4.6).
  // The names a social-login button shows for the presets' providers.
  const SOCIAL_NAMES = {google: 'Google', apple: 'Apple', microsoft: 'Microsoft', facebook: 'Facebook',
    github: 'GitHub', linkedin: 'LinkedIn', line: 'LINE'};

  const FORM_ERRORS = {
    403042: 'invalid_login_or_password',
    403047: 'there_is_no_user_with_that_username_or_email',
    403041: 'account_is_disabled',
    403120: 'account_temporarily_locked_out',
    401020: 'login_captcha_error', 401021: 'login_captcha_error', 401023: 'request_captcha_error',
    403043: 'login_identifier_exists',
    400003: 'unique_identifier_exists',
    403044: 'sorry_we_are_not_able_to_process_your_registration',
    400006: 'there_are_errors_in_your_form_please_try_again',
    403004: 'there_are_errors_in_your_form_please_try_again',
    400009: 'there_are_errors_in_your_form_please_try_again',
    403005: 'unauthorized_user', 403012: 'unauthorized_user',
    403007: 'permission_denied',
    403000: 'forbidden_error',
    400125: 'code_frequency_limit_reached',
    403025: 'invalid_password_reset_token', 400015: 'invalid_password_reset_token',
    500026: 'network_error', 504001: 'network_error',
  };

  // The screen-sets' own words, in the languages the default sets speak; a
  // set's translations and the caller's customLang override any of them.
  const MESSAGES = {
    en: {
      this_field_is_required: 'This field is required.',
      invalid_fieldname: 'This value is not valid.',
      invalid_email: 'Enter a valid email address.',
      passwords_do_not_match: 'The passwords do not match.',
      email_already_exists: 'An account already uses this email address.',
      username_already_exists: 'An account already uses this username.',
      unique_identifier_exists: 'This value is already in use.',
      invalid_login_or_password: 'Invalid login or password.',
      there_is_no_user_with_that_username_or_email: 'There is no user with that username or email.',
      account_is_disabled: 'This account is disabled.',
      account_temporarily_locked_out: 'This account is temporarily locked. Please try again later.',
      login_captcha_error: 'Please confirm that you are not a robot.',
      request_captcha_error: 'Please confirm that you are not a robot.',
      login_identifier_exists: 'An account with this login identifier already exists.',
      sorry_we_are_not_able_to_process_your_registration: 'Sorry, we are not able to process your registration.',
      there_are_errors_in_your_form_please_try_again: 'There are errors in your form. Please correct them and try again.',
      unauthorized_user: 'Your session has ended. Please log in again.',
      permission_denied: 'Permission denied.',
      forbidden_error: 'This action is not allowed.',
      code_frequency_limit_reached: 'Too many attempts. Please wait and try again.',
      old_password_cannot_be_the_same_as_new_password: 'Choose a password you have not used recently.',
      old_password_used: 'This is an old password. Use your current password.',
      invalid_password_reset_token: 'This password reset link is not valid or has expired. Ask for a new one.',
      invalid_password: 'The current password is not correct.',
      network_error: 'We could not reach the server. Check your connection and try again.',
      general_error: 'An error has occurred. Please try again later.',
      close: 'Close',
      yes: 'Yes',
      custos_social_login: 'Sign in with another account',
      custos_social_sign_in_with: 'Sign in with {provider}',
    },
    de: {
      this_field_is_required: 'Dieses Feld ist erforderlich.',
      invalid_fieldname: 'Dieser Wert ist ungültig.',
      invalid_email: 'Geben Sie eine gültige E-Mail-Adresse ein.',
      passwords_do_not_match: 'Die Passwörter stimmen nicht überein.',
      email_already_exists: 'Diese E-Mail-Adresse wird bereits verwendet.',
      username_already_exists: 'Dieser Benutzername wird bereits verwendet.',
      unique_identifier_exists: 'Dieser Wert wird bereits verwendet.',
      invalid_login_or_password: 'Anmeldename oder Passwort ist falsch.',
      there_is_no_user_with_that_username_or_email: 'Es gibt kein Konto mit diesem Benutzernamen oder dieser E-Mail-Adresse.',
      account_is_disabled: 'Dieses Konto ist deaktiviert.',
      account_temporarily_locked_out: 'Dieses Konto ist vorübergehend gesperrt. Bitte versuchen Sie es später erneut.',
      login_captcha_error: 'Bitte bestätigen Sie, dass Sie kein Roboter sind.',
      request_captcha_error: 'Bitte bestätigen Sie, dass Sie kein Roboter sind.',
      login_identifier_exists: 'Es gibt bereits ein Konto mit dieser Anmeldekennung.',
      sorry_we_are_not_able_to_process_your_registration: 'Ihre Registrierung kann leider nicht bearbeitet werden.',
      there_are_errors_in_your_form_please_try_again: 'Das Formular enthält Fehler. Bitte korrigieren Sie sie und versuchen Sie es erneut.',
      unauthorized_user: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
      permission_denied: 'Zugriff verweigert.',
      forbidden_error: 'Diese Aktion ist nicht erlaubt.',
      code_frequency_limit_reached: 'Zu viele Versuche. Bitte warten Sie und versuchen Sie es erneut.',
      old_password_cannot_be_the_same_as_new_password: 'Wählen Sie ein Passwort, das Sie nicht kürzlich verwendet haben.',
      old_password_used: 'Dies ist ein altes Passwort. Verwenden Sie Ihr aktuelles Passwort.',
      invalid_password_reset_token: 'Dieser Link zum Zurücksetzen ist ungültig oder abgelaufen. Fordern Sie einen neuen an.',
      invalid_password: 'Das aktuelle Passwort ist nicht korrekt.',
      network_error: 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
      general_error: 'Ein Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.',
      close: 'Schließen',
      yes: 'Ja',
      custos_social_login: 'Mit einem anderen Konto anmelden',
      custos_social_sign_in_with: 'Anmelden mit {provider}',
    },
  };

  // The look every screen-set needs whatever its own CSS: the modal and the
  // state classes. The default sets' CSS does the rest.
  const BASE_CSS = `
dialog.custos-dialog{border:none;padding:0;max-width:min(32rem,calc(100vw - 1rem));width:100%;max-height:calc(100dvh - 1rem);
 border-radius:var(--custos-radius,0.375rem);box-shadow:0 10px 40px rgb(0 0 0 / .3);color:inherit;background:var(--custos-background,#ffffff)}
dialog.custos-dialog::backdrop{background:rgb(0 0 0 / .5)}
.custos-dialog-close{position:absolute;z-index:1;top:.5rem;right:.5rem;inline-size:2.75rem;block-size:2.75rem;border:none;border-radius:50%;
 background:transparent;color:inherit;font-size:1.75rem;line-height:1;cursor:pointer}
.custos-dialog-close:hover{background:rgb(0 0 0 / .06)}
.custos-dialog-close:focus-visible{outline:3px solid var(--custos-focus,#0b5cad);outline-offset:2px}
.custos-dialog .gigya-screen-set{position:relative}
.gigya-hidden,.custos-screen-set [hidden]{display:none!important}
.custos-social-login{display:flex;flex-direction:column;gap:.5rem;margin:0 0 1rem}
.custos-social-button{min-block-size:2.75rem;padding:.5rem 1rem;border:1px solid currentColor;border-radius:var(--custos-radius,0.375rem);
 background:transparent;color:inherit;font:inherit;cursor:pointer}
.custos-social-button:focus-visible{outline:3px solid var(--custos-focus,#0b5cad);outline-offset:2px}
.custos-social-button:disabled{opacity:.6;cursor:progress}
.gigya-error-msg:empty,.gigya-error-display:not(.gigya-error-display-active) .gigya-form-error-msg:empty{display:none}
.custos-load-error{padding:1rem}`;

  const state = {
    instances: new Map(), // instance key → Flow
    sets: new Map(), // screen-set id + lang → Promise of the loaded set
    sheets: new Map(), // css text → CSSStyleSheet adopted once
    hooks: new Map(), // screen-set id → the handlers of its hooks script
    hookWaiters: new Map(), // screen-set id → resolve of the script's wait
    schema: null, // Promise of getSchema, once per page
    seq: 0,
  };

  // failure is the callback response of an error the renderer finds.
  const failure = (code, message, details, extra) => ({...extra, errorCode: code, errorMessage: message,
    errorDetails: details || message, status: 'FAIL', statusMessage: message});
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const nextID = () => `custos-ss-${++state.seq}`;

  function normLang(l) {
    l = String(l || 'en').replace(/_/g, '-').toLowerCase();
    return /^(pt-br|zh-cn|zh-hk|zh-tw|es-mx|lt-lt|lv-lv|et-ee|[a-z]+-inf)$/.test(l) ? l : l.split('-')[0] || 'en';
  }

  function adoptCSS(css) {
    if (!css || state.sheets.has(css)) return;
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      state.sheets.set(css, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    } catch (e) {
      console.warn('custos: a screen-set stylesheet could not be applied:', e && e.message);
    }
  }

  // --- loading ------------------------------------------------------------

  // Elements that run script or hold markup that may (SVG and MathML set
  // URLs through animation; a template's content is not walked).
  const UNSAFE = 'script,iframe,frame,frameset,object,embed,applet,base,meta,link,style,template,noscript,portal,' +
    'svg,math,animate,set,animateMotion,animateTransform,use,foreignObject,xmp,noembed,noframes';
  const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'cite', 'background',
    'ping', 'srcset', 'data', 'codebase', 'longdesc', 'manifest', 'lowsrc', 'dynsrc', 'icon']);
  const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:']);

  // safeURL tells whether a URL attribute's value is an http(s), mailto or
  // tel address, or a relative one, as the browser reads it: parsed, so
  // that tabs, newlines and control characters (java&#9;script:) do not
  // hide a scheme.
  function safeURL(v) {
    try {
      return SAFE_SCHEMES.has(new URL(v, location.href).protocol);
    } catch {
      return false;
    }
  }

  // sanitize removes from parsed markup what would run script.
  function sanitize(root) {
    for (const el of root.querySelectorAll(UNSAFE)) el.remove();
    for (const el of [root, ...root.querySelectorAll('*')]) {
      for (const a of [...el.attributes]) {
        const n = a.name.toLowerCase();
        if (n.startsWith('on') || n === 'srcdoc' || n === 'is' || (URL_ATTRS.has(n) &&
            (n === 'srcset' ? !a.value.split(',').every((c) => safeURL(c.trim().split(/\s+/)[0] || '#')) : !safeURL(a.value)))) {
          el.removeAttribute(a.name);
        }
      }
    }
    return root;
  }

  // Translations as sent ({default:{KEY:text}, de:{…}} or {KEY:text}): the
  // one for lang, falling back key by key to its base language, the default
  // and English; keys lower-cased, as lookups are.
  function pickTranslations(all, lang) {
    const out = {};
    if (!isObj(all)) return out;
    const flat = Object.values(all).every((v) => typeof v === 'string');
    const layers = flat ? [all] : ['en', 'default', lang.split('-')[0], lang].map((l) => all[l]);
    for (const layer of layers) {
      if (!isObj(layer)) continue;
      for (const [k, v] of Object.entries(layer)) if (typeof v === 'string') out[k.toLowerCase()] = v;
    }
    return out;
  }

  function parseSet(html, id) {
    const doc = new DOMParser().parseFromString(String(html || ''), 'text/html');
    let root = [...doc.querySelectorAll('.gigya-screen-set')].find((e) => e.id === id) ||
      doc.querySelector('.gigya-screen-set');
    if (!root) {
      if (!doc.querySelector('.gigya-screen')) return null;
      root = doc.createElement('div');
      root.className = 'gigya-screen-set';
      root.append(...doc.body.childNodes);
    }
    return sanitize(root);
  }

  // loadSet finds the markup of screen-set id: a page element of that id
  // (reference §4.1 step 1), else the server's accounts.getScreenSets.
  function loadSet(id, lang) {
    const key = `${id}\n${lang}`;
    if (state.sets.has(key)) return state.sets.get(key);
    const p = (async () => {
      const el = document.getElementById(id);
      if (el && (el.classList.contains('gigya-screen-set') || el.querySelector('.gigya-screen'))) {
        const root = sanitize(el.cloneNode(true));
        if (!root.classList.contains('gigya-screen-set')) root.classList.add('gigya-screen-set');
        return {ok: true, root, translations: {}};
      }
      // Never on custos's own origin: site code must not run there (the
      // hosted login page's CSP blocks the script anyway).
      const scripts = !!(custos.site && custos.site.screenSetScripts) && !custos.onCustosOrigin;
      const res = await custos.call('accounts.getScreenSets', {
        screenSetIDs: id, include: `screenSetID,html,css,translations${scripts ? ',javascript' : ''}`, lang,
        ignoreInterruptions: true,
      });
      const set = res.errorCode === 0 && Array.isArray(res.screenSets) &&
        (res.screenSets.find((s) => s && s.screenSetID === id) || null);
      const root = set && parseSet(set.html, id);
      if (!root) {
        state.sets.delete(key);
        return {ok: false, response: res.errorCode ? res :
          failure(400006, 'Invalid parameter value', `screenSet: no screen-set "${id}"`)};
      }
      adoptCSS(set.css);
      // The text tells only whether there are hooks: they run as a script
      // of their own (screenset-hooks.js), never evaluated here.
      if (scripts && typeof set.javascript === 'string' && set.javascript.trim()) await loadHooks(id);
      return {ok: true, root, translations: pickTranslations(set.translations, lang)};
    })();
    state.sets.set(key, p);
    return p;
  }

  // loadHooks adds the site's screen-set JavaScript as a script of custos's
  // origin (never eval'd here); it calls gigya.__registerScreenSetHooks. A
  // script that fails or never calls back costs at most five seconds.
  function loadHooks(id) {
    if (state.hooks.has(id) || custos.onCustosOrigin) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        state.hookWaiters.delete(id);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 5000);
      state.hookWaiters.set(id, done);
      if (window.gigya) window.gigya.__registerScreenSetHooks = registerHooks;
      const s = document.createElement('script');
      const q = new URLSearchParams({apikey: custos.site.apiKey || '', screenSet: id});
      s.src = `${custos.site.origin || ''}/js/screenset-hooks.js?${q}`;
      s.async = true;
      s.onerror = done;
      s.onload = () => setTimeout(done, 0);
      document.head.append(s);
    });
  }

  function registerHooks(id, hooks) {
    if (typeof id === 'string' && isObj(hooks)) state.hooks.set(id, hooks);
    const w = state.hookWaiters.get(id);
    if (w) w();
  }

  // --- translation ----------------------------------------------------------

  function translator(lang, setTranslations, customLang) {
    const custom = {};
    if (isObj(customLang)) for (const [k, v] of Object.entries(customLang)) if (typeof v === 'string') custom[k.toLowerCase()] = v;
    const own = MESSAGES[lang] || MESSAGES[lang.split('-')[0]] || {};
    return (key) => {
      const k = String(key).toLowerCase();
      return custom[k] ?? setTranslations[k] ?? own[k] ?? MESSAGES.en[k] ?? null;
    };
  }

  function setTranslated(el, text) {
    if (text.includes('<')) {
      // The site's translations are its markup (as Gigya's are), cleaned
      // like the screen-set itself.
      const doc = new DOMParser().parseFromString(text, 'text/html');
      el.replaceChildren(...sanitize(doc.body).childNodes);
    } else {
      el.textContent = text;
    }
  }

  function translate(t, root) {
    for (const el of root.querySelectorAll('[data-translation-key]')) {
      const text = t(el.dataset.translationKey);
      if (text == null) continue;
      if (el instanceof HTMLInputElement) el.value = text;
      else setTranslated(el, text);
    }
    for (const [attr, data] of [['placeholder', 'translationKeyPlaceholder'], ['aria-label', 'translationKeyAriaLabel'],
      ['title', 'translationKeyTitle'], ['value', 'translationKeyValue']]) {
      for (const el of root.querySelectorAll(`[data-translation-key-${attr}]`)) {
        const text = t(el.dataset[data]);
        if (text != null) el.setAttribute(attr, text);
      }
    }
  }

  // --- fields -----------------------------------------------------------------

  const SPECIAL = new Set(['loginID', 'password', 'passwordRetype', 'email', 'username', 'newPassword', 'remember',
    'captchaText', 'regToken']);
  const NAMESPACES = new Set(['profile', 'data', 'preferences', 'subscriptions', 'local']);

  // fieldPath is the name a form field sends under (SS2 getNormalizedFieldName):
  // a special name, or a path in an account object; no namespace = profile.
  function fieldPath(name) {
    if (!name || SPECIAL.has(name)) return name;
    const ns = name.split('.')[0];
    return NAMESPACES.has(ns) ? name : `profile.${name}`;
  }

  function fieldsOf(form) {
    return [...form.elements].filter((el) => el.name && !['submit', 'button', 'reset', 'image'].includes(el.type) &&
      !(el instanceof HTMLButtonElement) && !(el instanceof HTMLFieldSetElement));
  }

  function valueOf(el) {
    if (el.type === 'checkbox') return el.checked;
    if (el.type === 'radio') return el.checked ? el.value : undefined;
    if (el.type === 'number' && el.value !== '') return Number(el.value);
    return el.value;
  }

  function setPath(obj, path, v) {
    const parts = path.split('.');
    let o = obj;
    for (const p of parts.slice(0, -1)) o = isObj(o[p]) ? o[p] : (o[p] = {});
    o[parts.at(-1)] = v;
  }

  function getPath(obj, path) {
    let o = obj;
    for (const p of path.split('.')) {
      if (!isObj(o)) return undefined;
      o = o[p];
    }
    return o;
  }

  // collect reads a form: the flat formData and the request parts.
  function collect(form) {
    const formData = {};
    const req = {};
    for (const el of fieldsOf(form)) {
      const v = valueOf(el);
      if (v === undefined || (v === '' && !el.dataset.custosSendEmpty)) continue;
      const path = fieldPath(el.name);
      formData[el.name] = v;
      if (path.startsWith('local.')) continue;
      if (SPECIAL.has(path)) req[path] = v;
      else setPath(req, path, v);
    }
    return {formData, req};
  }

  // changesOf turns a profile form's request into the changes of the
  // account the form was filled with: values equal to the account's are
  // not sent (a client may not rewrite every field it is shown, such as a
  // clientCreate one that is set), and a field the user emptied sends null,
  // which is how setAccountInfo removes a value ("" would store an empty
  // one, or fail a typed field).
  function changesOf(form, req, account) {
    const out = {...req};
    for (const k of NAMESPACES) if (isObj(req[k])) out[k] = structuredClone(req[k]);
    for (const el of fieldsOf(form)) {
      const path = fieldPath(el.name);
      if (SPECIAL.has(path) || path.startsWith('local.') || el.type === 'radio') continue;
      const held = getPath(account, path);
      const v = getPath(out, path);
      const heldValue = held !== undefined && held !== null && held !== '' && !isObj(held) && !Array.isArray(held);
      if (v === undefined) {
        if (heldValue && el.type !== 'checkbox') setPath(out, path, null);
        continue;
      }
      // An unticked box for a value the account does not hold changes nothing.
      const unchanged = heldValue ? String(v) === String(held) : el.type === 'checkbox' && v === false;
      if (unchanged) unsetPath(out, path);
    }
    for (const k of NAMESPACES) if (isObj(out[k]) && !Object.keys(out[k]).length) delete out[k];
    return out;
  }

  // unsetPath removes the key at path and the objects it leaves empty.
  function unsetPath(obj, path) {
    const parts = path.split('.');
    const chain = [obj];
    for (const p of parts.slice(0, -1)) {
      const next = chain.at(-1)[p];
      if (!isObj(next)) return;
      chain.push(next);
    }
    delete chain.at(-1)[parts.at(-1)];
    for (let i = chain.length - 1; i > 0; i--) {
      if (Object.keys(chain[i]).length) break;
      delete chain[i - 1][parts[i - 1]];
    }
  }

  function fill(form, account) {
    if (!isObj(account)) return;
    for (const el of fieldsOf(form)) {
      const path = fieldPath(el.name);
      if (['password', 'passwordRetype', 'newPassword', 'captchaText'].includes(path)) continue;
      let v = ['email', 'username'].includes(path) ? getPath(account, `profile.${path}`) : getPath(account, path);
      if (v === undefined || v === null || isObj(v) || Array.isArray(v)) continue;
      if (el.type === 'checkbox') el.checked = v === true || v === 'true';
      else if (el.type === 'radio') el.checked = String(v) === el.value;
      else el.value = String(v);
    }
  }

  // --- errors -----------------------------------------------------------------

  function elementID(el) {
    if (!el.id) el.id = nextID();
    return el.id;
  }

  // boundTo tells whether an element's data-bound-to names a field or form.
  function boundTo(el, target) {
    const b = el.dataset.boundTo;
    if (!b) return false;
    if (target instanceof HTMLFormElement) {
      return b === target.dataset.screensetElementId || b === target.id || target.classList.contains(b);
    }
    return b === target.name || fieldPath(b) === fieldPath(target.name);
  }

  function fieldErrorEl(form, input) {
    let el = [...form.querySelectorAll('.gigya-error-msg[data-bound-to]')]
      .find((e) => !e.classList.contains('gigya-form-error-msg') && boundTo(e, input));
    if (!el) {
      el = document.createElement('span');
      el.className = 'gigya-error-msg';
      el.dataset.boundTo = input.name;
      const label = input.closest('label');
      (label || input).after(el);
    }
    el.setAttribute('aria-live', 'polite');
    const id = elementID(el);
    const described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!described.includes(id)) input.setAttribute('aria-describedby', [...described, id].join(' '));
    return el;
  }

  function formErrorEl(form) {
    let display = [...form.querySelectorAll('.gigya-error-display')].find((e) => !e.dataset.boundTo || boundTo(e, form));
    if (!display) {
      display = document.createElement('div');
      display.className = 'gigya-error-display';
      form.prepend(display);
    }
    let msg = display.querySelector('.gigya-form-error-msg');
    if (!msg) {
      msg = document.createElement('div');
      msg.className = 'gigya-error-msg gigya-form-error-msg';
      display.append(msg);
    }
    msg.setAttribute('role', 'alert');
    return {display, msg};
  }

  function setFieldError(form, input, text) {
    const el = fieldErrorEl(form, input);
    el.textContent = text || '';
    el.classList.toggle('gigya-error-msg-active', !!text);
    for (const i of form.querySelectorAll(`[name="${CSS.escape(input.name)}"]`)) {
      i.classList.toggle('gigya-error', !!text);
      i.classList.toggle('gigya-valid', !text && valueOf(i) !== '');
      if (text) i.setAttribute('aria-invalid', 'true');
      else i.removeAttribute('aria-invalid');
    }
  }

  function setFormError(form, text) {
    const {display, msg} = formErrorEl(form);
    msg.textContent = text || '';
    msg.classList.toggle('gigya-error-msg-active', !!text);
    display.classList.toggle('gigya-error-display-active', !!text);
  }

  function clearErrors(form) {
    setFormError(form, '');
    for (const el of fieldsOf(form)) if (el.classList.contains('gigya-error')) setFieldError(form, el, '');
  }

  // check validates one field in the browser; it answers the message key of
  // its problem, or null.
  function check(form, el) {
    const v = valueOf(el);
    if (el.required && (v === '' || v === false || v === undefined) &&
        !(el.type === 'radio' && form.querySelector(`[name="${CSS.escape(el.name)}"]:checked`))) return 'this_field_is_required';
    if (v !== '' && (el.type === 'email' || fieldPath(el.name) === 'email') && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'invalid_email';
    if (el.name === 'passwordRetype') {
      const pw = form.querySelector('[name="newPassword"]') || form.querySelector('[name="password"]');
      if (pw && pw.value !== el.value) return 'passwords_do_not_match';
    }
    if (v !== '' && el.validity && (el.validity.typeMismatch || el.validity.patternMismatch || el.validity.rangeOverflow ||
        el.validity.rangeUnderflow || el.validity.badInput)) return 'invalid_fieldname';
    return null;
  }

  // fieldMessage is the text of a server's validation error (reference §4.6).
  function fieldMessage(t, ve, input) {
    switch (ve.errorCode) {
      case 400027: return t('this_field_is_required');
      case 400003: {
        const p = fieldPath(input ? input.name : ve.fieldName);
        return t(p === 'email' || p === 'profile.email' ? 'email_already_exists' :
          p === 'username' || p === 'profile.username' ? 'username_already_exists' : 'unique_identifier_exists');
      }
      case 401030: return t('old_password_cannot_be_the_same_as_new_password');
      case 500026: return t('network_error');
    }
    return ve.message || t('invalid_fieldname');
  }

  // --- the flow ---------------------------------------------------------------

  class Flow {
    constructor(params, set, container, t, lang) {
      this.params = params;
      this.setID = params.screenSet;
      this.containerID = params.containerID || '';
      this.key = `${this.setID}_${this.containerID}`;
      this.set = set;
      this.t = t;
      this.lang = lang;
      this.container = container;
      this.flow = {}; // regToken, pending, loginID, password, missing, response, account
      this.done = new Promise((resolve) => { this.resolve = resolve; });
      this.ended = false;
      this.screenID = '';
      this.prefix = nextID();
    }

    handler(name) {
      const key = `on${name[0].toUpperCase()}${name.slice(1)}`;
      const h = this.params[key] ?? (state.hooks.get(this.setID) || {})[key];
      return typeof h === 'function' ? h : null;
    }

    event(name, extra) {
      return Object.assign({
        eventName: name, screenSetID: this.setID, context: this.params.context, source: 'showScreenSet',
        instanceID: this.key, sourceContainerID: this.containerID || null,
      }, extra);
    }

    // fire calls the caller's (else the hooks') handler of an event; what it
    // returns may steer the flow. A throwing handler is logged, not fatal.
    fire(name, extra) {
      const h = this.handler(name);
      if (!h) return undefined;
      try {
        return h.call(null, this.event(name, extra));
      } catch (e) {
        console.warn(`custos: the ${name} handler of screen-set ${this.setID} threw:`, e);
        return undefined;
      }
    }

    mount() {
      this.root = document.createElement('div');
      for (const a of this.set.root.attributes) if (!['id', 'style', 'hidden'].includes(a.name)) this.root.setAttribute(a.name, a.value);
      this.root.dataset.screensetElementId = this.setID;
      this.root.classList.add('gigya-screen-set', 'custos-screen-set', `gigya-locale-${this.lang}`);
      this.root.lang = this.lang;
      if (this.container) {
        this.container.replaceChildren(this.root);
        return;
      }
      this.opener = document.activeElement;
      const dlg = document.createElement('dialog');
      dlg.className = 'custos-dialog';
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'custos-dialog-close';
      close.setAttribute('aria-label', this.t('close'));
      const x = document.createElement('span');
      x.setAttribute('aria-hidden', 'true');
      x.textContent = '×';
      close.append(x);
      close.addEventListener('click', () => this.end('canceled'));
      dlg.addEventListener('cancel', (e) => {
        e.preventDefault();
        this.end('canceled');
      });
      dlg.append(close, this.root);
      document.body.append(dlg);
      this.dialog = dlg;
      dlg.showModal();
    }

    // firstScreen is where the flow starts: the screen an initial pending
    // answer routes to, else startScreen, data-start-screen, the first.
    firstScreen() {
      const r = this.params.initialResponse;
      if (r && ROUTES[r.errorCode]) {
        const to = this.route(r.errorCode);
        if (to) return to;
      }
      return this.params.startScreen || this.set.root.dataset.startScreen ||
        (this.set.root.querySelector('.gigya-screen') || {}).id;
    }

    templateOf(screenID) {
      return [...this.set.root.querySelectorAll('.gigya-screen')].find((s) => s.id === screenID) || null;
    }

    // route finds the screen a pending code goes to: the current screen's
    // attribute, the set's, or a screen of the conventional id.
    route(code) {
      const [attr, conventional] = ROUTES[code];
      const cur = this.screenID && this.templateOf(this.screenID);
      const to = (cur && cur.dataset[attr]) || this.set.root.dataset[attr];
      if (to) return to;
      return this.templateOf(conventional) ? conventional : null;
    }

    async go(target, response) {
      if (this.ended) return;
      let screenID = target;
      if (target.includes('/')) {
        const [setID, screen] = target.split('/');
        if (setID !== this.setID) return this.openChild(setID, screen);
        screenID = screen;
      }
      if (target === '_finish') return this.finish(response || this.flow.response);
      if (target === '_cancel') return this.end('canceled');
      if (target === '_skip') return this.end('skip', response);
      const tpl = this.templateOf(screenID);
      if (!tpl) {
        const r = failure(400006, 'Invalid parameter value', `screen: screen-set ${this.setID} has no screen "${screenID}"`);
        this.fire('error', this.errorEvent(r));
        if (!this.screen) this.end('error', r);
        return;
      }
      const acc = this.flow.account || {};
      const before = this.fire('beforeScreenLoad', {currentScreen: this.screenID || null, nextScreen: screenID,
        response: response || this.flow.response || null, profile: acc.profile, data: acc.data,
        subscriptions: acc.subscriptions, preferences: acc.preferences});
      if (before === false) {
        if (!this.screen) this.end('canceled');
        return;
      }
      if (isObj(before) && typeof before.nextScreen === 'string' && before.nextScreen !== screenID) return this.go(before.nextScreen, response);
      const el = await this.build(tpl, isObj(before) ? before : null);
      if (this.ended) return;
      this.root.replaceChildren(el);
      this.screen = el;
      this.screenID = screenID;
      this.labelDialog(el);
      // Focus follows a new screen, and opens a dialog; a set embedded in
      // the page leaves focus where it is when it first appears.
      if (this.dialog || this.loaded) this.focus(el);
      const form = el.querySelector('form');
      this.fire('afterScreenLoad', {currentScreen: screenID, form: form ? form.dataset.screensetElementId || null : null,
        response: response || this.flow.response || null, profile: acc.profile, data: acc.data, preferences: acc.preferences});
      if (!this.loaded) {
        this.loaded = true;
        this.fire('load', {currentScreen: screenID});
      }
    }

    // openChild replaces this flow's set with another (a switch to
    // "<ScreenSetID>/<screen>"), keeping the flow's state.
    async openChild(setID, screen) {
      const got = await loadSet(setID, this.lang);
      if (!got.ok) {
        this.fire('error', this.errorEvent(got.response));
        return;
      }
      this.setID = setID;
      this.set = got;
      this.t = translator(this.lang, got.translations, this.params.customLang);
      this.screenID = '';
      return this.go(screen || (got.root.querySelector('.gigya-screen') || {}).id || '');
    }

    labelDialog(el) {
      if (!this.dialog) return;
      const h = el.querySelector('h1,h2,h3,[role=heading]');
      if (h) {
        this.dialog.setAttribute('aria-labelledby', elementID(h));
        this.dialog.removeAttribute('aria-label');
      } else {
        this.dialog.setAttribute('aria-label', el.dataset.caption || this.set.root.dataset.caption || this.setID);
      }
    }

    // focus moves to the screen's autofocus field, else its heading, so
    // that a screen reader hears the new screen.
    focus(el) {
      const target = el.querySelector('[autofocus]') || el.querySelector('h1,h2,h3,[role=heading]');
      if (!target) return;
      if (!target.matches('input,select,textarea,button,a[href]') && !target.hasAttribute('tabindex')) target.tabIndex = -1;
      target.focus({preventScroll: !this.dialog});
    }

    // build makes the live copy of a screen: ids made unique (a page may
    // hold the template, or show the set twice), text translated, forms and
    // links wired, data fetched.
    async build(tpl, prefill) {
      const el = tpl.cloneNode(true);
      const ids = new Map();
      for (const n of [el, ...el.querySelectorAll('[id]')]) {
        if (!n.id) continue;
        const id = `${this.prefix}-${n.id}`;
        ids.set(n.id, id);
        n.dataset.screensetElementId = n.id;
        n.id = id;
      }
      for (const attr of ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls', 'aria-errormessage', 'list', 'form']) {
        for (const n of el.querySelectorAll(`[${attr}]`)) {
          n.setAttribute(attr, n.getAttribute(attr).split(/\s+/).map((v) => ids.get(v) || v).join(' '));
        }
      }
      translate(this.t, el);
      for (const n of el.querySelectorAll('[data-switch-screen]')) this.wireSwitch(n);
      const forms = [...el.querySelectorAll('form')];
      for (const form of forms) await this.prepare(form, prefill);
      for (const w of el.querySelectorAll('.gigya-social-login')) this.socialWidget(w);
      return el;
    }

    // socialWidget fills a div.gigya-social-login with a button for each of
    // the site's enabled providers (SITE.socialProviders), or those of them
    // its enabledProviders names (a <param name="enabledProviders">, a
    // data-enabled-providers attribute, showScreenSet's or the global
    // configuration's enabledProviders; "*" or none: all). Without any it
    // hides.
    socialWidget(w) {
      const all = Array.isArray(custos.site.socialProviders) ? custos.site.socialProviders : [];
      const param = [...w.querySelectorAll('param')].find((p) => (p.getAttribute('name') || '').toLowerCase() === 'enabledproviders');
      const wanted = String(w.dataset.enabledProviders || (param && param.getAttribute('value')) ||
        this.params.enabledProviders || (custos.conf && custos.conf.enabledProviders) || '*')
        .split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
      const list = wanted.includes('*') ? all : wanted.filter((n) => all.includes(n));
      w.replaceChildren();
      if (!list.length) {
        w.hidden = true;
        return;
      }
      w.classList.add('custos-social-login');
      w.setAttribute('role', 'group');
      w.setAttribute('aria-label', this.t('custos_social_login'));
      for (const name of list) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'gigya-social-login-button custos-social-button';
        b.dataset.provider = name;
        b.textContent = this.t('custos_social_sign_in_with').replace('{provider}', SOCIAL_NAMES[name] || name);
        b.addEventListener('click', () => this.social(w, name));
        w.append(b);
      }
      const msg = document.createElement('p');
      msg.className = 'gigya-error-msg custos-social-error';
      msg.setAttribute('role', 'alert');
      w.append(msg);
    }

    // social runs the social login of provider in a popup (opened in the
    // click, before anything waits) within this flow: success goes on as a
    // login form's, a pending registration to its screen.
    async social(w, provider) {
      if (this.inFlight) return;
      const msg = w.querySelector('.custos-social-error');
      msg.textContent = '';
      msg.classList.remove('gigya-error-msg-active');
      const started = custos.socialLogin('accounts.socialLogin', this.withCommon({provider,
        include: this.include('profile,data,emails,subscriptions,preferences')}));
      if (started === undefined) return; // a redirect: this page leaves
      const buttons = [...w.querySelectorAll('button')];
      this.inFlight = true;
      for (const b of buttons) b.disabled = true;
      w.setAttribute('aria-busy', 'true');
      let res;
      try {
        res = await started;
      } finally {
        this.inFlight = false;
        for (const b of buttons) b.disabled = false;
        w.setAttribute('aria-busy', 'false');
      }
      if (this.ended) return;
      this.flow.response = res;
      this.fire('afterSubmit', {screen: this.screenID, form: null, profile: res.profile, data: res.data,
        preferences: res.preferences, subscriptions: res.subscriptions, response: res});
      if (res.errorCode === 0) {
        this.loggedIn(res);
        return this.go((this.screen && this.screen.dataset.onSuccessScreen) || '_finish', res);
      }
      if (ROUTES[res.errorCode]) return this.pending(this.screen && this.screen.querySelector('form'), res);
      if (res.errorCode === 200001) return; // the user closed the popup
      const key = FORM_ERRORS[res.errorCode];
      msg.textContent = (key && this.t(key)) || res.errorMessage || this.t('general_error');
      msg.classList.add('gigya-error-msg-active');
      this.fire('error', this.errorEvent(res));
    }

    wireSwitch(n) {
      const go = (e) => {
        e.preventDefault();
        this.go(n.dataset.switchScreen);
      };
      n.addEventListener('click', go);
      if (!n.matches('a[href],button,input')) {
        n.setAttribute('role', n.getAttribute('role') || 'link');
        if (!n.hasAttribute('tabindex')) n.tabIndex = 0;
        n.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') go(e);
        });
      }
    }

    kindOf(form) {
      for (const k of ['login', 'register', 'reset-password', 'profile', 'resend-verification-code']) {
        if (form.classList.contains(`gigya-${k}-form`)) return k;
      }
      return null;
    }

    async prepare(form, prefill) {
      const kind = this.kindOf(form);
      form.noValidate = true;
      if (kind === 'profile') await this.loadProfile(form);
      if (isObj(prefill)) fill(form, prefill);
      for (const el of fieldsOf(form)) {
        if (el.type !== 'hidden') fieldErrorEl(form, el);
        if (el.required) el.setAttribute('aria-required', 'true');
        // An error goes as the field is corrected, while typing: cleared on
        // blur instead, the layout would shift under the click that blurred.
        el.addEventListener('input', () => {
          if (el.classList.contains('gigya-error') && !check(form, el)) setFieldError(form, el, '');
        });
        el.addEventListener('change', () => {
          const key = check(form, el);
          this.fire('fieldChanged', {screen: this.screenID, form: form.dataset.screensetElementId || form.id,
            field: el.name, isValid: !key, errMsg: key ? this.t(key) : '', value: valueOf(el)});
        });
      }
      formErrorEl(form);
      if (!kind) return;
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.submit(form, kind).catch((err) => {
          console.warn('custos: screen-set submit failed:', err);
          this.busy(form, false);
          setFormError(form, this.t('general_error'));
        });
      });
    }

    // loadProfile fills a profile form with the account: the session's, or
    // the pending registration's (regToken); on a pending registration it
    // also adds the required fields still missing.
    async loadProfile(form) {
      if (this.flow.pendingPassword) return; // the password-change token reads nothing
      const params = {include: 'profile,data,preferences,subscriptions,loginIDs,emails', ignoreInterruptions: true};
      if (this.flow.regToken) {
        params.regToken = this.flow.regToken;
        params.include += ',missing-required-fields';
      }
      const res = await custos.call('accounts.getAccountInfo', params);
      if (res.errorCode === 0) {
        this.flow.account = res;
        if (Array.isArray(res.missingRequiredFields)) this.flow.missing = res.missingRequiredFields;
      }
      const holder = form.querySelector('.custos-missing-fields');
      if (holder && Array.isArray(this.flow.missing)) await this.missingFields(form, holder, this.flow.missing);
      if (res.errorCode === 0) fill(form, res);
    }

    // missingFields adds an input for each required field the account has
    // no value for and the form does not already ask: the default
    // complete-registration screen cannot know a site's schema.
    async missingFields(form, holder, paths) {
      const have = new Set(fieldsOf(form).map((el) => fieldPath(el.name)));
      const todo = paths.filter((p) => !have.has(p) && !have.has(`${p}.isConsentGranted`) && !have.has(`${p}.isSubscribed`));
      if (!todo.length) return;
      if (!state.schema) {
        state.schema = custos.call('accounts.getSchema', {ignoreInterruptions: true})
          .then((r) => (r.errorCode === 0 ? r : null));
      }
      const schema = await state.schema;
      holder.replaceChildren(...todo.map((p) => this.fieldControl(p, schema)));
    }

    fieldControl(path, schema) {
      const [ns, ...rest] = path.split('.');
      const sub = rest.join('.');
      const def = (schema && getPath(schema, `${ns}Schema`)) || {};
      const field = (def.fields && (def.fields[sub] || def.fields[path])) || {};
      const wrap = document.createElement('div');
      wrap.className = 'gigya-composite-control custos-field';
      const id = `${this.prefix}-f${++state.seq}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      const words = sub.replace(/_[a-z]$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[._]/g, ' ').toLowerCase();
      label.textContent = this.t(`custos_field_${path}`) ?? this.t(`custos_field_${sub}`) ?? (words[0].toUpperCase() + words.slice(1));
      let input;
      const type = field.type || (ns === 'preferences' ? 'consent' : ns === 'subscriptions' ? 'subscription' : 'string');
      if (Array.isArray(field.allowedValues) && field.allowedValues.length) {
        input = document.createElement('select');
        input.append(new Option('', ''), ...field.allowedValues.map((v) => new Option(String(v), String(v))));
      } else {
        input = document.createElement('input');
        input.type = {boolean: 'checkbox', consent: 'checkbox', subscription: 'checkbox', integer: 'number', long: 'number',
          float: 'number', date: 'date'}[type] || (/email$/i.test(sub) ? 'email' : 'text');
        if (type === 'float') input.step = 'any';
      }
      input.id = id;
      input.name = type === 'consent' ? `${path}.isConsentGranted` : type === 'subscription' ? `${path}.isSubscribed` : path;
      input.required = true;
      input.setAttribute('aria-required', 'true');
      const auto = {'profile.zip': 'postal-code', 'profile.firstName': 'given-name', 'profile.lastName': 'family-name',
        'profile.country': 'country-name', 'profile.city': 'address-level2', 'profile.birthYear': 'bday-year'}[path];
      if (auto) input.autocomplete = auto;
      if (input.type === 'checkbox') {
        wrap.classList.add('custos-field-checkbox');
        wrap.append(input, label);
      } else {
        wrap.append(label, input);
      }
      return wrap;
    }

    busy(form, on) {
      form.setAttribute('aria-busy', on ? 'true' : 'false');
      for (const b of form.querySelectorAll('[type=submit],button:not([type])')) b.disabled = on;
    }

    async submit(form, kind) {
      if (this.inFlight) return;
      clearErrors(form);
      const invalid = [];
      for (const el of fieldsOf(form)) {
        const key = el.type === 'hidden' ? null : check(form, el);
        if (key) {
          setFieldError(form, el, this.t(key));
          invalid.push(el);
        }
      }
      if (invalid.length) {
        invalid[0].focus();
        return;
      }
      const {formData, req} = collect(form);
      const shown = {...formData};
      for (const k of ['password', 'passwordRetype', 'newPassword']) delete shown[k];
      const formID = form.dataset.screensetElementId || form.id || null;
      // In flight from here: an async onSubmit must not let a second
      // submit through.
      this.inFlight = true;
      this.busy(form, true);
      let res;
      try {
        if (this.fire('beforeSubmit', {screen: this.screenID, form: formID, formData: shown}) === false) return;
        delete req.passwordRetype;
        let extra = this.fire('submit', {screen: this.screenID, form: formID, accountInfo: req, formModel: req});
        if (extra && typeof extra.then === 'function') extra = await extra;
        if (isObj(extra)) Object.assign(req, extra);
        res = await this.send(form, kind, req);
      } finally {
        this.inFlight = false;
        this.busy(form, false);
      }
      if (this.ended) return;
      this.flow.response = res;
      this.fire('afterSubmit', {screen: this.screenID, form: formID, profile: res.profile, data: res.data,
        preferences: res.preferences, subscriptions: res.subscriptions, response: res});
      await this.handle(form, kind, res);
    }

    withCommon(params) {
      const p = this.params;
      const out = {ignoreInterruptions: true, ...params};
      for (const k of ['sessionExpiration', 'regSource', 'lang']) if (p[k] !== undefined && out[k] === undefined) out[k] = p[k];
      return out;
    }

    // include is what a login-type call asks for: what the screens use,
    // and what the caller asked for (id_token).
    include(base) {
      const set = new Set(base.split(','));
      for (const v of String(this.params.include || '').split(',')) if (v.trim()) set.add(v.trim());
      return [...set].join(',');
    }

    async send(form, kind, req) {
      const f = this.flow;
      switch (kind) {
        case 'login':
          f.loginID = req.loginID;
          f.password = req.password;
          return custos.call('accounts.login', this.withCommon({...req, loginMode: 'standard',
            include: this.include('profile,data,emails,subscriptions,preferences,missing-required-fields')}));
        case 'register': {
          const init = await custos.call('accounts.initRegistration', {ignoreInterruptions: true});
          if (init.errorCode !== 0) return init;
          const next = form.dataset.onSuccessScreen;
          const nextTpl = next && !next.startsWith('_') && this.templateOf(next.split('/').pop());
          const finalize = !(nextTpl && nextTpl.querySelector('form'));
          f.loginID = req.email || req.username;
          f.password = req.password;
          const res = await custos.call('accounts.register', this.withCommon({...req, regToken: init.regToken,
            finalizeRegistration: finalize, include: this.include('profile,data,missing-required-fields')}));
          if (res.errorCode === 0 && !finalize) {
            f.regToken = res.regToken || init.regToken;
            f.finalize = true;
          }
          return res;
        }
        case 'reset-password': {
          if (!form.querySelector('[name="newPassword"]')) {
            return custos.call('accounts.resetPassword', this.withCommon({loginID: req.loginID || req.email || req.username}));
          }
          const token = this.params.passwordResetToken || new URLSearchParams(location.search).get('pwrt') || '';
          return custos.call('accounts.resetPassword', this.withCommon({passwordResetToken: token, newPassword: req.newPassword}));
        }
        case 'resend-verification-code':
          return custos.call('accounts.resendVerificationCode', this.withCommon(f.regToken ? {regToken: f.regToken} : {}));
        case 'profile': {
          const params = {...req};
          delete params.loginID;
          if (f.pendingPassword) {
            // The token of a due password change changes the password only.
            const res = await custos.call('accounts.setAccountInfo', this.withCommon({regToken: f.regToken,
              password: req.password || f.password, newPassword: req.newPassword}));
            if (res.errorCode !== 0) return res;
            f.pendingPassword = false;
            f.regToken = '';
            f.password = req.newPassword;
            // The new password logs in (the change opens no session).
            return custos.call('accounts.login', this.withCommon({loginID: f.loginID, password: req.newPassword,
              loginMode: 'standard', include: this.include('profile,data,emails,subscriptions,preferences,missing-required-fields')}));
          }
          const changes = isObj(f.account) ? changesOf(form, params, f.account) : params;
          if (f.regToken) changes.regToken = f.regToken;
          if (!changes.newPassword) delete changes.password;
          delete changes.email;
          delete changes.username;
          return custos.call('accounts.setAccountInfo', this.withCommon(changes));
        }
      }
      return failure(400006, 'Invalid parameter value', 'form: no form kind');
    }

    async handle(form, kind, res) {
      const f = this.flow;
      if (res.errorCode === 0) {
        if (kind === 'profile' && f.regToken && !f.pendingPassword) f.finalize = true;
        if (kind === 'login' || (kind === 'register' && !f.finalize)) this.loggedIn(res);
        const next = form.dataset.onSuccessScreen ||
          (this.screen && this.screen.dataset.onSuccessScreen) || '_finish';
        return this.go(next, res);
      }
      if (ROUTES[res.errorCode]) return this.pending(form, res);
      this.showErrors(form, res, kind);
    }

    loggedIn(res) {
      if (res.UID) {
        this.flow.regToken = '';
        this.flow.finalize = false;
        this.flow.missing = null;
      }
    }

    // pending routes a pending answer to its screen, keeping its regToken;
    // without a screen for it, the error shows at the form.
    async pending(form, res) {
      const f = this.flow;
      if (res.regToken) f.regToken = res.regToken;
      if (Array.isArray(res.missingRequiredFields)) f.missing = res.missingRequiredFields;
      f.pendingPassword = res.errorCode === PENDING_PASSWORD_CHANGE;
      if (res.errorCode === PENDING_REGISTRATION) {
        f.finalize = true;
        if (Array.isArray(f.missing) && f.missing.length === 0) return this.finish(res);
      }
      if (res.errorCode === PENDING_VERIFICATION) f.finalize = false;
      const to = this.route(res.errorCode);
      if (to) return this.go(to, res);
      console.warn(`custos: screen-set ${this.setID} has no screen for error ${res.errorCode}`);
      if (form) this.showErrors(form, res);
      else this.end('pendingError', res);
    }

    showErrors(form, res, kind) {
      const t = this.t;
      let first = null;
      let unmatched = false;
      for (const ve of Array.isArray(res.validationErrors) ? res.validationErrors : []) {
        const name = String(ve.fieldName || '');
        const input = fieldsOf(form).find((el) => el.type !== 'hidden' && (el.name === name ||
          fieldPath(el.name) === fieldPath(name) || fieldPath(el.name) === `profile.${name}` ||
          (name === 'password' && el.name === 'newPassword' && !form.querySelector('[name="password"]:not([type=hidden])'))));
        if (!input) {
          unmatched = true;
          continue;
        }
        setFieldError(form, input, fieldMessage(t, ve, input));
        first = first || input;
      }
      if (!first || unmatched) {
        let key = FORM_ERRORS[res.errorCode];
        if (res.errorCode === 401030) key = kind === 'login' ? 'old_password_used' : 'old_password_cannot_be_the_same_as_new_password';
        if (res.errorCode === 403042 && kind === 'profile') key = 'invalid_password';
        let text = (key && t(key)) || res.errorMessage || t('general_error');
        if (res.errorCode === 400303 && res.errorDetails) text = res.errorDetails;
        setFormError(form, text);
      }
      if (first) first.focus();
      const back = this.fire('error', this.errorEvent(res, form));
      if (isObj(back) && typeof back.nextScreen === 'string') this.go(back.nextScreen, res);
    }

    errorEvent(res, form) {
      return {
        errorCode: res.errorCode, errorMessage: res.errorMessage, errorDetails: res.errorDetails,
        status: res.status || 'FAIL', statusMessage: res.statusMessage || res.errorMessage,
        response: {errorCode: res.errorCode, errorMessage: res.errorMessage,
          errorDetails: `${this.containerID || 'modal'}.screenSet`, containerID: this.containerID || null,
          params: this.params, info: {screen: this.screenID || null,
            form: form ? form.dataset.screensetElementId || form.id || null : null, response: res}},
      };
    }

    // finish ends the flow; a registration still pending is finalized
    // first (reference §4.5), which may route on (206002).
    async finish(res) {
      const f = this.flow;
      if (f.finalize && f.regToken) {
        const fin = await custos.call('accounts.finalizeRegistration', this.withCommon({regToken: f.regToken,
          include: this.include('profile,data')}));
        if (this.ended) return;
        if (fin.errorCode !== 0) {
          this.flow.response = fin;
          const form = this.screen && this.screen.querySelector('form');
          if (ROUTES[fin.errorCode]) return this.pending(form, fin);
          if (form) return this.showErrors(form, fin);
          return this.end('error', fin);
        }
        f.finalize = false;
        f.regToken = '';
        res = fin;
      }
      this.end('finished', res);
    }

    // end hides the flow and answers the caller: the last answer when it
    // finished, 200001 when the user (or the page) closed it.
    end(reason, res) {
      if (this.ended) return;
      this.ended = true;
      if (state.instances.get(this.key) === this) state.instances.delete(this.key);
      const finished = reason === 'finished' || reason === 'skip';
      if (!res || (!finished && res.errorCode === 0)) {
        res = failure(200001, 'Operation canceled', `screen-set ${this.setID} was closed (${reason})`,
          {screenSet: this.setID, reason});
      }
      this.flow.password = '';
      if (this.dialog) {
        this.dialog.close();
        this.dialog.remove();
        if (this.opener && this.opener.isConnected && typeof this.opener.focus === 'function') this.opener.focus();
      } else if (this.root) {
        this.root.remove();
      }
      this.fire('hide', {reason, isFlowFinalized: finished, user: this.flow.account || null});
      this.resolve(res);
    }
  }

  // --- public methods -----------------------------------------------------------

  function whenDOMReady() {
    if (document.readyState !== 'loading') return Promise.resolve();
    return new Promise((r) => document.addEventListener('DOMContentLoaded', r, {once: true}));
  }

  function failEarly(params, res) {
    const h = params.onError;
    if (typeof h === 'function') {
      try {
        h({eventName: 'error', screenSetID: params.screenSet, context: params.context, source: 'showScreenSet',
          errorCode: res.errorCode, errorMessage: res.errorMessage, errorDetails: res.errorDetails, status: 'FAIL',
          response: {...res, containerID: params.containerID || null, params}});
      } catch (e) {
        console.warn('custos: onError handler threw:', e);
      }
    }
    return res;
  }

  // secrets is what an interruption keeps of its caller's password, out of
  // params (which event handlers see).
  async function showScreenSet(params, secrets = {}) {
    params = {...params};
    if (typeof params.screenSet !== 'string' || !params.screenSet) {
      return failEarly(params, failure(400002, 'Missing required parameter', 'screenSet'));
    }
    await whenDOMReady();
    let container = null;
    if (params.containerID) {
      container = document.getElementById(params.containerID);
      if (!container) {
        return failEarly(params, failure(400103, 'Invalid containerID',
          `no element with id "${params.containerID}" in the document`, {containerID: params.containerID}));
      }
    }
    const lang = normLang(params.lang || custos.lang || (custos.conf && custos.conf.lang));
    adoptCSS(BASE_CSS);
    const got = await loadSet(params.screenSet, lang);
    if (!got.ok) {
      if (container) {
        const p = document.createElement('p');
        p.className = 'custos-load-error';
        p.setAttribute('role', 'alert');
        p.textContent = translator(lang, {}, params.customLang)('general_error');
        container.replaceChildren(p);
      }
      return failEarly(params, got.response);
    }
    const key = `${params.screenSet}_${params.containerID || ''}`;
    const prev = state.instances.get(key);
    if (prev) prev.end('canceled');
    // A set shown where another lives ends that one: its caller hears
    // 'canceled' and onHide, not silence.
    if (container) for (const f of [...state.instances.values()]) if (f.container === container) f.end('canceled');
    if (!container) for (const f of state.instances.values()) if (f.dialog) f.end('canceled');
    const flow = new Flow(params, got, container, translator(lang, got.translations, params.customLang), lang);
    state.instances.set(key, flow);
    const init = params.initialResponse;
    if (init) {
      if (init.regToken) flow.flow.regToken = init.regToken;
      if (Array.isArray(init.missingRequiredFields)) flow.flow.missing = init.missingRequiredFields;
      flow.flow.pendingPassword = init.errorCode === PENDING_PASSWORD_CHANGE;
      flow.flow.finalize = init.errorCode === PENDING_REGISTRATION;
      const cp = params.callerParams || {};
      flow.flow.loginID = cp.loginID || cp.email || cp.username;
      flow.flow.password = secrets.password;
    }
    if (params.regToken && !flow.flow.regToken) {
      flow.flow.regToken = params.regToken;
      flow.flow.finalize = true;
    }
    flow.mount();
    await flow.go(flow.firstScreen() || '');
    return flow.done;
  }

  function instancesOf(params) {
    const out = [];
    for (const f of state.instances.values()) {
      if (params.screenSet && f.setID !== params.screenSet && !f.key.startsWith(`${params.screenSet}_`)) continue;
      if (params.containerID && f.containerID !== params.containerID) continue;
      out.push(f);
    }
    return out;
  }

  function hideScreenSet(params) {
    for (const f of instancesOf(params || {})) f.end('canceled');
    return {errorCode: 0, status: 'OK', statusMessage: '', errorMessage: '', operation: 'hideScreenSet', context: params && params.context};
  }

  async function switchScreen(params) {
    params = params || {};
    const [f] = instancesOf(params);
    if (!f) {
      if (!params.screenSet) return failure(400002, 'Missing required parameter', 'screenSet');
      return showScreenSet({...params, startScreen: params.screen});
    }
    await f.go(String(params.screen || ''));
    return {errorCode: 0, status: 'OK', statusMessage: '', errorMessage: '', operation: 'switchScreen', context: params.context};
  }

  custos.defineMethod('accounts.showScreenSet', showScreenSet);
  custos.defineMethod('accounts.hideScreenSet', hideScreenSet);
  custos.defineMethod('accounts.switchScreen', switchScreen);

  // A pending answer (206001, 206002, 403100) to an accounts call of the
  // page opens the site's defaultRegScreenSet on the screen for it; the
  // caller's callback gets how that flow ended (reference §4.5): the last
  // answer when it finished, 200001 when the user closed it.
  custos.onInterruption = (response, callerParams, answer) => {
    const p = callerParams || {};
    const setID = custos.conf && custos.conf.defaultRegScreenSet;
    if (!response || !ROUTES[response.errorCode] || p.ignoreInterruptions || !setID || !response.regToken) return false;
    // The caller's params go into the flow's params, which onError and the
    // hooks see: without the passwords (the flow keeps the one it needs).
    const shown = {};
    for (const [k, v] of Object.entries(p)) if (!['password', 'newPassword', 'oldPassword', 'secretAnswer'].includes(k)) shown[k] = v;
    const reply = (res) => {
      if (answer) return answer({...res, context: p.context});
      if (typeof p.callback !== 'function') return;
      try {
        p.callback({...res, context: p.context});
      } catch (err) {
        console.warn('custos: a callback threw:', err);
      }
    };
    showScreenSet({screenSet: setID, initialResponse: response, callerParams: shown, lang: p.lang,
      sessionExpiration: p.sessionExpiration, context: p.context, include: p.include}, {password: p.password})
      .then(reply, (err) => {
        console.warn('custos: the interruption flow failed:', err);
        reply(failure(500001, 'General Server Error', `screen-set ${setID}: ${err && err.message}`));
      });
    return true;
  };
})();
