using System;
using System.Linq;
using static Recur.Benchmarks.Models;

using Recur.Examples.Tasks;

namespace Recur.Benchmarks;

/// <summary>Recur's side: every workload on one <see cref="Device.Cpu"/> with the process's thread count.</summary>
internal sealed class RecurWorkloads : IDisposable
{
    private readonly Device _device;

    public RecurWorkloads(int threads)
    {
        _device = Device.Cpu(threads);
        Console.Error.WriteLine($"recur: {_device.Name}, {threads} thread(s), GEMM: {_device.GemmName<float>()}{(_device.GemmNote is { } n ? " — " + n : "")}, " +
                                $"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}");
    }

    public IWorkload Create(WorkloadSpec w) => w.Kind switch
    {
        "cell" => Cell(w.Arg(0), w.Arg(1), Config.ByName(w.Arg(2))),
        "charmodel" => CharModelStep("Lstm", CharEmbed, CharHidden, CharLayers, CharDropout, CharSeq, CharBatch, clip: 5, interconnect: null),
        "stack" => CharModelStep("Lstm", CharEmbed, CharHidden, 3, CharDropout, CharSeq, CharBatch, clip: 5, interconnect: w.Arg(0) == "plain" ? null : w.Arg(0)),
        "small" => CharModelStep(w.Arg(0), SmallEmbed, SmallHidden, SmallLayers, 0, SmallSeq, SmallBatch, clip: 0, interconnect: null),
        "generate" => Generate(),
        "gemm" => Gemm(w.Arg(0), int.Parse(w.Arg(1)), int.Parse(w.Arg(2)), int.Parse(w.Arg(3)), _device.Gemm<float>()),
        "gemm-avx2" => Gemm(w.Arg(0), int.Parse(w.Arg(1)), int.Parse(w.Arg(2)), int.Parse(w.Arg(3)),
            CpuGemm.Avx2Supported ? new CpuGemm(_device.Workers, avx512: false) : throw new InvalidOperationException("This CPU lacks AVX2 and FMA.")),
        "gemm-openblas" => Gemm(w.Arg(0), int.Parse(w.Arg(1)), int.Parse(w.Arg(2)), int.Parse(w.Arg(3)),
            OpenBlasGemm<float>.TryCreate(_device.Threads, out var why) ?? throw new InvalidOperationException($"OpenBLAS is not available: {why}")),
        "seq2seq" => Seq2SeqBench.Recur(_device, w.Arg(0)),
        _ => throw new ArgumentException($"Recur has no workload '{w}'."),
    };

    /// <summary>A shipped cell's layer (with the catalogue's sizes for the cell's own dimensions), forward in inference or forward
    /// plus backward to the input and every parameter.</summary>
    private IWorkload Cell(string cell, string mode, Config c)
    {
        var rng = new Random(1);
        var rnn = CellCatalog.Create<float>(cell, _device, c.Input, c.Hidden, seed: 1);
        Tensor<float> Random(int width) => Tensor<float>.FromArray(_device, Enumerable.Range(0, c.Steps * c.Batch * width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), c.Steps, c.Batch, width);
        // A cell with several inputs (GridLstm) gets a random sequence for each, of its dimension's size.
        var inputs = rnn.Spec.Inputs.Select((p, k) => Random(k == 0 ? c.Input : rnn.Sizes[p.Dim])).ToArray();
        var dy = Random(rnn.OutputSize);
        bool backward = mode == "fwdbwd";
        Action run = mode switch
        {
            "fwd" => () => { using var r = rnn.Forward(inputs, training: false); },
            "fwdbwd" => () =>
            {
                using var r = rnn.Forward(inputs, training: true);
                using var g = rnn.Backward(dy);
            },
            _ => throw new ArgumentException($"Mode '{mode}' is fwd or fwdbwd."),
        };
        return new Workload(run, LayerFlops(rnn, c, backward), c.Steps * c.Batch, inputs.Append(dy).Append<IDisposable>(rnn).ToArray());
    }

