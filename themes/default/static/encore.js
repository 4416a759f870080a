// Encore: click-to-load embeds. The page carries a link to the provider and the player's address;
// nothing is requested from the provider until the reader presses the button. Without JavaScript
// the link remains, and works.
//
// Under posts, Like buttons work in place (see initLikes).
//
// On the writer's desk, the editor keeps what is typed every few seconds (an autosave the editor
// offers back after a closed tab or a crash) and shows the text as readers will see it. Without
// JavaScript the editor's own Save and Preview buttons do the same.
(function () {
  "use strict";
  var players = [
    "https://www.youtube-nocookie.com/embed/",
    "https://player.vimeo.com/video/",
    "https://w.soundcloud.com/player/",
    "https://bandcamp.com/EmbeddedPlayer/",
    "https://open.spotify.com/embed/"
  ];

  function allowed(src) {
    return players.some(function (prefix) { return src.indexOf(prefix) === 0; }) && !/[\s"'<>\\]/.test(src);
  }

  function load(figure, src, kind, provider) {
    var frame = document.createElement("iframe");
    var autoplay = kind === "video" ? (src.indexOf("?") < 0 ? "?" : "&") + "autoplay=1" : "";
    frame.src = src + autoplay;
    frame.title = provider + " player";
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    if (kind === "audio") {
      frame.height = figure.getAttribute("data-embed-height") || "166";
      frame.style.height = frame.height + "px";
    }
    figure.classList.add("embed-loaded");
    figure.replaceChildren(frame);
    frame.focus();
  }

  function prepare(figure) {
    var src = figure.getAttribute("data-embed-src") || "";
    if (!allowed(src)) { return; }
    var kind = figure.getAttribute("data-embed-kind") === "audio" ? "audio" : "video";
    var provider = figure.getAttribute("data-embed-provider") || "the provider";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = (kind === "video" ? "Play video" : "Play") + " from " + provider;
    var note = document.createElement("p");
    note.className = "embed-note";
    note.textContent = "Loading the player connects to " + provider + ".";
    button.addEventListener("click", function () { load(figure, src, kind, provider); });
    figure.insertBefore(button, figure.firstChild);
    figure.appendChild(note);
  }

  function prepareAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("figure.embed[data-embed-src]"), prepare);
  }

  function initEditor() {
    var form = document.querySelector("form.editor[data-autosave]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var status = document.getElementById("autosave-status");
    var box = document.getElementById("live-preview");
    var shown = document.getElementById("live-preview-body");
    var dirty = false;
    var busy = false;
    var leaving = false;
    var timer = null;

    function fields() { return new URLSearchParams(new FormData(form)); }
    function say(text) { if (status) { status.textContent = text; } }
    function post(url) {
      return fetch(url, {
        method: "POST",
        body: fields(),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (answer) {
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.json();
      });
    }

    function keep() {
      if (!dirty || busy) { return; }
      dirty = false;
      busy = true;
      post(form.getAttribute("data-autosave"))
        .then(function (kept) { say("Your changes were kept at " + kept.display + " UTC; save to publish them."); })
        .catch(function () { dirty = true; say("Your changes could not be kept just now; they are still here."); })
        .then(function () { busy = false; });
    }

    function preview() {
      if (!box || !shown) { return; }
      post(form.getAttribute("data-preview"))
        .then(function (rendered) {
          shown.innerHTML = rendered.html;
          prepareAll(shown);
          box.hidden = false;
        })
        .catch(function () { /* the Preview button still works */ });
    }

    form.addEventListener("input", function () {
      dirty = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(preview, 700);
    });
    form.addEventListener("submit", function () { leaving = true; });
    window.setInterval(keep, 5000);
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !leaving) {
        keep();
        event.preventDefault();
        event.returnValue = "";
      }
    });
    var body = form.querySelector("textarea[name=body]");
    if (body && body.value.trim() !== "") { preview(); }
  }

  // Like buttons: without JavaScript each is a form that goes back to the same place; with it,
  // the like is sent in the background and the button and count change in place. What this
  // browser likes is remembered here, so a shared (cached) page still shows it.
  var LIKES_KEY = "encore-likes";

  function likedHere() {
    try {
      return JSON.parse(window.localStorage.getItem(LIKES_KEY) || "[]");
    } catch (e) {
      return [];
    }
  }

  function rememberLike(key, liked) {
    var keys = likedHere().filter(function (k) { return k !== key; });
    if (liked) { keys.push(key); }
    try {
      window.localStorage.setItem(LIKES_KEY, JSON.stringify(keys.slice(-500)));
    } catch (e) { /* private browsing: the page still works */ }
  }

  function showLike(form, liked) {
    var button = form.querySelector("button[name=do]");
    var label = form.querySelector(".like-label");
    if (!button) { return; }
    button.value = liked ? "unlike" : "like";
    button.setAttribute("aria-pressed", liked ? "true" : "false");
    if (label) { label.textContent = liked ? "Liked" : "Like"; }
  }

  function initLikes() {
    var mine = likedHere();
    var forms = document.querySelectorAll("form.like-form[data-like]");
    Array.prototype.forEach.call(forms, function (form) {
      var key = form.getAttribute("data-like");
      var button = form.querySelector("button[name=do]");
      if (button && button.value === "like" && mine.indexOf(key) >= 0) { showLike(form, true); }
      form.addEventListener("submit", function (event) {
        if (!window.fetch || !button) { return; }
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        body.set("do", button.value);
        button.disabled = true;
        var text = document.querySelector("[data-like-text='" + key + "']");
        window.fetch(form.action, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        })
          .then(function (response) {
            return response.json().then(function (answer) {
              if (!response.ok) { throw answer; }
              showLike(form, answer.liked);
              rememberLike(key, answer.liked);
              if (text) { text.textContent = answer.text; }
            });
          })
          .catch(function (problem) {
            if (text && problem && problem.detail) { text.textContent = problem.detail; }
          })
          .then(function () { button.disabled = false; });
      });
    });
  }

  // The page may have been drawn long ago (it is shared and cached): when a reader starts
  // writing, the form's time stamp is renewed, so the spam check sees how long they took.
  function initStamp() {
    var field = document.querySelector("input[data-stamp-for]");
    if (!field || !window.fetch) { return; }
    var form = field.form;
    var renewed = false;
    function renew() {
      if (renewed) { return; }
      renewed = true;
      window.fetch("/comments/stamp?post=" + encodeURIComponent(field.getAttribute("data-stamp-for")), {
        credentials: "same-origin",
        cache: "no-store"
      })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (stamp) { if (stamp) { field.value = stamp.trim(); } })
        .catch(function () { /* the stamp drawn with the page still serves */ });
    }
    // Focus, or typing that arrives without it (a browser filling the form in).
    form.addEventListener("focusin", renew);
    form.addEventListener("input", renew);
  }

  function init() {
    prepareAll(document);
    initEditor();
    initLikes();
    initStamp();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
