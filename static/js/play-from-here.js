// "Play from here": a timecode link (a[data-play-from]) seeks the page's player and plays.
// Without this script the link still works: it opens the preview at its media fragment (#t=72).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-play-from]");
  var player = document.getElementById(link && link.dataset.player || "player");
  if (!link || !player || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  var seconds = parseFloat(link.dataset.playFrom);
  if (!isFinite(seconds)) return;
  event.preventDefault();
  player.currentTime = seconds;
  player.scrollIntoView({ block: "nearest" });
  var playing = player.play();
  if (playing && playing.catch) playing.catch(function () {});
  player.focus();
});
