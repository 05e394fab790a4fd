// A site's own script, in the style of sites written for Gigya's Web SDK:
// a chained onGigyaServiceReady, addEventHandlers, custom forms
// (initRegistration → register, login), getAccountInfo, getJWT, logout.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  function log(text) {
    var li = document.createElement('li');
    li.textContent = text;
    $('events').appendChild(li);
  }
  function showMember(user) {
    $('guest').hidden = true;
    $('member').hidden = false;
    $('first-name').textContent = (user.profile && user.profile.firstName) || '';
    $('email').textContent = (user.profile && user.profile.email) || '';
    $('status').textContent = 'Logged in';
  }
  function showGuest() {
    $('member').hidden = true;
    $('guest').hidden = false;
    $('jwt-out').textContent = '';
    $('status').textContent = 'Logged out';
  }
  function onLogin(e) {
    log('login ' + e.UID + ' via ' + e.provider + (e.newUser ? ' (new user)' : ''));
    gigya.accounts.getAccountInfo({ callback: function (res) { if (res.errorCode === 0) showMember(res); } });
  }
  function onLogout() {
    log('logout');
    showGuest();
  }

  var previous = window.onGigyaServiceReady;
  window.onGigyaServiceReady = function (serviceName) {
    if (typeof previous === 'function') previous(serviceName);
    log('ready ' + serviceName);
    gigya.accounts.addEventHandlers({ onLogin: onLogin, onLogout: onLogout });
    gigya.accounts.getAccountInfo({
      callback: function (res) {
        if (res.errorCode === 0) showMember(res); else showGuest();
      },
    });
  };

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      $('login-error').textContent = '';
      gigya.accounts.login({
        loginID: $('login-email').value,
        password: $('login-password').value,
        callback: function (res) {
          if (res.errorCode !== 0) $('login-error').textContent = res.errorMessage + ' (' + res.errorCode + ')';
        },
      });
    });
    $('register-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      $('register-error').textContent = '';
      gigya.accounts.initRegistration({
        callback: function (init) {
          if (init.errorCode !== 0) { $('register-error').textContent = init.errorMessage; return; }
          gigya.accounts.register({
            regToken: init.regToken,
            email: $('reg-email').value,
            password: $('reg-password').value,
            profile: { firstName: $('reg-first').value },
            finalizeRegistration: true,
          }, {
            callback: function (res) {
              if (res.errorCode !== 0) $('register-error').textContent = res.errorMessage + ' (' + res.errorCode + ')';
            },
          });
        },
      });
    });
    $('jwt').addEventListener('click', function () {
      gigya.accounts.getJWT({
        fields: 'firstName,email',
        callback: function (res) { $('jwt-out').textContent = res.errorCode === 0 ? res.id_token : res.errorMessage; },
      });
    });
    $('logout').addEventListener('click', function () {
      gigya.accounts.logout();
    });
  });
})();
