"""The `fittingroom` command: serve the API, or run one try-on in-process."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fittingroom.config import Settings
from fittingroom.errors import FittingroomError

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
    """Run the HTTP service with its worker processes (embedded default: SQLite, files, local models)."""
    import uvicorn

    from fittingroom.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    console.print(
        f"fittingroom on http://{settings.host}:{settings.port}  (data: {settings.data_dir.resolve()}, "
        f"workers: {settings.workers}, docs: /docs)"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def tryon(
    person: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Photo of the person")],
    garment: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Photo of the garment")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the result")] = Path(
        "tryon.png"
    ),
    category: Annotated[str, typer.Option(help="top, bottom, dress or outerwear")] = "top",
    quality: Annotated[str, typer.Option(help="standard (1024 px) or hd (2048 px)")] = "standard",
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
            category=category, quality=quality, provider="local", output_format=output_format
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
                garments=(GarmentPart(inputs[1], options["category"]),),
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


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])
