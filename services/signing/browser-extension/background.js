// Relays requests from our content script to the native host "jp.zairyu.signer".
// The origin sent to the host is the browser's record of who is asking (MessageSender),
// never a value supplied by the page.
"use strict";

const HOST = "jp.zairyu.signer";

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !sender.tab) {
    return false; // only our own content scripts, running in a tab
  }
  const origin = sender.origin || new URL(sender.url).origin;
  const envelope = {
    id: message.id,
    origin,
    lang: (navigator.language || "en").slice(0, 2),
    request: message.request,
  };
  chrome.runtime.sendNativeMessage(HOST, envelope, (reply) => {
    if (chrome.runtime.lastError || !reply) {
      sendResponse({
        id: message.id,
        ok: false,
        error: {
          code: "native_host_unavailable",
          message: (chrome.runtime.lastError && chrome.runtime.lastError.message) ||
            "zairyu-signer is not installed on this computer",
        },
      });
      return;
    }
    sendResponse(reply);
  });
  return true; // answer asynchronously
});
