/* Progressive enhancement of limited fields: the hint that states a field's limit
   ("At most 200 characters.", templates/web/macros.html) also says how many are left.
   Without this script the limit is still stated, and the server refuses longer text
   with the limit and the length given; nothing is ever cut. Counted as the server
   counts: code points, a line break as the two characters a browser sends (CR LF). */
(function () {
  "use strict";
  function length(value) {
    return Array.from(value.replace(/\r?\n/g, "\r\n")).length;
  }
  document.querySelectorAll("p.limit[data-for]").forEach(function (hint) {
    var field = document.getElementById(hint.getAttribute("data-for"));
    var max = field ? parseInt(field.getAttribute("data-max"), 10) : NaN;
    if (!field || isNaN(max)) {
      return;
    }
    var counter = document.createElement("span");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    hint.appendChild(document.createTextNode(" "));
    hint.appendChild(counter);
    var shown = null;
    function update() {
      var left = max - length(field.value);
      var text = left >= 0
        ? hint.getAttribute("data-left").replace("{n}", left.toLocaleString(document.documentElement.lang))
        : hint.getAttribute("data-over").replace("{n}", (-left).toLocaleString(document.documentElement.lang));
      if (text !== shown) {
        counter.textContent = text;
        shown = text;
      }
      counter.classList.toggle("over", left < 0);
    }
    field.addEventListener("input", update);
    update();
  });
}());
