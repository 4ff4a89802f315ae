using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using Recur;
using Recur.Examples.Tasks;
using static Recur.Examples.CommandLine;

namespace Recur.Examples.CharRnn;

/// <summary>What a run was asked to do, after parsing and checking.</summary>
internal sealed record Settings
{
    public string Cell { get; init; } = "Lstm";
    public int Layers { get; init; }
    public int Hidden { get; init; }
    public int Embed { get; init; }
    public float Dropout { get; init; }
    public int Seq { get; init; }
    public int Batch { get; init; }
    public double Lr { get; init; }
    public string Optimizer { get; init; } = "adam";
    public double WeightDecay { get; init; }
    public Schedule Schedule { get; init; } = Schedule.Constant();
    public double Clip { get; init; }
    public double? Minutes { get; init; }
    public int? Steps { get; init; }
    public double CheckpointMinutes { get; init; }
    public string Device { get; init; } = "cpu";
    public string? Data { get; init; }
    public string Out { get; init; } = "";
    public string? ResumeDir { get; init; }
    public string? GenerateDir { get; init; }
    public string Prompt { get; init; } = "";
    public int Length { get; init; }
    public double Temperature { get; init; }
    public int TopK { get; init; }
    public double TopP { get; init; }
    public int Seed { get; init; }
    public string? Hypers { get; init; }
    public string? Interconnect { get; init; }
    public double Zoneout { get; init; }
    public double WeightDrop { get; init; }
    public CharRegularizers Regularizers { get; init; } = new();
    public string? Visualize { get; init; }
    public string? Equation { get; init; }
    public int Units { get; init; }
    public bool Distributed { get; init; }
    public int Threads { get; init; }
    public int Curriculum { get; init; }
    public bool LoadAhead { get; init; } = true;
    public int LogEvery { get; init; }
    public bool VerifyReplicas { get; init; }
    /// <summary>The options given on the command line (a resumed run takes the others from its checkpoint).</summary>
    public IReadOnlySet<string> GivenOptions { get; init; } = new HashSet<string>();
    public bool Given(string option) => GivenOptions.Contains(option);
}

