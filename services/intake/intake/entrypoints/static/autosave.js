// Server-side autosave of the draft: every change is sent a few seconds later (the page also saves
// on every step without JavaScript). Nothing is lost on a timeout or a closed tab.
(function () {
  var form = document.getElementById("step-form");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-autosave"), status = document.getElementById("autosave-status"), timer = null;
  function save() {
    timer = null;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) {
        if (!status) return;
        if (r.ok) { status.textContent = "✓"; return; }
        if (r.status === 401) expired();
      });
  }
  // The session ended (2 hours): say that this was not saved, and offer to log in in another tab, which
  // comes back to this page; what is typed here stays, and the next change saves it.
  function expired() {
    var link = document.createElement("a");
    link.href = status.getAttribute("data-login") + "?next=" + encodeURIComponent(location.pathname);
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = status.getAttribute("data-login-label");
    status.textContent = status.getAttribute("data-expired") + " ";
    status.appendChild(link);
  }
  form.addEventListener("input", function () { if (timer) clearTimeout(timer); timer = setTimeout(save, 3000); });
  window.addEventListener("pagehide", function () { if (timer) { clearTimeout(timer); navigator.sendBeacon && navigator.sendBeacon(url, new FormData(form)); } });
})();
