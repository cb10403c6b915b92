// Browser-extension path: if the Zairyu signer extension announces itself (it sets
// data-zairyu-signer on <html>), ask it to sign the exact bytes; it posts the detached CMS to
// /api/v1/signing-requests/<code>/signature itself, exactly as the desktop signer does, and this
// page's refresh then shows the result. Without the extension nothing here runs.
(function () {
  var box = document.getElementById("extension-sign");
  if (!box || !document.documentElement.hasAttribute("data-zairyu-signer")) return;
  box.hidden = false;
  document.getElementById("sign-with-extension").addEventListener("click", function () {
    window.postMessage({ type: "zairyu-sign", code: box.getAttribute("data-code"),
                         content_b64: box.getAttribute("data-content"), origin: location.origin }, location.origin);
  });
})();
