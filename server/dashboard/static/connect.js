// "Connect a device": a copy button for each snippet (hidden where script does not run).
"use strict";

function copyText(element) {
  const text = element.textContent;
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain http from the LAN is not a secure context: copy the selection instead.
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  const copied = document.execCommand("copy");
  selection.removeAllRanges();
  return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

for (const button of document.querySelectorAll("#connect button.copy")) {
  const target = document.getElementById(button.dataset.copy);
  button.hidden = false;
  button.addEventListener("click", () => {
    copyText(target).then(
      () => { button.textContent = "Copied"; },
      () => { button.textContent = "Select and copy by hand"; });
  });
}
