using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Recur;

namespace Recur.Examples.CharRnn;

/// <summary>Trains a character language model on tiny Shakespeare (or any text), saves a checkpoint, and prints generated text.
///   dotnet run -c Release --project Examples/CharRnn                               train ~3 minutes, then sample
///   dotnet run -c Release --project Examples/CharRnn -- --generate checkpoints/charrnn --prompt "JULIET:"</summary>
public static class Program
{
    private const string Usage = """
        Usage: CharRnn [options]
          --cell NAME         recurrent cell: {cells} (default Lstm)
          --layers N          stacked layers (default 2)
          --hidden N          hidden size (default 256)
          --embed N           character embedding size (default 64)
          --dropout P         dropout between layers, 0 to 1 (default 0.1)
          --seq N             characters per truncated-BPTT window (default 100)
          --batch N           parallel streams (default 32)
          --lr X              learning rate (default 0.002)
          --optimizer NAME    adam or sgd (default adam)
          --clip X            global gradient-norm clip (default 5)
          --minutes X         training budget in minutes (default 3, unless --steps is given)
          --steps N           training budget in steps
          --device NAME       cpu, ilgpu-cpu, cuda or cuda:N (default cpu)
          --data FILE         training text (default Examples/data/tinyshakespeare.txt)
          --out DIR           checkpoint folder (default checkpoints/charrnn)
          --resume DIR        continue training from a checkpoint folder
          --generate DIR      only sample from a checkpoint folder
          --prompt TEXT       text to start sampling from (default "ROMEO:")
          --length N          characters to generate (default 300)
          --temperature X     sampling temperature; 0 is greedy (default 0.8)
          --top-k N           sample among the N likeliest characters (default 0: all)
          --top-p X           nucleus sampling mass, 0 to 1 (default 1: all)
          --seed N            random seed (default 1)
          --hyper NAME=X,...  the cell's hyperparameters, e.g. IdentityScale=0.5 for Irnn or CellClip=3 for PeepholeLstm
        """;

    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Options o;
        try { o = Options.Parse(args); }
        catch (UsageException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(Usage.Replace("{cells}", string.Join(", ", CellCatalog.Names)));
            return 2;
        }
        if (o.Help)
        {
            Console.WriteLine(Usage.Replace("{cells}", string.Join(", ", CellCatalog.Names)));
            return 0;
        }
        try
        {
            return o.GenerateDir is not null ? Generate(o) : Train(o);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    private static int Train(Options o)
    {
        var dataPath = o.Data ?? FindDefaultData();
        using var device = Device.FromName(o.Device);
        CharModelConfig config;
        TrainingState? resume = null;
        CharData data;
        if (o.ResumeDir is { } dir)
        {
            (config, var vocabulary, resume) = Checkpoint.ReadHeader(dir);
            if (resume is null) throw new InvalidDataException($"'{dir}' holds weights only (no training state); it can be sampled, not resumed.");
            // Unless given again, the run continues with the checkpoint's own settings.
            o = o with
            {
                Seq = o.Given.Contains("--seq") ? o.Seq : resume.Seq,
                Batch = o.Given.Contains("--batch") ? o.Batch : resume.Batch,
                Lr = o.Given.Contains("--lr") ? o.Lr : resume.LearningRate,
                Clip = o.Given.Contains("--clip") ? o.Clip : resume.Clip,
                Optimizer = resume.Optimizer,
                Seed = o.Given.Contains("--seed") ? o.Seed : resume.Seed,
            };
            // Hyperparameters given again replace the checkpoint's (a clip, say); the weights stay the checkpoint's.
            if (o.Hypers is not null) config = config with { Hypers = o.Hypers };
            data = CharData.Load(dataPath, vocabulary);
            Console.WriteLine($"Resuming {dir} at step {resume.Step}.");
        }
        else
        {
            data = CharData.Load(dataPath);
            config = new CharModelConfig(o.Cell, data.Vocabulary.Length, o.Embed, o.Hidden, o.Layers, o.Dropout, o.Hypers);
        }
        using var model = new CharModel(device, config, o.Seed);
        if (o.ResumeDir is not null) Checkpoint.LoadWeights(o.ResumeDir, model);
        var options = new TrainerOptions
        {
            Steps = o.Steps,
            Minutes = o.Steps is null ? o.Minutes ?? 3 : o.Minutes,
            Seq = o.Seq, Batch = o.Batch, LearningRate = o.Lr, Clip = o.Clip, Optimizer = o.Optimizer, Seed = o.Seed,
            CheckpointDir = o.Out,
        };
        bool live = !Console.IsOutputRedirected;
        var trainer = new Trainer(model, data, options, line => { Console.Write(live ? line : line + "\n"); }, live, resume);
        if (o.ResumeDir is not null) trainer.LoadCheckpointState(o.ResumeDir);
        Console.WriteLine($"Training {config.Cell}{(string.IsNullOrEmpty(config.Hypers) ? "" : $" ({config.Hypers})")}: {config.Layers} layer(s) of {config.Hidden}, embedding {config.Embed}, dropout {config.Dropout}, " +
                          $"{model.ParameterCount:N0} parameters on {device.Name}; GEMM: {device.GemmName<float>()}.");
        Console.WriteLine($"Data: {dataPath}, {data.Train.Length:N0} training and {data.Validation.Length:N0} validation characters, vocabulary {data.Vocabulary.Length}; " +
                          $"batches of {o.Batch} streams × {o.Seq} characters; budget {(options.Steps is { } s ? $"{s} steps" : $"{options.Minutes} minutes")}.");
        double val = trainer.Run();
        Console.WriteLine($"Validation loss {val:F3} nats/char ({val / Math.Log(2):F3} bits/char). Checkpoint and loss curve: {Path.GetFullPath(o.Out)}");
        Console.WriteLine();
        Console.WriteLine(Sampler.Generate(model, data.Vocabulary, o.Prompt, o.Length, new SamplingOptions(o.Temperature, o.TopK, o.TopP), new Rng((ulong)o.Seed)));
        return 0;
    }

    private static int Generate(Options o)
    {
        var (config, vocabulary, _) = Checkpoint.ReadHeader(o.GenerateDir!);
        using var device = Device.FromName(o.Device);
        using var model = new CharModel(device, config, o.Seed);
        Checkpoint.LoadWeights(o.GenerateDir!, model);
        Console.WriteLine(Sampler.Generate(model, vocabulary, o.Prompt, o.Length, new SamplingOptions(o.Temperature, o.TopK, o.TopP), new Rng((ulong)o.Seed)));
        return 0;
    }

    private static string FindDefaultData()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "Examples", "data", "tinyshakespeare.txt");
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException("Examples/data/tinyshakespeare.txt was not found; pass --data FILE.");
    }

    private sealed class UsageException(string message) : Exception(message);

    private static string Cell(string name) => CellCatalog.Names.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"--cell takes one of {string.Join(", ", CellCatalog.Names)}, not '{name}'.");

    private sealed record Options
    {
        public bool Help { get; init; }
        public string Cell { get; init; } = "Lstm";
        public int Layers { get; init; } = 2;
        public int Hidden { get; init; } = 256;
        public int Embed { get; init; } = 64;
        public float Dropout { get; init; } = 0.1f;
        public int Seq { get; init; } = 100;
        public int Batch { get; init; } = 32;
        public float Lr { get; init; } = 2e-3f;
        public string Optimizer { get; init; } = "adam";
        public float Clip { get; init; } = 5f;
        public double? Minutes { get; init; }
        public int? Steps { get; init; }
        public string Device { get; init; } = "cpu";
        public string? Data { get; init; }
        public string Out { get; init; } = Path.Combine("checkpoints", "charrnn");
        public string? ResumeDir { get; init; }
        public string? GenerateDir { get; init; }
        public string Prompt { get; init; } = "ROMEO:";
        public int Length { get; init; } = 300;
        public double Temperature { get; init; } = 0.8;
        public int TopK { get; init; }
        public double TopP { get; init; } = 1.0;
        public int Seed { get; init; } = 1;
        public string? Hypers { get; init; }
        /// <summary>The options given on the command line (a resumed run takes the others from its checkpoint).</summary>
        public HashSet<string> Given { get; } = new();

        public static Options Parse(string[] args)
        {
            var o = new Options();
            foreach (var a in args) if (a.StartsWith("--", StringComparison.Ordinal)) o.Given.Add(a);
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string V() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{a} needs a value.");
                int Int(int min = 1) => int.TryParse(V(), out var v) && v >= min ? v : throw new UsageException($"{a} takes a whole number ≥ {min}, not '{args[i]}'.");
                double Num() => double.TryParse(V(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new UsageException($"{a} takes a number, not '{args[i]}'.");
                o = a switch
                {
                    "-h" or "--help" => o with { Help = true },
                    "--cell" => o with { Cell = Cell(V()) },
                    "--layers" => o with { Layers = Int() },
                    "--hidden" => o with { Hidden = Int() },
                    "--embed" => o with { Embed = Int() },
                    "--dropout" => o with { Dropout = (float)(Num() is var d and >= 0 and < 1 ? d : throw new UsageException($"--dropout takes a number in [0, 1), not {args[i]}.")) },
                    "--seq" => o with { Seq = Int() },
                    "--batch" => o with { Batch = Int() },
                    "--lr" => o with { Lr = (float)(Num() is var l and > 0 ? l : throw new UsageException("--lr must be positive.")) },
                    "--optimizer" => o with { Optimizer = V() is "adam" or "sgd" ? args[i] : throw new UsageException($"--optimizer takes adam or sgd, not '{args[i]}'.") },
                    "--clip" => o with { Clip = (float)(Num() is var cl and >= 0 ? cl : throw new UsageException("--clip must be 0 (off) or positive.")) },
                    "--minutes" => o with { Minutes = Num() is var m and > 0 ? m : throw new UsageException("--minutes must be positive.") },
                    "--steps" => o with { Steps = Int() },
                    "--device" => o with { Device = V() },
                    "--data" => o with { Data = V() },
                    "--out" => o with { Out = V() },
                    "--resume" => o with { ResumeDir = V() },
                    "--generate" => o with { GenerateDir = V() },
                    "--prompt" => o with { Prompt = V() },
                    "--length" => o with { Length = Int(0) },
                    "--temperature" => o with { Temperature = Num() },
                    "--top-k" => o with { TopK = Int(0) },
                    "--top-p" => o with { TopP = Num() is var p and > 0 and <= 1 ? p : throw new UsageException($"--top-p takes a number in (0, 1], not {args[i]}.") },
                    "--seed" => o with { Seed = Int(0) },
                    "--hyper" => o with { Hypers = V() },
                    _ => throw new UsageException($"Unknown option '{a}'."),
                };
            }
            if (o.ResumeDir is not null && o.GenerateDir is not null) throw new UsageException("--resume and --generate do not go together.");
            if (o.ResumeDir is not null) o = o with { Out = o.ResumeDir };
            return o;
        }
    }
}
