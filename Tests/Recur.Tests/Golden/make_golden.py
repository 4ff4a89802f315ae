#!/usr/bin/python3
"""Makes the golden files for Recur's LSTM and GRU tests with PyTorch's nn.LSTM / nn.GRU (Debian's python3-torch, 1.13).

Run from this folder:  /usr/bin/python3 make_golden.py
Writes lstm.json and gru.json: sizes, weights (named as Recur names them), inputs, initial states, outputs,
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


make("lstm")
make("gru")
