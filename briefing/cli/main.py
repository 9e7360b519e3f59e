"""The command line: ``briefing build``, ``briefing send``, ``briefing plugins`` and friends.

Exit codes: 0 done, 1 the build or send failed (nothing replaced), 2 a usage error (one line on stderr).
``-q``/``--quiet`` prints nothing on success but the warnings about what the issue holds, which must not go
unseen (a bad source, an unknown key, an editor's note that matches nothing, failed downloads), so cron mails
only when something is wrong, and ``-v``/``--verbose`` the tool's own records down to debug (its libraries' stay
at warnings); both work before or after the subcommand. Bare ``briefing`` prints the help.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from .. import __version__
from ..config.settings import CONFIG_NAME, load_config
from ..errors import BriefingError, UsageError

log = logging.getLogger("briefing")

# Libraries whose warnings are chatter for the user (font subsetting, CSS the PDF engine ignores).
NOISY = ("weasyprint", "fontTools", "py.warnings")


def setup_logging(quiet: bool, verbose: bool) -> None:
    """The tool's records (logger ``briefing``) at the level asked for; the libraries' at warnings (errors
    only under --quiet, and the noisy ones' at errors unless --verbose). Under --quiet the tool's warnings about
    what the issue holds (:data:`~briefing.runtime.report.ABOUT_ISSUE`) are printed all the same."""
    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING, stream=sys.stderr, force=True,
                        format="briefing: %(levelname)s: %(name)s: %(message)s" if verbose
                        else "briefing: %(levelname)s: %(message)s")
    logging.captureWarnings(True)  # a library's warnings.warn is a record like any other, not a stray line
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if quiet:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_about_the_issue)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)


def _about_the_issue(record: logging.LogRecord) -> bool:
    """Under --quiet: errors, and the warnings a cron job must report (what the issue holds)."""
    return record.levelno >= logging.ERROR or bool(getattr(record, "about_issue", False))


def _verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """-q/-v given to the group or to a subcommand: remembered for the whole command, logging set at once."""
    meta = ctx.meta
    if value:
        meta[f"briefing.{param.name}"] = True
    quiet, verbose = meta.get("briefing.quiet", False), meta.get("briefing.verbose", False)
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    setup_logging(quiet, verbose)


def verbosity_options(command):
    """-q/--quiet and -v/--verbose on a command (the group and every subcommand take them)."""
    command = click.option("--verbose", "-v", is_flag=True, expose_value=False, is_eager=True, callback=_verbosity,
                           help="The tool's own records too, down to debug, on stderr.")(command)
    return click.option("--quiet", "-q", is_flag=True, expose_value=False, is_eager=True, callback=_verbosity,
                        help="Nothing on success; errors only, on stderr.")(command)


def quiet() -> bool:
    return bool(click.get_current_context().meta.get("briefing.quiet"))


def say(text: str, err: bool = False) -> None:
    """A line for the user, unless --quiet (errors are raised, never said)."""
    if not quiet():
        click.echo(text, err=err)


def workspace_config(config_path: str | None, needs_sources: bool = True, **overrides):
    """The configuration of the workspace (the nearest briefing.toml, or --config); none found is a usage
    error unless the sources are given on the command line."""
    config = load_config(Path(config_path) if config_path else None, **overrides)
    if config.path is None and not (overrides.get("sources") and needs_sources):
        raise UsageError(f"no {CONFIG_NAME} in {Path.cwd()} or any folder above it: run this in a workspace "
                         f"(make one with `briefing init DIR`), or name one with --config"
                         + (", or give --sources" if needs_sources else ""))
    return config


def _absolute_sources(entries: tuple[str, ...]) -> list[str]:
    """Command-line sources are relative to the current folder, not the workspace."""
    out = []
    for entry in entries:
        if entry.lower().startswith(("http://", "https://")):
            out.append(entry)
        elif any(ch in entry for ch in "*?[") or not os.path.exists(entry):
            out.append(entry if os.path.isabs(entry) else os.path.join(os.getcwd(), entry))
        else:
            out.append(str(Path(entry).resolve()))
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@verbosity_options
@click.version_option(__version__, "--version", prog_name="briefing", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build the daily Conflict Update from the day's sources, and mail it.

    Shell completion: eval "$(_BRIEFING_COMPLETE=bash_source briefing)" (zsh_source, fish_source).
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command()
@verbosity_options
@click.option("--date", "date", metavar="YYYY-MM-DD", help="Issue date (default: today in [briefing] timezone).")
@click.option("--sources", "sources", multiple=True, metavar="PATH",
              help="Files, folders, globs or URLs; replaces the configured sources. Repeatable.")
@click.option("--out", "out", metavar="DIR", help="Output folder (default from briefing.toml, else out/).")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest briefing.toml).")
@click.option("--format", "formats", metavar="md,html,pdf,epub", help="Which outputs to write (epub: an e-book).")
@click.option("--strict", is_flag=True, default=None, help="Any bad source or plugin failure fails the build.")
@click.option("--since", "since", metavar="TIME", help="Articles published from TIME (date or ISO time, UTC unless "
              "given) count; default: the start of the day before --date.")
@click.option("--until", "until", metavar="TIME", help="...and before TIME (a date alone: the end of that day).")
@click.option("--offline", is_flag=True, default=None,
              help="Touch no network: URL sources and articles come from the HTTP cache only.")
@click.option("--allow-empty", "allow_empty", is_flag=True, default=None,
              help="Build the issue even when no section has an item (a day with nothing new fails otherwise).")
def build(date, sources, out, config_path, formats, strict, since, until, offline, allow_empty) -> None:
    """Build one issue into OUT/<date>/."""
    from ..pipeline.build import build as run_build

    config = workspace_config(config_path, date=date, sources=_absolute_sources(sources), out=out, formats=formats,
                              strict=strict, offline=offline, allow_empty=allow_empty)
    if since or until:  # the day's window, laid over [window] in briefing.toml (read by briefing.pipeline.window)
        from ..config.schema import Moment, checked

        config.override("window", **{key: checked(Moment().check, value, f"--{key}")
                                      for key, value in (("since", since), ("until", until)) if value})
    from ..runtime.progress import terminal_progress

    with terminal_progress(enabled=not quiet()) as progress:
        result = run_build(config, progress=progress, hard_deadline=True)
    for fmt, path in result.paths.items():
        say(f"{fmt:7} {path}")
    bad = result.report.bad_sources
    damaged = sum(1 for b in bad if b.get("partial"))
    parts = [f"{len(bad) - damaged} source(s) skipped" if len(bad) > damaged else "",
             f"{damaged} damaged source(s) partly read" if damaged else ""]
    if bad:
        say(f"{'; '.join(p for p in parts if p)}; see {result.paths['report']}", err=True)


@cli.command()
@verbosity_options
@click.option("--date", "date", metavar="YYYY-MM-DD", help="Issue date (default: today in [briefing] timezone).")
@click.option("--force", is_flag=True, help="Send even if this issue was already sent, may have been delivered "
              "by an interrupted send, or has no items.")
@click.option("--to", "to", multiple=True, metavar="ADDRESS",
              help="A test send to ADDRESS only (repeatable): not recorded as the issue's send.")
@click.option("--out", "out", metavar="DIR", help="Output folder (default from briefing.toml, else out/).")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest briefing.toml).")
def send(date, force, to, out, config_path) -> None:
    """Mail a built issue to the [mail] recipients, one message each, at most once (--force sends again)."""
    from ..mail.send import send_issue

    config = workspace_config(config_path, needs_sources=False, date=date, out=out)
    result = send_issue(config, config.today(), force=force, test_to=list(to))
    say(result.message, err=not result.sent)


@cli.command()
@verbosity_options
@click.option("--date", "date", metavar="YYYY-MM-DD", help="The day to review (default: today).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; beyond loopback a token is required.")
@click.option("--port", default=8077, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--token", default=None, metavar="TOKEN",
              help="Require this token on every request (default: the [desk] token_env variable).")
@click.option("--out", "out", metavar="DIR", help="Output folder (default from briefing.toml, else out/).")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest briefing.toml).")
@click.option("--sources", "sources", multiple=True, metavar="PATH",
              help="Files, folders, globs or URLs; replaces the configured sources. Repeatable.")
def serve(date, host, port, token, out, config_path, sources) -> None:
    """The morning desk: review, correct and send the day's draft in a browser (`briefing docs desk`)."""
    import datetime as dt

    from ..desk.server import address, listen, server_for, token_for
    from ..desk.service import Desk

    config = workspace_config(config_path, needs_sources=False, date=date, out=out)  # never on defaults
    token = token_for(host, token, config.section("desk").token_env)
    day = config.date or dt.date.today()
    sock = listen(host, port)
    desk = Desk(config.path, day, out=out, sources=_absolute_sources(sources) or None, token=token, host=host,
                port=sock.getsockname()[1])
    state = desk.rebuild(day)
    if not state.ok:
        click.echo(f"briefing: the draft of {day.isoformat()} could not be built: {state.error}", err=True)
    click.echo(f"desk    {address(desk, desk.port)}")
    click.echo("        (Ctrl+C to stop)")
    try:
        server_for(desk, sock).run(sockets=[sock])
    finally:
        desk.close()  # the latest draft's files are written before the desk goes


@cli.group()
@verbosity_options
def archive() -> None:
    """The back issues in OUT/ (listed in OUT/index.html and OUT/feed.xml)."""


@archive.command("remove")
@verbosity_options
@click.argument("date", metavar="YYYY-MM-DD")
@click.option("--out", "out", metavar="DIR", help="Output folder (default from briefing.toml, else out/).")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest briefing.toml).")
def archive_remove(date, out, config_path) -> None:
    """Take the issue of DATE out of the archive page and the feed (its files are kept in OUT/.removed/)."""
    from ..output.publish import remove_issue

    config = workspace_config(config_path, needs_sources=False, out=out)
    kept, name = remove_issue(config, date)
    say(f"removed {name} ({date}) from the archive page and the feed; its files are in {kept}")


