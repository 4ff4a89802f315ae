using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Recur;
using Recur.Examples.Tasks;

namespace Recur.Examples.CharRnn;

/// <summary>Trains a character language model on tiny Shakespeare (or any text), saves a checkpoint, and prints generated text.
///   dotnet run -c Release --project Examples/CharRnn                               train ~3 minutes, then sample
///   dotnet run -c Release --project Examples/CharRnn -- --generate checkpoints/charrnn --prompt "JULIET:"
/// The command line is System.CommandLine's; a mistake exits with code 2 and a message naming the option.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var cli = new Options();
        return CommandLine.Run(cli.Root, args, parsed =>
        {
            var o = cli.Read(parsed);
            return o.GenerateDir is not null ? Generate(o) : Train(o);
        });
    }

    private static int Train(Settings o)
    {
        var dataPath = o.Data ?? CommandLine.FindShippedData("tinyshakespeare.txt");
        return DataParallelRun.Run(o.Distributed, o.Device, o.Threads, (device, parallel) => Train(o, dataPath, device, parallel));
    }

    private static int Train(Settings o, string dataPath, Device device, DataParallel? parallel)
    {
        CharModelConfig config;
        CheckpointReader? checkpoint = null;
        CharData data;
        if (o.ResumeDir is { } dir)
        {
            checkpoint = Checkpoint.Open(dir);
            var saved = checkpoint.Training ?? throw new InvalidDataException($"'{dir}' holds no training state (weights only, or written by an earlier Recur); it can be sampled (--generate), not resumed.");
            var task = checkpoint.ReadTask<CharTaskDescription>();
            // Unless given again, the run continues with the checkpoint's own settings: the task's here, the trainer's in Trainer.Resume.
            o = o with { Seq = o.Given("--seq") ? o.Seq : task.Seq, Batch = o.Given("--batch") ? o.Batch : task.Batch };
            config = task.Model;
            // Hyperparameters given again replace the checkpoint's (a clip, say); the weights stay the checkpoint's. So do the
            // regularizers and zoneout or weight-drop; the structure (cell, sizes, interconnects) is the checkpoint's.
            if (o.Hypers is not null) config = config with { Hypers = o.Hypers };
            if (o.Given("--zoneout")) config = config with { Zoneout = o.Zoneout };
            if (o.Given("--weight-drop")) config = config with { WeightDrop = o.WeightDrop };
            var saved2 = task.Regularizers ?? new CharRegularizers();
            o = o with
            {
                Regularizers = new CharRegularizers(
                    o.Given("--norm-stabilizer") ? o.Regularizers.NormStabilizer : saved2.NormStabilizer,
                    o.Given("--decov") ? o.Regularizers.DeCov : saved2.DeCov,
                    o.Given("--ar") ? o.Regularizers.Activation : saved2.Activation,
                    o.Given("--tar") ? o.Regularizers.Temporal : saved2.Temporal),
            };
            data = CharData.Load(dataPath, task.Vocabulary);
            Console.WriteLine($"Resuming {dir} at step {saved.Step}.");
        }
        else
        {
            data = CharData.Load(dataPath);
            config = new CharModelConfig(o.Cell, data.Vocabulary.Length, o.Embed, o.Hidden, o.Layers, o.Dropout, o.Hypers, o.Interconnect, o.Zoneout, o.WeightDrop);
        }
        using var model = new CharModel(device, config, o.Seed);
        checkpoint?.LoadModel(model);
        using var charTask = new CharTask(model, data, o.Seq, o.Batch, o.Regularizers, parallel?.Shard);
        var options = new TrainerOptions
        {
            Steps = o.Steps,
            Minutes = o.Steps is null ? o.Minutes ?? 3 : o.Minutes,
            CheckpointDir = o.Out,
            CheckpointMinutes = o.CheckpointMinutes,
            LogEvery = o.LogEvery,
            Parallel = parallel,
            VerifyReplicas = o.VerifyReplicas,
            LoadAhead = o.LoadAhead,
            Title = $"{config.Cell} {config.Layers}×{config.Hidden} on {data.Train.Length + data.Validation.Length:N0} characters",
        };
        bool live = !Console.IsOutputRedirected;
        Action<string> log = line => Console.Write(live ? line : line + "\n");
        using var trainer = checkpoint is null
            ? Trainer<float>.Start(charTask, new TrainingSettings(o.Optimizer, o.Lr, o.WeightDecay, o.Clip, o.Schedule, o.Seed, CommandLine.Curriculum(o.Curriculum)), options, log, live)
            : Trainer<float>.Resume(charTask, checkpoint, new TrainingOverrides(
                LearningRate: o.Given("--lr") ? o.Lr : null, WeightDecay: o.Given("--weight-decay") ? o.WeightDecay : null,
                Clip: o.Given("--clip") ? o.Clip : null, Schedule: o.Given("--schedule") || o.Given("--warmup") ? o.Schedule : null,
                Seed: o.Given("--seed") ? o.Seed : null, Curriculum: o.Given("--curriculum") ? CommandLine.Curriculum(o.Curriculum) : null), options, log, live);
        var settings = trainer.State.Settings;
        o = o with { Seed = settings.Seed };
        Console.WriteLine($"Training {config.Cell}{(string.IsNullOrEmpty(config.Hypers) ? "" : $" ({config.Hypers})")}: {config.Layers} layer(s) of {config.Hidden}, embedding {config.Embed}, dropout {config.Dropout}" +
                          $"{(config.Interconnect is { Length: > 0 } ic ? $", interconnect {Interconnect.Parse(ic)}" : "")}{(config.Zoneout > 0 ? $", zoneout {config.Zoneout}" : "")}{(config.WeightDrop > 0 ? $", weight-drop {config.WeightDrop}" : "")}" +
                          $"{(o.Regularizers.Any ? $", regularizers: {o.Regularizers}" : "")}, {model.ParameterCount:N0} parameters on {device.Name}; GEMM: {device.GemmName<float>()}.");
        Console.WriteLine($"Data: {dataPath}, {data.Train.Length:N0} training and {data.Validation.Length:N0} validation characters, vocabulary {data.Vocabulary.Length}; " +
                          $"batches of {o.Batch} streams × {o.Seq} characters; {trainer.Optimizer.Name}, lr {settings.LearningRate} ({settings.Schedule.Kind}{(settings.Schedule.Warmup > 0 ? $", {settings.Schedule.Warmup} warm-up steps" : "")}); " +
                          $"{(settings.Curriculum is { } cur ? $"curriculum over {cur.Steps} steps; " : "")}budget {(options.Steps is { } st ? $"{st} steps" : $"{options.Minutes} minutes")}.");
        if (parallel is not null)
            Console.WriteLine($"Data-parallel over {parallel.Size} ranks ({parallel.Engine}), {o.Batch / parallel.Size} streams and {device.Threads} thread(s) each.");
        var result = trainer.Run();
        if (parallel is not null)
            Console.WriteLine($"Averaging gradients took {parallel.ReduceTime.TotalSeconds:F1} s on rank 0.");
        if (result.Interrupted)
        {
            Console.WriteLine("Resume with: " + DataParallelRun.ResumeCommand("CharRnn", o.Out, parallel));
            return 130;
        }
        Console.WriteLine($"Validation loss {result.ValidationLoss:F3} nats/char ({result.ValidationLoss / Math.Log(2):F3} bits/char). Checkpoint and loss curve: {Path.GetFullPath(o.Out)}");
        if (parallel is { IsRoot: false }) return 0;
        Console.WriteLine();
        Console.WriteLine(Sample(model, data.Vocabulary, o));
        return 0;
    }

    /// <summary>Generated text; with --visualize, also the picture of an equation of the top layer over it.</summary>
    private static string Sample(CharModel model, string vocabulary, Settings o)
    {
        var options = new SamplingOptions(o.Temperature, o.TopK, o.TopP);
        if (o.Visualize is not { } file) return model.Generate(vocabulary, o.Prompt, o.Length, options, new Rng((ulong)o.Seed));
        int top = model.Layers.Layers.Count - 1;
        var layer = (RnnLayer<float>)model.Layers.Layers[top];
        var equation = o.Equation ?? layer.Equations.FirstOrDefault(e => e.Contains('.')) ?? layer.Equations.FirstOrDefault()
            ?? throw new ArgumentException($"{layer.Spec.Name} has no equations to draw.");
        var (text, values) = model.GenerateRecording(vocabulary, o.Prompt, o.Length, options, new Rng((ulong)o.Seed), top, equation);
        int units = Math.Min(o.Units, values[0].Length);
        AtomicFile.WriteText(file, HeatStrip.Svg(text[..values.Count], values, Enumerable.Range(0, units).ToArray(),
            $"{layer.Spec.Name} layer {top}: equation {equation}, units 0–{units - 1}, over the text it read"));
        Console.Error.WriteLine($"Drew equation {equation} of layer {top} (units 0–{units - 1}) over {values.Count} characters: {Path.GetFullPath(file)}");
        return text;
    }

    private static int Generate(Settings o)
    {
        var checkpoint = Checkpoint.Open(o.GenerateDir!);
        var task = checkpoint.ReadTask<CharTaskDescription>();
        using var device = Device.FromName(o.Device);
        using var model = new CharModel(device, task.Model, o.Seed);
        checkpoint.LoadModel(model);
        Console.WriteLine(Sample(model, task.Vocabulary, o));
        return 0;
    }
}
