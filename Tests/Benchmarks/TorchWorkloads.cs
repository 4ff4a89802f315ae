using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static Recur.Benchmarks.Models;
using static TorchSharp.torch;

using Recur.Examples.Tasks;

namespace Recur.Benchmarks;

/// <summary>The peer: libtorch 2.10 through TorchSharp, the same workloads as <see cref="RecurWorkloads"/>. nn.LSTM, nn.GRU and nn.RNN
/// are libtorch's own fused modules; LN-LSTM and JZS1 are composed from ops in a loop, as a researcher would write them, with the
/// input projection of all steps as one matmul and time steps sliced with unbind(0).</summary>
internal sealed class TorchWorkloads : IDisposable
{
    /// <summary>The cells with a libtorch counterpart here; the others are measured on Recur's side only (against our Lstm).</summary>
    public static readonly string[] Cells = { "Lstm", "Gru", "LayerNormLstm", "Jzs1", "BasicRnn" };

    public TorchWorkloads(int threads)
    {
        Console.Error.WriteLine(TorchSharpLoadFix.Apply());
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        Console.Error.WriteLine($"libtorch: TorchSharp {typeof(torch).Assembly.GetName().Version}, {torch.get_num_threads()} thread(s)");
    }

    /// <summary>Whether libtorch has a counterpart of <paramref name="w"/> here.</summary>
    public static bool Has(WorkloadSpec w) => w.Kind switch
    {
        "cell" => Cells.Contains(w.Arg(0)),
        "small" => w.Arg(0) is "Gru" or "Lstm" or "LayerNormLstm",
        "charmodel" or "generate" or "gemm" or "seq2seq" => true,
        _ => false,
    };

    public IWorkload Create(WorkloadSpec w) => w.Kind switch
    {
        "cell" => Cell(w.Arg(0), w.Arg(1), Config.ByName(w.Arg(2))),
        "charmodel" => CharModelStep("Lstm", CharEmbed, CharHidden, CharLayers, CharDropout, CharSeq, CharBatch, clip: 5),
        "small" => CharModelStep(w.Arg(0), SmallEmbed, SmallHidden, SmallLayers, 0, SmallSeq, SmallBatch, clip: 0),
        "generate" => Generate(),
        "gemm" => Gemm(w.Arg(0), int.Parse(w.Arg(1)), int.Parse(w.Arg(2)), int.Parse(w.Arg(3))),
        "seq2seq" => Seq2SeqBench.Torch(w.Arg(0)),
        _ => throw new ArgumentException($"libtorch has no workload '{w}'."),
    };