@cli.command()
@verbosity_options
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--trace", is_flag=True, help="Show each hook call and its result while building the list.")
def plugins(config_path, trace) -> None:
    """List every plugin, the hooks it implements and the sections it adds, each with its order (lower prints
    first; briefing.toml's [sections.KEY] order wins)."""
    from ..editorial.subject import subject_of
    from ..host.context import HostContext
    from ..host.sections import sections_of
    from ..host.plugins import Plugins

    config = load_config(Path(config_path) if config_path else None)
    manager = Plugins(config.workspace, trace=trace or None)
    ctx = HostContext(config, manager)
    sections = sections_of(ctx, subject_of(ctx))
    by_plugin: dict[str, list[str]] = {}
    for section in sections:
        by_plugin.setdefault(section.plugin, []).append(f"{section.title} [{section.key}], order {section.order}")
    for row in manager.describe():
        origin = row["origin"]
        if os.path.isabs(origin) and Path(origin).is_relative_to(Path.cwd()):
            origin = str(Path(origin).relative_to(Path.cwd()))
        click.echo(f"{row['name']}  ({origin})")
        click.echo(f"    hooks:    {', '.join(row['hooks']) or '-'}")
        if row["name"] in by_plugin:
            click.echo(f"    sections: {'; '.join(by_plugin[row['name']])}")


