// A closed select shows only what fits its box: a long answer (a status of residence in Nepali or Vietnamese,
// an industry) was cut at the box's edge on a 375 px phone. Under such a select the whole chosen answer is
// written out; an answer that fits needs nothing.
(function () {
  var measure = document.createElement("canvas").getContext("2d");
  function fits(select, text) {
    measure.font = getComputedStyle(select).font;
    return measure.measureText(text).width <= select.clientWidth - 40; // the arrow and the padding
  }
  function show(select) {
    var note = document.getElementById("chosen-" + select.name);
    if (!note) {
      note = document.createElement("p");
      note.id = "chosen-" + select.name;
      note.className = "hint chosen";
      note.setAttribute("aria-hidden", "true"); // the select itself tells a screen reader its answer
      select.insertAdjacentElement("afterend", note);
    }
    var option = select.options[select.selectedIndex];
    var text = option && option.value ? option.text : "";
    note.textContent = text && !fits(select, text) ? text : "";
    note.hidden = !note.textContent;
  }
  var selects = document.querySelectorAll(".field select");
  function all() { for (var i = 0; i < selects.length; i++) show(selects[i]); }
  for (var i = 0; i < selects.length; i++) selects[i].addEventListener("change", function (e) { show(e.target); });
  window.addEventListener("resize", all);
  all();
})();
