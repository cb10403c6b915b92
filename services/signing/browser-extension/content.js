// Page <-> extension relay. A page posts {source: "zairyu-page", id, request}; the answer comes
// back as {source: "zairyu-extension", id, reply}. The page cannot choose the origin that goes
// into an authentication token: the background worker takes it from the browser.
"use strict";

window.addEventListener("message", (event) => {
  if (event.source !== window || !event.data || event.data.source !== "zairyu-page") {
    return;
  }
  const { id, request } = event.data;
  chrome.runtime.sendMessage({ id, request }, (reply) => {
    if (chrome.runtime.lastError) {
      reply = { id, ok: false, error: { code: "extension_error", message: chrome.runtime.lastError.message } };
    }
    window.postMessage({ source: "zairyu-extension", id, reply }, window.location.origin);
  });
});