/// <summary>CharRnn's options as System.CommandLine options, each with its default, its allowed values and a check whose message
/// names the option and what it takes.</summary>
internal sealed class Options
{
    private readonly Option<string> _cell = Choice("--cell", "recurrent cell", "Lstm", CellCatalog.Names.ToArray(), ignoreCase: true);
    private readonly Option<int> _layers = Whole("--layers", "stacked layers", 2);
    private readonly Option<int> _hidden = Whole("--hidden", "hidden size", 256);
    private readonly Option<int> _embed = Whole("--embed", "character embedding size", 64);
    private readonly Option<double> _dropout = Number("--dropout", "dropout between layers, in [0, 1)", 0.1, v => v >= 0 && v < 1, "a number in [0, 1)");
    private readonly Option<int> _seq = Whole("--seq", "characters per truncated-BPTT window", 100);
    private readonly Option<int> _batch = Whole("--batch", "parallel streams", 32);
    private readonly Option<double> _lr = Number("--lr", "learning rate", 2e-3, v => v > 0, "a positive number");
    private readonly Option<string> _optimizer = Choice("--optimizer", "optimizer", "adam", Optimizer<float>.Names);
    private readonly Option<double> _weightDecay = Number("--weight-decay", "weight decay (L2 for adam, sgd and rmsprop; decoupled for adamw)", 0, v => v >= 0, "a number ≥ 0");
    private readonly ScheduleOptions _schedule = new();
    private readonly Option<double> _clip = Number("--clip", "global gradient-norm clip (0: off)", 5, v => v >= 0, "0 (off) or a positive number");
    private readonly Option<double?> _minutes = Minutes("training budget in minutes (default 3, unless --steps is given)");
    private readonly Option<int?> _steps = Steps();
    private readonly Option<double> _checkpointMinutes = Number("--checkpoint-minutes", "minutes between checkpoints during training (0: only at the end and on Ctrl-C)", 2, v => v >= 0, "a number ≥ 0");
    private readonly Option<string> _device = new("--device") { Description = "cpu, ilgpu-cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    private readonly Option<string?> _data = new("--data") { Description = "training text (default Examples/data/tinyshakespeare.txt)" };
    private readonly Option<string> _out = new("--out") { Description = "checkpoint folder", DefaultValueFactory = _ => Path.Combine("checkpoints", "charrnn") };
    private readonly Option<string?> _resume = new("--resume") { Description = "continue training from a checkpoint folder" };
    private readonly Option<string?> _generate = new("--generate") { Description = "only sample from a checkpoint folder" };
    private readonly Option<string> _prompt = new("--prompt") { Description = "text to start sampling from", DefaultValueFactory = _ => "ROMEO:" };
    private readonly Option<int> _length = Whole("--length", "characters to generate", 300, min: 0);
    private readonly Option<double> _temperature = Number("--temperature", "sampling temperature; 0 is greedy", 0.8, v => v >= 0, "a number ≥ 0");
    private readonly Option<int> _topK = Whole("--top-k", "sample among the N likeliest characters (0: all)", 0, min: 0);
    private readonly Option<double> _topP = Number("--top-p", "nucleus sampling mass", 1, v => v > 0 && v <= 1, "a number in (0, 1]");
    private readonly Option<int> _seed = Whole("--seed", "random seed", 1, min: 0);
    private readonly Option<string?> _hyper = new("--hyper") { Description = "the cell's hyperparameters, e.g. IdentityScale=0.5 for Irnn or CellClip=3 for PeepholeLstm" };
    private readonly Option<string?> _interconnect = new("--interconnect")
    {
        Description = "connections between stacked layers, combinable: inputs (every layer reads the embedding), states (the layer below's other states), skip:K (the output K+1 layers below), residual, dense (the head reads every layer)",
        HelpName = "inputs|states|skip:K|residual|dense",
        CustomParser = r => Parse<string?>(r, "--interconnect", "inputs, states, skip:K (K ≥ 1), residual or dense, separated by commas",
            (string text, out string? v) => { v = text; try { Recur.Interconnect.Parse(text); return true; } catch (ArgumentException) { return false; } }),
    };
    private readonly Option<double> _zoneout = Number("--zoneout", "zoneout probability on every state of every layer", 0, v => v >= 0 && v < 1, "a number in [0, 1)");
    private readonly Option<double> _weightDrop = Number("--weight-drop", "DropConnect probability on the recurrent weights", 0, v => v >= 0 && v < 1, "a number in [0, 1)");
    private readonly Option<double> _normStabilizer = Number("--norm-stabilizer", "norm-stabilizer weight β on the top layer's states", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<double> _decov = Number("--decov", "DeCov weight on the top layer's states", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<double> _ar = Number("--ar", "activation regularization weight on the top layer's states", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<double> _tar = Number("--tar", "temporal activation regularization weight on the top layer's states", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<string?> _visualize = new("--visualize") { Description = "draw an equation of the top layer over the generated text into this SVG file" };
    private readonly Option<string?> _equation = new("--equation") { Description = "the equation --visualize draws (default: the cell's first helper equation, else its first)" };
    private readonly Option<int> _units = Whole("--units", "units --visualize draws", 16);
    private readonly Option<bool> _distributed = new("--distributed")
    {
        Description = "data-parallel training over MPI: start the ranks with mpirun -np N; --batch is the global batch, each rank trains its share",
    };
    private readonly Option<int> _threads = Whole("--threads", "threads of the CPU device (0: the cores, divided among the ranks on this machine)", 0, min: 0);
    private readonly Option<int> _curriculum = CurriculumSteps("segments of fewer characters than --seq, from a zero state");
    private readonly Option<bool> _loadAhead = LoadAhead();
    private readonly Option<int> _logEvery = Whole("--log-every", "steps between progress lines (and points of the loss curve)", 20);
    private readonly Option<bool> _verifyReplicas = new("--verify-replicas")
    {
        Description = "with --distributed, check after every step that all ranks hold bit-identical weights (for tests and debugging)",
    };

    public Options()
    {
        Root = new RootCommand("Trains a character language model with Recur and samples from it.");
        foreach (var o in new Option[] { _cell, _layers, _hidden, _embed, _dropout, _seq, _batch, _lr, _optimizer, _weightDecay, _clip, _minutes, _steps, _checkpointMinutes, _device, _data, _out, _resume, _generate, _prompt, _length,
                     _temperature, _topK, _topP, _seed, _hyper, _interconnect, _zoneout, _weightDrop, _normStabilizer, _decov, _ar, _tar, _visualize, _equation, _units,
                     _distributed, _threads, _logEvery, _verifyReplicas, _curriculum, _loadAhead })
            Root.Add(o);
        _schedule.AddTo(Root, _steps);
        Root.Validators.Add(r =>
        {
            if (r.GetResult(_resume) is { Implicit: false } && r.GetResult(_generate) is { Implicit: false }) r.AddError("--resume and --generate do not go together.");
            if (r.GetValue(_distributed) && r.GetResult(_generate) is { Implicit: false }) r.AddError("--distributed trains; --generate samples on one process.");
        });
    }

    public RootCommand Root { get; }

    public Settings Read(ParseResult p)
    {
        var given = Root.Options.Where(o => p.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet();
        var resume = p.GetValue(_resume);
        int? steps = p.GetValue(_steps);
        var schedule = _schedule.Read(p, steps);
        return new Settings
        {
            Cell = CellCatalog.Canonical(p.GetValue(_cell)!),
            Layers = p.GetValue(_layers), Hidden = p.GetValue(_hidden), Embed = p.GetValue(_embed), Dropout = (float)p.GetValue(_dropout),
            Seq = p.GetValue(_seq), Batch = p.GetValue(_batch), Lr = p.GetValue(_lr), Optimizer = p.GetValue(_optimizer)!,
            WeightDecay = p.GetValue(_weightDecay), Schedule = schedule, Clip = p.GetValue(_clip),
            Minutes = p.GetValue(_minutes), Steps = steps, CheckpointMinutes = p.GetValue(_checkpointMinutes),
            Device = p.GetValue(_device)!, Data = p.GetValue(_data), Out = resume ?? p.GetValue(_out)!, ResumeDir = resume, GenerateDir = p.GetValue(_generate),
            Prompt = p.GetValue(_prompt)!, Length = p.GetValue(_length), Temperature = p.GetValue(_temperature), TopK = p.GetValue(_topK), TopP = p.GetValue(_topP),
            Seed = p.GetValue(_seed), Hypers = p.GetValue(_hyper), GivenOptions = given,
            Interconnect = p.GetValue(_interconnect), Zoneout = p.GetValue(_zoneout), WeightDrop = p.GetValue(_weightDrop),
            Regularizers = new CharRegularizers(p.GetValue(_normStabilizer), p.GetValue(_decov), p.GetValue(_ar), p.GetValue(_tar)),
            Visualize = p.GetValue(_visualize), Equation = p.GetValue(_equation), Units = p.GetValue(_units),
            Distributed = p.GetValue(_distributed), Curriculum = p.GetValue(_curriculum), LoadAhead = p.GetValue(_loadAhead), Threads = p.GetValue(_threads), LogEvery = p.GetValue(_logEvery),
            VerifyReplicas = p.GetValue(_verifyReplicas),
        };
    }
}
