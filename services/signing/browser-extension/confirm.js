// The extension's own signing window. The page never sees the signature password (or the PIN): it is
// typed here, sent to the native host with the request the background worker stored, and forgotten.
// The answer goes back to the asking tab's content script; the window then closes.
"use strict";

(function () {
  var HOST = "jp.zairyu.signer";
  var key = "req:" + location.hash.slice(1);
  var $ = function (id) { return document.getElementById(id); };
  var request = null, words = ZairyuStrings.of("en");

  function show(req) {
    request = req;
    words = ZairyuStrings.of(req.lang);
    document.documentElement.lang = words.html;
    document.title = $("title").textContent = req.op === "sign" ? words.title_sign : words.title_auth;
    $("requested-by").textContent = words.requested_by;
    $("origin").textContent = req.origin;
    $("card-hint").textContent = words.card_hint;
    $("secret-label").textContent = req.op === "sign" ? words.password_label : words.pin_label;
    $("ok").textContent = req.op === "sign" ? words.sign_button : words.auth_button;
    $("cancel").textContent = words.cancel_button;
    if (req.op === "auth") {
      $("secret").setAttribute("inputmode", "numeric");
      $("secret").setAttribute("maxlength", "4");
    } else {
      var bytes = Uint8Array.from(atob(req.data), function (c) { return c.charCodeAt(0); });
      $("what").textContent = words.what;
      $("description").textContent = req.description;
      var text;
      try { text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (e) { text = null; }
      $("preview").textContent = text === null ? "(" + bytes.length + " bytes)" :
        text.length > 4000 ? text.slice(0, 4000) + "\n…" : text;
      $("fingerprint").textContent = words.fingerprint;
      crypto.subtle.digest("SHA-256", bytes).then(function (d) {
        var hex = Array.from(new Uint8Array(d), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
        $("digest").textContent = hex.match(/.{4}/g).join(" "); // grouped as the site shows it
      });
      $("sign-details").hidden = false;
    }
    $("confirm").hidden = false;
    $("secret").focus();
  }

  // Hand the answer to the page's tab and close. The stored request goes first, so the worker's
  // "window closed" listener does not also report a cancellation.
  function deliver(reply) {
    chrome.storage.session.remove(key).then(function () {
      return chrome.tabs.sendMessage(request.tabId, { source: "zairyu-confirm", id: request.id, reply: reply },
                                     { frameId: request.frameId });
    }).catch(function () { /* the tab was closed meanwhile */ }).then(function () { window.close(); });
  }

  $("confirm").addEventListener("submit", function (event) {
    event.preventDefault();
    var secret = $("secret");
    var op = request.op === "sign" ? { op: "sign", data: request.data, password: secret.value }
                                   : { op: "auth", challenge: request.challenge, pin: secret.value };
    secret.value = "";
    $("error").textContent = "";
    $("status").textContent = words.working;
    $("ok").disabled = true;
    chrome.runtime.sendNativeMessage(HOST, { id: request.id, origin: request.origin, lang: request.lang, request: op },
      function (reply) {
        $("status").textContent = "";
        $("ok").disabled = false;
        if (chrome.runtime.lastError || !reply) {
          $("error").textContent = (chrome.runtime.lastError && chrome.runtime.lastError.message) || "zairyu-signer";
          return;
        }
        if (reply.ok) { deliver(reply); return; }
        // A wrong password stays here to be typed again (the message says how many tries are left);
        // a locked one cannot be retried.
        $("error").textContent = reply.error && reply.error.message || "error";
        if (reply.error && reply.error.code === "pin_blocked") { $("ok").disabled = true; }
        secret.focus();
      });
  });

  $("cancel").addEventListener("click", function () {
    deliver({ id: request.id, ok: false, error: { code: "cancelled", message: words.cancelled } });
  });

  chrome.storage.session.get(key).then(function (items) {
    if (items[key]) { show(items[key]); return; }
    $("title").textContent = words.expired;
  });
})();
