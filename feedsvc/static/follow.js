// Copy buttons of the follow blocks: put the feed address on the clipboard.
// Without this script the buttons stay hidden and the address is plain, selectable text.
"use strict";
for (const button of document.querySelectorAll("button[data-copy]")) {
  const status = button.nextElementSibling;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      status.textContent = "Copied. Now paste it into your feed reader.";
    } catch {
      status.textContent = "Could not copy: select the address and copy it.";
    }
  });
}
