// Security keys (WebAuthn) for the console: the only script it serves (CSP script-src 'self').
// The server sends py_webauthn's options JSON (binary fields as base64url) and verifies the
// answer; this file only converts between base64url and ArrayBuffers and calls the browser.
"use strict";
(function () {
  const b64u = {
    toBuf(s) {
      const pad = "=".repeat((4 - (s.length % 4)) % 4);
      const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
      return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
    },
    fromBuf(buf) {
      let bin = "";
      new Uint8Array(buf).forEach((b) => { bin += String.fromCharCode(b); });
      return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
  };
  const csrf = () => document.querySelector("input[name=csrf_token]").value;
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body || {}),
  });
  const status = (text) => { const el = document.getElementById("webauthn-status"); if (el) el.textContent = text; };
  const descriptors = (list) => (list || []).map((c) => ({ ...c, id: b64u.toBuf(c.id) }));

  async function register(button) {
    const name = document.getElementById("key-name").value;
    const asked = await post("/webauthn/register/options", {
      password: document.getElementById("key-password").value,
      code: document.getElementById("key-code").value,
    });
    if (!asked.ok) { status((await asked.json()).detail); return; }
    const options = await asked.json();
    options.challenge = b64u.toBuf(options.challenge);
    options.user.id = b64u.toBuf(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    const cred = await navigator.credentials.create({ publicKey: options });
    const answer = {
      id: cred.id, rawId: b64u.fromBuf(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: b64u.fromBuf(cred.response.clientDataJSON),
        attestationObject: b64u.fromBuf(cred.response.attestationObject),
      },
      clientExtensionResults: cred.getClientExtensionResults(),
    };
    const done = await post("/webauthn/register/verify", { name, credential: answer });
    if (done.ok) { window.location.reload(); } else { status((await done.json()).detail); }
  }

  async function authenticate() {
    const reply = await post("/webauthn/auth/options");
    if (!reply.ok) { status("No security key is registered to this sign-in."); return; }
    const options = await reply.json();
    options.challenge = b64u.toBuf(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    const cred = await navigator.credentials.get({ publicKey: options });
    const answer = {
      id: cred.id, rawId: b64u.fromBuf(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: b64u.fromBuf(cred.response.clientDataJSON),
        authenticatorData: b64u.fromBuf(cred.response.authenticatorData),
        signature: b64u.fromBuf(cred.response.signature),
        userHandle: cred.response.userHandle ? b64u.fromBuf(cred.response.userHandle) : null,
      },
      clientExtensionResults: cred.getClientExtensionResults(),
    };
    const done = await post("/webauthn/auth/verify", { credential: answer });
    if (done.ok) { window.location.assign("/"); } else { status((await done.json()).detail); }
  }

  const wire = (id, fn) => {
    const el = document.getElementById(id);
    if (el) el.addEventListener("click", (e) => { e.preventDefault(); fn(el).catch((err) => status(String(err))); });
  };
  wire("add-security-key", register);
  wire("use-security-key", authenticate);
})();
