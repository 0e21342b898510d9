// Progress for files sent through the admin (renditions are often gigabytes): the form is sent
// by XMLHttpRequest to the same URL, with a progress bar, and the page the admin answers with
// replaces this one, as after a normal submit. Without JavaScript the form posts as usual.
(function () {
  "use strict";

  function hasChosenFiles(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function words() {
    var source = document.getElementById("upload-progress-text");
    return source ? source.dataset : {};
  }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, name) {
      return values[name];
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    if (form.enctype !== "multipart/form-data" || !hasChosenFiles(form)) {
      return;
    }
    event.preventDefault();
    var text = words();
    var data;
    try {
      data = new FormData(form, event.submitter || undefined);
    } catch (error) {
      data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.append(event.submitter.name, event.submitter.value);
      }
    }
    var buttons = form.querySelectorAll("[type=submit]");
    var box = document.createElement("div");
    box.className = "upload-progress";
    box.setAttribute("role", "status");
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var label = document.createElement("span");
    box.appendChild(bar);
    box.appendChild(label);
    form.insertBefore(box, form.firstChild);
    buttons.forEach(function (button) { button.disabled = true; });

    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) {
        return;
      }
      var percent = Math.floor((progress.loaded * 100) / progress.total);
      bar.value = percent;
      label.textContent = fill(text.uploading, {
        done: megabytes(progress.loaded),
        total: megabytes(progress.total),
      });
    });
    request.upload.addEventListener("load", function () {
      bar.value = 100;
      label.textContent = text.processing || "";
    });
    request.addEventListener("load", function () {
      // The admin's answer: the next page after a save, or the form with its errors.
      document.open();
      document.write(request.responseText);
      document.close();
      if (request.responseURL) {
        window.history.replaceState(null, "", request.responseURL);
      }
    });
    request.addEventListener("error", function () {
      box.classList.add("upload-progress--failed");
      bar.remove();
      label.textContent = text.failed || "";
      buttons.forEach(function (button) { button.disabled = false; });
    });
    request.send(data);
  });
})();
