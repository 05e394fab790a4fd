// The Social Shop page: its status follows the SDK's login events, and
// window.__events records them for social.test.mjs.
window.__events = [];
window.onGigyaServiceReady = function () {
  const status = document.getElementById('status');
  const show = (text) => { status.textContent = text; };
  window.gigya.accounts.addEventHandlers({
    onLogin(e) {
      window.__events.push({ name: 'login', provider: e.provider, UID: e.UID, email: e.profile && e.profile.email,
        source: e.source });
      show(`Logged in as ${(e.profile && e.profile.email) || e.UID} (${e.provider})`);
    },
    onLogout() {
      window.__events.push({ name: 'logout' });
      show('Logged out');
    },
  });
  window.gigya.socialize.addEventHandlers({
    onError(e) { window.__events.push({ name: 'error', errorCode: e.errorCode, regToken: e.regToken }); },
    onConnectionAdded(e) { window.__events.push({ name: 'connectionAdded', provider: e.provider }); },
  });
  document.getElementById('sign-in').addEventListener('click', () => {
    window.gigya.accounts.showScreenSet({ screenSet: 'Social-Login', containerID: 'screen-set-container',
      onError(e) { window.__events.push({ name: 'screenSetError', errorCode: e.errorCode }); } });
  });
  document.getElementById('sign-out').addEventListener('click', () => window.gigya.accounts.logout());
  window.gigya.hasSession().then((yes) => {
    if (status.textContent === 'Loading…') show(yes ? 'Logged in' : 'Logged out');
  });
};
