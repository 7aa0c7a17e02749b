"""Both renderings of the same blocks: Markdown escapes what viewers would eat, HTML inlines images."""

from __future__ import annotations

import base64
from pathlib import Path

from reward_signal.report.document import (
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    render_html,
    render_markdown,
)

BLOCKS = [
    Heading(1, "Report"),
    Paragraph("reads rollouts/<step>.jsonl"),
    Bullets(("a|b", "c")),
    Table(("run", "note"), (("x", "p|q\nr"),)),
    Image("figures/f.png", "a figure"),
]


def test_markdown_keeps_angle_brackets_and_pipes_visible() -> None:
    text = render_markdown(BLOCKS)
    assert "reads rollouts/&lt;step>.jsonl" in text
    assert "| x | p\\|q r |" in text
    assert "![a figure](figures/f.png)" in text


def test_html_escapes_text_and_embeds_the_image(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    png = b"\x89PNG fake"
    (tmp_path / "figures" / "f.png").write_bytes(png)
    page = render_html(BLOCKS, tmp_path, "T <1>")
    assert "<title>T &lt;1&gt;</title>" in page
    assert "reads rollouts/&lt;step&gt;.jsonl" in page
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
