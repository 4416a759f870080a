// Encore: click-to-load embeds. The page carries a link to the provider and the player's address;
// nothing is requested from the provider until the reader presses the button. Without JavaScript
// the link remains, and works.
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

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.embed[data-embed-src]"), prepare);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
