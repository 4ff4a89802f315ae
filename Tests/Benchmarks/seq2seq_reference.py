#!/usr/bin/python3
"""The PyTorch reference for Examples/Translate's quality: the same model shape and recipe, trained on the same split with the same
tokenization, reporting validation loss and greedy corpus BLEU-4 after every epoch (python3-torch 1.13, float32, 2 threads).

    /usr/bin/python3 Tests/Benchmarks/seq2seq_reference.py [epochs=2] [corpus=Examples/data/eng-fra-30k.tsv]

Model (as Recur's Seq2Seq default): embeddings 256; bidirectional GRU encoder 256 per direction; the decoder's initial state
tanh(W [h_fwd; h_bwd] + b); the PyTorch seq2seq tutorial's Bahdanau decoder (scores v·tanh(W h + U m_s), softmax over each row's own
positions, context into a GRUCell with the embedding) of 512; dropout 0.2 on embeddings and before the output projection; Adam 1e-3,
batch 64 bucketed by length, gradient-norm clip 5, cross-entropy with label smoothing 0.1. Split: the pairs of the last 5% of distinct
English sentences. BLEU: corpus BLEU-4 against every reference of a sentence, closest reference length, no smoothing (Recur's Bleu).
"""
import math, re, sys, time, random
from collections import Counter, OrderedDict
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(1)
random.seed(1)
PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]


def tokenize(s):
    return re.findall(r"[^\W_]+(?:-[^\W_]+)*|[^\w\s]", s.lower().replace("\u2019", "'").replace("\u2018", "'"))


def load(path):
    pairs = []
    for line in open(path, encoding="utf-8"):
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= 2 and cols[0].strip() and cols[1].strip():
            pairs.append((cols[0].strip(), cols[1].strip()))
    sources = list(OrderedDict.fromkeys(p[0] for p in pairs))
    held = set(sources[len(sources) - max(1, round(len(sources) * 0.05)):])
    return [p for p in pairs if p[0] not in held], [p for p in pairs if p[0] in held]


def vocab(sentences, min_count=2):
    counts = Counter(w for s in sentences for w in s)
    words = SPECIALS + [w for w, c in sorted(counts.items(), key=lambda x: -x[1]) if c >= min_count and w not in SPECIALS]
    return {w: i for i, w in enumerate(words)}, words


def bleu(hyps, refs):
    match, total, c, r = [0] * 4, [0] * 4, 0, 0
    for h, rs in zip(hyps, refs):
        c += len(h)
        r += min((len(x) for x in rs), key=lambda n: (abs(n - len(h)), n))
        for n in range(1, 5):
            grams = Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
            most = Counter()
            for x in rs:
                for g, k in Counter(tuple(x[i:i + n]) for i in range(len(x) - n + 1)).items():
                    most[g] = max(most[g], k)
            match[n - 1] += sum(min(k, most[g]) for g, k in grams.items())
            total[n - 1] += max(0, len(h) - n + 1)
    p = [m / t if t else 0 for m, t in zip(match, total)]
    if min(p) == 0:
        return 0.0
    bp = 1 if c >= r else math.exp(1 - r / c)
    return bp * math.exp(sum(math.log(x) for x in p) / 4)


class Seq2Seq(nn.Module):
    def __init__(self, sv, tv, emb=256, enc=256, dec=512, dropout=0.2):
        super().__init__()
        self.src, self.tgt = nn.Embedding(sv, emb, padding_idx=PAD), nn.Embedding(tv, emb, padding_idx=PAD)
        self.encoder = nn.GRU(emb, enc, bidirectional=True)
        self.bridge = nn.Linear(2 * enc, dec)
        self.Ua, self.Wa, self.Va = nn.Linear(2 * enc, dec), nn.Linear(dec, dec, bias=False), nn.Linear(dec, 1, bias=False)
        self.cell = nn.GRUCell(emb + 2 * enc, dec)
        self.out = nn.Linear(dec, tv)
        self.drop = nn.Dropout(dropout)

    def encode(self, src, lengths):
        x = self.drop(self.src(src))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, h = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=src.shape[0])   # [S, B, 2E]
        memory = memory.transpose(0, 1)                                                  # [B, S, 2E]
        mask = torch.arange(src.shape[0])[None, :] >= lengths[:, None]
        return memory, mask, self.Ua(memory), torch.tanh(self.bridge(torch.cat([h[0], h[1]], 1)))

    def step(self, y, h, memory, mask, keys):
        scores = self.Va(torch.tanh(self.Wa(h).unsqueeze(1) + keys)).squeeze(2)
        a = torch.softmax(scores.masked_fill(mask, float("-inf")), 1)
        c = torch.bmm(a.unsqueeze(1), memory).squeeze(1)
        return self.cell(torch.cat([y, c], 1), h)

    def forward(self, src, lengths, tin):
        memory, mask, keys, h = self.encode(src, lengths)
        y, outs = self.drop(self.tgt(tin)), []
        for t in range(tin.shape[0]):
            h = self.step(y[t], h, memory, mask, keys)
            outs.append(h)
        return self.out(self.drop(torch.stack(outs)))

    @torch.no_grad()
    def greedy(self, src, lengths):
        memory, mask, keys, h = self.encode(src, lengths)
        b = src.shape[1]
        tok = torch.full((b,), BOS, dtype=torch.long)
        done, outs = torch.zeros(b, dtype=torch.bool), [[] for _ in range(b)]
        for t in range(int(lengths.max()) * 2 + 10):
            h = self.step(self.tgt(tok), h, memory, mask, keys)
            tok = self.out(h).argmax(1)
            for r in range(b):
                if not done[r]:
                    if tok[r] == EOS or len(outs[r]) + 1 >= 2 * int(lengths[r]) + 10:
                        done[r] = True
                    if tok[r] != EOS:
                        outs[r].append(int(tok[r]))
            if done.all():
                break
        return outs


