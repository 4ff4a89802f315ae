using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

using Recur.Examples.Tasks;

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
            // Truncated BPTT: each window starts from the state the last one ended in, carried on the device.
            return Steps(task, adam, steps);
        }
        return Compare("character model", Train(device), Train(cpu), steps);
    }

    /// <summary>An encoder–decoder with Bahdanau attention learning to reverse sentences of 3 to 8 random words through its
    /// translation task (length-bucketed batches, label smoothing), Adam with clipping.</summary>
    public static CheckResult Seq2Seq(Device device, Device cpu, bool tiny, int steps)
    {
        var rng = new Random(3);
        SentencePair Pair()
        {
            var words = Enumerable.Range(0, rng.Next(3, 9)).Select(_ => $"w{rng.Next(16)}").ToArray();
            return new SentencePair(string.Join(' ', words), string.Join(' ', words.Reverse()));
        }
        var data = new TranslationData(Enumerable.Range(0, 256).Select(_ => Pair()).ToList(), Enumerable.Range(0, 16).Select(_ => Pair()).ToList(), minCount: 1);
        var config = new Seq2SeqConfig(data.SourceVocabulary.Count, data.TargetVocabulary.Count, "Gru", "bahdanau", Embed: tiny ? 8 : 64,
            EncoderHidden: tiny ? 8 : 64, DecoderHidden: tiny ? 12 : 128, Dropout: 0.1);
        List<double> Train(Device d)
        {
            using var model = new Seq2Seq<float>(d, config, seed: 1);
            using var adam = new Adam<float>(model, 3e-3) { ClipNorm = 5 };
            return Steps(new TranslationTask(model, data, batch: tiny ? 4 : 32), adam, steps);
        }
        return Compare("seq2seq with attention", Train(device), Train(cpu), steps);
    }

    /// <summary>The loss of each of <paramref name="steps"/> training steps of <paramref name="task"/> from its first batch, the
    /// dropout masks drawn from one seed.</summary>
    private static List<double> Steps(ITrainingTask<float> task, Optimizer<float> optimizer, int steps)
    {
        var rng = new Rng(1);
        var losses = new List<double>();
        task.BeginEpoch(0);
        for (int step = 0; step < steps; step++)
        {
            task.Model.ZeroGrad();
            using var tape = new Tape(training: true, rng);
            var loss = task.Prepare(new BatchRequest(0, step % task.BatchesPerEpoch))(tape);
            tape.Backward(loss.Objective);
            optimizer.Update();
            losses.Add(loss.Reported);
        }
        return losses;
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
