// Shared by the demo and the password-reset page: JSON calls to the public API,
// errors shown next to their fields, busy buttons, human dates.
"use strict";

window.demoKit = (() => {
  const config = JSON.parse(document.getElementById("demo-config").textContent);

  async function api(method, path, { body, access } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (access) headers.Authorization = `Bearer ${access}`;
    if (method !== "GET") headers["X-CSRFToken"] = config.csrfToken;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return { ok: false, status: 0, data: { detail: "The server could not be reached." } };
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: `HTTP ${response.status}` };
    }
    return { ok: response.ok, status: response.status, data };
  }

  // One sentence for an error answer: its detail, else its messages.
  function describe(result) {
    const data = result.data || {};
    if (typeof data.detail === "string") return data.detail;
    const messages = Object.values(data).flatMap((errors) => [].concat(errors));
    return messages.join(" ") || `HTTP ${result.status}`;
  }

  // Put each field error under its input (inputs name their API field in
  // data-field); what names no input goes to the form's own error line.
  function showErrors(form, result) {
    clearErrors(form);
    const data = result.data || {};
    const rest = [];
    let placed = 0;
    const fieldErrors = typeof data.detail === "string" ? {} : data;
    for (const [field, errors] of Object.entries(fieldErrors)) {
      const input = form.querySelector(`[data-field="${field}"]`);
      const text = [].concat(errors).join(" ");
      if (!input) {
        rest.push(text);
        continue;
      }
      const note = input.closest("label").querySelector(".field-error");
      note.textContent = text;
      input.setAttribute("aria-invalid", "true");
      placed += 1;
    }
    if (typeof data.detail === "string") rest.push(data.detail);
    const line = form.querySelector(".form-error");
    // An error that no field and no message explains still gets a line.
    const fallback = result.ok || placed ? "" : describe(result);
    line.textContent = rest.join(" ") || fallback;
    line.hidden = !line.textContent;
    const first = form.querySelector("[aria-invalid='true']");
    if (first) first.focus();
  }

  function clearErrors(form) {
    for (const note of form.querySelectorAll(".field-error")) note.textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
    const line = form.querySelector(".form-error");
    line.textContent = "";
    line.hidden = true;
  }

  // Run *work* with *button* disabled and saying what is happening.
  async function busy(button, label, work) {
    const idle = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = label;
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = idle;
    }
  }

  const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["week", 7 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];

  // "2 minutes ago", "in 3 days", "just now".
  function ago(iso) {
    if (!iso) return "";
    const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return "just now";
  }

  // A <time> element: the human phrase, the exact moment on hover.
  function timeElement(iso) {
    const element = document.createElement("time");
    if (!iso) return element;
    element.dateTime = iso;
    element.title = new Date(iso).toLocaleString();
    element.textContent = ago(iso);
    return element;
  }

  return { config, api, describe, showErrors, clearErrors, busy, ago, timeElement };
})();
