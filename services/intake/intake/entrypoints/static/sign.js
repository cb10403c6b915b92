// Browser-extension path of signing: the extension signs the exact bytes with the card; this page
// posts the detached CMS to the same endpoint the desktop signer uses, then reloads to show the result.
(function () {
  var box = document.getElementById("extension-sign");
  if (!box || !window.ZairyuExtension || !window.fetch) return;
  ZairyuExtension.whenPresent(function () {
    box.hidden = false;
    document.getElementById("sign-with-extension").addEventListener("click", function () {
      var password = document.getElementById("card-password"), error = document.getElementById("extension-error");
      ZairyuExtension.ask({ op: "sign", data: box.getAttribute("data-content"), password: password.value }, function (reply) {
        password.value = "";
        if (!reply || !reply.ok) { error.textContent = (reply && reply.error && reply.error.message) || "error"; return; }
        fetch(box.getAttribute("data-post"), { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify({ signature_b64: reply.signature }) })
          .then(function () { window.location.reload(); });
      });
    });
  });
})();
