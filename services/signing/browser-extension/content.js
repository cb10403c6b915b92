// Page <-> extension relay. A page posts {source: "zairyu-page", id, request}; the answer comes
// back as {source: "zairyu-extension", id, reply}. The page cannot choose the origin that goes
// into an authentication token (the background worker takes it from the browser), and it never
// handles the card's password or PIN: for "sign" and "auth" the worker opens the extension's own
// window, and the answer arrives later from that window ({source: "zairyu-confirm"}).
"use strict";

const waiting = new Set(); // ids of requests whose answer comes from the signer window

function answer(id, reply) {
  window.postMessage({ source: "zairyu-extension", id, reply }, window.location.origin);
}

chrome.runtime.onMessage.addListener((message, sender) => {
  if (sender.id !== chrome.runtime.id || !message || message.source !== "zairyu-confirm") return;
  if (!waiting.delete(message.id)) return;
  answer(message.id, message.reply);
});

window.addEventListener("message", (event) => {
  if (event.source !== window || !event.data || event.data.source !== "zairyu-page") {
    return;
  }
  const { id, request } = event.data;
  if (typeof id !== "string" || !request || typeof request !== "object") return;
  waiting.add(id);
  // The page's language, so the signer window and the card's messages speak it too.
  chrome.runtime.sendMessage({ id, request, lang: document.documentElement.lang }, (reply) => {
    if (chrome.runtime.lastError) {
      reply = { id, ok: false, error: { code: "extension_error", message: chrome.runtime.lastError.message } };
    }
    if (reply && reply.ok && reply.pending) return; // the signer window answers
    waiting.delete(id);
    answer(id, reply);
  });
});
