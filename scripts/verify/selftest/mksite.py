#!/usr/bin/env python3
"""Builds a small, clean trilingual test site for verify-site's self-test.

    python3 mksite.py DIR [N]     N = extra partner pages per language (default 0)
    python3 mksite.py --pdf FILE TITLE|-
"""
import os, sys
root = sys.argv[1]
BASE = "https://example.org/lulea/"
LANGS = ["sv", "fi", "en"]
CSS = """:root{--fg:#1a1a1a;--bg:#fff;--link:#0b57a4}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,sans-serif;color:var(--fg);background:var(--bg);line-height:1.5}
a{color:var(--link)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff}
header,main,footer{max-width:48rem;margin:0 auto;padding:1rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
img{max-width:100%;height:auto}
"""
def write_pdf(path, title, pages=1):
    """A minimal valid PDF: `pages` pages of text, Info /Title (omitted if None)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for i in range(pages):
        stream = f"BT /F1 24 Tf 72 720 Td (Page {i + 1}) Tj ET".encode()
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs)} 0 R >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    if title is not None:
        objs.append(f"<< /Title ({title}) /Producer (verify-site selftest) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{o}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    info = f" /Info {len(objs)} 0 R" if title is not None else ""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)

def write(rel, text):
    p = os.path.join(root, rel); os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8") as f: f.write(text)

def page(rel_dir, lang, title, body, up):
    # up = relative prefix to site root
    canon = BASE + (rel_dir + "/" if rel_dir else "")
    alts = "".join(f'<link rel="alternate" hreflang="{l}" href="{BASE}{l}/">' for l in LANGS)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{'' if rel_dir == '404' else f'<link rel="canonical" href="{canon}">'}
{alts}
<link rel="stylesheet" href="{up}assets/style.3f2a.css">
<link rel="icon" href="{up}assets/logo.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Languages"><ul>{''.join(f'<li><a href="{up}{l}/" hreflang="{l}" lang="{l}">{l}</a></li>' for l in LANGS)}</ul></nav></header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
<footer><p><a href="https://www.lulea.se/">Luleå kommun</a></p></footer>
</body>
</html>
"""
if sys.argv[1] == "--pdf":  # mksite.py --pdf FILE TITLE|-  (- = no Title)
    write_pdf(sys.argv[2], None if sys.argv[3] == "-" else sys.argv[3])
    sys.exit(0)
write("assets/style.3f2a.css", CSS)
write("assets/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Logo</title><circle cx="5" cy="5" r="4" fill="#0b57a4"/></svg>\n')
write("index.html", page("", "sv", "Luleå internationellt",
    '<p lang="sv">Välj språk:</p><ul>' + "".join(f'<li><a href="{l}/">{l}</a></li>' for l in LANGS) + '</ul>', ""))
write("404.html", page("404", "en", "Page not found", '<p><a href="/lulea/">Home</a></p>', "/lulea/"))
for l in LANGS:
    write(f"{l}/index.html", page(l, l, f"Home {l}",
        f'<p><img src="../assets/logo.svg" alt="Logo" width="40" height="40"> <a href="plan/">Plan</a> · <a href="partners/oulu/#facts">Oulu facts</a> · <a href="plan-{l}.pdf">PDF</a></p>', "../"))
    write(f"{l}/plan/index.html", page(f"{l}/plan", l, f"Plan {l}",
        '<h2 id="syfte">Syfte</h2><p><a href="../partners/oulu/">Oulu</a> <a href="#syfte">here</a></p>', "../../"))
    write(f"{l}/partners/oulu/index.html", page(f"{l}/partners/oulu", l, f"Oulu {l}",
        '<h2 id="facts">Facts</h2><p><a href="../../plan/#syfte">Plan purpose</a></p>'
        '<picture><source srcset="../../../assets/logo.svg 1x" type="image/svg+xml"><img src="../../../assets/logo.svg" alt="" width="20" height="20"></picture>', "../../../"))
    write(f"{l}/news/atom.xml", f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{l}">
<title>News</title><id>{BASE}{l}/news/</id><updated>2024-01-01T00:00:00Z</updated>
<link rel="self" href="{BASE}{l}/news/atom.xml"/><link href="{BASE}{l}/"/>
<entry><title>Plan</title><id>{BASE}{l}/plan/</id><updated>2024-01-01T00:00:00Z</updated><link href="{BASE}{l}/plan/"/></entry>
</feed>
""")
    write_pdf(os.path.join(root, l, f"plan-{l}.pdf"), f"Plan {l}")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 0
TEXT = {"sv": "Luleå kommun samarbetar med partnerstäder i Barentsregionen och Östersjöområdet, och arbetet följs upp varje år av kommunstyrelsen. ",
        "fi": "Luulajan kunta tekee yhteistyötä ystävyyskaupunkien kanssa Barentsin alueella ja Itämeren alueella, ja kunnanhallitus seuraa työtä joka vuosi. ",
        "en": "Luleå municipality works with partner cities in the Barents region and the Baltic Sea area, and the municipal board follows up the work every year. "}
for l in LANGS:
    para = "<p>" + TEXT[l] * 3 + "</p>"
    items = "".join(f'<li><a href="p{i}/">Partner {i}</a></li>' for i in range(N))
    if N:
        write(f"{l}/partners/index.html", page(f"{l}/partners", l, f"Partners {l}", f"<ul>{items}</ul>", "../../"))
    for i in range(N):
        body = (f'<nav aria-label="Breadcrumbs"><ol><li><a href="../../">Home</a></li><li><a href="../">Partners</a></li></ol></nav>'
                + "".join(f'<h2 id="s{k}">Section {k}</h2>' + para * 2 for k in range(6))
                + '<table><caption>Facts</caption><thead><tr><th scope="col">Year</th><th scope="col">Value</th></tr></thead><tbody>'
                + "".join(f"<tr><td>{2000+k}</td><td>{k*1000}</td></tr>" for k in range(10)) + '</tbody></table>'
                + f'<p><a href="../p{(i+1)%N}/#s3">Next partner</a> <a href="../../plan/#syfte">Plan</a></p>')
        write(f"{l}/partners/p{i}/index.html", page(f"{l}/partners/p{i}", l, f"Partner {i} {l}", body, "../../../"))
urls = [""] + [f"{l}/{p}" for l in LANGS for p in ["", "plan/", "partners/oulu/"]]
write("sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "".join(f"<url><loc>{BASE}{u}</loc></url>\n" for u in urls) + "</urlset>\n")
write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n")
