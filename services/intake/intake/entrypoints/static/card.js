// Card login with the signer extension (Web eID style): the extension signs our nonce for this
// origin (taken from the browser) with the authentication key; we submit the token with the form.
(function () {
  var form = document.getElementById("card-login"), box = document.getElementById("extension-auth");
  if (!form || !box || !window.ZairyuExtension) return;
  ZairyuExtension.whenPresent(function () {
    box.hidden = false;
    document.getElementById("use-extension").addEventListener("click", function () {
      // What the form asks besides the card (a new e-mail address, the password before linking a card) comes
      // first: the card's answer submits the form at once.
      var missing = Array.prototype.filter.call(form.querySelectorAll("input[required]"), function (el) {
        return !el.checkValidity();
      })[0];
      if (missing) { missing.reportValidity(); return; }
      // The 4-digit PIN is typed in the extension's own window, never on this page.
      var error = document.getElementById("extension-error");
      ZairyuExtension.ask({ op: "auth", challenge: form.getAttribute("data-nonce") }, function (reply) {
        if (!reply || !reply.ok) { error.textContent = (reply && reply.error && reply.error.message) || "error"; return; }
        document.getElementById("token").value = JSON.stringify(reply.token);
        form.submit();
      });
    });
  });
})();
