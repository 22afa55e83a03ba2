"""Outside text for Textual: plain, never markup, and with no terminal control characters.

Screens build widgets from :func:`plain` (a ``rich.text.Text``), so ``[@click=app.quit]`` or
``[/x]`` in an API message, a key name or a consumer's output is shown as those characters and
can neither run an action nor crash the render. ``markup=False`` on a ``Static`` or ``notify``
does the same for a whole string; :func:`plain` is for the places that take a renderable.
"""

from __future__ import annotations

from rich.text import Text

from rotui.core.safetext import one_line, printable


def plain(text: object, style: str = "") -> Text:
    """Shown exactly as written (control characters escaped), whatever brackets it holds."""
    return Text(printable(str(text)), style=style)


def plain_cell(text: object, style: str = "") -> Text:
    """For a one-line place (a table cell, a title): line breaks escaped as well."""
    return Text(one_line(str(text)), style=style)


__all__ = ["one_line", "plain", "plain_cell", "printable"]
