// The password-reset page: the link's uid and token come from the page's URL
// (rendered into its settings by the server); the new password is posted to
// the public API, which answers field errors in DRF's shape.
"use strict";

(() => {
  const { config, api, showErrors, clearErrors, busy } = window.demoKit;
  const $ = (id) => document.getElementById(id);

  async function submit(event) {
    event.preventDefault();
    const form = $("reset-form");
    const password = $("reset-password").value;
    if (password !== $("reset-password-again").value) {
      showErrors(form, {
        ok: false,
        data: { new_password_again: ["The two passwords differ."] },
      });
      return;
    }
    const body = { uid: config.uid, token: config.token, new_password: password };
    const result = await busy($("reset-submit"), "Saving…", () =>
      api("POST", config.urls.resetConfirm, { body }),
    );
    if (!result.ok) {
      // A dead link is the token's error: say what to do about it.
      if (result.data && result.data.token) {
        result.data = {
          detail: `${[].concat(result.data.token).join(" ")} Ask for a new link ` +
            "from the sign-in form's “Forgot your password?”.",
        };
      }
      showErrors(form, result);
      return;
    }
    clearErrors(form);
    form.hidden = true;
    $("reset-done").hidden = false;
    $("reset-sign-in").focus();
  }

  $("reset-form").addEventListener("submit", submit);
})();
