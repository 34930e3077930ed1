// The demo page: register, sign in, see the profile, list and revoke sessions,
// and read the access token's claims. Plain JavaScript over the public API.
//
// The access token lives only in this script's memory. In cookie mode the
// refresh token is an HttpOnly cookie that this script never sees; the
// endpoints that read it want the CSRF token in the X-CSRFToken header.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("demo-config").textContent);
  const state = { access: null, refresh: null, refreshing: null };
  const $ = (id) => document.getElementById(id);
  const AUTO_REFRESH_SECONDS = 15;

  // HTTP --------------------------------------------------------------------

  async function api(method, path, { body, auth = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && state.access) headers.Authorization = `Bearer ${state.access}`;
    if (method !== "GET") headers["X-CSRFToken"] = config.csrfToken;
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: `HTTP ${response.status}` };
    }
    return { ok: response.ok, status: response.status, data };
  }

  // Call an authenticated endpoint; on a 401 rotate once and try again.
  async function authed(method, path, options = {}) {
    let result = await api(method, path, { ...options, auth: true });
    if (result.status !== 401) return result;
    const rotated = await rotate();
    if (!rotated.ok) {
      signedOut(`Signed out: the server refused this session (${describe(rotated)}).`);
      return result;
    }
    result = await api(method, path, { ...options, auth: true });
    return result;
  }

  function describe(result) {
    const data = result.data || {};
    if (typeof data.detail === "string") return data.detail;
    const parts = Object.entries(data).map(
      ([field, errors]) => `${field}: ${[].concat(errors).join(" ")}`,
    );
    return parts.join("; ") || `HTTP ${result.status}`;
  }

  function refreshBody() {
    return config.cookieMode ? {} : { refresh: state.refresh };
  }

  // Rotate the refresh token; concurrent callers share one request, since a
  // refresh token is good for exactly one rotation.
  function rotate() {
    if (!state.refreshing) {
      state.refreshing = api("POST", config.urls.refresh, { body: refreshBody() })
        .then((result) => {
          if (result.ok) keepTokens(result.data);
          return result;
        })
        .finally(() => {
          state.refreshing = null;
        });
    }
    return state.refreshing;
  }

  // Display -----------------------------------------------------------------

  function say(text, isError = false) {
    $("message").textContent = text;
    $("message").classList.toggle("error", isError);
  }

  function keepTokens(data) {
    state.access = data.access;
    if (!config.cookieMode) state.refresh = data.refresh;
    showClaims();
  }

  function signedIn() {
    $("status").textContent = "Signed in";
    $("status").dataset.state = "signed-in";
    $("signed-out-panel").hidden = true;
    $("signed-in-panel").hidden = false;
  }

  function signedOut(text, isError = false) {
    state.access = null;
    state.refresh = null;
    $("status").textContent = "Signed out";
    $("status").dataset.state = "signed-out";
    $("signed-in-panel").hidden = true;
    $("signed-out-panel").hidden = false;
    $("profile").replaceChildren();
    $("sessions").replaceChildren();
    $("claims").textContent = "";
    say(text, isError);
  }

  function decodeClaims(token) {
    const segment = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = segment + "=".repeat((4 - (segment.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function showClaims() {
    $("claims").textContent = state.access
      ? JSON.stringify(decodeClaims(state.access), null, 2)
      : "";
    tick();
  }

  function secondsLeft() {
    if (!state.access) return null;
    return Math.floor(decodeClaims(state.access).exp - Date.now() / 1000);
  }

  function tick() {
    const left = secondsLeft();
    if (left === null) {
      $("remaining").textContent = "–";
      return;
    }
    const shown = Math.max(0, left);
    const clock = `${Math.floor(shown / 60)}:${String(shown % 60).padStart(2, "0")}`;
    $("remaining").textContent = left > 0 ? `${clock} (${left} s)` : "expired";
    if (left <= AUTO_REFRESH_SECONDS && !state.refreshing) {
      rotate().then((result) => {
        if (!result.ok) signedOut(`Signed out: ${describe(result)}`);
      });
    }
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement("td");
      td.append(cell);
      tr.append(td);
    }
    return tr;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  }

  function sessionRow(session) {
    const device = document.createElement("span");
    device.textContent = session.device || session.user_agent || "unknown";
    if (session.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "this page";
      device.append(badge);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "revoke";
    button.textContent = "Revoke";
    button.dataset.sessionId = session.id;
    button.dataset.current = String(Boolean(session.current));
    button.addEventListener("click", () => revokeSession(session));
    const tr = row([
      device,
      session.ip_address || "",
      when(session.created_at),
      when(session.last_used_at),
      button,
    ]);
    tr.dataset.sessionId = session.id;
    return tr;
  }

  // Actions -----------------------------------------------------------------

  async function loadProfile() {
    const result = await authed("GET", config.urls.me);
    if (!state.access) return;
    const list = $("profile");
    list.replaceChildren();
    if (!result.ok) {
      say(`Profile not available: ${describe(result)}`, true);
      return;
    }
    for (const [key, value] of Object.entries(result.data || {})) {
      const dt = document.createElement("dt");
      dt.textContent = key;
      const dd = document.createElement("dd");
      dd.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
      dd.dataset.field = key;
      list.append(dt, dd);
    }
  }

  async function loadSessions() {
    const result = await authed("GET", config.urls.sessions);
    if (!state.access) return;
    if (!result.ok) {
      say(`Sessions not available: ${describe(result)}`, true);
      return;
    }
    const sessions = Array.isArray(result.data) ? result.data : result.data.results;
    $("sessions").replaceChildren(...sessions.map(sessionRow));
  }

  async function showAccount() {
    signedIn();
    await loadProfile();
    if (state.access) await loadSessions();
  }

  async function register(event) {
    event.preventDefault();
    const body = {
      email: $("register-email").value,
      password: $("register-password").value,
    };
    const name = $("register-name").value.trim();
    if (name) body.display_name = name;
    const result = await api("POST", config.urls.register, { body });
    if (!result.ok) {
      say(`Registration failed: ${describe(result)}`, true);
      return;
    }
    $("register-form").reset();
    $("login-email").value = result.data.email;
    $("login-password").focus();
    say(`Account created for ${result.data.email}. Sign in to start a session.`);
  }

  async function login(event) {
    event.preventDefault();
    const body = {
      email: $("login-email").value,
      password: $("login-password").value,
    };
    const result = await api("POST", config.urls.login, { body });
    if (!result.ok) {
      say(`Sign-in failed: ${describe(result)}`, true);
      return;
    }
    $("login-form").reset();
    keepTokens(result.data);
    say("Signed in: a new session was created for this page.");
    await showAccount();
  }

  async function revokeSession(session) {
    const result = await authed("DELETE", `${config.urls.sessions}${session.id}/`);
    if (!state.access) return;
    if (!result.ok) {
      say(`Could not revoke: ${describe(result)}`, true);
      return;
    }
    if (!session.current) {
      await loadSessions();
      say("Session revoked: its tokens are refused from now on.");
      return;
    }
    // Ask the server with the same access token: a revoked session's token is
    // refused on the very next request, not when it expires.
    const check = await api("GET", config.urls.me, { auth: true });
    await api("POST", config.urls.logout, { body: refreshBody() });
    signedOut(
      `Signed out: this session was revoked; the server now answers its access ` +
        `token with HTTP ${check.status} (${describe(check)}).`,
    );
  }

  async function logout() {
    const body = refreshBody();
    const result = await api("POST", config.urls.logout, { body, auth: true });
    signedOut(result.ok ? "Signed out." : `Signed out (${describe(result)}).`);
  }

  async function logoutAll() {
    const result = await authed("POST", config.urls.logoutAll);
    if (!state.access) return;
    signedOut(
      result.ok
        ? `Signed out everywhere: ${result.data.revoked} session(s) revoked.`
        : `Could not sign out everywhere: ${describe(result)}`,
      !result.ok,
    );
  }

  async function rotateNow() {
    const result = await rotate();
    if (!result.ok) {
      signedOut(`Signed out: ${describe(result)}`);
      return;
    }
    say("Tokens rotated: the previous refresh token is now used up.");
    await loadSessions();
  }

  // Start -------------------------------------------------------------------

  async function resume() {
    // In cookie mode an earlier sign-in survives a reload: the cookie is sent
    // to the refresh endpoint, which answers a fresh access token.
    if (!config.cookieMode) return;
    const result = await rotate();
    if (result.ok) {
      say("Session resumed from the refresh cookie.");
      await showAccount();
    }
  }

  function start() {
    $("mode").textContent = config.cookieMode
      ? "Refresh token: HttpOnly cookie (this script cannot read it)."
      : "Refresh token: kept in this page's memory (cookie mode is off; set " +
        "JWT_REFRESH_COOKIE=1 to use the HttpOnly cookie).";
    $("register-form").addEventListener("submit", register);
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("logout-all").addEventListener("click", logoutAll);
    $("rotate").addEventListener("click", rotateNow);
    setInterval(tick, 1000);
    resume();
  }

  start();
})();
