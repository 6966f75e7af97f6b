"""The `fittingroom` command: serve the API, or run one try-on in-process."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fittingroom.config import Settings
from fittingroom.errors import FittingroomError
from fittingroom.observability.logs import configure_logging

app = typer.Typer(
    help="fittingroom: self-hostable virtual try-on.", no_args_is_help=True, add_completion=False
)
console = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from settings: 127.0.0.1)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings: 8000)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: number of cores)")] = None,
) -> None:
    """Run the HTTP service; with the embedded queue (default) also its worker processes."""
    import uvicorn

    from fittingroom.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    runs = f"workers: {settings.workers}" if settings.queue == "embedded" else f"queue: {settings.broker_url}"
    console.print(
        f"fittingroom on http://{settings.host}:{settings.port}  (data: {settings.data_dir.resolve()}, "
        f"{runs}, docs: /docs)"
    )
    configure_logging(settings.log_format)
    # log_config=None: uvicorn's own loggers go through ours (JSON, request ids) too.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.access_log,
    )


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Worker processes, each with its own models (default: FITTINGROOM_WORKERS)"),
    ] = None,
) -> None:
    """Run jobs from the Celery broker (FITTINGROOM_QUEUE=celery): the scale-out worker."""
    from fittingroom.jobs.celery_queue import worker_app, worker_argv

    settings = Settings()
    if settings.queue != "celery":
        console.print(
            "[red]fittingroom worker needs FITTINGROOM_QUEUE=celery[/red] (the embedded queue runs in serve)"
        )
        raise typer.Exit(2)
    settings.ensure_data_dir()
    configure_logging(settings.log_format)
    processes = concurrency or settings.workers
    console.print(
        f"fittingroom worker: {processes} process(es), broker {settings.broker_url}, "
        f"queue {settings.celery_queue_name}"
    )
    worker_app(settings).worker_main(worker_argv(settings, processes))


@app.command()
def tryon(
    person: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Photo of the person")],
    garment: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Photo of the garment")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the result")] = Path(
        "tryon.png"
    ),
    category: Annotated[str, typer.Option(help="top, bottom, dress or outerwear")] = "top",
    quality: Annotated[str, typer.Option(help="standard (1024 px) or hd (2048 px)")] = "standard",
    garment_photo_type: Annotated[
        str, typer.Option(help="auto, flat-lay or model (worn by a person)")
    ] = "auto",
) -> None:
    """Run one try-on in this process and write the image (format from the file extension)."""
    from fittingroom.images import OUTPUT_FORMATS, encode_image, inspect_image
    from fittingroom.jobs.submit import normalise_options
    from fittingroom.pipeline.stages import Step
    from fittingroom.providers.base import GarmentPart, TryOnRequest
    from fittingroom.providers.local import LocalProvider

    settings = Settings()
    output_format = output.suffix.lower().lstrip(".") or "png"
    if output_format not in OUTPUT_FORMATS:
        raise typer.BadParameter(f"output must end in one of {', '.join('.' + f for f in OUTPUT_FORMATS)}")
    try:
        options = normalise_options(
            settings,
            category=category,
            quality=quality,
            provider="local",
            output_format=output_format,
            garment_photo_type=garment_photo_type,
        )
        inputs = []
        for path in (person, garment):
            data = path.read_bytes()
            inspect_image(
                data,
                max_bytes=settings.max_upload_bytes,
                max_pixels=settings.max_image_pixels,
                min_side=settings.min_image_side,
            )
            inputs.append(data)
        with Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("loading models", total=100)
            provider = LocalProvider(settings)
            started = time.perf_counter()

            def on_step(step: Step) -> None:
                progress.update(task, description=step.value, completed=step.progress)

            request = TryOnRequest(
                person=inputs[0],
                garments=(GarmentPart(inputs[1], options["category"], None, options["garment_photo_type"]),),
                quality=options["quality"],
                options=options,
            )
            result = provider.tryon(request, on_step)
            progress.update(task, description="done", completed=100)
        data, _ = encode_image(result.image, output_format)
        output.write_bytes(data)
    except FittingroomError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    h, w = result.image.shape[:2]
    console.print(
        f"wrote {output} ({w}x{h}) in {time.perf_counter() - started:.2f}s; signals: {result.confidence}"
    )


@app.command(name="eval")
def evaluate(
    people_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Folder of person photos")],
    garments_dir: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder of garment photos")
    ],
    out_dir: Annotated[
        Path, typer.Option("-o", "--out", help="Where to write the sheet, JSON and results")
    ] = Path("eval-out"),
    limit: Annotated[int | None, typer.Option(help="Stop after this many try-ons")] = None,
    tile_height: Annotated[
        int, typer.Option(min=32, max=1024, help="Contact sheet row height, pixels")
    ] = 256,
) -> None:
    """Run every person with every garment (and paired samples); write metrics.json and contact_sheet.png.

    Categories come from a MANIFEST.tsv beside the garments or from words in file names.
    """
    from rich.table import Table

    from fittingroom.evaluation.dataset import discover
    from fittingroom.evaluation.run import evaluate as run_evaluation
    from fittingroom.pipeline.models import load_models

    people, garments, pairs = discover(people_dir, garments_dir)
    total = len(people) * len(garments) + len(pairs)
    if limit is not None:
        total = min(total, limit)
    if total == 0:
        console.print("[red]error:[/red] no person/garment images found (see `fittingroom eval --help`)")
        raise typer.Exit(1)
    models = load_models()
    with Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("evaluating", total=total)

        def advance(m: Any) -> None:
            progress.update(task, advance=1, description=f"{m.person[:18]} + {m.garment[:18]}")

        report = run_evaluation(
            people_dir, garments_dir, out_dir, models, limit=limit, on_result=advance, tile_height=tile_height
        )
    summary = report["summary"]
    table = Table(title=f"{summary['results']} try-ons, {summary['errors']} errors")
    table.add_column("group")
    metric_names = [
        "face_ssim",
        "background_ssim",
        "colour_delta_e",
        "coverage",
        "spill",
        "paired_ssim",
        "seconds",
    ]
    for name in metric_names:
        table.add_column(name, justify="right")
    groups = [("all", summary["all"]), ("paired", summary["paired"])] + list(summary["by_category"].items())
    for group, values in groups:
        table.add_row(group, *["-" if values[n] is None else f"{values[n]:.3f}" for n in metric_names])
    Console().print(table)
    console.print(f"wrote {out_dir / 'metrics.json'} and {out_dir / 'contact_sheet.png'}")


users_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("token")
def users_token(
    user: Annotated[str, typer.Argument(help="User id, the token's `sub`")],
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in seconds")] = 3600,
) -> None:
    """Print an HS256 token for USER signed with the configured secret (the last line of output)."""
    from fittingroom.auth import TokenVerifier

    settings = Settings()
    try:
        token = TokenVerifier(settings).issue(user, ttl_s=ttl)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"token for '{user}', valid {ttl} s:")
    print(token)


gems_app = typer.Typer(help="Gem balances and grants.", no_args_is_help=True)
config_app = typer.Typer(help="Settings stored in the database (ai_config).", no_args_is_help=True)
app.add_typer(gems_app, name="gems")
app.add_typer(config_app, name="config")


def _database() -> Any:
    """A session factory on the configured database, migrated."""
    from fittingroom.db.session import make_engine, make_session_factory, migrate

    settings = Settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url, settings.database_busy_timeout_s)
    migrate(engine)
    return make_session_factory(engine)


@gems_app.command("grant")
def gems_grant(
    user: Annotated[str, typer.Argument(help="User id (the token's `sub`)")],
    amount: Annotated[int, typer.Argument(min=1, help="Gems to add")],
    note: Annotated[str | None, typer.Option(help="Why, kept in the ledger")] = None,
) -> None:
    """Add gems to a user's balance (the user is created if new)."""
    from fittingroom.billing import ledger
    from fittingroom.db.session import transaction

    with transaction(_database()) as session:
        balance = ledger.grant(session, user, amount, note=note or "granted by an operator")
    print(f"{user}: {balance} gems")


