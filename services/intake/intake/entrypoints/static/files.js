// The chosen file's name beside our own words (macros.file_input): the browser's text is hidden, as it speaks the
// device's language rather than the page's.
(function () {
  var inputs = document.querySelectorAll(".file-pick input[type=file]");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("change", function (e) {
      var input = e.target;
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      if (names.length) input.parentNode.querySelector(".file-name").textContent = names.join(", ");
    });
  }
})();
