"""Reference outputs of Python's own str operations for the utility nodes (standard library only).

ComfyUI's string nodes (comfy_extras/nodes_string.py) and PreviewAny (comfy_extras/nodes_preview_any.py) are thin
wrappers over Python's str methods, str() of numbers and json.dumps(indent=4); this records what CPython answers
for awkward inputs (Unicode case, non-ASCII whitespace, empty search text, float layout) so the Java nodes are
checked against the language itself. Writes string_nodes.json.
Usage: python3 nodes/src/test/python/string_nodes_reference.py
"""
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "nodes", "utils")

TEXTS = [
    "",
    "hello world",
    "  \t padded \n ",
    "\u00a0\u2003nbsp and em space\u3000\u0085",
    "\x1c\x1fseparators\x1e",
    "they're bill's friends from the UK",
    "ÉCOLE élève straße ǆungla",
    "ΟΔΟΣ σοφός",
    "a cat ☕ 猫 🐈 emoji",
    "123abc DEF-ghi_jkl",
    "ﬁne ligature",
]
FINDS = [("cat", "dog"), ("", "-"), ("o", ""), ("🐈", "🐕"), ("l", "LL")]
FLOATS = [0.0, -0.0, 1.0, 0.1, 0.5, 7.5, -2.25, 1e-4, 1e-5, 0.00012345, 123456789.0, 1e15, 1e16, 1.5e16,
          -3.2e-7, 1.7976931348623157e308, 5e-324, 2.0 ** 53, 1 / 3, float("nan"), float("inf"), float("-inf")]
JSON_VALUES = [[], {}, [1, 2.5, "x"], {"a": [1, {"b": None, "c": True}], "é": "ü\n\"q\""}, [[], {}, [False]]]

cases = {
    "length": [[t, len(t)] for t in TEXTS],
    "upper": [[t, t.upper()] for t in TEXTS],
    "lower": [[t, t.lower()] for t in TEXTS],
    "capitalize": [[t, t.capitalize()] for t in TEXTS],
    "title": [[t, t.title()] for t in TEXTS],
    "strip": [[t, t.strip(), t.lstrip(), t.rstrip()] for t in TEXTS],
    "replace": [[t, f, r, t.replace(f, r)] for t in TEXTS for f, r in FINDS],
    # floats travel as their IEEE bits (as hex) so NaN and -0.0 survive the JSON file
    "float_str": [[x.hex(), str(x)] for x in FLOATS],
    "json_dumps": [[v, json.dumps(v, indent=4)] for v in JSON_VALUES],
}

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "string_nodes.json"), "w", encoding="utf-8") as f:
    json.dump(cases, f, ensure_ascii=False, indent=1)
    f.write("\n")
