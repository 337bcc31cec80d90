// Compare up to five schools from compare/schools.json. No inline script, no
// other host: the page works without this file, which only adds the chooser.
(function () {
  "use strict";
  var app = document.getElementById("compare-app");
  if (!app || !window.fetch) { return; }
  var result = document.getElementById("compare-result");
  var inputs = Array.prototype.slice.call(document.querySelectorAll(".compare-input"));
  var byName = {};

  function label(s) { return s.name + " (" + (s.la || s.phase) + ", URN " + s.urn + ")"; }

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function render() {
    var chosen = inputs.map(function (i) { return byName[i.value]; }).filter(Boolean);
    result.textContent = "";
    if (!chosen.length) { return; }
    var measures = [];
    chosen.forEach(function (s) {
      s.figures.forEach(function (f) { if (measures.indexOf(f.measure) < 0) { measures.push(f.measure); } });
    });
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var table = document.createElement("table");
    table.className = "measures";
    var caption = cell("caption", "Latest headline figures of the chosen schools");
    table.appendChild(caption);
    var head = document.createElement("tr");
    head.appendChild(cell("th", "Measure"));
    chosen.forEach(function (s) {
      var th = document.createElement("th");
      th.scope = "col";
      var a = document.createElement("a");
      a.href = "../" + s.url;
      a.textContent = s.name;
      th.appendChild(a);
      th.appendChild(document.createTextNode(" " + s.year));
      head.appendChild(th);
    });
    var thead = document.createElement("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = document.createElement("tbody");
    measures.forEach(function (m) {
      var tr = document.createElement("tr");
      var th = cell("th", m);
      th.scope = "row";
      tr.appendChild(th);
      chosen.forEach(function (s) {
        var f = s.figures.filter(function (x) { return x.measure === m; })[0];
        tr.appendChild(cell("td", f ? f.text : "Not held"));
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    wrap.appendChild(table);
    result.appendChild(wrap);
  }

  fetch(app.getAttribute("data-src"))
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (schools) {
      var list = document.getElementById("school-names");
      schools.forEach(function (s) {
        byName[label(s)] = s;
        var o = document.createElement("option");
        o.value = label(s);
        list.appendChild(o);
      });
      inputs.forEach(function (i) { i.addEventListener("change", render); });
      app.hidden = false;
      document.getElementById("compare-fallback").hidden = true;
    })
    .catch(function () { /* opened from disk or offline: the explanation stays */ });
}());
