"""Rewrites the measured table between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a docs page."""
import datetime


def write_table(path, name, source, columns, rows):
    table = (f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {source}.\n\n"
             "| " + " | ".join(columns) + " |\n" + "|---" * len(columns) + "|\n")
    table += "".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |\n" for row in rows)
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    text = open(path).read()
    text = text[:text.index(begin) + len(begin)] + table + text[text.index(end):]
    with open(path, "w") as handle:
        handle.write(text)
    print(f"wrote {path}")
