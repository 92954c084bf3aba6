// Draws the network of the page from its JSON block (positions given, physics off), finds nodes by name
// and opens a side panel for a clicked node or link. Fiche text only reaches the page through textContent
// and the canvas, never as HTML; links go only to paths of this site.
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("network-data").textContent);
  var words = view.words;
  var panel = document.getElementById("network-panel");
  var byId = {};
  view.nodes.forEach(function (node) { byId[node.id] = node; });
  var edgesById = {};
  view.edges.forEach(function (edge) { edgesById[edge.id] = edge; });

  function drawnNode(node) {
    return { id: node.id, label: node.label, shape: node.shape, color: node.color, value: node.value, x: node.x, y: node.y };
  }
  function drawnEdge(edge) {
    return { id: edge.id, from: edge.from, to: edge.to, width: edge.width };
  }
  var nodes = new vis.DataSet(view.nodes.map(drawnNode));
  var network = new vis.Network(
    document.getElementById("network"),
    { nodes: nodes, edges: new vis.DataSet(view.edges.map(drawnEdge)) },
    view.options
  );
  window.network = network;
  window.networkNodes = view.nodes;

  // Labels read at 12 to 18 screen pixels whatever the zoom; the biggest nodes' labels are placed first
  // and a label that would overlap one already placed waits until a closer zoom leaves room for it.
  var biggestFirst = view.nodes.slice().sort(function (a, b) { return b.value - a.value || a.id - b.id; });
  var CELL = 80;
  function overlaps(box, placed) {
    for (var column = Math.floor(box.left / CELL); column <= Math.floor(box.right / CELL); column++) {
      for (var row = Math.floor(box.top / CELL); row <= Math.floor(box.bottom / CELL); row++) {
        var near = placed[column + ":" + row] || [];
        for (var index = 0; index < near.length; index++) {
          var other = near[index];
          if (box.left < other.right && other.left < box.right && box.top < other.bottom && other.top < box.bottom) {
            return true;
          }
        }
      }
    }
    return false;
  }
  function file(box, placed) {
    for (var column = Math.floor(box.left / CELL); column <= Math.floor(box.right / CELL); column++) {
      for (var row = Math.floor(box.top / CELL); row <= Math.floor(box.bottom / CELL); row++) {
        (placed[column + ":" + row] = placed[column + ":" + row] || []).push(box);
      }
    }
  }
  function placeLabels() {
    var scale = network.getScale();
    var positions = network.getPositions();
    var placed = {};
    var shown = [];
    nodes.update(biggestFirst.map(function (node) {
      var pixels = 12 + 6 * Math.min(1, Math.max(0, (node.value - 12) / 28));
      var centre = network.canvasToDOM(positions[node.id]);
      var half = node.label.length * pixels * 0.3;
      var top = centre.y + node.value * scale + 2;
      var box = { left: centre.x - half, right: centre.x + half, top: top, bottom: top + pixels * 1.3 };
      var free = !overlaps(box, placed);
      if (free) {
        file(box, placed);
        shown.push(node.id);
      }
      return { id: node.id, label: free ? node.label : "", font: { size: pixels / scale } };
    }));
    document.getElementById("network").setAttribute("data-labels", shown.length);
  }
  var pending = null;
  function placeSoon() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { pending = null; placeLabels(); }, 120);
  }
  network.on("zoom", placeSoon);
  network.on("dragEnd", placeSoon);

  function sitePath(path) {
    return typeof path === "string" && path.charAt(0) === "/" && path.charAt(1) !== "/";
  }
  function add(parent, tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }
  function addLink(parent, text, path) {
    if (!sitePath(path)) return;
    var anchor = add(add(parent, "p"), "a", text);
    anchor.href = path;
  }
  function actionList(heading, item) {
    if (!item.actions.length) return;
    add(panel, "h3", heading);
    var list = add(panel, "ul", undefined, "panel-actions");
    item.actions.forEach(function (action) {
      var entry = add(list, "li");
      if (sitePath(action[1])) {
        add(entry, "a", action[0]).href = action[1];
      } else {
        entry.textContent = action[0];
      }
    });
    if (item.more) add(list, "li", words.more.replace("{n}", item.more));
  }
  function open(heading, kind, facts) {
    panel.replaceChildren();
    var close = add(panel, "button", words.close);
    close.type = "button";
    close.addEventListener("click", function () {
      panel.hidden = true;
      network.unselectAll();
    });
    add(panel, "h2", heading);
    if (kind) add(panel, "p", kind, "kind");
    var list = add(panel, "ul", undefined, "facts");
    facts.forEach(function (fact) { add(list, "li", fact); });
    panel.hidden = false;
  }
  function showNode(id) {
    var node = byId[id];
    open(node.label, node.kind, node.facts);
    addLink(panel, words.page, node.page);
    addLink(panel, words.list, node.list);
    actionList(words.actions, node);
  }
  function showEdge(id) {
    var edge = edgesById[id];
    open(edge.heading, "", edge.facts);
    actionList(words.link_actions, edge);
  }
  network.on("click", function (event) {
    if (event.nodes.length) {
      showNode(event.nodes[0]);
    } else if (event.edges.length) {
      showEdge(event.edges[0]);
    }
  });

  // Search over the labels: accents and capitals do not count; an exact name wins over a part of one.
  function folded(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  var labels = document.getElementById("network-labels");
  view.nodes.slice().sort(function (a, b) { return a.label.localeCompare(b.label, "fr"); }).forEach(function (node) {
    add(labels, "option").value = node.label;
  });
  var found = document.getElementById("network-found");
  document.getElementById("network-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = folded(document.getElementById("network-q").value);
    if (!wanted) return;
    var match = view.nodes.find(function (node) { return folded(node.label) === wanted; }) ||
      view.nodes.find(function (node) { return folded(node.label).indexOf(wanted) !== -1; });
    if (!match) {
      found.textContent = words.none;
      return;
    }
    found.textContent = words.found.replace("{label}", match.label);
    network.selectNodes([match.id]);
    network.focus(match.id, { scale: Math.max(network.getScale(), 1.2), animation: false });
    placeLabels();
    showNode(match.id);
  });

  // A changed filter redraws at once: the form goes to the server, which projects the narrowed view.
  var filters = document.getElementById("network-filters");
  filters.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { filters.submit(); });
  });

  network.once("afterDrawing", function () {
    network.fit({ maxZoomLevel: 1 });
    placeLabels();
    network.once("afterDrawing", function () { document.body.setAttribute("data-settled", "true"); });
    network.redraw();
  });
})();
