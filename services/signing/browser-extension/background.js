// Service worker. Answers our content script; never takes a secret from a page.
//   {op: "hello"}                    -> asks the native host "jp.zairyu.signer" whether it is installed
//   {op: "sign", data, description}  -> opens confirm.html, the extension's own window, which shows what
//   {op: "auth", challenge}             is signed and asks for the signature password (or the 4-digit PIN)
// The origin sent to the host is the browser's record of who is asking (MessageSender), never a value
// supplied by the page. The pending request is kept in storage.session, not in this worker's memory:
// Chrome stops an idle MV3 worker after ~30 s, and a person may take longer to type a password.
"use strict";

importScripts("strings.js"); // self.ZairyuStrings: the "not signed" text in the page's language

const HOST = "jp.zairyu.signer";
const MAX_DATA = 16 * 1024 * 1024; // as the native host's own limit on what it signs
const LANGS = ["ja", "en", "vi", "zh", "ko", "pt", "tl", "ne"];

// The page's <html lang> (vi, zh-Hans, pt-BR, fil...) -> the signer's language codes.
function signerLang(tag) {
  const lang = String(tag || "").toLowerCase().split(/[-_]/)[0];
  if (lang === "fil") return "tl";
  return LANGS.includes(lang) ? lang : "en";
}

function askHost(envelope) {
  return new Promise((resolve) => {
    chrome.runtime.sendNativeMessage(HOST, envelope, (reply) => {
      if (chrome.runtime.lastError || !reply) {
        resolve({
          id: envelope.id,
          ok: false,
          error: {
            code: "native_host_unavailable",
            message: (chrome.runtime.lastError && chrome.runtime.lastError.message) ||
              "zairyu-signer is not installed on this computer",
          },
        });
        return;
      }
      resolve(reply);
    });
  });
}

function invalid(id, message) {
  return { id, ok: false, error: { code: "bad_request", message } };
}

async function openConfirmation(id, request, origin, lang, sender) {
  let pending;
  if (request.op === "sign") {
    if (typeof request.data !== "string" || !request.data || request.data.length > MAX_DATA * 4 / 3 + 4) {
      return invalid(id, "data must be base64 text");
    }
    const description = typeof request.description === "string" ? request.description.slice(0, 500) : "";
    pending = { op: "sign", data: request.data, description };
  } else {
    if (typeof request.challenge !== "string" || !request.challenge || request.challenge.length > 1000) {
      return invalid(id, "challenge is required");
    }
    pending = { op: "auth", challenge: request.challenge };
  }
  // One signer window per tab: a page cannot stack windows on the person (the open one comes forward).
  const open = Object.values(await chrome.storage.session.get(null)).find((p) => p && p.tabId === sender.tab.id);
  if (open) {
    if (open.windowId !== undefined) chrome.windows.update(open.windowId, { focused: true }).catch(() => {});
    return { id, ok: false, error: { code: "busy", message: "the signer window is already open" } };
  }
  const token = crypto.randomUUID();
  Object.assign(pending, { id, origin, lang, tabId: sender.tab.id, frameId: sender.frameId || 0 });
  await chrome.storage.session.set({ ["req:" + token]: pending });
  const win = await chrome.windows.create({
    url: chrome.runtime.getURL("confirm.html#" + token), type: "popup", width: 520, height: 680, focused: true,
  });
  await chrome.storage.session.set({ ["req:" + token]: Object.assign(pending, { windowId: win.id }) });
  return { id, ok: true, pending: true }; // the answer comes later, from confirm.html to the tab
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !sender.tab || !message || typeof message !== "object") {
    return false; // only our own content scripts, running in a tab
  }
  const id = message.id;
  const request = message.request && typeof message.request === "object" ? message.request : {};
  const origin = sender.origin || new URL(sender.url).origin;
  const lang = signerLang(message.lang);
  if (request.op === "hello") {
    askHost({ id, origin, lang, request: { op: "hello" } }).then((reply) =>
      sendResponse(Object.assign({}, reply, { id, extension: chrome.runtime.getManifest().version })));
    return true;
  }
  if (request.op === "sign" || request.op === "auth") {
    openConfirmation(id, request, origin, lang, sender).then(sendResponse,
      (err) => sendResponse({ id, ok: false, error: { code: "extension_error", message: String(err) } }));
    return true;
  }
  sendResponse(invalid(id, "unknown op"));
  return false;
});

// The person closed the signer window without answering: tell the page, so it does not wait forever.
chrome.windows.onRemoved.addListener(async (windowId) => {
  const all = await chrome.storage.session.get(null);
  for (const [key, pending] of Object.entries(all)) {
    if (!key.startsWith("req:") || pending.windowId !== windowId) continue;
    await chrome.storage.session.remove(key);
    const { cancelled } = self.ZairyuStrings.of(pending.lang);
    chrome.tabs.sendMessage(pending.tabId, {
      source: "zairyu-confirm", id: pending.id, reply: { id: pending.id, ok: false, error: { code: "cancelled", message: cancelled } },
    }, { frameId: pending.frameId }).catch(() => { /* the tab is gone too */ });
  }
});
