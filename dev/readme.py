"""Write static/description/index.html (the Apps page) from readme/*.md,
as OCA's oca-gen-addon-readme does from the same fragments.

Usage: readme.py [--check]   (--check: fail when the page is out of date)
"""

import ast
import pathlib
import sys

import markdown

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("DEVELOP.md", "Development"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("HISTORY.md", "Changelog"),
    ("CONTRIBUTORS.md", "Contributors"),
]


def render():
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    parts = [
        '<section class="oe_container">',
        '<div class="oe_row oe_spaced">',
        f'<h2 class="oe_slogan">{manifest["name"].replace("&", "&amp;")}</h2>',
        f'<h3 class="oe_slogan">{manifest["summary"]}</h3>',
    ]
    for name, title in SECTIONS:
        path = ROOT / "readme" / name
        if not path.exists():
            continue
        if title:
            parts.append(f"<h3>{title}</h3>")
        parts.append(
            markdown.markdown(
                path.read_text(), extensions=["tables"], output_format="html"
            )
        )
    parts += ["</div>", "</section>", ""]
    return "\n".join(parts)


def main(argv):
    target = ROOT / "static" / "description" / "index.html"
    html = render()
    if "--check" in argv:
        if target.read_text() != html:
            print("static/description/index.html is out of date: make readme")
            return 1
        return 0
    target.write_text(html)
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
