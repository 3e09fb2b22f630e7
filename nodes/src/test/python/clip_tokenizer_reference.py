#!/usr/bin/python3
"""Independent reference for Noodle's CLIP tokenizer and ComfyUI-style prompt chunking.

Writes nodes/src/test/resources/dev/noodle/engine/text/tokenizer_cases.json. Run with /usr/bin/python3:
    /usr/bin/python3 nodes/src/test/python/clip_tokenizer_reference.py ../shared/clip-tokenizer/bpe_simple_vocab_16e6.txt.gz

The third-party `regex` module is not installed here, so CLIP's pattern is rebuilt with the standard `re` module:
\\p{L} and \\p{N} become explicit character classes built from unicodedata categories (L*, N*), which is
equivalent for every code point.
"""
import gzip
import json
import os
import re
import sys
import unicodedata


def char_class(prefix):
    ranges, start, prev = [], None, None
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if start is None:
                start = cp
            elif cp != prev + 1:
                ranges.append((start, prev))
                start = cp
            prev = cp
    ranges.append((start, prev))
    return "".join(re.escape(chr(a)) if a == b else re.escape(chr(a)) + "-" + re.escape(chr(b)) for a, b in ranges)


LETTERS = char_class("L")
NUMBERS = char_class("N")
SPLIT = re.compile(
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[" + LETTERS + "]+|[" + NUMBERS + "]|[^\\s"
    + LETTERS + NUMBERS + "]+", re.IGNORECASE)


def byte_symbols():
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in keep:
        table[b] = chr(b)
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    order = [table[b] for b in keep] + [table[b] for b in range(256) if b not in keep]
    return table, order


class Tokenizer:
    def __init__(self, path):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(l.split()) for l in lines[1:1 + 48894]]
        self.bytes, order = byte_symbols()
        vocab = order + [s + "</w>" for s in order] + ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.rank = {m: i for i, m in enumerate(merges)}

    def bpe(self, piece):
        sym = [self.bytes[b] for b in piece.encode("utf-8")]
        sym[-1] += "</w>"
        while len(sym) > 1:
            cands = [(self.rank.get((sym[i], sym[i + 1]), 1 << 60), i) for i in range(len(sym) - 1)]
            r, _ = min(cands)
            if r == 1 << 60:
                break
            pair = next(p for p, k in ((p, self.rank.get(p)) for p in zip(sym, sym[1:])) if k == r)
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == pair:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            sym = out
        return [self.ids[s] for s in sym]

    def encode(self, text):
        text = re.sub(r"\s+", " ", text).strip().lower()
        out = []
        for piece in SPLIT.findall(text):
            if piece in ("<|startoftext|>", "<|endoftext|>"):
                out.append(self.ids[piece])
            else:
                out.extend(self.bpe(piece))
        return out


def weighted_segments(text, weight=1.0):
    """ComfyUI prompt weights: (x) multiplies by 1.1, (x:w) sets w; unmatched brackets are text."""
    parts, cur, depth = [], "", 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                if cur:
                    parts.append(cur)
                cur = "("
            else:
                cur += ch
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                parts.append(cur + ")")
                cur = ""
            else:
                cur += ch
        else:
            cur += ch
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        if len(p) >= 2 and p[0] == "(" and p[-1] == ")":
            inner, w = p[1:-1], weight * 1.1
            colon = inner.rfind(":")
            if colon > 0:
                try:
                    w = float(inner[colon + 1:])
                    inner = inner[:colon]
                except ValueError:
                    pass
            out += weighted_segments(inner, w)
        else:
            out.append((p, weight))
    return out


def chunks(tok, prompt):
    text = prompt.replace("\\)", "\0\1").replace("\\(", "\0\2")
    groups = []
    for seg, w in weighted_segments(text):
        seg = seg.replace("\0\1", ")").replace("\0\2", "(").replace("\n", " ")
        for word in [x for x in seg.split(" ") if x]:
            exact = tok.ids.get(word + "</w>")
            ids = [exact] if exact is not None else tok.encode(word)
            groups.append([(t, w) for t in ids])
    bos, eos = tok.ids["<|startoftext|>"], tok.ids["<|endoftext|>"]
    batches, batch = [], [(bos, 1.0)]
    batches.append(batch)
    for g in groups:
        large = len(g) >= 8
        while g:
            if len(g) + len(batch) > 76:
                room = 77 - len(batch) - 1
                if large:
                    batch.extend(g[:room])
                    batch.append((eos, 1.0))
                    g = g[room:]
                else:
                    batch.append((eos, 1.0))
                    batch.extend([(eos, 1.0)] * room)
                batch = [(bos, 1.0)]
                batches.append(batch)
            else:
                batch.extend(g)
                g = []
    batch.append((eos, 1.0))
    batch.extend([(eos, 1.0)] * (77 - len(batch)))
    return [{"ids": [t for t, _ in b], "weights": [round(w, 6) for _, w in b]} for b in batches]


TEXTS = [
    "a photo of a cat",
    "A  Photo\tOF a   CAT!!",
    "masterpiece, best quality, 1girl, looking at viewer, smile",
    "it's a dog's life, isn't it? they've we'll I'd",
    "café naïve résumé 日本語 emoji 🐱🔥 über",
    "price: $1,234.56 -- 50% off!!! #sale @home",
    "<|startoftext|>hello<|endoftext|>",
    "hyperrealistic octane render, 8k uhd, trending on artstation, unreal engine 5",
    "",
]

PROMPTS = [
    "a photo of a cat",
    "(masterpiece:1.2), (best quality), ((red hair)), [blue eyes]",
    "a (cat (with hat:1.5) and (scarf)) sitting",
    "\\(escaped\\) (weighted \\(inner\\):0.8) text",
    "(unclosed paren and (nested:1.3)",
    "(a:b) (x:1e-1) (y: 2 ) (z:)",
    "Line one\nLine two, (done)",
    " ".join(["cat"] * 80),
    " ".join(["word%d" % i for i in range(40)]),
    "a " * 70 + "supercalifragilisticexpialidocious antidisestablishmentarianism",
]


def main():
    tok = Tokenizer(sys.argv[1])
    out = {
        "encode": [{"text": t, "ids": tok.encode(t)} for t in TEXTS],
        "prompts": [{"prompt": p, "chunks": chunks(tok, p)} for p in PROMPTS],
    }
    here = os.path.dirname(os.path.abspath(__file__))
    dst = os.path.join(here, "..", "resources", "dev", "noodle", "engine", "text", "tokenizer_cases.json")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)
    print("wrote", dst, tok.encode("a photo of a cat"))


if __name__ == "__main__":
    main()
