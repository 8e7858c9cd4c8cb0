// Turns message text into text nodes and links. Only http(s) URLs become links; nothing is parsed as HTML.

const URL_PATTERN = /https?:\/\/[^\s<>"'、。「」（）]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

export function textWithLinks(text) {
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const address = match[0].replace(TRAILING_PUNCTUATION, "");
    const link = linkTo(address);
    if (!link) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(link);
    from = match.index + address.length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
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
