/* The desk's script, and it is optional: every form of the page works without it (a POST, then the page
   again). With it, a correction goes to the desk's own JSON API and the redrawn draft is swapped in place,
   without a reload; the send asks once, in a dialog. Plain JavaScript: no framework, no build step.

   No edit is lost: a correction made while another is being saved waits in a queue and is sent after it, with
   the draft's version as it then stands; what the editor has typed or chosen and not yet sent is carried over
   into the redrawn draft. A correction made on a draft that another tab or browser changed is refused by the
   desk (409): the page shows the draft as it stands and says so. */
(function () {
  "use strict";

  const queue = [];  // corrections waiting for the one being saved
  let saving = null;  // the correction being saved

  function correctionOf(form, submitter) {
    const data = new FormData(form, submitter);
    const field = (name) => String(data.get(name) || "");
    const action = field("action");
    if (action === "add") {
      const outlet = field("outlet"), url = field("url");
      return {add: {section: field("section"), headline: field("headline"), text: field("text"),
                    comment: field("comment"), pin: data.get("pin") === "on",
                    sources: outlet || url ? [{outlet: outlet, url: url}] : []}};
    }
    const flags = {kill: ["kill", true], pin: ["pin", true], unpin: ["pin", false], restore: ["restore", true]};
    const out = {item: field("item")};
    if (action in flags) {
      out[flags[action][0]] = flags[action][1];
    } else {
      out[action] = field("value");
    }
    return out;
  }

  function say(text, state) {
    const status = document.getElementById("status");
    if (!status) return;
    status.textContent = text;
    status.dataset.state = state;
  }

  function showError(text) {
    const box = document.getElementById("desk-error");
    if (box) {
      box.textContent = text;
      box.hidden = !text;
    }
  }

  /* What the editor has changed in a form and not sent: a field's value, a section chosen, a box ticked, a
     folded part opened, and where the cursor is. Each is found again in the redrawn draft by its item, its form
     and its name. */
  function fieldKey(field) {
    const form = field.form;
    const item = form && form.querySelector("input[name=item]");
    return [item ? item.value : "", form ? form.className : "", field.name].join("|");
  }

  function changed(field) {
    if (!field.name || field.type === "hidden" || field.type === "submit") return false;
    if (field.tagName === "SELECT") return Array.from(field.options).some((o) => o.selected !== o.defaultSelected);
    if (field.type === "checkbox") return field.checked !== field.defaultChecked;
    return field.value !== field.defaultValue;
  }

  function unsent(root) {
    const fields = new Map();
    root.querySelectorAll("input, textarea, select").forEach((f) => {
      if (changed(f)) fields.set(fieldKey(f), f.type === "checkbox" ? f.checked : f.value);
    });
    const open = new Set(Array.from(root.querySelectorAll("article.item details[open]"))
      .map((d) => d.closest("article.item").dataset.item));
    const active = document.activeElement;
    const focus = active && root.contains(active) && active.name ?
      {key: fieldKey(active), start: active.selectionStart, end: active.selectionEnd} : null;
    return {fields: fields, open: open, focus: focus};
  }

  function carry(kept, root) {
    root.querySelectorAll("input, textarea, select").forEach((f) => {
      const key = fieldKey(f);
      if (!kept.fields.has(key)) return;
      if (f.type === "checkbox") f.checked = kept.fields.get(key); else f.value = kept.fields.get(key);
    });
    root.querySelectorAll("article.item").forEach((item) => {
      const details = item.querySelector("details");
      if (details && kept.open.has(item.dataset.item)) details.open = true;
    });
    if (kept.focus) {
      const field = Array.from(root.querySelectorAll("input, textarea, select"))
        .find((f) => fieldKey(f) === kept.focus.key);
      if (field) {
        field.focus({preventScroll: true});
        if (kept.focus.start !== null && field.setSelectionRange) {
          try { field.setSelectionRange(kept.focus.start, kept.focus.end); } catch (e) { /* not a text field */ }
        }
      }
    }
  }

  async function swap(url, ids) {
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (!response.ok) throw new Error("the page could not be redrawn (HTTP " + response.status + ")");
    swapIn(await response.text(), ids);
  }

  /* The parts ``ids`` of the page replaced by those of ``html``, with what the editor has not sent kept. */
  function swapIn(html, ids) {
    const template = document.createElement("template");
    template.innerHTML = html;
    ids.forEach((id) => {
      const fresh = template.content.getElementById(id);
      const old = document.getElementById(id);
      if (!fresh || !old) return;
      const kept = unsent(old);
      const documents = fresh.querySelector("#documents-left-out[data-kept]");
      const had = old.querySelector("#documents-left-out");
      if (documents && had) documents.replaceWith(had);  // a correction never changes them: kept as they are
      old.replaceWith(fresh);
      carry(kept, fresh);
    });
  }

  /* The draft and the send panel as they now stand, in one request. */
  function redraw(date) {
    return swap("/issues/" + encodeURIComponent(date) + "/draft", ["draft", "send-panel"]);
  }

  function describe(correction) {
    if (correction.rebuild) return "Built from the sources";
    if (correction.add) return "Added “" + correction.add.headline + "”";
    if ("kill" in correction) return "Left out";
    if ("pin" in correction) return correction.pin ? "Pinned first" : "Unpinned";
    if ("section" in correction) return "Moved";
    if ("headline" in correction) return "Headline replaced";
    if ("comment" in correction) return correction.comment ? "Comment saved" : "Comment removed";
    if ("restore" in correction) return "Brought back";
    return "Saved";
  }

  function waiting() {
    return queue.length ? " (" + queue.length + " more waiting)" : "";
  }

  /* One correction saved; the answer is the redrawn draft and send panel, swapped in at once. Returns how the
     draft was made again ({ok, seconds, error}). */
  async function save(correction) {
    const draft = document.getElementById("draft");
    const date = draft.dataset.date;
    correction.version = draft.dataset.version;
    const response = await fetch("/api/issues/" + encodeURIComponent(date) + "/notes?documents=0", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "text/html"},
      body: JSON.stringify(correction),
    });
    if (response.ok) {
      swapIn(await response.text(), ["draft", "send-panel"]);
      const fresh = document.getElementById("draft").dataset;
      const error = document.querySelector("#draft > .desk-error.rebuild-failed");
      return {ok: fresh.ok === "yes", seconds: Number(fresh.seconds || 0), error: error ? error.textContent : ""};
    }
    const answer = await response.json().catch(() => ({error: "HTTP " + response.status}));
    if (answer.stale) {  // another tab or browser changed the draft: show it as it stands, send nothing more
      const dropped = queue.splice(0).length;
      await redraw(date);
      throw new Error(answer.error + (dropped ? " (" + dropped + " more correction" + (dropped > 1 ? "s" : "") +
                                      " made on the old draft " + (dropped > 1 ? "were" : "was") + " not sent)" : ""));
    }
    throw new Error(answer.error || ("HTTP " + response.status));
  }

  function busy() {
    say(saving.rebuild ? "Reading the sources again…" + waiting() :
        "Saving: " + describe(saving).toLowerCase() + "…" + waiting(), "busy");
  }

  async function drain() {
    let failed = false;
    while (queue.length) {
      const correction = saving = queue.shift();
      busy();
      try {
        const rebuilt = correction.rebuild ? await readAgain() : await save(correction);
        if (!rebuilt.ok) failed = true;  // the draft says why, at its top
        say(describe(correction) + (correction.rebuild ? " in " : " · rebuilt in ") + rebuilt.seconds.toFixed(2) +
            " s" + waiting(), queue.length ? "busy" : (failed ? "error" : "done"));
        const target = correction.item && (document.getElementById("item-" + correction.item) ||
                                            document.getElementById("dropped-" + correction.item));
        if (target && !queue.length && !document.activeElement.closest("#draft")) {
          target.scrollIntoView({block: "nearest"});
        }
      } catch (error) {
        failed = true;
        say("Not saved" + waiting(), queue.length ? "busy" : "error");
        showError(String(error.message || error));
      }
    }
    saving = null;
  }

  function correct(form, submitter) {
    const correction = correctionOf(form, submitter);
    const last = queue.length ? queue[queue.length - 1] : saving;
    if (last && JSON.stringify({...last, version: ""}) === JSON.stringify({...correction, version: ""})) {
      return;  // a second click on the same button
    }
    queue.push(correction);
    showError("");
    if (saving) busy(); else drain();
  }

  /* The day built from its sources again (a correction made meanwhile waits its turn in the queue). */
  async function readAgain() {
    const date = document.getElementById("draft").dataset.date;
    const response = await fetch("/api/issues/" + encodeURIComponent(date) + "/rebuild", {
      method: "POST", credentials: "same-origin", headers: {"Accept": "application/json"}});
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || ("HTTP " + response.status));
    await redraw(date);
    return answer.rebuilt;
  }

  async function send(form) {
    const panel = document.getElementById("send-panel");
    const date = panel.dataset.date;
    const status = document.getElementById("send-status");
    const data = new FormData(form);
    const body = data.get("action") === "test" ? {test_address: String(data.get("address") || "")} : {confirm: true};
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    status.textContent = "Sending…";
    try {
      const response = await fetch("/api/issues/" + encodeURIComponent(date) + "/send", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json"},
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      const message = answer.message || answer.error || ("HTTP " + response.status);
      if (!body.test_address) await swap("/issues/" + encodeURIComponent(date) + "/send/panel", ["send-panel"]);
      const fresh = document.getElementById("send-status");
      fresh.textContent = message;
      fresh.className = response.ok ? "send-result" : "desk-error";
    } catch (error) {
      status.textContent = String(error.message || error);
    } finally {
      form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-correction]")) {
      event.preventDefault();
      correct(form, event.submitter);
    } else if (form.matches("form[data-rebuild]")) {
      event.preventDefault();
      queue.push({rebuild: true});
      if (saving) busy(); else drain();
    } else if (form.matches("form[data-send]")) {
      event.preventDefault();
      send(form);
    }
  });

  document.addEventListener("click", (event) => {
    const opener = event.target.closest(".send-open");
    const dialog = document.getElementById("send-dialog");
    if (!opener || !dialog || !dialog.showModal) return;
    event.preventDefault();
    const picture = dialog.querySelector("img[data-src]");
    if (picture && !picture.getAttribute("src")) picture.setAttribute("src", picture.dataset.src);
    dialog.showModal();
  });
})();
