"""Golden corpus BLEU from NLTK 3.8 (Debian's python3-nltk) for BleuTests: 300 English sentences of the shipped corpus, each French
translation it has as references, and hypotheses made by deterministic damage to the first translation (words dropped, swapped,
replaced, the sentence cut short), so every n-gram order and the brevity penalty are exercised. Every hypothesis has at least 4 tokens: for a shorter one NLTK
counts one n-gram of an order it does not have (its denominators are at least 1 per sentence), where the original BLEU counts none.

    /usr/bin/python3 Tests/Recur.Tests/Golden/make_bleu.py   # writes Golden/bleu.json
"""
import json, os, random, re
from collections import OrderedDict
from nltk.translate.bleu_score import corpus_bleu, sentence_bleu

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "..", "..", "..", "Examples", "data", "eng-fra-30k.tsv")

def tokenize(s):  # the same rule as Recur's WordTokenizer (lower-cased words with inner hyphens; every other mark alone)
    return re.findall(r"[^\W_]+(?:-[^\W_]+)*|[^\w\s]", s.lower().replace("\u2019", "'").replace("\u2018", "'"))

refs = OrderedDict()
for line in open(corpus, encoding="utf-8"):
    cols = line.rstrip("\n").split("\t")
    if len(cols) >= 2:
        refs.setdefault(cols[0], []).append(tokenize(cols[1]))
rng = random.Random(5)
cases = []
for source, rs in list(refs.items())[:400]:
    h = list(rs[0])
    if len(h) < 6 or len(cases) == 300: continue
    kind = rng.randrange(5)
    if kind == 1 and len(h) > 2: del h[rng.randrange(len(h))]
    if kind == 2 and len(h) > 3: i = rng.randrange(len(h) - 1); h[i], h[i + 1] = h[i + 1], h[i]
    if kind == 3: h[rng.randrange(len(h))] = "xyz"
    if kind == 4: h = h[: max(4, len(h) - 3)]
    cases.append({"hypothesis": h, "references": rs})
score = corpus_bleu([c["references"] for c in cases], [c["hypothesis"] for c in cases])
# A corpus of one short sentence whose 4-gram precision is zero: BLEU 0 without smoothing.
zero = corpus_bleu([[["le", "chat", "dort", "ici"]]], [["le", "chat", "dort"]])
json.dump({"cases": cases, "bleu": score, "zero": zero}, open(os.path.join(here, "bleu.json"), "w"), ensure_ascii=False)
print(score, zero)
