// A button marked data-print prints the page (kept out of the HTML: the Content-Security-Policy forbids inline script).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
