// Keyboard-first labeling: number keys toggle labels, 0 = none, Enter submits, b = back, ? = definitions.
(function () {
  "use strict";
  var form = document.getElementById("label-form");
  var help = document.getElementById("help");
  var toggle = document.getElementById("help-toggle");
  function showHelp(on) {
    if (!help) return;
    help.hidden = on === undefined ? !help.hidden : !on;
  }
  if (toggle) toggle.addEventListener("click", function () { showHelp(); });
  var submitted = false;
  function submit() {
    if (!form || submitted) return;
    submitted = true;
    HTMLFormElement.prototype.submit.call(form);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" && event.target.type !== "checkbox") return;
    if (tag === "TEXTAREA" || tag === "SELECT") return;
    var key = event.key;
    if (key === "?" || key === "h") { showHelp(); event.preventDefault(); return; }
    if (key === "Escape") { showHelp(false); return; }
    if (key === "b" || key === "Backspace") {
      var back = document.getElementById("back-link");
      if (back) { event.preventDefault(); window.location.href = back.href; }
      return;
    }
    if (!form) return;
    if (key === "Enter") { event.preventDefault(); submit(); return; }
    var boxes = form.querySelectorAll("input[type=checkbox][name=labels]");
    if (key === "0") {
      boxes.forEach(function (box) { box.checked = false; });
      form.classList.add("none-chosen");
      event.preventDefault();
      return;
    }
    boxes.forEach(function (box) {
      if (box.dataset.key === key) {
        box.checked = !box.checked;
        form.classList.remove("none-chosen");
        event.preventDefault();
      }
    });
  });
})();
