"""A test plugin: while the first source is being read, it deletes the file named ``vanishes.txt``.

The load stage has already listed that file, so this is a source vanishing mid-run, for real.
"""

from pathlib import Path

from briefing import hookimpl


@hookimpl
def briefing_load_source(path, data):
    for victim in Path(path).parent.glob("vanishes.txt"):
        victim.unlink()
    return None  # let the real loaders read this source
