using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Recur.Benchmarks;

/// <summary>The translator's model (Examples/Translate's default) on both sides: embeddings 256, a bidirectional GRU encoder of 256
/// per direction, the tanh bridge from both final states, a Bahdanau-attention GRU decoder of 512 (attention layer 512), dropout 0.2,
/// the output projection to the target vocabulary, cross-entropy with label smoothing 0.1, Adam with clipping at 5; batches of 64
/// pairs, source and target 12 tokens, the translator's vocabulary sizes. Measured: a training step, greedy decoding of 64 sources
/// for 12 steps, and the attention decoder layer alone (12 steps, its memory 12 × 512) against a plain GRU layer reading an input as
/// wide as the attention cell's [embedding; context].</summary>
internal static class Seq2SeqBench
{
    public const int Batch = 64, Steps = 12, Embed = 256, Encoder = 256, Decoder = 512, SourceVocab = 3386, TargetVocab = 5275;
    public const float Dropout = 0.2f;

    private static (int[] Source, int[] Inputs, int[] Outputs) Data()
    {
        var rng = new Random(1);
        int[] Ids(int vocab) => Enumerable.Range(0, Steps * Batch).Select(_ => rng.Next(Tokens.Specials, vocab)).ToArray();
        var source = Ids(SourceVocab);
        var outputs = Ids(TargetVocab);
        var inputs = new int[Steps * Batch];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = i < Batch ? Tokens.Start : outputs[i - Batch];
        return (source, inputs, outputs);
    }

    /// <summary>What the seq2seq benchmark measures, in its table's order, with the words that name each workload.</summary>
    public static readonly (string What, string Text, bool PerPair)[] Parts =
    {
        ("train", "training step (forward, backward, Adam)", true),
        ("greedy", "greedy decoding, 12 steps", true),
        ("attention-fwd", "attention decoder layer, forward (inference)", false),
        ("attention-fwdbwd", "attention decoder layer, forward + backward", false),
        ("gru-fwd", "plain GRU layer, input 768, forward (inference)", false),
        ("gru-fwdbwd", "plain GRU layer, input 768, forward + backward", false),
    };

    public static IWorkload Recur(Device device, string what)
    {
        var (source, inputs, outputs) = Data();
        var lengths = Enumerable.Repeat(Steps, Batch).ToArray();
        if (what is "train" or "greedy")
        {
            var model = new Seq2Seq<float>(device, new Seq2SeqConfig(SourceVocab, TargetVocab, "Gru", "bahdanau", Embed, Encoder, Decoder, 1, true, Dropout), seed: 1);
            if (what == "greedy")
            {
                var decoder = new Seq2SeqDecoder<float>(model);
                var sources = Enumerable.Range(0, Batch).Select(r => Enumerable.Range(0, Steps).Select(t => source[t * Batch + r]).ToArray()).ToList();
                return new Workload(() => decoder.Greedy(sources, maxLength: Steps), 0, Batch, model);
            }
            var adam = new Adam<float>(model, 1e-3) { ClipNorm = 5 };
            var rng = new Rng(1);
            return new Workload(() =>
            {
                model.ZeroGrad();
                using var tape = new Tape(training: true, rng);
                var logits = model.Decode(tape, model.Encode(tape, source, Steps, Batch, lengths), inputs, Steps, Batch);
                tape.Backward(Losses.CrossEntropy(Ops.Reshape(logits, Steps * Batch, TargetVocab), outputs, ignoreIndex: -1, labelSmoothing: 0.1));
                adam.Update();
            }, 0, Batch, adam, model);
        }

        // The attention decoder layer alone against a plain GRU layer with as wide an input.
        var r = new Random(2);
        Tensor<float> Random(params int[] shape) => Tensor<float>.FromArray(device, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray(), shape);
        var dy = Random(Steps, Batch, Decoder);
        bool backward = what.EndsWith("fwdbwd", StringComparison.Ordinal);
        if (what.StartsWith("attention", StringComparison.Ordinal))
        {
            var attention = CellCatalog.CreateAttention<float>("bahdanau", "Gru", device, Embed, Decoder, seed: 1);
            var x = Random(Steps, Batch, Embed);
            var memories = new[] { Random(Batch, Steps, 2 * Encoder) };
            var memoryLengths = new[] { lengths };
            return new Workload(backward
                ? () => { using var o = attention.Forward(new[] { x }, training: true, memories: memories, memoryLengths: memoryLengths); using var g = attention.Backward(dy); }
                : () => { using var o = attention.Forward(new[] { x }, training: false, memories: memories, memoryLengths: memoryLengths); },
                0, Steps * Batch, attention, x, memories[0], dy);
        }
        var plain = CellCatalog.Create<float>("Gru", device, Embed + 2 * Encoder, Decoder, seed: 1);
        var wide = Random(Steps, Batch, Embed + 2 * Encoder);
        return new Workload(backward
            ? () => { using var o = plain.Forward(wide, training: true); using var g = plain.Backward(dy); }
            : () => { using var o = plain.Forward(wide, training: false); },
            0, Steps * Batch, plain, wide, dy);
    }

