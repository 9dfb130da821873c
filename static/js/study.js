// Study keys: Space or Enter flips, 1-5 rate, U undoes the last rating.
// Each key clicks the same link or button a mouse would, so htmx (or, without
// it, the browser) does the rest.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
  const card = document.getElementById("card");
  if (!card) return;

  let control = null;
  if (event.key === " " || event.key === "Enter") {
    // Enter on a focused link or button already activates it.
    if (event.key === "Enter" && target.closest("a, button")) return;
    control = card.querySelector("[data-flip]");
  } else if (/^[1-5]$/.test(event.key)) {
    control = card.querySelector(`button[name="rating"][value="${event.key}"]`);
  } else if (event.key === "u" || event.key === "U") {
    control = document.querySelector("[data-undo]");
  }
  if (control) {
    event.preventDefault();
    control.click();
  }
});

// After htmx swaps in a new side of the card, move focus to the card itself
// (not to a rating button, where a stray Enter would rate it).
document.addEventListener("htmx:afterSettle", () => {
  const card = document.getElementById("card");
  if (card && document.activeElement && !card.contains(document.activeElement)) {
    card.focus({ preventScroll: true });
  }
});
