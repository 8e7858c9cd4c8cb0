// A person's initial on a colour derived from their name: the same everywhere, for everyone.

export function paintAvatar(element, name) {
  element.textContent = Array.from(name.trim())[0]?.toLocaleUpperCase() || "?";
  element.style.setProperty("--avatar-hue", String(hueOf(name)));
}

// Hues that read well with white letters, in light and dark; spread apart so neighbours differ.
const HUES = [245, 200, 165, 135, 30, 5, 330, 285, 215, 180];

function hueOf(name) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return HUES[hash % HUES.length];
}
