"""The meeting report: the curated notebooks run on a data folder and quarter.

Each notebook in ``notebooks/`` named ``NN_*.ipynb`` is executed with papermill (its
``parameters`` cell receives the data folder, as-of quarter, language and seed), then
exported to HTML without code (nbconvert), and every chart is saved as PNG. Everything is
staged and moved into the output folder only when all of it succeeded.
"""
from __future__ import annotations

import base64
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def curated_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The curated notebooks, in their numbered order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def build_report(data: Path, as_of: str, out: Path, *, language: str = "en", seed: int = 0,
                 progress: bool = True, notebooks: list[Path] | None = None) -> list[Path]:
    """Run the notebooks and write ``out/`` (executed notebooks, HTML, charts)."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    from .output import staged

    notebooks = notebooks or curated_notebooks()
    params = {"data_dir": str(Path(data).resolve()), "as_of": as_of, "language": language, "seed": seed}
    written: list[Path] = []
    items = notebooks
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(notebooks, desc="report", unit="notebook")
    with staged(out) as tmp:
        (tmp / "charts").mkdir()
        html_parts = []
        for nb_path in items:
            executed = tmp / nb_path.name
            pm.execute_notebook(str(nb_path), str(executed), parameters=params, cwd=str(nb_path.parent),
                                progress_bar=False, kernel_name="python3")
            nb = nbformat.read(executed, as_version=4)
            exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
            body, _ = exporter.from_notebook_node(nb)
            html = tmp / nb_path.with_suffix(".html").name
            html.write_text(body, encoding="utf-8")
            html_parts.append(html.name)
            n = 0
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    png = output.get("data", {}).get("image/png")
                    if png:
                        n += 1
                        (tmp / "charts" / f"{nb_path.stem}_{n:02d}.png").write_bytes(base64.b64decode(png))
            written += [executed, html]
        index = tmp / "index.html"
        links = "".join(f'<li><a href="{h}">{h[:-5].replace("_", " ")}</a></li>' for h in html_parts)
        index.write_text(f"<!doctype html><meta charset='utf-8'><title>Pipeline report {as_of}</title>"
                         f"<h1>Investment pipeline report, as of {as_of}</h1><ul>{links}</ul>", encoding="utf-8")
    return [Path(out) / p.name for p in written]
