// The email-verification page: posts the link's uid and token to the API.
"use strict";

(() => {
  const { config, api, showErrors, busy } = window.demoKit;
  const $ = (id) => document.getElementById(id);

  async function submit(event) {
    event.preventDefault();
    const body = { uid: config.uid, token: config.token };
    const result = await busy($("verify-submit"), "Confirming…", () =>
      api("POST", config.urls.verify, { body }),
    );
    if (!result.ok) {
      showErrors($("verify-form"), result);
      return;
    }
    $("verify-form").hidden = true;
    $("verify-done").hidden = false;
    $("verify-sign-in").focus();
  }

  $("verify-form").addEventListener("submit", submit);
})();
