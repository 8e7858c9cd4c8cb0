"""Each concern of chat/ lives in one place (docs/architecture.md): checked on the source itself."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack_independent

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "chat"
SERVER_FRAME_TYPES = {"chat", "error", "hello", "presence", "typing", "gap", "pong", "edit", "delete", "reaction", "unchanged"}


def _tree(name):
    return ast.parse((CHAT / name).read_text(encoding="utf-8"))


def _imported_modules(name):
    modules = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def _chat_modules():
    return sorted(str(path.relative_to(CHAT)) for path in CHAT.rglob("*.py") if "migrations" not in path.parts)


def test_only_server_frames_builds_a_frame_a_client_receives():
    builders = []
    for name in _chat_modules():
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant)
                            and value.value in SERVER_FRAME_TYPES):
                        builders.append(f"{name}:{node.lineno}")
    assert builders and all(where.startswith("server_frames.py:") for where in builders), builders


def test_the_model_and_the_refusal_do_not_know_the_wire():
    for name in ("models.py", "refusal.py"):
        functions = {node.name for node in ast.walk(_tree(name)) if isinstance(node, ast.FunctionDef)}
        assert "as_frame" not in functions, name


def test_storage_does_not_announce():
    for name in ("group_commit.py", "changes.py"):
        imported = _imported_modules(name)
        assert not {"chat.room_events", "chat.room_feed"} & imported, (name, imported)


def test_frames_are_built_from_what_was_read_and_never_read_the_database():
    imported = _imported_modules("server_frames.py")
    readers = {"chat.models", "chat.history", "chat.message_state", "django.db"}
    assert not {module for module in imported if module in readers or module.startswith("django.db.")}, imported


def test_every_change_is_announced_by_the_one_batch_action():
    # Posts and the other changes go through room_changes.do_changes: store, then announce, then hooks.
    for name in ("posting.py", "editing.py"):
        imported = _imported_modules(name)
        assert "chat.room_changes" in imported and "chat.room_events" not in imported, (name, imported)


def test_the_consumer_translates_and_the_outbox_is_its_own():
    imported = _imported_modules("consumers.py")
    assert "collections.deque" not in imported and "chat.socket_outbox" in imported, imported
    assert "chat.history" not in imported, "what a resuming socket is owed is chat/resume.py's"
    methods = {node.name for node in ast.walk(_tree("consumers.py")) if isinstance(node, ast.FunctionDef)}
    assert not {"deliver", "_close_soon"} & methods, methods


def test_the_feed_subscribes_orders_and_fans_out_and_declares_its_listener():
    tree = _tree("room_feed.py")
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    assert "Listener" in classes and any(
        getattr(base, "id", None) == "Protocol" for base in classes["Listener"].bases
    ), "the listener interface is a typing.Protocol"
    functions = (ast.AsyncFunctionDef, ast.FunctionDef)
    methods = {node.name for node in ast.walk(classes["RoomFeed"]) if isinstance(node, functions)}
    # Presence, revocation, the database claim and the health ping are companions of their own.
    other_jobs = ("presence", "revoke", "claim", "round_trip", "ping")
    assert not {name for name in methods if any(word in name for word in other_jobs)}, methods
