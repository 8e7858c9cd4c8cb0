// Turns message text into text nodes and links. Only http(s) URLs become links; nothing is parsed as HTML.

const URL_PATTERN = /https?:\/\/[^\s<>"'、。「」（）]+/g;
const ENDS_A_SENTENCE = ".,;:!?";
const OPENING = { ")": "(", "]": "[", "}": "{" };

export function textWithLinks(text) {
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const address = withoutTrailingPunctuation(match[0]);
    const link = linkTo(address);
    if (!link) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(link);
    from = match.index + address.length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}

// "(see https://example.com/a)." links https://example.com/a, but a closing bracket with its opening
// one inside the address is part of it: https://en.wikipedia.org/wiki/Closure_(computer_programming).
function withoutTrailingPunctuation(address) {
  for (;;) {
    const last = address.at(-1);
    const unbalanced = last in OPENING && count(address, last) > count(address, OPENING[last]);
    if (!ENDS_A_SENTENCE.includes(last) && !unbalanced) return address;
    address = address.slice(0, -1);
  }
}

function count(text, character) {
  return text.split(character).length - 1;
}

function linkTo(address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const link = document.createElement("a");
  link.href = url.href;
  link.textContent = address;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}
