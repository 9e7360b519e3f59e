"""A test plugin: while the first source is being read, it deletes the file named ``vanishes.txt``.

The load stage has already listed that file, so this is a source vanishing mid-run, for real.
"""

from pathlib import Path

from briefing import Loader, hookimpl


def vanish(path, data, build):
    for victim in Path(path).parent.glob("vanishes.txt"):
        victim.unlink()
    return None  # let the real loaders read this source


@hookimpl
def briefing_loaders():
    return [Loader("vanisher", vanish, frozenset({".txt", ".md", ".xml", ".html"}), priority=100)]
