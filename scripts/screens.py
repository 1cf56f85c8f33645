"""Write docs/screens.md from a real session of the bot (airfield + slackbox, no tokens).

Run from the repository root: `PYTHONPATH=. python scripts/screens.py`.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tests.tracking.screens import Screen, bot_world, markdown, session


async def play(root: Path) -> list[Screen]:
    async with bot_world(root) as slack:
        return await session(slack)


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        screens = asyncio.run(play(Path(root)))
    target = Path(__file__).resolve().parent.parent / "docs" / "screens.md"
    target.write_text(markdown(screens) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
