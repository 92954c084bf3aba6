// The SPARQL editor: Ctrl+Enter (or Cmd+Enter) runs the query; Tab indents instead of leaving the box.
"use strict";
(function () {
  const box = document.getElementById("query");
  if (!box) return;
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      box.form.requestSubmit();
    } else if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
      event.preventDefault();
      box.setRangeText("  ", box.selectionStart, box.selectionEnd, "end");
    }
  });
})();
