// The newsletter preview's frame grows to the email's full height, so nothing is clipped.
// Without this script the frame is 80 % of the window tall and can be resized.
(function () {
  "use strict";
  function fit(frame) {
    var doc = frame.contentDocument;
    if (doc && doc.documentElement) {
      frame.style.height = doc.documentElement.scrollHeight + 2 + "px";
    }
  }
  document.querySelectorAll("iframe.email-preview").forEach(function (frame) {
    frame.addEventListener("load", function () { fit(frame); });
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") {
      fit(frame);
    }
  });
})();
