#!/usr/bin/python3
"""Makes the golden files for Recur's LSTM and GRU tests with PyTorch's nn.LSTM / nn.GRU (Debian's python3-torch, 1.13).

Run from this folder:  /usr/bin/python3 make_golden.py
Writes lstm.json and gru.json (and lstm_lm.json, optimizers.json: see make_lm and make_optimizers below): sizes, weights (named as Recur names them), inputs, initial states, outputs,
final states, and gradients of the loss  L = sum(out * w_out) + sum over states of sum(final * w_state)
with respect to the input, the initial states and every weight, all in float64.

Weight layout mapping (PyTorch rows are gate blocks of size H):
  LSTM: weight_ih_l0 = [i; f; g; o] -> i.X.weight, f.X.weight, g.X.weight, o.X.weight  (weight_hh_l0 -> *.H.weight)
        bias_ih_l0 -> *.X.bias, bias_hh_l0 -> *.H.bias.  PyTorch has no forget bias: Recur's ForgetBias is set to 0.
  GRU:  weight_ih_l0 = [r; z; n] -> r.X.weight, z.X.weight, n.X.weight  (weight_hh_l0 -> *.H.weight, biases likewise)
"""
import json
import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def blocks(prefixes, tensor, suffix, hidden):
    return {f"{p}.{suffix}": flat(tensor[k * hidden:(k + 1) * hidden]) for k, p in enumerate(prefixes)}


def make(kind, steps=5, batch=3, inp=4, hidden=7):
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    gates = ["i", "f", "g", "o"] if kind == "lstm" else ["r", "z", "n"]
    model = cls(inp, hidden)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.6, 0.6)
    x = torch.randn(steps, batch, inp, requires_grad=True)
    h0 = (0.5 * torch.randn(1, batch, hidden)).requires_grad_()
    c0 = (0.5 * torch.randn(1, batch, hidden)).requires_grad_()
    w_out = torch.randn(steps, batch, hidden)
    w_h = torch.randn(batch, hidden)
    w_c = torch.randn(batch, hidden)
    if kind == "lstm":
        out, (hn, cn) = model(x, (h0, c0))
        loss = (out * w_out).sum() + (hn[0] * w_h).sum() + (cn[0] * w_c).sum()
    else:
        out, hn = model(x, h0)
        loss = (out * w_out).sum() + (hn[0] * w_h).sum()
    loss.backward()

    weights, grads = {}, {}
    for src, suffix in (("weight_ih_l0", "X.weight"), ("weight_hh_l0", "H.weight"), ("bias_ih_l0", "X.bias"), ("bias_hh_l0", "H.bias")):
        p = getattr(model, src)
        weights.update(blocks(gates, p, suffix, hidden))
        grads.update(blocks(gates, p.grad, suffix, hidden))
    data = {
        "generator": f"PyTorch {torch.__version__} nn.{cls.__name__}, float64",
        "steps": steps, "batch": batch, "input": inp, "hidden": hidden,
        "weights": weights, "x": flat(x), "h0": flat(h0), "w_out": flat(w_out), "w_h": flat(w_h),
        "out": flat(out), "hn": flat(hn), "loss": float(loss),
        "grads": grads, "dx": flat(x.grad), "dh0": flat(h0.grad),
    }
    if kind == "lstm":
        data.update({"c0": flat(c0), "w_c": flat(w_c), "cn": flat(cn), "dc0": flat(c0.grad)})
    with open(f"{kind}.json", "w") as f:
        json.dump(data, f)
    print(f"{kind}.json: loss {float(loss):.6f}")


if __name__ == "__main__":
    make("lstm")
    make("gru")


def make_lm(steps=4, batch=3, vocab=11, embed=5, hidden=6, layers=2):
    """A 2-layer LSTM language model: nn.Embedding -> nn.LSTM(num_layers=2) -> nn.Linear -> cross_entropy with padding
    (ignore_index=-1) and label smoothing 0.1, from given initial states. Recur's names: embedding.weight,
    layers.{k}.{i,f,g,o}.{X,H}.{weight,bias}, output.weight, output.bias; states state.{k}.h0 / c0."""
    emb = torch.nn.Embedding(vocab, embed)
    lstm = torch.nn.LSTM(embed, hidden, num_layers=layers)
    out = torch.nn.Linear(hidden, vocab)
    with torch.no_grad():
        for p in list(emb.parameters()) + list(lstm.parameters()) + list(out.parameters()):
            p.uniform_(-0.6, 0.6)
    ids = torch.randint(0, vocab, (steps, batch))
    targets = torch.randint(0, vocab, (steps * batch,))
    targets[[2, 7]] = -1
    h0 = (0.5 * torch.randn(layers, batch, hidden)).requires_grad_()
    c0 = (0.5 * torch.randn(layers, batch, hidden)).requires_grad_()
    y, _ = lstm(emb(ids), (h0, c0))
    logits = out(y).reshape(steps * batch, vocab)
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1, label_smoothing=0.1)
    loss.backward()

    weights, grads = {"embedding.weight": flat(emb.weight), "output.weight": flat(out.weight), "output.bias": flat(out.bias)}, {}
    grads.update({"embedding.weight": flat(emb.weight.grad), "output.weight": flat(out.weight.grad), "output.bias": flat(out.bias.grad)})
    gates = ["i", "f", "g", "o"]
    for k in range(layers):
        for src, suffix in (("weight_ih", "X.weight"), ("weight_hh", "H.weight"), ("bias_ih", "X.bias"), ("bias_hh", "H.bias")):
            p = getattr(lstm, f"{src}_l{k}")
            weights.update(blocks([f"layers.{k}.{g}" for g in gates], p, suffix, hidden))
            grads.update(blocks([f"layers.{k}.{g}" for g in gates], p.grad, suffix, hidden))
    data = {
        "generator": f"PyTorch {torch.__version__}: nn.Embedding, nn.LSTM(num_layers={layers}), nn.Linear, cross_entropy(ignore_index=-1, label_smoothing=0.1); float64",
        "steps": steps, "batch": batch, "vocab": vocab, "embed": embed, "hidden": hidden, "layers": layers,
        "ids": [int(v) for v in ids.reshape(-1).tolist()], "targets": [int(v) for v in targets.tolist()],
        "h0": flat(h0), "c0": flat(c0), "loss": float(loss), "weights": weights, "grads": grads,
        "dh0": flat(h0.grad), "dc0": flat(c0.grad),
    }
    with open("lstm_lm.json", "w") as f:
        json.dump(data, f)
    print(f"lstm_lm.json: loss {float(loss):.6f}")


def make_optimizers(steps=3):
    """Three updates of each optimizer from the same start and gradients: Adam (with weight decay), AdamW, SGD with momentum,
    SGD with Nesterov momentum and weight decay, RMSprop (with and without momentum)."""
    p0 = torch.randn(7)
    grads = [torch.randn(7) for _ in range(steps)]
    cases = {
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
        "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        "nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01),
        "rmsprop_momentum": lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.5, weight_decay=0.01),
    }
    data = {"generator": f"PyTorch {torch.__version__} torch.optim, float64", "p0": flat(p0), "grads": [flat(g) for g in grads]}
    for name, make in cases.items():
        p = p0.clone().requires_grad_()
        opt = make([p])
        for g in grads:
            p.grad = g.clone()
            opt.step()
        data[name] = flat(p)
    with open("optimizers.json", "w") as f:
        json.dump(data, f)
    print("optimizers.json")


if __name__ == "__main__":
    make_lm()
    make_optimizers()
