/* The desk's script, and it is optional: every form of the page works without it (a POST, then the page
   again). With it, a correction goes to the desk's own JSON API and the redrawn draft is swapped in place,
   without a reload; the send asks once, in a dialog. Plain JavaScript: no framework, no build step. */
(function () {
  "use strict";

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

  function say(text) {
    const status = document.getElementById("status");
    if (status) status.textContent = text;
  }

  function showError(text) {
    const box = document.getElementById("desk-error");
    if (box) {
      box.textContent = text;
      box.hidden = !text;
    }
  }

  async function swap(url, id) {
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (!response.ok) throw new Error("the page could not be redrawn (HTTP " + response.status + ")");
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const fresh = template.content.getElementById(id);
    const old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
  }

  function describe(correction) {
    if (correction.add) return "Added “" + correction.add.headline + "”";
    if ("kill" in correction) return "Left out";
    if ("pin" in correction) return correction.pin ? "Pinned first" : "Unpinned";
    if ("section" in correction) return "Moved";
    if ("headline" in correction) return "Headline replaced";
    if ("comment" in correction) return correction.comment ? "Comment saved" : "Comment removed";
    if ("restore" in correction) return "Brought back";
    return "Saved";
  }

  async function correct(form, submitter) {
    const draft = document.getElementById("draft");
    const date = draft.dataset.date;
    const correction = correctionOf(form, submitter);
    draft.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    say("Rebuilding…");
    showError("");
    try {
      const response = await fetch("/api/issues/" + encodeURIComponent(date) + "/notes", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json"},
        body: JSON.stringify(correction),
      });
      const answer = await response.json();
      if (!response.ok && !answer.rebuilt) throw new Error(answer.error || ("HTTP " + response.status));
      await swap("/issues/" + encodeURIComponent(date) + "/draft", "draft");
      await swap("/issues/" + encodeURIComponent(date) + "/send/panel", "send-panel");
      if (answer.rebuilt && !answer.rebuilt.ok) {
        say("Saved; the rebuild failed");
      } else {
        say(describe(correction) + " · rebuilt in " + answer.rebuilt.seconds.toFixed(2) + " s");
      }
      const target = correction.item && (document.getElementById("item-" + correction.item) ||
                                          document.getElementById("dropped-" + correction.item));
      if (target) target.scrollIntoView({block: "center"});
    } catch (error) {
      draft.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      say("Not saved");
      showError(String(error.message || error));
    }
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
      if (!body.test_address) await swap("/issues/" + encodeURIComponent(date) + "/send/panel", "send-panel");
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
