// Wide screens show a book's contents open beside the chapter; phones keep them folded.
if (window.matchMedia("(min-width: 60rem)").matches) {
  document.querySelectorAll(".book-sidebar-toc").forEach(function (details) { details.open = true; });
}
