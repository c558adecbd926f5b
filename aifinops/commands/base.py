"""The root command group, shared options, and how errors reach the terminal."""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from aifinops.config import Settings, load_settings
from aifinops.errors import AifinopsError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    db: str | None
    config: str | None
    quiet: bool
    refresh: bool = True  # an ingest's --no-refresh leaves the rollups for `aifinops refresh`

    # The consoles are made on first use: a --quiet cron run prints through click alone and
    # never imports rich (~20-50 ms of a command's start-up).
    @functools.cached_property
    def console(self) -> Console:
        from rich.console import Console

        return Console()

    @functools.cached_property
    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True)

    def settings(self) -> Settings:
        return load_settings(db=self.db, config=self.config)

    def say(self, *objects: Any) -> None:
        if not self.quiet:
            self.console.print(*objects)


def friendly_errors(func: F) -> F:
    """Turn an AifinopsError into one red line and exit status 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AifinopsError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class LazyGroup(click.Group):
    """A group whose commands register themselves when their module is imported, and whose
    modules are imported only when one of their commands runs (or `--help` lists them all): a
    cron `ingest` or `query` does not import the demo builder, the reports and the rules, ~50 ms.
    `modules` maps each command name to its module (filled in by `aifinops.cli`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.modules))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.modules:
            importlib.import_module(self.modules[cmd_name])
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option("--db", type=click.Path(dir_okay=False, path_type=str), envvar=None,
              help="Database file (default: $AIFINOPS_DB, then aifinops.toml, then "
                   "~/.local/share/aifinops/aifinops.duckdb).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=str),
              help="Config file (default: $AIFINOPS_CONFIG, then ./aifinops.toml).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the final figures (for cron).")
@click.version_option(package_name="aifinops")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, quiet: bool) -> None:
    """aifinops: what your AI workloads cost, which GPUs sit idle, and what to do about it."""
    ctx.obj = CliState(db=db, config=config, quiet=quiet)
    if ctx.invoked_subcommand is None:
        from aifinops.commands.tui import open_app, wants_app

        if not wants_app():  # a pipe or cron: there is no screen to draw on
            click.echo(ctx.get_help())
            return
        try:
            open_app(ctx.obj.settings())
        except AifinopsError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@cli.group(cls=LazyGroup)
def ingest() -> None:
    """Load a source into the database (each billing period atomically)."""


def refresh_option(func: F) -> F:
    """`--no-refresh` on an ingest command: load only, so a batch of loads pays for one refresh."""

    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        state(ctx).refresh = value

    return click.option(
        "--refresh/--no-refresh", default=True, expose_value=False, callback=remember,
        help="Refresh rollups and rerun the rules after the load (default). With --no-refresh, "
             "run `aifinops refresh` before reading the views.")(func)


def after_ingest(st: CliState, store: Any, settings: Settings, *, full: bool = False) -> None:
    """Refresh rollups and rerun the rules after a load; a failing rule is reported, not fatal."""
    if not st.refresh:
        from aifinops.status import rollups_behind

        behind = rollups_behind(store.cursor())
        if behind:
            st.say(f"not refreshed: {behind}")
        return
    from aifinops.analysis.pipeline import refresh_and_recommend

    if st.quiet:
        refreshed, recs = refresh_and_recommend(store, settings, full=full)
    else:  # tens of seconds after a big first load: say what is happening meanwhile
        with st.err.status("refreshing the rollups the views read, then the recommendations…"):
            refreshed, recs = refresh_and_recommend(store, settings, full=full)
    st.say(f"refreshed {len(refreshed.rebuilt)} period(s) of rollups in {refreshed.seconds:.2f}s; "
           f"{recs.summary()}")
    for rule, error in recs.rules_failed.items():
        click.echo(f"warning: rule {rule} failed: {error}", err=True)


UnitProgress = Callable[[str, int, int], None]  # (unit name, its 1-based index, units)


@contextmanager
def load_progress(st: CliState, store: Any) -> Iterator[UnitProgress | None]:
    """The bar an ingest shows: a step per unit (a period, a month, a path), and the running
    INSERT's share of the current unit as DuckDB reports it (a month of CUR is one INSERT, so a
    bar of units alone sits still for all of it). None under --quiet."""
    if st.quiet:
        yield None
        return
    from rich.progress import Progress

    from aifinops.store import query_progress

    with Progress(console=st.err, transient=True) as bar:
        task = bar.add_task("reading", total=None)
        shown = 0.0  # units done, plus the running INSERT's share of the current one
        lock = threading.Lock()  # `within` runs on query_progress's thread

        def step(name: str, index: int, total: int) -> None:
            nonlocal shown
            with lock:
                shown = index - 1
                bar.update(task, description=f"loading {name}", completed=shown, total=total)

        def within(percent: float) -> None:
            nonlocal shown  # never back: the unit's short queries after its INSERT report too
            with lock:
                shown = max(shown, int(shown) + min(percent, 99.0) / 100)
                bar.update(task, completed=shown)

        with query_progress(store.conn, within):
            yield step


def note_if_behind(store: Any) -> None:
    """Readers say on stderr when the views miss loads that were made with --no-refresh."""
    from aifinops.status import rollups_behind

    behind = rollups_behind(store.cursor())
    if behind:
        click.echo(f"note: {behind}", err=True)


def state(ctx: click.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def existing_path(value: str) -> Path:
    return Path(value).expanduser()
