"""``doctor``: is this machine ready for a workshop? Exit 1 if the default model cannot load.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.cli import print_json
from playground.diagnostics import device_summary, run_checks, versions


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check versions, device, bitsandbytes, models and the Hub")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    checks = run_checks()
    if args.json:
        print_json({"versions": versions(), "device": device_summary(),
                    "checks": [c.__dict__ for c in checks]})
    else:
        for name, version in versions().items():
            print(f"{name:>16}  {version}")
        print()
        for c in checks:
            print(f"[{'ok' if c.ok else ('FAIL' if c.required else 'no')}] {c.name}: {c.detail}")
    return 1 if any(c.required and not c.ok for c in checks) else 0
