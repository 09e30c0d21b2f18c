// The police office board: polls the changes endpoint and redraws the open incidents, the devices offline and
// today's patrols without reloading the page; a new or changed incident is announced in the status line.
(function () {
  "use strict";
  var board = document.getElementById("police-board");
  if (!board) { return; }
  var url = board.getAttribute("data-changes-url");
  var since = board.getAttribute("data-since");
  var status = document.getElementById("board-status");
  var text = function (key) { return board.getAttribute("data-text-" + key) || ""; };
  var EVERY = 4000;

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function severityTone(severity) {
    if (severity >= 4) { return "danger"; }
    if (severity >= 3) { return "warn"; }
    return "info";
  }

  function incidentItem(i) {
    var li = el("li");
    li.setAttribute("data-id", i.id);
    var label = i.number + " " + i.title;
    if (i.url) { var a = el("a", "", label); a.href = i.url; li.appendChild(a); } else { li.appendChild(document.createTextNode(label)); }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "badge badge--" + severityTone(i.severity), i.severity_label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "badge badge--muted", i.status_label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "nowrap", i.compound + " · " + i.alarms + " " + text("alarms") + " · " + i.last_alarm_at));
    return li;
  }

  function deviceItem(d) {
    var li = el("li");
    li.setAttribute("data-id", d.id);
    li.appendChild(document.createTextNode(d.name + " "));
    li.appendChild(el("span", "badge badge--danger", d.kind));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "nowrap", d.compound + " · " + text("offline-since") + " " + d.since));
    return li;
  }

  function patrolItem(p) {
    var li = el("li");
    li.setAttribute("data-id", p.id);
    var a = el("a", "", p.officer + " " + p.compound);
    a.href = p.url;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "nowrap", p.started + " – " + (p.ended || text("going"))));
    return li;
  }

  function redraw(name, rows, make, emptyKey) {
    var list = board.querySelector('[data-list="' + name + '"]');
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!rows.length) { list.appendChild(el("li", "empty", text(emptyKey))); return; }
    rows.forEach(function (row) { list.appendChild(make(row)); });
  }

  function count(name, value) {
    var node = board.querySelector('[data-count="' + name + '"]');
    if (node) { node.textContent = String(value); }
  }

  function poll() {
    fetch(url + "?since=" + encodeURIComponent(since), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        redraw("incidents", state.incidents, incidentItem, "none-incidents");
        redraw("devices_offline", state.devices_offline, deviceItem, "none-devices");
        redraw("patrols", state.patrols, patrolItem, "none-patrols");
        count("incidents", state.incidents_total);
        count("devices_offline", state.devices_offline_total);
        since = state.now;
        board.setAttribute("data-since", since);
        if (status) {
          var time = new Date().toLocaleTimeString();
          status.textContent = state.changed.length
            ? text("new") + " (" + state.changed.length + ") · " + text("updated") + " " + time
            : text("updated") + " " + time;
        }
        window.setTimeout(poll, EVERY);
      })
      .catch(function () {
        if (status) { status.textContent = text("failed"); }
        window.setTimeout(poll, EVERY * 2);
      });
  }
  window.setTimeout(poll, EVERY);
}());
