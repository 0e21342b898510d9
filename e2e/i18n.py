"""The translatable strings of the portal's own code, extracted as `makemessages` would.

Templates go through Django's `templatize` (what makemessages feeds to xgettext) and the
resulting gettext calls are read with Python's tokenizer; Python modules are read with `ast`.
No gettext tools are needed, so the coverage test runs anywhere.

    python -m e2e.i18n        # lists the msgids the French catalogues do not translate,
                              # and our entries another catalogue shadows
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = (
    "core",
    "portal",
    "accounts",
    "mailer",
    "media_library",
    "clips",
    "speeches",
    "newsletter",
    "lightboxes",
    "alerts",
    "api",
)
TEMPLATE_DIRS = [BASE_DIR / "templates", *(BASE_DIR / app / "templates" for app in APPS)]
TEMPLATE_SUFFIXES = {".html", ".txt"}
GETTEXT = {"gettext", "gettext_lazy", "gettext_noop", "_", "ugettext", "ugettext_lazy"}
NGETTEXT = {"ngettext", "ngettext_lazy"}
PGETTEXT = {"pgettext", "pgettext_lazy"}
NPGETTEXT = {"npgettext", "npgettext_lazy"}
ALL_FUNCTIONS = GETTEXT | NGETTEXT | PGETTEXT | NPGETTEXT
SKIPPED_FOLDERS = {"tests", "migrations", "testing", "__pycache__", "locale"}


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None = None
    context: str | None = None
    source: str = ""

    @property
    def key(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def _message(function: str, args: list[str], source: str) -> Message | None:
    if function in GETTEXT and len(args) >= 1:
        return Message(args[0], source=source)
    if function in NGETTEXT and len(args) >= 2:
        return Message(args[0], plural=args[1], source=source)
    if function in PGETTEXT and len(args) >= 2:
        return Message(args[1], context=args[0], source=source)
    if function in NPGETTEXT and len(args) >= 3:
        return Message(args[1], plural=args[2], context=args[0], source=source)
    return None


def _calls_in_tokens(code: str, source: str) -> list[Message]:
    """gettext-family calls whose leading arguments are string literals."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(code).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    ]
    found = []
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string not in ALL_FUNCTIONS:
            continue
        if tokens[i + 1].string != "(":
            continue
        args: list[str] = []
        j = i + 2
        while j < len(tokens) and tokens[j].type == tokenize.STRING:
            parts = []
            while j < len(tokens) and tokens[j].type == tokenize.STRING:  # implicit concatenation
                parts.append(ast.literal_eval(tokens[j].string))
                j += 1
            args.append("".join(parts))
            if j < len(tokens) and tokens[j].string == ",":
                j += 1
        message = _message(token.string, args, source)
        if message:
            found.append(message)
    return found


def template_messages(path: Path) -> list[Message]:
    from django.utils.translation.template import templatize

    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    # Indentation means nothing here, and a template that starts indented (a fragment such as
    # media_library/_filter_form.html) would stop the tokenizer: each call is on one line.
    code = "\n".join(line.lstrip() for line in code.splitlines())
    return _calls_in_tokens(code, str(path.relative_to(BASE_DIR)))


def python_messages(path: Path) -> list[Message]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in ALL_FUNCTIONS:
            continue
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                args.append(arg.value)
            else:
                break
        message = _message(name, args, f"{path.relative_to(BASE_DIR)}:{node.lineno}")
        if message:
            found.append(message)
    return found


def _files(folder: Path, suffixes: set[str]) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in suffixes
        and p.is_file()
        and not SKIPPED_FOLDERS & set(p.relative_to(folder).parts[:-1])
    )


def portal_messages() -> dict[str, Message]:
    """Every msgid of the portal's templates and Python code, keyed as in a catalogue."""
    messages: dict[str, Message] = {}
    for folder in TEMPLATE_DIRS:
        if folder.is_dir():
            for path in _files(folder, TEMPLATE_SUFFIXES):
                for message in template_messages(path):
                    messages.setdefault(message.key, message)
    for app in APPS:
        for path in _files(BASE_DIR / app, {".py"}):
            for message in python_messages(path):
                messages.setdefault(message.key, message)
    return messages


def untranslated(language: str = "fr") -> list[Message]:
    """The portal's msgids that no active catalogue (project, apps, allauth, Django)
    translates into `language` with a non-empty msgstr."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation(language)._catalog
    missing = []
    for key, message in sorted(portal_messages().items()):
        if message.plural is not None:
            forms = [catalog.get((key, n)) for n in range(2)]
            if not all(forms):
                missing.append(message)
        elif not catalog.get(key):
            missing.append(message)
    return missing


@dataclass(frozen=True)
class Shadowed:
    catalogue: str
    msgid: str
    ours: str
    shown: str


def shadowed(language: str = "fr") -> list[Shadowed]:
    """Entries of our catalogues that readers never see: a catalogue that comes first (the
    project's, then the apps' in INSTALLED_APPS order, Django's admin and allauth among them)
    translates the same msgid otherwise, as Django's admin once said "Tout" for our "All".
    A msgid whose translation must differ by where it is used needs its own context."""
    import gettext

    from django.utils.translation import trans_real

    merged = trans_real.translation(language)._catalog
    found = []
    catalogues = [
        BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.mo",
        *sorted(BASE_DIR.glob(f"*/locale/{language}/LC_MESSAGES/django.mo")),
    ]
    for mo in catalogues:
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog
        for key, text in catalog.items():
            msgid = key[0] if isinstance(key, tuple) else key
            if msgid and merged.get(key) != text:
                catalogue = str(mo.relative_to(BASE_DIR).parent.parent.parent.parent) or "."
                found.append(Shadowed(catalogue, msgid, text, merged.get(key) or ""))
    return found


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    for entry in shadowed():
        print(f"# {entry.catalogue}: {entry.msgid!r} shows {entry.shown!r}, not {entry.ours!r}")
    for message in untranslated():
        print(f"#: {message.source}")
        if message.context:
            print(f"msgctxt {_po_string(message.context)}")
        print(f"msgid {_po_string(message.msgid)}")
        if message.plural is not None:
            print(f"msgid_plural {_po_string(message.plural)}")
            print('msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            print('msgstr ""\n')
