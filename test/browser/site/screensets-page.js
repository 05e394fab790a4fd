// The screen-set test page's own script, written as a Gigya site writes it
// (onGigyaServiceReady, addEventHandlers); it records what happens for the
// tests in window.__events and window.__results.
window.__events = [];
window.__results = [];

function record(kind) {
  return (e) => {
    window.__events.push({ kind, eventName: e.eventName, UID: e.UID, reason: e.reason, screen: e.currentScreen ||
      e.screen, errorCode: e.errorCode, form: e.form });
  };
}

// show opens a screen-set with every handler recording; the callback's
// answer lands in window.__results.
window.show = (params) => {
  window.gigya.accounts.showScreenSet({
    onLoad: record('load'), onBeforeScreenLoad: record('beforeScreenLoad'), onAfterScreenLoad: record('afterScreenLoad'),
    onFieldChanged: record('fieldChanged'), onBeforeSubmit: record('beforeSubmit'), onSubmit: record('submit'),
    onAfterSubmit: record('afterSubmit'), onError: record('error'), onHide: record('hide'),
    ...params,
    callback: (res) => window.__results.push({ screenSet: params.screenSet, errorCode: res.errorCode,
      errorDetails: res.errorDetails, UID: res.UID, status: res.status }),
  });
};

window.onGigyaServiceReady = () => {
  window.gigya.accounts.addEventHandlers({
    onLogin: (e) => {
      record('login')(e);
      document.getElementById('status').textContent = `Logged in as ${e.profile.firstName || e.UID}.`;
    },
    onLogout: (e) => {
      record('logout')(e);
      document.getElementById('status').textContent = 'Not logged in.';
    },
  });
  window.__ready = true;
};
