// Server-side autosave of the draft: every change is sent a few seconds later (the page also saves
// on every step without JavaScript). Nothing is lost on a timeout or a closed tab.
(function () {
  var form = document.getElementById("step-form");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-autosave"), status = document.getElementById("autosave-status"), timer = null;
  function save() {
    timer = null;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { if (r.ok && status) status.textContent = "✓"; });
  }
  form.addEventListener("input", function () { if (timer) clearTimeout(timer); timer = setTimeout(save, 3000); });
  window.addEventListener("pagehide", function () { if (timer) { clearTimeout(timer); navigator.sendBeacon && navigator.sendBeacon(url, new FormData(form)); } });
})();
