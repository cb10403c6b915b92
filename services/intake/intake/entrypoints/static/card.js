// Card login with the signer extension (Web eID style): the extension signs the nonce for this
// origin with the authentication key (4-digit PIN) and answers with the token, which we submit.
(function () {
  var form = document.getElementById("card-login"), button = document.getElementById("use-extension");
  if (!form || !button || !document.documentElement.hasAttribute("data-zairyu-signer")) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    window.postMessage({ type: "zairyu-auth", challenge: form.getAttribute("data-nonce"), origin: location.origin }, location.origin);
  });
  window.addEventListener("message", function (e) {
    if (e.source !== window || !e.data || e.data.type !== "zairyu-auth-token") return;
    document.getElementById("token").value = JSON.stringify(e.data.token);
    form.submit();
  });
})();