    private static IWorkload Cell(string cell, string mode, Config c)
    {
        var (layer, _) = Layer(cell, c.Input, c.Hidden);
        var x = torch.rand(c.Steps, c.Batch, c.Input) * 2 - 1;
        var dy = torch.rand(c.Steps, c.Batch, c.Hidden) * 2 - 1;
        Action run = mode switch
        {
            "fwd" => () =>
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                layer(x);
            },
            "fwdbwd" => () =>
            {
                using var scope = torch.NewDisposeScope();
                (layer(x) * dy).sum().backward();
            },
            _ => throw new ArgumentException($"Mode '{mode}' is fwd or fwdbwd."),
        };
        return new Workload(run, 0, c.Steps * c.Batch, x, dy);
    }

    /// <summary>A layer over [T, B, input] → [T, B, hidden] and its parameters.</summary>
    private static (Func<Tensor, Tensor> Forward, IEnumerable<Parameter> Parameters) Layer(string cell, int input, int hidden, int layers = 1)
    {
        switch (cell)
        {
            case "Lstm": { var m = nn.LSTM(input, hidden, numLayers: layers); return (x => m.forward(x, null).Item1, m.parameters()); }
            case "Gru": { var m = nn.GRU(input, hidden, numLayers: layers); return (x => m.forward(x, null).Item1, m.parameters()); }
            case "BasicRnn": { var m = nn.RNN(input, hidden, numLayers: layers); return (x => m.forward(x, null).Item1, m.parameters()); }
            case "LayerNormLstm":
            {
                var stack = Enumerable.Range(0, layers).Select(l => LayerNormLstm(l == 0 ? input : hidden, hidden)).ToArray();
                return (x => stack.Aggregate(x, (h, l) => l.Forward(h)), stack.SelectMany(l => l.Parameters).ToArray());
            }
            case "Jzs1" when layers == 1: return Jzs1(input, hidden);
            default: throw new ArgumentException($"libtorch has no {cell} here.");
        }
    }

    private static Parameter Param(params long[] shape) => nn.Parameter((torch.randn(shape) * 0.1).detach());
    private static Parameter Ones(long n) => nn.Parameter(torch.ones(n));
    private static Parameter Zeros(long n) => nn.Parameter(torch.zeros(n));

    private static (Func<Tensor, Tensor> Forward, Parameter[] Parameters) LayerNormLstm(int input, int hidden)
    {
        long h = hidden;
        var wx = Param(input, 4 * h); var bx = Param(4 * h); var wh = Param(h, 4 * h); var bh = Param(4 * h);
        var gains = Enumerable.Range(0, 5).Select(_ => Ones(h)).ToArray();
        var shifts = Enumerable.Range(0, 5).Select(_ => Zeros(h)).ToArray();
        Tensor Ln(Tensor v, int k) => nn.functional.layer_norm(v, new[] { h }, gains[k], shifts[k], 1e-5);
        return (x =>
        {
            var steps = (x.matmul(wx) + bx).unbind(0);
            var hs = torch.zeros(x.shape[1], h); var cs = torch.zeros(x.shape[1], h);
            var outs = new List<Tensor>(steps.Length);
            foreach (var xt in steps)
            {
                var gates = (xt + hs.matmul(wh) + bh).chunk(4, -1);
                var i = Ln(gates[0], 0).sigmoid(); var j = Ln(gates[1], 1).tanh();
                var f = (Ln(gates[2], 2) + 1).sigmoid(); var o = Ln(gates[3], 3).sigmoid();
                cs = cs * f + i * j;
                hs = Ln(cs, 4).tanh() * o;
                outs.Add(hs);
            }
            return torch.stack(outs, 0);
        }, new[] { wx, bx, wh, bh }.Concat(gains).Concat(shifts).ToArray());
    }

    private static (Func<Tensor, Tensor> Forward, Parameter[] Parameters) Jzs1(int input, int hidden)
    {
        long h = hidden;
        var wx = Param(input, 3 * h); var bx = Param(3 * h); var whh = Param(h, h); var bhh = Param(h);
        return (x =>
        {
            var steps = (x.matmul(wx) + bx).unbind(0);
            var hs = torch.zeros(x.shape[1], h);
            var outs = new List<Tensor>(steps.Length);
            foreach (var xt in steps)
            {
                var parts = xt.chunk(3, -1);
                var z = parts[0].sigmoid(); var r = parts[1].sigmoid();
                hs = ((r * hs).matmul(whh) + bhh + parts[2].tanh()).tanh() * z + hs * (1 - z);
                outs.Add(hs);
            }
            return torch.stack(outs, 0);
        }, new[] { wx, bx, whh, bhh });
    }

    /// <summary>One training step of the same character model in libtorch: nn.Embedding, the stack (dropout between layers),
    /// nn.Linear, cross-entropy, clip_grad_norm_ (when clipping), Adam.</summary>
    private static IWorkload CharModelStep(string cell, int embed, int hidden, int layers, float dropout, int seq, int batch, double clip)
    {
        var data = Shakespeare();
        var windows = new StreamBatches(data.Train, seq, batch);
        int vocab = data.Vocabulary.Length;
        var embedding = nn.Embedding(vocab, embed);
        Func<Tensor, Tensor> stack;
        IEnumerable<Parameter> stackParameters;
        if (cell == "Lstm" && dropout > 0)
        {
            var lstm = nn.LSTM(embed, hidden, numLayers: layers, dropout: dropout);
            (stack, stackParameters) = (x => lstm.forward(x, null).Item1, lstm.parameters());
        }
        else (stack, stackParameters) = Layer(cell, embed, hidden, layers);
        var output = nn.Linear(hidden, vocab);
        var drop = nn.Dropout(dropout);
        var parameters = embedding.parameters().Concat(stackParameters).Concat(output.parameters()).ToList();
        var adam = optim.Adam(parameters, 2e-3);
        int w = 0;
        return new Workload(() =>
        {
            using var scope = torch.NewDisposeScope();
            var (x, y) = windows.Window(w++ % windows.Windows);
            adam.zero_grad();
            var ids = torch.tensor(x.Select(v => (long)v).ToArray(), new long[] { seq, batch });
            var targets = torch.tensor(y.Select(v => (long)v).ToArray(), new long[] { seq * batch });
            var h = stack(drop.forward(embedding.forward(ids)));
            var logits = output.forward(drop.forward(h)).reshape(seq * batch, vocab);
            nn.functional.cross_entropy(logits, targets).backward();
            if (clip > 0) nn.utils.clip_grad_norm_(parameters, clip);
            adam.step();
        }, 0, seq * batch) { Note = $"{parameters.Sum(p => p.numel())} parameters" };
    }

    /// <summary>Batch-1 sampling from the same 2 × 512 LSTM character model, step by step with the state carried, as Recur's
    /// CharModel.Generate does it: a newline and the prompt's character first, then one character per step.</summary>
    private static IWorkload Generate()
    {
        var data = Shakespeare();
        int vocab = data.Vocabulary.Length;
        var embedding = nn.Embedding(vocab, CharEmbed);
        var lstm = nn.LSTM(CharEmbed, GenerateHidden, numLayers: GenerateLayers);
        var output = nn.Linear(GenerateHidden, vocab);
        var generator = new Generator(1);
        long start = data.Vocabulary.IndexOf('\n'), prompt = data.Vocabulary.IndexOf('R');
        return new Workload(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var ids = torch.tensor(new[] { start, prompt }, new long[] { 2, 1 });
            (Tensor, Tensor)? state = null;
            for (int n = 0; n < GenerateTokens; n++)
            {
                var (h, hn, cn) = lstm.forward(embedding.forward(ids), state);
                state = (hn, cn);
                var logits = output.forward(h[-1, 0]);
                var next = torch.multinomial((logits / 0.8).softmax(0), 1, generator: generator).item<long>();
                ids = torch.tensor(new[] { next }, new long[] { 1, 1 });
            }
        }, 0, GenerateTokens);
    }

    /// <summary>torch.mm with the same transposes as Recur's side (a transposed operand is a view, as a layer's would be).</summary>
    private static IWorkload Gemm(string layout, int m, int n, int k)
    {
        var (transA, transB) = RecurWorkloads.Layout(layout);
        var a = transA ? torch.rand(k, m) - 0.5 : torch.rand(m, k) - 0.5;
        var b = transB ? torch.rand(n, k) - 0.5 : torch.rand(k, n) - 0.5;
        var (opA, opB) = (transA ? a.t() : a, transB ? b.t() : b);
        return new Workload(() =>
        {
            using var scope = torch.NewDisposeScope();
            torch.mm(opA, opB);
        }, 2.0 * m * n * k, 0, a, b) { Note = "torch.mm" };
    }

    public void Dispose() { }
}
