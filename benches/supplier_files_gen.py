#!/usr/bin/env python3
"""The inputs of the supplier-file benchmarks (benches/results/supplier_files.txt), reproducibly.

    python3 benches/supplier_files_gen.py OUTDIR [LINES] [XLSX_ROWS]

writes, from the same seeded lines:
  OUTDIR/plain.csv     UTF-8, comma, `sku,description,quantity,unit_price`, decimal point
  OUTDIR/german.csv    Windows-1252, semicolon, `Artikelnummer;Bezeichnung;Menge;Einzelpreis`,
                       thousands points (`1.200`) and decimal commas (`0,42`), a title row
  OUTDIR/rows.xlsx     a workbook of the first XLSX_ROWS lines (numbers as numbers)
Defaults: 1,000,000 lines, 100,000 workbook rows. Python's standard library only.
"""
import random
import sys
import zipfile
from xml.sax.saxutils import escape

KINDS = [
    "Sechskantschraube \u00d8{d} \u00d7 {l} mm verzinkt",
    "Unterlegscheibe \u00d8{d},4 DIN 125",
    "Zylinderschraube M{d} \u00d7 {l} mm Edelstahl A2",
    "Senkkopfschraube M{d} \u00d7 {l} mm schwarz",
    "Sechskantmutter M{d} Festigkeitsklasse 8",
    "Gewindestange M{d} \u00d7 {l}0 mm verzinkt",
]


def lines(n, items=1000, seed=17):
    rng = random.Random(seed)
    products = []
    for k in range(items):
        d = (4, 5, 6, 8, 10, 12)[k % 6]
        l = 10 + 5 * (k // 6 % 40)
        desc = KINDS[k // 240 % len(KINDS)].format(d=d, l=l) + f" Typ {k}"
        price = rng.randrange(1, 500_000)  # hundredths of a cent
        products.append((f"SKU-{k:05d}", desc, price))
    for _ in range(n):
        sku, desc, price = products[rng.randrange(items)]
        qty = rng.choice((rng.randrange(1, 1000), rng.randrange(1000, 20_000)))
        yield sku, desc, qty, price


def price_text(p, decimal):
    whole, frac = divmod(p, 10_000)
    s = f"{whole}.{frac:04d}".rstrip("0").rstrip(".") if frac else f"{whole}"
    return s.replace(".", decimal)


def german_qty(q):
    return f"{q:,}".replace(",", ".")


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    xlsx_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    rows = list(lines(n))
    with open(f"{out}/plain.csv", "w", encoding="utf-8", newline="") as f:
        f.write("sku,description,quantity,unit_price\n")
        for sku, desc, qty, price in rows:
            f.write(f'{sku},"{desc}",{qty},{price_text(price, ".")}\n')
    with open(f"{out}/german.csv", "w", encoding="cp1252", newline="") as f:
        f.write("Rechnung Nr. 4711;;;\r\n")
        f.write("Artikelnummer;Bezeichnung;Menge;Einzelpreis\r\n")
        for sku, desc, qty, price in rows:
            f.write(f"{sku};{desc};{german_qty(qty)};{price_text(price, ',')}\r\n")
    write_xlsx(f"{out}/rows.xlsx", rows[:xlsx_rows])


def write_xlsx(path, rows):
    def cell_s(ref, text):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'

    def cell_n(ref, number):
        return f'<c r="{ref}"><v>{number}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="Rechnung" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as s:
            s.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            head = "".join(cell_s(f"{c}1", t) for c, t in zip("ABCD", ("Artikelnummer", "Bezeichnung", "Menge", "Einzelpreis")))
            s.write(f'<row r="1">{head}</row>'.encode())
            for i, (sku, desc, qty, price) in enumerate(rows, start=2):
                row = (cell_s(f"A{i}", sku) + cell_s(f"B{i}", desc) + cell_n(f"C{i}", qty)
                       + cell_n(f"D{i}", price_text(price, ".")))
                s.write(f'<row r="{i}">{row}</row>'.encode())
            s.write(b"</sheetData></worksheet>")


if __name__ == "__main__":
    main()
