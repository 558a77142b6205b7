// passkey.js: the browser's half of the portal's passkey ceremonies (WebAuthn), without any library.
//
// A button with data-passkey="create" or "get" carries the server's options (JSON, binary values in base64url) in
// data-options. A click decodes them, asks the browser (navigator.credentials.create or .get), encodes the answer
// as JSON with base64url values, puts it into the form's hidden "credential" field and submits the form; the server
// checks it. Listening on document keeps it working for content htmx swaps in.
(() => {
	'use strict';
	const decode = (s) => {
		const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
		return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
	};
	const encode = (buf) => {
		let s = '';
		for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
		return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
	};
	const ids = (list) => (list || []).map((c) => ({...c, id: decode(c.id)}));

	const createOptions = (o) => {
		const p = o.publicKey;
		return {...p, challenge: decode(p.challenge), user: {...p.user, id: decode(p.user.id)}, excludeCredentials: ids(p.excludeCredentials)};
	};
	const getOptions = (o) => {
		const p = o.publicKey;
		return {...p, challenge: decode(p.challenge), allowCredentials: ids(p.allowCredentials)};
	};

	const asJSON = (cred) => {
		const r = cred.response;
		const out = {
			id: cred.id, rawId: encode(cred.rawId), type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			clientExtensionResults: cred.getClientExtensionResults(),
			response: {clientDataJSON: encode(r.clientDataJSON)},
		};
		if (r.attestationObject) {
			out.response.attestationObject = encode(r.attestationObject);
			out.response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
		} else {
			out.response.authenticatorData = encode(r.authenticatorData);
			out.response.signature = encode(r.signature);
			if (r.userHandle) out.response.userHandle = encode(r.userHandle);
		}
		return JSON.stringify(out);
	};

	document.addEventListener('click', async (ev) => {
		const btn = ev.target.closest('button[data-passkey]');
		if (!btn) return;
		ev.preventDefault();
		const form = btn.form;
		const status = form.querySelector('[data-passkey-status]');
		if (!window.PublicKeyCredential) {
			status.textContent = 'This browser does not support passkeys.';
			return;
		}
		btn.disabled = true;
		status.textContent = '';
		try {
			const opts = JSON.parse(btn.dataset.options);
			const cred = btn.dataset.passkey === 'create'
				? await navigator.credentials.create({publicKey: createOptions(opts)})
				: await navigator.credentials.get({publicKey: getOptions(opts)});
			form.elements.credential.value = asJSON(cred);
			form.submit();
		} catch (e) {
			btn.disabled = false;
			status.textContent = e && e.name === 'NotAllowedError'
				? 'The passkey request was cancelled or timed out. Try again.'
				: 'The passkey could not be used (' + (e && e.name || 'error') + '). Try again.';
		}
	});
})();
