// Live preview for the template editor: as one types, post the form to /templates/preview and
// swap in the fragment the server renders (the same HTML the Preview button's page shows).
// Without this script the Preview button does the same with a full page (CSP script-src 'self').
"use strict";
(function () {
  const form = document.getElementById("template-form");
  const target = document.getElementById("preview");
  if (!form || !target) return;
  let timer = null;
  let sent = 0;
  async function refresh() {
    const mine = ++sent;
    const data = new FormData(form);
    data.delete("action");
    try {
      const response = await fetch("/templates/preview", {
        method: "POST", credentials: "same-origin", body: data,
      });
      const html = await response.text();
      // an older answer arriving after a newer one must not overwrite it
      if (mine === sent && (response.ok || response.status === 404)) target.innerHTML = html;
    } catch (e) {
      // offline or refused: the Preview button still works
    }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 350); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // typed before this script ran (a slow page), or restored by the browser: catch up once
  const fields = form.querySelectorAll("textarea, input:not([type=hidden]), select");
  const chosenAtLoad = (select) => Math.max(0, Array.from(select.options).findIndex((o) => o.defaultSelected));
  const edited = (el) => (el.tagName === "SELECT"
    ? el.selectedIndex !== chosenAtLoad(el)
    : el.value !== el.defaultValue);
  if (Array.from(fields).some(edited)) refresh();
})();
