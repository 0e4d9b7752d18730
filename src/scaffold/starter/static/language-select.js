// The root page: sends the reader to the first of the browser's languages the site has, else
// to the default language. The languages come from the script element's data attributes, so
// the page needs no inline script (its Content-Security-Policy allows none).
(function () {
  var script = document.currentScript;
  var codes = script.getAttribute("data-languages").split(" ");
  var fallback = script.getAttribute("data-default");
  var base = script.getAttribute("data-base");
  var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  var choice = null;
  for (var i = 0; i < wanted.length && !choice; i++) {
    var primary = String(wanted[i]).toLowerCase().split("-")[0];
    for (var j = 0; j < codes.length; j++) {
      if (codes[j].split("-")[0] === primary) { choice = codes[j]; break; }
    }
  }
  location.replace(base + (choice || fallback) + "/");
})();