@cli.command()
@verbosity_options
@click.argument("name", required=False)
@click.option("--folder", "show_folder", is_flag=True, help="Print the folder the documents are installed in.")
def docs(name, show_folder) -> None:
    """The documentation that comes with the tool: list it, or print the document NAME (Markdown)."""
    from . import docs as shipped

    if show_folder:
        click.echo(str(shipped.folder()))
    elif name:
        click.echo(shipped.text(name), nl=False)
    else:
        for doc, heading, path in shipped.listing():
            click.echo(f"{doc:16} {heading}")
        click.echo(f"\n`briefing docs NAME` prints one; they are in {shipped.folder()}")


@cli.command()
@verbosity_options
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--copy-templates", is_flag=True,
              help="Also copy the packaged templates into templates/ (in an existing workspace too).")
def init(directory, copy_templates) -> None:
    """Make a new workspace in DIRECTORY that builds at once."""
    from .workspace import init_workspace

    for path in init_workspace(directory, copy_templates):
        say(f"wrote   {path}")
    say(f"next:   cd {directory} && briefing build   (seeds/ holds sample articles: replace them with yours)")


@cli.command("new-plugin")
@verbosity_options
@click.argument("name")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="The workspace's configuration (default: the nearest briefing.toml).")
def new_plugin(name, config_path) -> None:
    """Write a ready section plugin plugins/NAME.py and its test tests/test_NAME.py."""
    from .workspace import check_plugin_name, new_plugin as write_plugin

    check_plugin_name(name)
    config = load_config(Path(config_path) if config_path else None)
    if config.path is None:
        raise UsageError("no briefing.toml here or above; make a workspace first with `briefing init DIR`")
    for path in write_plugin(config.workspace, name):
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        say(f"wrote   {shown}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # "--sources a b c": take the words after --sources up to the next option as sources
    args = _spread_sources(args)
    try:
        cli.main(args=args, prog_name="briefing", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("briefing: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        click.echo(f"briefing: usage error: {exc.format_message()}", err=True)
        sys.exit(2)
    except UsageError as exc:
        click.echo(f"briefing: usage error: {exc}", err=True)
        sys.exit(2)
    except BriefingError as exc:
        click.echo(f"briefing: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("briefing: interrupted", err=True)
        sys.exit(130)
    sys.exit(0)


def _spread_sources(args: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        out.append(arg)
        if arg == "--sources":
            j = i + 1
            values = []
            while j < len(args) and not args[j].startswith("-"):
                values.append(args[j])
                j += 1
            if values:
                out[-1:] = [x for v in values for x in ("--sources", v)]
            i = j
            continue
        i += 1
    return out

