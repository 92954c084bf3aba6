// Draws the view from the JSON block. Fiche text only ever reaches the page through textContent and the
// canvas, never as HTML: tooltips are built as DOM nodes, so a title like <img onerror=...> stays text.
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("view-data").textContent);

  function tooltip(tip) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    heading.textContent = tip.heading;
    box.appendChild(heading);
    tip.lines.forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    if (tip.actions.length) {
      var list = document.createElement("ul");
      tip.actions.forEach(function (action) {
        var item = document.createElement("li");
        item.textContent = action;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return box;
  }

  function withTooltips(items) {
    return items.map(function (item) {
      var drawn = Object.assign({}, item, { title: tooltip(item.tip) });
      delete drawn.tip;
      return drawn;
    });
  }

  var nodes = new vis.DataSet(withTooltips(view.nodes));
  var network = new vis.Network(
    document.getElementById("network"),
    { nodes: nodes, edges: new vis.DataSet(withTooltips(view.edges)) },
    view.options
  );
  window.network = network;

  // Physics moves only linked nodes; once it stops, line the others up again below them.
  function lineUpApart() {
    var linked = view.nodes.filter(function (node) { return node.physics; }).map(function (node) { return node.id; });
    if (!linked.length || !view.apart.length) return;
    var box = { left: Infinity, right: -Infinity, bottom: -Infinity };
    Object.values(network.getPositions(linked)).forEach(function (position) {
      box.left = Math.min(box.left, position.x);
      box.right = Math.max(box.right, position.x);
      box.bottom = Math.max(box.bottom, position.y);
    });
    var perRow = Math.max(1, Math.floor((box.right - box.left) / view.gap) + 1, Math.ceil(Math.sqrt(view.apart.length)));
    // One update for all: network.moveNode redraws once per node (229 nodes, 15 s).
    nodes.update(view.apart.map(function (id, index) {
      var row = Math.floor(index / perRow);
      return { id: id, x: box.left + (index % perRow) * view.gap, y: box.bottom + view.rowGap * (row + 1) };
    }));
  }

  // The layout comes from networkx; physics only nudges small views apart, then stops for good. Labels
  // have a size only once drawn, so the view is fitted to them after the first drawing.
  function freeze() {
    network.setOptions({ physics: { enabled: false } });
    network.once("afterDrawing", function () {
      network.fit({ maxZoomLevel: 0.9 });
      document.body.setAttribute("data-settled", "true");
    });
    network.redraw();
  }
  if (view.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      lineUpApart();
      freeze();
    });
  } else {
    freeze();
  }
})();