    /// <summary>One training step of a character model made of Recur's parts: forward on the tape, cross-entropy, backward, Adam.</summary>
    private IWorkload CharModelStep(string cell, int embed, int hidden, int layers, float dropout, int seq, int batch, double clip, string? interconnect)
    {
        var data = Shakespeare();
        var windows = new StreamBatches(data.Train, seq, batch);
        var model = new CharModel(_device, new CharModelConfig(cell, data.Vocabulary.Length, embed, hidden, layers, dropout, Interconnect: interconnect), seed: 1);
        var adam = new Adam<float>(model, 2e-3) { ClipNorm = clip };
        var rng = new Rng(1);
        int w = 0;
        double flops = model.Layers.Layers.OfType<RnnLayer<float>>().Sum(l => LayerFlops(l, new Config("", seq, batch, 0, 0), backward: true))
                       + 3 * 2.0 * seq * batch * hidden * data.Vocabulary.Length;
        return new Workload(() =>
        {
            var (x, y) = windows.Window(w++ % windows.Windows);
            model.ZeroGrad();
            using var tape = new Tape(training: true, rng);
            tape.Backward(Losses.CrossEntropy(model.Forward(tape, x, seq, batch).Output, y));
            adam.Update();
        }, flops, seq * batch, adam, model) { Note = $"{model.ParameterCount} parameters" };
    }

    /// <summary>Batch-1 sampling from a 2 × 512 LSTM character model, one character at a time with the state carried.</summary>
    private IWorkload Generate()
    {
        var data = Shakespeare();
        var model = new CharModel(_device, new CharModelConfig("Lstm", data.Vocabulary.Length, CharEmbed, GenerateHidden, GenerateLayers, 0), seed: 1);
        var rng = new Rng(1);
        var options = new SamplingOptions(Temperature: 0.8);
        return new Workload(() => model.Generate(data.Vocabulary, "R", GenerateTokens, options, rng), 0, GenerateTokens, model);
    }

    /// <summary>C[m×n] = op(A)·op(B) on <paramref name="gemm"/>, with the transposes a layer's products use: <c>nt</c> (input
    /// products, A·Wᵀ), <c>nn</c> (gradients into the operand, dC·W) or <c>tn</c> (weight gradients, dCᵀ·X).</summary>
    private IWorkload Gemm(string layout, int m, int n, int k, IGemm<float> gemm)
    {
        var (transA, transB) = Layout(layout);
        var rng = new Random(1);
        float[] Random(int length) => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var a = Tensor<float>.FromArray(_device, Random(m * k), m * k);
        var b = Tensor<float>.FromArray(_device, Random(n * k), n * k);
        var c = new Tensor<float>(_device, m * n);
        int lda = transA ? m : k, ldb = transB ? k : n;
        return new Workload(() => gemm.Run(transA, transB, m, n, k, 1f, a.View, lda, b.View, ldb, 0f, c.View, n), 2.0 * m * n * k, 0, a, b, c)
            { Note = gemm.Name };
    }

    public static (bool TransA, bool TransB) Layout(string layout) => layout switch
    {
        "nt" => (false, true),
        "nn" => (false, false),
        "tn" => (true, false),
        _ => throw new ArgumentException($"A GEMM layout is nt, nn or tn, not '{layout}'."),
    };

    /// <summary>Gives the device's pooled buffers back between workloads, so each workload's memory is its own.</summary>
    public void Trim() => _device.TrimPool();

    public void Dispose() => _device.Dispose();
}

/// <summary>A workload from a delegate and what it owns.</summary>
internal sealed class Workload : IWorkload
{
    private readonly Action _run;
    private readonly IDisposable[] _owned;

    public Workload(Action run, double flops, double tokens, params IDisposable[] owned)
    {
        _run = run;
        _owned = owned;
        Flops = flops;
        Tokens = tokens;
    }

    public double Flops { get; }
    public double Tokens { get; }
    public string Note { get; init; } = "";
    public void Run() => _run();

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
    }
}
