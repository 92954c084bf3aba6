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
  var network = new vis.Network(
    document.getElementById("network"),
    { nodes: new vis.DataSet(view.nodes.map(drawnNode)), edges: new vis.DataSet(view.edges.map(drawnEdge)) },
    view.options
  );
  window.network = network;

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
    showNode(match.id);
  });

  // A changed filter redraws at once: the form goes to the server, which projects the narrowed view.
  var filters = document.getElementById("network-filters");
  filters.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { filters.submit(); });
  });

  network.once("afterDrawing", function () {
    network.fit({ maxZoomLevel: 1 });
    document.body.setAttribute("data-settled", "true");
  });
})();
