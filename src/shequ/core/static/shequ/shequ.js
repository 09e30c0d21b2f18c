// The staff menu is a <details> disclosure: closed on a phone so the page's content comes first, always open
// as a sidebar on a wide screen (CSS alone keeps it visible there in browsers that style ::details-content).
(function () {
  "use strict";
  var menu = document.querySelector("details.menu");
  if (!menu || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 960px)");
  function follow() { menu.open = wide.matches; }
  follow();
  wide.addEventListener("change", follow);
}());
