// A person frame renames someone everywhere on the page at once: beside their messages (and the
// header, when it is the reader). The user name stays on hover (title).

export function renameAuthor(root, user, displayName) {
  for (const author of root.querySelectorAll(".author[data-user], .me[data-user]")) {
    if (author.dataset.user === user) author.textContent = displayName;
  }
}
