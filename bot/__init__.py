"""licensebot: answers licence questions from the consultancy's articles, always with verbatim quotes."""
