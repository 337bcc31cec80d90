// Pagefind's search box on the search page; the A-Z list below works without it.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") { return; }
  new PagefindUI({
    element: "#search",
    bundlePath: box.getAttribute("data-bundle"),
    showImages: false,
    resetStyles: false,
    translations: { placeholder: "School name, town, postcode or URN" }
  });
}());
