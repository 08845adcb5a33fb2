"""No such page: where an unknown address lands (hidden from the navigation; see
playground/ui/unknown_paths.py)."""

from playground.ui.unknown_paths import not_found_page

not_found_page()
