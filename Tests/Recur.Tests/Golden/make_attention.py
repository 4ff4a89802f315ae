#!/usr/bin/python3
"""Makes bahdanau_gru.json, the golden file for Recur's BahdanauGru decoder, with PyTorch (Debian's python3-torch 1.13, float64).

Run from this folder:  /usr/bin/python3 make_attention.py

The reference is the decoder of PyTorch's seq2seq tutorial (AttnDecoderRNN with BahdanauAttention), written step by step:
  scores_s = Va · tanh(Wa h + Ua m_s)      (Wa, Va without bias: a bias on Va is a shift that softmax cancels)
  a        = softmax(scores) over the row's own positions (padding masked to -inf: zero weight)
  c        = Σ_s a_s m_s
  h'       = nn.GRUCell(cat(x, c), h)
for a memory [B, S, E] whose rows have lengths 5, 2 and 4 (padding filled with large values that must not matter).
Loss L = Σ out·w_out + Σ attn·w_attn + Σ h_T·w_h; gradients of L with respect to x, h0, the memory and every weight.

Weight names are Recur's: keys.M.weight/bias <- Ua, scores.H.weight <- Wa, v <- Va, and for the GRU cell (rows [r; z; n], columns
[x | c]): {r,z,n}.cat.X.weight, {r,z,n}.cat.c.weight <- weight_ih, {r,z,n}.cat.bias <- bias_ih, {r,z,n}.H.weight/bias <- weight_hh/bias_hh.
"""
import json
import torch

torch.manual_seed(4321)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make(steps=4, batch=3, inp=4, enc=5, hidden=6, att=7, positions=5, lengths=(5, 2, 4)):
    Ua = torch.nn.Linear(enc, att)
    Wa = torch.nn.Linear(hidden, att, bias=False)
    Va = torch.nn.Linear(att, 1, bias=False)
    cell = torch.nn.GRUCell(inp + enc, hidden)
    params = list(Ua.parameters()) + list(Wa.parameters()) + list(Va.parameters()) + list(cell.parameters())
    with torch.no_grad():
        for p in params:
            p.uniform_(-0.6, 0.6)
    x = torch.randn(steps, batch, inp, requires_grad=True)
    h0 = (0.5 * torch.randn(batch, hidden)).requires_grad_()
    memory = torch.randn(batch, positions, enc)
    mask = torch.zeros(batch, positions, dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, n:] = True
        memory[b, n:] = 1e6
    memory.requires_grad_()
    w_out = torch.randn(steps, batch, hidden)
    w_attn = torch.randn(steps, batch, positions)
    w_h = torch.randn(batch, hidden)

    keys = Ua(memory)                                         # [B, S, Att], once per sequence
    h, outs, attns = h0, [], []
    for t in range(steps):
        scores = Va(torch.tanh(Wa(h).unsqueeze(1) + keys)).squeeze(2)   # [B, S]
        a = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=1)
        c = torch.bmm(a.unsqueeze(1), memory.masked_fill(mask.unsqueeze(2), 0)).squeeze(1)
        h = cell(torch.cat([x[t], c], dim=1), h)
        outs.append(h)
        attns.append(a)
    out, attn = torch.stack(outs), torch.stack(attns)
    loss = (out * w_out).sum() + (attn * w_attn).sum() + (h * w_h).sum()
    loss.backward()

    def gru(t, cols=None):
        return {g: (t[k * hidden:(k + 1) * hidden] if cols is None else t[k * hidden:(k + 1) * hidden, cols]) for k, g in enumerate("rzn")}

    def named(ua_w, ua_b, wa, va, w_ih, w_hh, b_ih, b_hh):
        d = {"keys.M.weight": flat(ua_w), "keys.M.bias": flat(ua_b), "scores.H.weight": flat(wa), "v": flat(va[0])}
        for g, block in gru(w_ih, slice(0, inp)).items(): d[f"{g}.cat.X.weight"] = flat(block)
        for g, block in gru(w_ih, slice(inp, inp + enc)).items(): d[f"{g}.cat.c.weight"] = flat(block)
        for g, block in gru(b_ih).items(): d[f"{g}.cat.bias"] = flat(block)
        for g, block in gru(w_hh).items(): d[f"{g}.H.weight"] = flat(block)
        for g, block in gru(b_hh).items(): d[f"{g}.H.bias"] = flat(block)
        return d

    weights = named(Ua.weight, Ua.bias, Wa.weight, Va.weight, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    grads = named(Ua.weight.grad, Ua.bias.grad, Wa.weight.grad, Va.weight.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad, cell.bias_hh.grad)
    data = {
        "generator": f"PyTorch {torch.__version__}, the seq2seq tutorial's Bahdanau attention decoder step by step, float64",
        "steps": steps, "batch": batch, "input": inp, "enc": enc, "hidden": hidden, "att": att, "positions": positions, "lengths": list(lengths),
        "weights": weights, "x": flat(x), "h0": flat(h0), "memory": flat(memory),
        "w_out": flat(w_out), "w_attn": flat(w_attn), "w_h": flat(w_h),
        "out": flat(out), "attn": flat(attn), "hn": flat(h), "loss": float(loss),
        "grads": grads, "dx": flat(x.grad), "dh0": flat(h0.grad), "dmemory": flat(memory.grad),
    }
    with open("bahdanau_gru.json", "w") as f:
        json.dump(data, f)
    print(f"bahdanau_gru.json: loss {float(loss):.6f}")


if __name__ == "__main__":
    make()