@gems_app.command("show")
def gems_show(user: Annotated[str, typer.Argument(help="User id (the token's `sub`)")]) -> None:
    """Print a user's balance and ledger."""
    from sqlalchemy import select

    from fittingroom.billing import ledger
    from fittingroom.db.models import GemLedgerEntry

    with _database()() as session:
        rows = session.scalars(
            select(GemLedgerEntry).where(GemLedgerEntry.user_id == user).order_by(GemLedgerEntry.id)
        ).all()
        for row in rows:
            when = f"{row.created_at:%Y-%m-%d %H:%M:%S}"
            print(f"{when}  {row.kind:<7} {row.delta:+d}  {row.tryon_id or ''} {row.note or ''}")
        print(f"{user}: {ledger.balance(session, user)} gems")


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="e.g. system_prompt")],
    value: Annotated[str, typer.Argument(help="The value, or - to read it from standard input")],
) -> None:
    """Store a value in ai_config (`-` reads it from standard input)."""
    from fittingroom.db.models import AiConfig
    from fittingroom.db.session import transaction

    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        console.print("[red]error:[/red] the value is empty")
        raise typer.Exit(1)
    with transaction(_database()) as session:
        row = session.get(AiConfig, key)
        if row is None:
            session.add(AiConfig(key=key, value=text))
        else:
            row.value = text
    print(f"{key}: {len(text)} characters stored")


@config_app.command("show")
def config_show(key: Annotated[str, typer.Argument(help="e.g. system_prompt")]) -> None:
    """Print a value from ai_config."""
    from fittingroom.db.models import AiConfig

    with _database()() as session:
        row = session.get(AiConfig, key)
    if row is None:
        console.print(f"[red]error:[/red] no ai_config value named '{key}'")
        raise typer.Exit(1)
    print(row.value)


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])