    /// <summary>The same model as PyTorch's seq2seq tutorial writes it, in libtorch: nn.GRU(bidirectional) encoder, a GRUCell decoder
    /// stepped in a loop with Bahdanau attention from ops (the Python reference Tests/Benchmarks/seq2seq_reference.py, line for line).</summary>
    public static IWorkload Torch(string what)
    {
        torch.manual_seed(1);
        var (sourceIds, inputIds, outputIds) = Data();
        var src = nn.Embedding(SourceVocab, Embed, padding_idx: Tokens.Pad);
        var tgt = nn.Embedding(TargetVocab, Embed, padding_idx: Tokens.Pad);
        var encoder = nn.GRU(Embed, Encoder, bidirectional: true);
        var bridge = nn.Linear(2 * Encoder, Decoder);
        var ua = nn.Linear(2 * Encoder, Decoder);
        var wa = nn.Linear(Decoder, Decoder, hasBias: false);
        var va = nn.Linear(Decoder, 1, hasBias: false);
        var cell = nn.GRUCell(Embed + 2 * Encoder, Decoder);
        var output = nn.Linear(Decoder, TargetVocab);
        var drop = nn.Dropout(Dropout);
        var modules = new nn.Module[] { src, tgt, encoder, bridge, ua, wa, va, cell, output };
        var parameters = modules.SelectMany(m => m.parameters()).ToList();
        var adam = optim.Adam(parameters, 1e-3);
        var source = torch.tensor(sourceIds.Select(v => (long)v).ToArray(), new long[] { Steps, Batch });
        var inputs = torch.tensor(inputIds.Select(v => (long)v).ToArray(), new long[] { Steps, Batch });
        var targets = torch.tensor(outputIds.Select(v => (long)v).ToArray(), new long[] { Steps * Batch });
        var mask = torch.zeros(Batch, Steps, dtype: ScalarType.Bool);

        (Tensor Memory, Tensor Keys, Tensor H) Encode(bool training)
        {
            var x = training ? drop.forward(src.forward(source)) : src.forward(source);
            var (o, h) = encoder.forward(x, null);
            var memory = o.transpose(0, 1);
            return (memory, ua.forward(memory), bridge.forward(torch.cat(new[] { h[0], h[1] }, 1)).tanh());
        }
        Tensor Step(Tensor y, Tensor h, Tensor memory, Tensor keys)
        {
            var scores = va.forward((wa.forward(h).unsqueeze(1) + keys).tanh()).squeeze(2);
            var a = scores.masked_fill(mask, double.NegativeInfinity).softmax(1);
            var c = torch.bmm(a.unsqueeze(1), memory).squeeze(1);
            return cell.forward(torch.cat(new[] { y, c }, 1), h);
        }

        switch (what)
        {
            case "train":
                return new Workload(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    adam.zero_grad();
                    var (memory, keys, h) = Encode(training: true);
                    var y = drop.forward(tgt.forward(inputs)).unbind(0);
                    var outs = new List<Tensor>();
                    for (int t = 0; t < Steps; t++) outs.Add(h = Step(y[t], h, memory, keys));
                    var logits = output.forward(drop.forward(torch.stack(outs))).reshape(Steps * Batch, TargetVocab);
                    nn.functional.cross_entropy(logits, targets, label_smoothing: 0.1).backward();
                    nn.utils.clip_grad_norm_(parameters, 5);
                    adam.step();
                }, 0, Batch);
            case "greedy":
                return new Workload(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.no_grad();
                    var (memory, keys, h) = Encode(training: false);
                    var token = torch.full(Batch, Tokens.Start, dtype: ScalarType.Int64);
                    var tokens = new List<long[]>();
                    for (int t = 0; t < Steps; t++)
                    {
                        h = Step(tgt.forward(token), h, memory, keys);
                        token = output.forward(h).argmax(1);
                        tokens.Add(token.data<long>().ToArray());
                    }
                }, 0, Batch);
        }

        // The attention decoder layer alone (12 steps of attention + GRUCell) and nn.GRU over as wide an input.
        var xs = torch.rand(Steps, Batch, Embed) * 2 - 1;
        var wide = torch.rand(Steps, Batch, Embed + 2 * Encoder) * 2 - 1;
        var mem = torch.rand(Batch, Steps, 2 * Encoder) * 2 - 1;
        var dy = torch.rand(Steps, Batch, Decoder) * 2 - 1;
        var h0 = torch.zeros(Batch, Decoder);
        Tensor Attend(Tensor x)
        {
            var keys = ua.forward(mem);
            var steps = x.unbind(0);
            var h = h0;
            var outs = new List<Tensor>();
            for (int t = 0; t < Steps; t++) outs.Add(h = Step(steps[t], h, mem, keys));
            return torch.stack(outs);
        }
        var gru = nn.GRU(Embed + 2 * Encoder, Decoder);
        Action run = what switch
        {
            "attention-fwd" => () => { using var scope = torch.NewDisposeScope(); using var noGrad = torch.no_grad(); Attend(xs); },
            "attention-fwdbwd" => () => { using var scope = torch.NewDisposeScope(); (Attend(xs) * dy).sum().backward(); },
            "gru-fwd" => () => { using var scope = torch.NewDisposeScope(); using var noGrad = torch.no_grad(); gru.forward(wide, null); },
            "gru-fwdbwd" => () => { using var scope = torch.NewDisposeScope(); (gru.forward(wide, null).Item1 * dy).sum().backward(); },
            _ => throw new ArgumentException($"Unknown seq2seq workload '{what}'."),
        };
        return new Workload(run, 0, Steps * Batch);
    }
}
