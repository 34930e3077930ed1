// The demo page: register, verify the address, sign in, reset a forgotten
// password, see the profile, list and revoke sessions, and read the access
// token's claims. Plain JavaScript over the public API (common.js).
//
// The access token lives only in this script's memory. In cookie mode the
// refresh token is an HttpOnly cookie that this script never sees; the
// endpoints that read it want the CSRF token in the X-CSRFToken header.
"use strict";

(() => {
  const kit = window.demoKit;
  const { config, describe, showErrors, clearErrors, busy, timeElement } = kit;
  const state = {
    access: null,
    refresh: null,
    refreshing: null,
    unverified: "",
    restoreActions: null,
    sessionsShown: "",
    polling: null,
  };
  const $ = (id) => document.getElementById(id);
  const AUTO_REFRESH_SECONDS = 15;
  // The session list follows sign-ins elsewhere: asked again this often while
  // the page is visible, and whenever the window comes back to the front.
  const SESSIONS_POLL_SECONDS = 5;
  const PROFILE_LABELS = {
    email: "Email",
    display_name: "Display name",
    date_joined: "Member since",
    id: "Account id",
  };

  // HTTP --------------------------------------------------------------------

  const api = (method, path, { body, auth = false } = {}) =>
    kit.api(method, path, { body, access: auth ? state.access : null });

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

  // The message bar sticks to the top of the window (demo.css), so what an
  // action answers is in view wherever its button was.
  function say(text, isError = false) {
    $("message").textContent = text;
    $("message").classList.toggle("error", isError);
  }

  // Where development mail goes, said only when it really goes there.
  function mailHint() {
    return config.mailToConsole
      ? " In development the mail is printed in the terminal running `make run`."
      : "";
  }

  function accountError(text) {
    $("account-error").textContent = text;
    $("account-error").hidden = !text;
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
    accountError("");
  }

  // Put back the account's buttons if a confirmation replaced them.
  function restoreActions() {
    if (state.restoreActions) state.restoreActions();
    state.restoreActions = null;
  }

  function signedOut(text, isError = false) {
    restoreActions();
    state.access = null;
    state.refresh = null;
    $("status").textContent = "Signed out";
    $("status").dataset.state = "signed-out";
    $("signed-in-panel").hidden = true;
    $("signed-out-panel").hidden = false;
    $("profile").replaceChildren();
    $("sessions").replaceChildren();
    state.sessionsShown = "";
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

  // Once a second: the access token's remaining lifetime, and the human dates.
  function tick() {
    for (const element of document.querySelectorAll("time[datetime]")) {
      element.textContent = kit.ago(element.dateTime);
    }
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

  function cell(content, label) {
    const td = document.createElement("td");
    td.append(content);
    if (label) td.dataset.label = label;
    return td;
  }

  function button(text, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  // Revoking asks first, in place: "Revoke this session? Yes, revoke / Cancel".
  function revokeControl(session) {
    const holder = document.createElement("div");
    const start = button("Revoke", "revoke", () => {
      const question = document.createElement("span");
      question.textContent = session.current
        ? "Revoke this session? This page signs out."
        : "Revoke this session?";
      const yes = button("Yes, revoke", "revoke confirm-revoke", () =>
        busy(yes, "Revoking…", () => revokeSession(session)),
      );
      yes.dataset.sessionId = session.id;
      const no = button("Cancel", "secondary cancel-revoke", () => {
        holder.replaceChildren(start);
        start.focus();
      });
      const box = document.createElement("div");
      box.className = "confirm";
      box.append(question, yes, no);
      holder.replaceChildren(box);
      no.focus();
    });
    start.dataset.sessionId = session.id;
    start.dataset.current = String(Boolean(session.current));
    holder.append(start);
    return holder;
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
    const tr = document.createElement("tr");
    tr.append(
      cell(device),
      cell(session.ip_address || "unknown", "IP address"),
      cell(timeElement(session.created_at), "Signed in"),
      cell(timeElement(session.last_used_at), "Last used"),
      cell(revokeControl(session)),
    );
    tr.dataset.sessionId = session.id;
    return tr;
  }

  function profileEntry(key, value) {
    const dt = document.createElement("dt");
    dt.textContent = PROFILE_LABELS[key] || key;
    const dd = document.createElement("dd");
    dd.dataset.field = key;
    if (key === "date_joined") dd.append(timeElement(value));
    else dd.textContent = value === "" ? "—" : String(value);
    return [dt, dd];
  }

  function verificationEntry(me) {
    const dt = document.createElement("dt");
    dt.textContent = "Email status";
    const dd = document.createElement("dd");
    dd.dataset.field = "email_verified";
    const badge = document.createElement("span");
    badge.className = "verify-state";
    badge.id = "verify-state";
    badge.dataset.verified = String(Boolean(me.email_verified));
    badge.textContent = me.email_verified ? "verified" : "not verified";
    dd.append(badge);
    if (me.pending_email) {
      const pending = document.createElement("span");
      pending.textContent = ` Change to ${me.pending_email} waits for its link.`;
      dd.append(pending);
    } else if (!me.email_verified && config.emailVerification !== "none") {
      const resend = button("Send the link again", "link", () =>
        busy(resend, "Sending…", () => resendVerification(me.email)),
      );
      resend.id = "profile-resend";
      dd.append(" ", resend);
    }
    return [dt, dd];
  }

  // Actions -----------------------------------------------------------------

  async function loadProfile() {
    const result = await authed("GET", config.urls.me);
    if (!state.access) return;
    const list = $("profile");
    list.replaceChildren();
    if (!result.ok) {
      accountError(`Profile not available: ${describe(result)}`);
      return;
    }
    const me = result.data || {};
    for (const key of ["email", "display_name", "date_joined", "id"]) {
      if (key in me) list.append(...profileEntry(key, me[key]));
    }
    if ("email_verified" in me) list.append(...verificationEntry(me));
  }

  // A poll's answer can arrive after someone opened a revoke question or
  // focused a button: it is dropped then, or the question would vanish
  // under the pointer. An explicit reload (after a revoke) always redraws.
  function listInUse() {
    const list = $("sessions");
    return Boolean(list.querySelector(".confirm")) || list.contains(document.activeElement);
  }

  async function loadSessions({ unlessInUse = false } = {}) {
    const result = await authed("GET", config.urls.sessions);
    if (!state.access) return;
    if (unlessInUse && listInUse()) return;
    if (!result.ok) {
      accountError(`Sessions not available: ${describe(result)}`);
      return;
    }
    const sessions = Array.isArray(result.data) ? result.data : result.data.results;
    const shown = JSON.stringify(sessions);
    if (shown === state.sessionsShown) return;  // unchanged: keep hover and focus
    state.sessionsShown = shown;
    $("sessions").replaceChildren(...sessions.map(sessionRow));
  }

  // Ask for the list again, unless nobody can see it or someone is using it
  // (a revoke question is open, or a button in it has the focus).
  function pollSessions() {
    if (!state.access || state.polling || document.visibilityState !== "visible") return;
    if (listInUse()) return;
    state.polling = loadSessions({ unlessInUse: true }).finally(() => {
      state.polling = null;
    });
  }

  async function showAccount() {
    signedIn();
    await loadProfile();
    if (state.access) await loadSessions();
  }

  function registeredText(email) {
    if (config.emailVerification === "mandatory") {
      return `Account created for ${email}. Follow the link mailed to it, then ` +
        `sign in.${mailHint()}`;
    }
    if (config.emailVerification === "optional") {
      return `Account created for ${email}. A verification link was mailed to ` +
        `it; you can sign in now.${mailHint()}`;
    }
    return `Account created for ${email}. Sign in to start a session.`;
  }

  async function register(event) {
    event.preventDefault();
    const form = $("register-form");
    const body = {
      email: $("register-email").value,
      password: $("register-password").value,
    };
    const name = $("register-name").value.trim();
    if (name) body.display_name = name;
    const result = await busy($("register-submit"), "Creating…", () =>
      api("POST", config.urls.register, { body }),
    );
    if (!result.ok) {
      showErrors(form, result);
      say("");
      return;
    }
    clearErrors(form);
    form.reset();
    $("login-email").value = result.data.email;
    $("login-password").focus();
    say(registeredText(result.data.email));
  }

  async function login(event) {
    event.preventDefault();
    const form = $("login-form");
    const body = {
      email: $("login-email").value,
      password: $("login-password").value,
    };
    const result = await busy($("login-submit"), "Signing in…", () =>
      api("POST", config.urls.login, { body }),
    );
    const unverified = result.data && result.data.code === "email_unverified";
    state.unverified = unverified ? body.email : "";
    $("resend-verification").hidden = !unverified;
    if (!result.ok) {
      showErrors(form, result);
      say("");
      return;
    }
    clearErrors(form);
    form.reset();
    keepTokens(result.data);
    say("Signed in: a new session was created for this page.");
    await showAccount();
  }

  async function resendVerification(email) {
    const result = await api("POST", config.urls.verifyResend, { body: { email } });
    say(describe(result) + (result.ok ? mailHint() : ""), !result.ok);
  }

  function toggleForgot() {
    const form = $("reset-request-form");
    form.hidden = !form.hidden;
    $("forgot-toggle").setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) {
      $("reset-email").value = $("login-email").value;
      $("reset-email").focus();
    }
  }

  async function requestReset(event) {
    event.preventDefault();
    const form = $("reset-request-form");
    const body = { email: $("reset-email").value };
    const result = await busy($("reset-request-submit"), "Sending…", () =>
      api("POST", config.urls.passwordReset, { body }),
    );
    if (!result.ok) {
      showErrors(form, result);
      return;
    }
    clearErrors(form);
    say(describe(result) + mailHint());
  }

  async function revokeSession(session) {
    const result = await authed("DELETE", `${config.urls.sessions}${session.id}/`);
    if (!state.access) return;
    if (!result.ok) {
      accountError(`Could not revoke: ${describe(result)}`);
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
    const result = await busy($("logout"), "Signing out…", () =>
      api("POST", config.urls.logout, { body, auth: true }),
    );
    signedOut(result.ok ? "Signed out." : `Signed out (${describe(result)}).`);
  }

  // "Sign out everywhere" asks first, like revoking one session.
  function confirmLogoutAll() {
    const actions = $("account-actions");
    const saved = [...actions.children];
    const question = document.createElement("span");
    question.textContent = "Revoke every session of this account, this page's too?";
    const yes = button("Yes, sign out everywhere", "revoke", () =>
      busy(yes, "Signing out…", logoutAll),
    );
    yes.id = "logout-all-confirm";
    const no = button("Cancel", "secondary", () => {
      restoreActions();
      $("logout-all").focus();
    });
    const box = document.createElement("div");
    box.className = "confirm";
    box.append(question, yes, no);
    actions.replaceChildren(box);
    no.focus();
    state.restoreActions = () => actions.replaceChildren(...saved);
  }

  async function logoutAll() {
    const result = await authed("POST", config.urls.logoutAll);
    restoreActions();
    if (!state.access) return;
    if (!result.ok) {
      accountError(`Could not sign out everywhere: ${describe(result)}`);
      return;
    }
    const count = result.data.revoked;
    signedOut(
      `Signed out everywhere: ${count} ${count === 1 ? "session" : "sessions"} revoked.`,
    );
  }

  async function rotateNow() {
    const result = await busy($("rotate"), "Refreshing…", rotate);
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
    $("reset-request-form").addEventListener("submit", requestReset);
    $("forgot-toggle").addEventListener("click", toggleForgot);
    $("resend-verification").addEventListener("click", () =>
      busy($("resend-verification"), "Sending…", () =>
        resendVerification(state.unverified),
      ),
    );
    $("logout").addEventListener("click", logout);
    $("logout-all").addEventListener("click", confirmLogoutAll);
    $("rotate").addEventListener("click", rotateNow);
    setInterval(tick, 1000);
    setInterval(pollSessions, SESSIONS_POLL_SECONDS * 1000);
    window.addEventListener("focus", pollSessions);
    document.addEventListener("visibilitychange", pollSessions);
    resume();
  }

  start();
})();
