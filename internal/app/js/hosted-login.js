// The hosted login page of custos (/pages/login): shows the site's login
// screen-set with custos's Web SDK and, once the person is logged in, hands
// the session to the OpenID Provider (the custos-continue form, when the
// provider sent the person here with an authorization request), or sends
// them on to the site's address the page was given (data-next, checked by
// the server to be on the site's domains), or says they are logged in.
// Loaded before gigya.js, so that the SDK finds onGigyaServiceReady; no
// inline script, no eval, no markup from data (textContent only).
(() => {
	'use strict';
	const box = document.getElementById('custos-login');
	const done = document.getElementById('custos-done');
	const doneText = document.getElementById('custos-done-text');
	const logout = document.getElementById('custos-logout');
	if (!box || !done || !doneText || !logout) {
		return;
	}
	const next = box.dataset.next || '';
	const handoff = document.getElementById('custos-continue');
	const screenSet = box.dataset.screenSet || 'Default-RegistrationLogin';
	let started = false;

	// name is what the page calls the person: a name, else the email.
	const name = (profile) => {
		const p = profile || {};
		return [p.firstName, p.lastName].filter(Boolean).join(' ') || p.email || '';
	};

	const showLoggedIn = (profile) => {
		if (handoff) {
			handoff.submit();
			return;
		}
		if (next) {
			window.location.assign(next);
			return;
		}
		box.hidden = true;
		box.replaceChildren();
		const who = name(profile);
		doneText.textContent = who ? 'You are logged in as ' + who + '.' : 'You are logged in.';
		done.hidden = false;
		logout.focus();
	};

	const showScreenSet = () => {
		done.hidden = true;
		box.hidden = false;
		const params = { screenSet, containerID: box.id };
		if (box.dataset.lang) {
			params.lang = box.dataset.lang;
		}
		window.gigya.accounts.showScreenSet(params);
	};

	const start = () => {
		if (started) {
			return;
		}
		started = true;
		const gigya = window.gigya;
		gigya.accounts.addEventHandlers({
			onLogin: (e) => showLoggedIn(e && e.profile),
			onLogout: () => showScreenSet(),
		});
		logout.addEventListener('click', () => {
			logout.disabled = true;
			gigya.accounts.logout({
				callback: () => {
					logout.disabled = false;
					showScreenSet();
				},
			});
		});
		// Already logged in (an earlier visit): say so rather than ask again.
		gigya.accounts.getAccountInfo({
			include: 'profile',
			callback: (res) => {
				if (res && res.errorCode === 0) {
					showLoggedIn(res.profile);
				} else {
					showScreenSet();
				}
			},
		});
	};

	const before = window.onGigyaServiceReady;
	window.onGigyaServiceReady = (...args) => {
		if (typeof before === 'function') {
			before(...args);
		}
		start();
	};
	// gigya.js may have been ready before this script (a cached copy).
	if (window.gigya && window.gigya.isReady) {
		start();
	}
})();
