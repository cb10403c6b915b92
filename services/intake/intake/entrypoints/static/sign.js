// Browser-extension path of signing. When the Zairyu signer extension and its program answer, the page
// offers "Sign with your card reader": the extension's own window shows what is signed and takes the
// signature password (this page never sees it), the card signs the exact bytes, and this page posts the
// detached CMS to the same endpoint the desktop signer uses, then reloads to show the result.
(function () {
  var box = document.getElementById("extension-sign");
  if (!box || !window.ZairyuExtension || !window.fetch) return;
  ZairyuExtension.whenPresent(function () {
    box.hidden = false;
    var button = document.getElementById("sign-with-extension"), error = document.getElementById("extension-error");
    button.addEventListener("click", function () {
      error.textContent = "";
      button.disabled = true;
      ZairyuExtension.ask({ op: "sign", data: box.getAttribute("data-content"),
                            description: box.getAttribute("data-description") }, function (reply) {
        if (!reply || !reply.ok) {
          button.disabled = false;
          error.textContent = (reply && reply.error && reply.error.message) || "error";
          return;
        }
        fetch(box.getAttribute("data-post"), { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ signature_b64: reply.signature }) })
          .then(function () { window.location.reload(); }, function () { window.location.reload(); });
      });
    });
  });
})();

// Waiting for the desktop signer: ask the server every 4 s and move on once the code is used. A script
// rather than <meta http-equiv="refresh">, which reloads the whole page under screen-reader users
// (WCAG 2.2.1); without JavaScript the "check now" link does the same.
(function () {
  var waiting = document.getElementById("sign-waiting");
  if (!waiting || !window.fetch) return;
  var url = waiting.getAttribute("data-poll");
  var timer = window.setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      if (r.redirected) { window.clearInterval(timer); window.location.assign(r.url); return null; }
      return r.text();
    }).then(function (html) {
      if (html !== null && html !== undefined && html.indexOf('id="sign-waiting"') < 0) {
        window.clearInterval(timer);
        window.location.reload();
      }
    }).catch(function () { /* offline for a moment: the next tick tries again */ });
  }, 4000);
})();
