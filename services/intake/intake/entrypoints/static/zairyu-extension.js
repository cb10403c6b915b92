// Talks to the Zairyu signer browser extension (services/signing/browser-extension/content.js):
// the page posts {source: "zairyu-page", id, request}; the extension answers
// {source: "zairyu-extension", id, reply}. The extension, not the page, adds the origin.
window.ZairyuExtension = (function () {
  var pending = {}, next = 1;
  window.addEventListener("message", function (e) {
    if (e.source !== window || !e.data || e.data.source !== "zairyu-extension") return;
    var cb = pending[e.data.id];
    if (cb) { delete pending[e.data.id]; cb(e.data.reply || { ok: false }); }
  });
  function ask(request, callback, timeoutMs) {
    var id = "z" + (next++);
    pending[id] = callback;
    if (timeoutMs) setTimeout(function () { if (pending[id]) { delete pending[id]; callback(null); } }, timeoutMs);
    window.postMessage({ source: "zairyu-page", id: id, request: request }, window.location.origin);
  }
  return {
    ask: ask,
    // Calls back only if the extension and its native program (zairyu-signer) both answer; otherwise
    // the page stays as it is (one-time code, desktop signer). "hello" does not touch the card.
    whenPresent: function (callback) {
      ask({ op: "hello" }, function (reply) { if (reply && reply.ok) callback(); }, 8000);
    }
  };
})();