def batches(pairs, size, rng, shuffle):
    keys = [rng.random() for _ in pairs]
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]), len(pairs[i][1]), keys[i]))
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(chunks)
    for chunk in chunks:
        ps = [pairs[i] for i in chunk]
        s, t = max(len(p[0]) for p in ps), max(len(p[1]) for p in ps) + 1
        src = torch.zeros(s, len(ps), dtype=torch.long)
        tin = torch.zeros(t, len(ps), dtype=torch.long)
        tout = torch.full((t, len(ps)), -100, dtype=torch.long)
        for r, (a, b) in enumerate(ps):
            src[:len(a), r] = torch.tensor(a)
            tin[0, r] = BOS
            tin[1:len(b) + 1, r] = torch.tensor(b)
            tout[:len(b), r] = torch.tensor(b)
            tout[len(b), r] = EOS
        yield src, torch.tensor([len(p[0]) for p in ps]), tin, tout


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    path = sys.argv[2] if len(sys.argv) > 2 else "Examples/data/eng-fra-30k.tsv"
    train, valid = load(path)
    tok_train = [(tokenize(a), tokenize(b)) for a, b in train]
    tok_train = [p for p in tok_train if p[0] and p[1]]
    sv, swords = vocab([p[0] for p in tok_train])
    tv, twords = vocab([p[1] for p in tok_train])
    enc = lambda v, ws: [v.get(w, UNK) for w in ws][:50]
    train_ids = [(enc(sv, a), enc(tv, b)) for a, b in tok_train]
    valid_ids = [(enc(sv, tokenize(a)), enc(tv, tokenize(b))) for a, b in valid]
    valid_ids = [p for p in valid_ids if p[0] and p[1]]
    refs = OrderedDict()
    for a, b in valid:
        refs.setdefault(a, []).append(tokenize(b))
    bleu_sources = [(enc(sv, tokenize(a)), rs) for a, rs in refs.items() if tokenize(a)]
    model = Seq2Seq(len(swords), len(twords))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: {len(train_ids)} training pairs, {len(refs)} validation sentences, "
          f"vocabularies {len(swords)} / {len(twords)}, {sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    rng = random.Random(3)
    start = time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        t0, tokens, total = time.time(), 0, 0.0
        for k, (src, lengths, tin, tout) in enumerate(batches(train_ids, 64, rng, True)):
            logits = model(src, lengths, tin)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1), ignore_index=-100, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5)
            opt.step()
            n = int((tout >= 0).sum())
            tokens, total = tokens + n, total + float(loss) * n
        train_time = time.time() - t0
        model.eval()
        with torch.no_grad():
            vl, vn = 0.0, 0
            for src, lengths, tin, tout in batches(valid_ids, 64, random.Random(1), False):
                logits = model(src, lengths, tin)
                n = int((tout >= 0).sum())
                vl += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1), ignore_index=-100)) * n
                vn += n
            hyps = []
            for i in range(0, len(bleu_sources), 64):
                chunk = bleu_sources[i:i + 64]
                s = max(len(c[0]) for c in chunk)
                src = torch.zeros(s, len(chunk), dtype=torch.long)
                for r, c in enumerate(chunk):
                    src[:len(c[0]), r] = torch.tensor(c[0])
                hyps += [[twords[t] for t in o] for o in model.greedy(src, torch.tensor([len(c[0]) for c in chunk]))]
        score = bleu(hyps, [c[1] for c in bleu_sources])
        print(f"epoch {epoch}: train loss {total / tokens:.3f}, val loss {vl / vn:.3f}, greedy BLEU {100 * score:.2f}, "
              f"{tokens / train_time:.0f} target tokens/s, epoch {train_time:.0f} s, elapsed {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
