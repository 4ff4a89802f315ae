using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Recur.GpuCheck;

/// <summary>Composed models trained side by side on the device and on the CPU from the same seed, with the same data and the same
/// dropout masks (drawn on the host): the losses must agree step by step within float rounding, which grows slowly with the steps.</summary>
internal static class ModelChecks
{
    /// <summary>The README's character model (smaller in the tiny run) on tiny Shakespeare with its training task (carried state,
    /// dropout), Adam with clipping.</summary>
    public static CheckResult CharModel(Device device, Device cpu, bool tiny, int steps)
    {
        var text = File.ReadAllText(Data("tinyshakespeare.txt"));
        var data = new CharData(text);
        int seq = tiny ? 16 : 100, batch = tiny ? 4 : 32;
        var config = new CharModelConfig("Lstm", data.Vocabulary.Length, tiny ? 16 : 64, tiny ? 24 : 256, 2, 0.1f);
        List<double> Train(Device d)
        {
            using var model = new Recur.CharModel(d, config, seed: 1);
            using var task = new CharTask(model, data, seq, batch);
            using var adam = new Adam<float>(model, 2e-3) { ClipNorm = 5 };
            var rng = new Rng(1);
            var losses = new List<double>();
            task.BeginEpoch(0);
            for (int step = 0; step < steps; step++)
            {
                model.ZeroGrad();
                using var tape = new Tape(training: true, rng);
                // Truncated BPTT: each window starts from the state the last one ended in, carried on the device.
                var loss = task.Loss(tape, step % task.BatchesPerEpoch, out _);
                tape.Backward(loss);
                adam.Update();
                losses.Add(loss.Item());
            }
            return losses;
        }
        return Compare("character model", Train(device), Train(cpu), steps);
    }

    /// <summary>An encoder–decoder with Bahdanau attention learning to reverse random token sequences (lengths 3 to 8 in a batch),
    /// Adam with clipping.</summary>
    public static CheckResult Seq2Seq(Device device, Device cpu, bool tiny, int steps)
    {
        int vocab = 20, batch = tiny ? 4 : 32, length = 8;
        var config = new Seq2SeqConfig(vocab, vocab, "Gru", "bahdanau", Embed: tiny ? 8 : 64, EncoderHidden: tiny ? 8 : 64, DecoderHidden: tiny ? 12 : 128, Dropout: 0.1);
        var rng = new Random(3);
        var batches = Enumerable.Range(0, 8).Select(_ => ReverseBatch(rng, vocab, batch, length)).ToArray();
        List<double> Train(Device d)
        {
            using var model = new Seq2Seq<float>(d, config, seed: 1);
            using var adam = new Adam<float>(model, 3e-3) { ClipNorm = 5 };
            var dropout = new Rng(2);
            var losses = new List<double>();
            for (int step = 0; step < steps; step++)
            {
                var b = batches[step % batches.Length];
                model.ZeroGrad();
                using var tape = new Tape(training: true, dropout);
                var logits = model.Decode(tape, model.Encode(tape, b.Source, b.SourceSteps, b.Batch, b.SourceLengths), b.TargetInputs, b.TargetSteps, b.Batch);
                var loss = Losses.CrossEntropy(Ops.Reshape(logits, b.TargetSteps * b.Batch, vocab), b.TargetOutputs, ignoreIndex: -1);
                tape.Backward(loss);
                adam.Update();
                losses.Add(loss.Item());
            }
            return losses;
        }
        return Compare("seq2seq with attention", Train(device), Train(cpu), steps);
    }

    /// <summary>Source sequences of random words and their reverses, time-major and padded as TranslationBatch lays them out.</summary>
    private static TranslationBatch ReverseBatch(Random rng, int vocab, int batch, int longest)
    {
        var pairs = Enumerable.Range(0, batch).Select(_ =>
        {
            var words = Enumerable.Range(0, rng.Next(3, longest + 1)).Select(_ => rng.Next(Tokens.Specials, vocab)).ToArray();
            return (Source: words, Target: words.Reverse().ToArray());
        }).ToArray();
        int s = pairs.Max(p => p.Source.Length), t = pairs.Max(p => p.Target.Length) + 1;
        var source = new int[s * batch];
        var inputs = new int[t * batch];
        var outputs = Enumerable.Repeat(-1, t * batch).ToArray();
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < s; i++) source[i * batch + b] = i < pairs[b].Source.Length ? pairs[b].Source[i] : Tokens.Pad;
            var target = pairs[b].Target;
            for (int i = 0; i < t; i++)
            {
                inputs[i * batch + b] = i == 0 ? Tokens.Start : i <= target.Length ? target[i - 1] : Tokens.Pad;
                if (i < target.Length) outputs[i * batch + b] = target[i];
                else if (i == target.Length) outputs[i * batch + b] = Tokens.End;
            }
        }
        return new TranslationBatch(source, s, pairs.Select(p => p.Source.Length).ToArray(), inputs, outputs, t, batch);
    }

    /// <summary>The largest relative difference of the losses over the steps. Rounding differences compound through Adam but stay
    /// around 1e-4 after 50 steps; a wrong kernel, or a mask drawn differently, differs in the first decimals.</summary>
    private static CheckResult Compare(string name, List<double> device, List<double> cpu, int steps)
    {
        double worst = 0;
        string where = "";
        for (int i = 0; i < steps; i++)
        {
            double e = Math.Abs(device[i] - cpu[i]) / Math.Max(1, Math.Abs(cpu[i]));
            if (!(e <= worst)) { worst = double.IsNaN(e) ? double.PositiveInfinity : e; where = $"step {i + 1}: device {device[i]:F6}, CPU {cpu[i]:F6}"; }
        }
        return new CheckResult("model", $"{name}, {steps} steps (loss {cpu[0]:F4} → {cpu[^1]:F4})", worst, 2e-3, where);
    }

    /// <summary>A data file beside the program (the kit carries it in data/), or the repository's Examples/data.</summary>
    public static string Data(string file)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "data", file);
        return File.Exists(beside) ? beside : Recur.Examples.CommandLine.FindShippedData(file);
    }
}
