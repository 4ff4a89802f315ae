#!/usr/bin/env python3
"""The GPU check's peer: PyTorch on the same GPU, timing what recur-gpu-check times, so every ratio is same-run.

cuDNN's nn.LSTM and nn.GRU on the fastrnns configuration (seq 100, batch 64, input 512, hidden 512) and on haste's grid
(batch 1-128, hidden 128-4096, input 512, 50 steps); LN-LSTM composed from ops and compiled with TorchScript, the way
PyTorch's own fastrnns benchmark writes it. fwd is inference under no_grad; fwdbwd a forward pass and the backward of
sum(output * dy) to the input and every parameter. Median of 10 timed passes after 3 warm-ups, timed with CUDA events.
Usage: peer.py --out peer.json [--tiny]
"""
import argparse
import json
import statistics

import torch


def median_ms(fn, reps=10, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


class LayerNormLSTMCell(torch.jit.ScriptModule):
    """fastrnns' LayerNormLSTMCell: layer norm on the gates' two products and on the cell state."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.weight_ih = torch.nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.05)
        self.weight_hh = torch.nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.05)
        self.layernorm_i = torch.nn.LayerNorm(4 * hidden_size)
        self.layernorm_h = torch.nn.LayerNorm(4 * hidden_size)
        self.layernorm_c = torch.nn.LayerNorm(hidden_size)

    @torch.jit.script_method
    def forward(self, x, h, c):
        igates = self.layernorm_i(torch.mm(x, self.weight_ih.t()))
        hgates = self.layernorm_h(torch.mm(h, self.weight_hh.t()))
        i, f, g, o = (igates + hgates).chunk(4, 1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = self.layernorm_c(f * c + i * g)
        h = o * torch.tanh(c)
        return h, c


class LayerNormLSTM(torch.jit.ScriptModule):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LayerNormLSTMCell(input_size, hidden_size)
        self.hidden_size = hidden_size

    @torch.jit.script_method
    def forward(self, x):
        h = torch.zeros(x.size(1), self.hidden_size, device=x.device)
        c = torch.zeros(x.size(1), self.hidden_size, device=x.device)
        outputs = []
        for xt in x.unbind(0):
            h, c = self.cell(xt, h, c)
            outputs.append(h)
        return torch.stack(outputs)


def time_layer(impl, cell, steps, batch, inp, hidden):
    torch.manual_seed(1)
    if cell == "Lstm":
        module = torch.nn.LSTM(inp, hidden).cuda()
        run = lambda x: module(x)[0]
    elif cell == "Gru":
        module = torch.nn.GRU(inp, hidden).cuda()
        run = lambda x: module(x)[0]
    else:
        module = LayerNormLSTM(inp, hidden).cuda()
        run = module
    x = torch.randn(steps, batch, inp, device="cuda", requires_grad=True)
    dy = torch.randn(steps, batch, hidden, device="cuda")

    def fwd():
        with torch.no_grad():
            run(x)

    def fwdbwd():
        (run(x) * dy).sum().backward()

    shape = dict(steps=steps, batch=batch, input=inp, hidden=hidden)
    return [dict(impl=impl, cell=cell, mode="fwd", ms=median_ms(fwd), **shape),
            dict(impl=impl, cell=cell, mode="fwdbwd", ms=median_ms(fwdbwd), **shape)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--tiny", action="store_true", help="the tiny grid of recur-gpu-check --size tiny")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("peer.py: no CUDA device is visible to PyTorch")
    torch.backends.cudnn.benchmark = True
    timings = []
    fastrnns = (5, 4, 8, 16) if args.tiny else (100, 64, 512, 512)
    timings += time_layer("cudnn", "Lstm", *fastrnns)
    timings += time_layer("cudnn", "Gru", *fastrnns)
    timings += time_layer("torchscript", "LayerNormLstm", *fastrnns)
    batches = [1, 4] if args.tiny else [1, 8, 32, 64, 128]
    hiddens = [16] if args.tiny else [128, 256, 512, 1024, 2048, 4096]
    for cell in ("Lstm", "Gru"):
        for b in batches:
            for h in hiddens:
                timings += time_layer("cudnn", cell, 5 if args.tiny else 50, b, 8 if args.tiny else 512, h)
    result = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__, cudnn=torch.backends.cudnn.version(),
                  timings=timings)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"peer.py: {len(timings)} timings on {result['device']} written to {args.out}")


if __name__ == "__main__":
    main()
