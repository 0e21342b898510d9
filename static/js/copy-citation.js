// "Copy the citation" (quote search), "Copy the embed code" (video page): a button after each
// textarea[data-copy-label]. The script adds it, so
// a page without the script offers no button that cannot work: the citation stays there to
// select and copy by hand.
document.querySelectorAll("textarea[data-copy-label]").forEach(function (area) {
  var button = document.createElement("button");
  var status = document.createElement("span");
  button.type = "button";
  button.className = "button button--small";
  button.textContent = area.dataset.copyLabel;
  status.className = "meta";
  status.setAttribute("role", "status");
  button.addEventListener("click", function () {
    area.select();
    var copied = function () { status.textContent = area.dataset.copiedLabel; };
    var fallback = function () { if (document.execCommand("copy")) copied(); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(area.value).then(copied, fallback);
    } else {
      fallback();
    }
  });
  area.insertAdjacentElement("afterend", button);
  button.insertAdjacentElement("afterend", status);
});
