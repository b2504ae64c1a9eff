/* 人工值守: live updates by polling live.json with an ETag (304 while nothing changed); no server-sent events, since
   a held stream would tie up a gunicorn sync worker per open tab. Updates the nav's unread badge everywhere this
   script is loaded, and swaps the page's list or message region (fetched again as HTML) when the token changes. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var url = live.getAttribute("data-live");
  var every = (parseInt(live.getAttribute("data-poll"), 10) || 5) * 1000;
  var region = live.getAttribute("data-swap");
  var etag = null;
  var token = null;

  function badge(n) {
    var nodes = document.querySelectorAll("[data-unread]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = n > 0 ? String(n) : "";
      nodes[i].hidden = !(n > 0);
    }
  }

  function swap() {
    fetch(window.location.href, { credentials: "same-origin" }).then(function (res) {
      return res.ok ? res.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region);
      var here = document.getElementById(region);
      if (fresh && here) { here.replaceWith(fresh); }
    });
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { credentials: "same-origin", headers: headers }).then(function (res) {
      if (res.status !== 200) { return null; }
      etag = res.headers.get("ETag");
      return res.json();
    }).then(function (data) {
      if (!data) { return; }
      badge(data.unread);
      if (token !== null && token !== data.token) { swap(); }
      token = data.token;
    }).catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  poll();
  window.setInterval(poll, every);
}());
