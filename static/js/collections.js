// Drag and drop to reorder a collection: an enhancement of the Move up / Move down buttons,
// which stay (they are how keyboards and pages without this script reorder). A drop sends
// every item's id in the new order to the collection's reorder address, as a form would,
// then reloads the page, which shows the order the server kept.
(function () {
  var list = document.querySelector("ol.collection-items[data-reorder-url]");
  if (!list || !list.dataset.reorderUrl) return;
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!token) return;
  var dragged = null;
  list.querySelectorAll("li[data-item]").forEach(function (item) {
    item.draggable = true;
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
    });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) return;
      event.preventDefault();
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
    item.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged = null;
      var body = new URLSearchParams();
      body.append("csrfmiddlewaretoken", token.value);
      list.querySelectorAll("li[data-item]").forEach(function (each) {
        body.append("item", each.dataset.item);
      });
      fetch(list.dataset.reorderUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function () { window.location.reload(); });
    });
  });
})();
