// A finger held still on something for half a second: a phone's right click. The click that ends it
// is swallowed, so that holding a reaction shows who reacted without also toggling it.

const HOLD_MS = 500;
const STILL_WITHIN_PX = 10;

export function onLongPress(area, callback) {
  let timer = null;
  let start = null;
  let fired = false;
  const cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  area.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse") return;
    fired = false;
    start = { x: event.clientX, y: event.clientY };
    const target = event.target;
    cancel();
    timer = setTimeout(() => {
      timer = null;
      fired = true;
      callback(target);
    }, HOLD_MS);
  });
  area.addEventListener("pointermove", (event) => {
    if (timer && start && Math.hypot(event.clientX - start.x, event.clientY - start.y) > STILL_WITHIN_PX) cancel();
  });
  for (const type of ["pointerup", "pointercancel"]) area.addEventListener(type, cancel);
  area.addEventListener("click", (event) => {
    if (!fired) return;
    fired = false;
    event.preventDefault();
    event.stopPropagation();
  }, true);
  // Android's own long press opens a context menu; ours is the one wanted.
  area.addEventListener("contextmenu", (event) => {
    if (fired || timer) event.preventDefault();
  });
}
